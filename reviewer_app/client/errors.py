"""Typed errors of the client core. Each str() is a sentence a reviewer can act on; the UI
and the CLI show it as is, and branch on the type, never on the text."""

from __future__ import annotations

from datetime import datetime


class ClientError(Exception):
    """Base of every error the client core raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class LoginRequired(ClientError):
    """No usable session: sign in again. Nothing in the outbox is lost meanwhile."""

    def __init__(self, message: str = "Your session has ended. Please sign in again; "
                                      "your unsent work is kept.") -> None:
        super().__init__(message)


class AuthFailed(ClientError):
    """The service refused the username or password."""

    def __init__(self, message: str = "Sign-in failed: check your username and password.") -> None:
        super().__init__(message)


class InsecureKeyring(ClientError):
    """The OS keyring is missing or would store secrets in clear text."""

    def __init__(self, backend: str) -> None:
        super().__init__(
            f"No secure keyring is available (found {backend}). Install and unlock a Secret "
            "Service keyring, e.g. `sudo apt install gnome-keyring` (or KWallet on KDE), then "
            "sign in again. Your sign-in is never stored in a plain file."
        )
        self.backend = backend


class KeyringUnavailable(ClientError):
    """A secure OS keyring is there but cannot be used now: it did not answer in time (a hung
    or stopped daemon, an unlock prompt nobody answers), is locked, or failed the call."""

    def __init__(self, problem: str, *, silent: bool = False) -> None:
        super().__init__(
            f"The OS keyring {problem}. Unlock or restart it (e.g. log out and in, or run "
            "`gnome-keyring-daemon --replace --unlock`), then try again. Your unsent work is "
            "kept."
        )
        self.problem = problem
        self.silent = silent  # it did not answer at all (the call may still complete later)


class ServiceUnavailable(ClientError):
    """The service cannot be reached or failed; work stays in the outbox for later."""

    def __init__(self, message: str = "The review service cannot be reached right now. Your "
                                      "work is saved locally and will be sent later.",
                 retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class MalformedReply(ClientError):
    """The service answered with something that is not the promised contract."""

    def __init__(self, what: str) -> None:
        super().__init__(f"The review service sent an unexpected reply ({what}). Your work is "
                         "saved locally; try again later or tell support.")
        self.what = what


class _Retryable(ClientError):
    def __init__(self, message: str, retry_after_s: float | None,
                 until: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.until = until


class OnBreak(_Retryable):
    """The service refuses new cases during an enforced break."""

    def __init__(self, retry_after_s: float | None, until: datetime | None = None) -> None:
        when = f" until {until:%H:%M} UTC" if until else (
            f" for about {round((retry_after_s or 0) / 60) or 1} min" if retry_after_s else "")
        super().__init__(f"You are on a break{when}. New cases will come after it.",
                         retry_after_s, until)


class CapReached(_Retryable):
    """An exposure cap is reached: no more cases of that kind for now."""

    def __init__(self, retry_after_s: float | None, detail: str = "",
                 until: datetime | None = None) -> None:
        extra = f" ({detail})" if detail else ""
        super().__init__(f"You have reached an exposure limit{extra}. No more of these cases "
                         "for now; there is no penalty for this.", retry_after_s, until)
        self.detail = detail


class ShiftLimit(_Retryable):
    """The daily limit for graphic work is used up."""

    def __init__(self, retry_after_s: float | None = None, detail: str = "") -> None:
        super().__init__("Your time in graphic queues for this shift is used up. Switch to "
                         "other work or end your shift.", retry_after_s)
        self.detail = detail


class LeaseLost(ClientError):
    """The case went back to the queue (lease expired and re-leased) or was decided."""

    def __init__(self, case_id: str, reason: str = "") -> None:
        extra = f" ({reason})" if reason else ""
        super().__init__(f"Case {case_id} is no longer assigned to you{extra}. Your decision "
                         "is kept and shown under conflicts.")
        self.case_id = case_id
        self.reason = reason


class UnsafeMedia(ClientError):
    """Media bytes failed a check (digest, size): they are dropped, never shown."""

    def __init__(self, media_id: str, why: str) -> None:
        super().__init__(f"Media {media_id} was not shown: {why}. A placeholder is shown instead.")
        self.media_id = media_id
        self.why = why


class NotFound(ClientError):
    """The service does not know this case or media item."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} was not found on the review service.")
        self.what = what


class AlreadyDecided(ClientError):
    """This computer already holds a decision for the case (pending or sent)."""

    def __init__(self, case_id: str) -> None:
        super().__init__(f"Case {case_id} is already decided on this computer; the decision "
                         "is in your outbox.")
        self.case_id = case_id


class InvalidInput(ClientError):
    """What was entered cannot make a valid decision, note or event; nothing was saved."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Not saved: {detail}.")
        self.detail = detail
