"""The console's sentences for what went wrong: each typed error of the client core, said so a
lead can act on it (the core's own sentences speak to a reviewer with an outbox)."""

from __future__ import annotations

from reviewer_app.client.errors import ClientError, LoginRequired, NotFound, ServiceUnavailable
from reviewer_app.client.lead import NotPermitted, PolicyConflict, PolicyRejected


def console_message(exc: BaseException, doing: str = "") -> str:
    """One sentence for `exc`; `doing` says what was being attempted ("loading the policy")."""
    prefix = f"{doing[:1].upper()}{doing[1:]} failed: " if doing else ""
    if isinstance(exc, ServiceUnavailable):
        return (f"{prefix}the review service cannot be reached right now. Nothing was changed "
                "on the service; your edits stay in the console. Press F5 to try again.")
    if isinstance(exc, NotPermitted | PolicyConflict | PolicyRejected | LoginRequired):
        return f"{prefix}{exc}"
    if isinstance(exc, NotFound):
        return f"{prefix}{exc.what} is not on the review service (check the team's name)."
    if isinstance(exc, ClientError):
        return f"{prefix}{exc}"
    return f"{prefix}an unexpected problem ({type(exc).__name__}: {exc}). Try again, or tell " \
           "support."
