"""Forgetting what no longer matters: expired tokens, old login failures, idempotency keys
past their 7 days. Run when an instance starts; safe to run on every instance at once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from reviewer_app.service.context import ServiceContext
from reviewer_app.service.models import AccessToken, IdempotencyRow, LoginFailure, RefreshToken

TOKEN_GRACE = timedelta(days=1)
"""Expired tokens are kept a day, so a late request still gets `token_expired`."""


def purge(ctx: ServiceContext) -> None:
    now = ctx.now()
    with ctx.db.write() as s:
        s.execute(delete(IdempotencyRow).where(
            IdempotencyRow.created_at <= now - timedelta(seconds=ctx.settings.idempotency_ttl_s)))
        s.execute(delete(LoginFailure).where(
            LoginFailure.at <= now - timedelta(seconds=ctx.settings.login_rate_window_s)))
        s.execute(delete(AccessToken).where(AccessToken.expires_at <= now - TOKEN_GRACE))
        s.execute(delete(RefreshToken).where(RefreshToken.expires_at <= now - TOKEN_GRACE))
