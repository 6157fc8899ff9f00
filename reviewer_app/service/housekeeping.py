"""Forgetting what no longer matters: expired tokens, old login failures, idempotency keys
past their 7 days; and moving media bytes still held in the database into the media store.
Run when an instance starts; safe to run on every instance at once."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, inspect, select, update

from reviewer_app.service.context import ServiceContext
from reviewer_app.service.models import (
    AccessToken,
    IdempotencyRow,
    LoginFailure,
    MediaRow,
    RefreshToken,
)
from reviewer_app.service.storage import DirectoryStore, MediaStoreError

TOKEN_GRACE = timedelta(days=1)
"""Expired tokens are kept a day, so a late request still gets `token_expired`."""
_log = logging.getLogger(__name__)


def purge(ctx: ServiceContext) -> None:
    now = ctx.now()
    with ctx.db.write() as s:
        s.execute(delete(IdempotencyRow).where(
            IdempotencyRow.created_at <= now - timedelta(seconds=ctx.settings.idempotency_ttl_s)))
        s.execute(delete(LoginFailure).where(
            LoginFailure.at <= now - timedelta(seconds=ctx.settings.login_rate_window_s)))
        s.execute(delete(AccessToken).where(AccessToken.expires_at <= now - TOKEN_GRACE))
        s.execute(delete(RefreshToken).where(RefreshToken.expires_at <= now - TOKEN_GRACE))
    prepare_store(ctx)
    move_media_to_store(ctx)


def prepare_store(ctx: ServiceContext) -> None:
    """Creates a missing media directory; one that cannot be made is reported by /readyz and
    the self-test, and the instance still starts (it can serve everything else)."""
    if isinstance(ctx.media, DirectoryStore):
        try:
            ctx.media.ensure()
        except OSError as exc:
            _log.error("cannot create the media directory %s: %s", ctx.media.root, exc.strerror)


def move_media_to_store(ctx: ServiceContext) -> int:
    """Moves the bytes of rows ingested before revision 0005 from `data` into the store, one
    row per transaction (a large blob never waits on another); returns how many it moved.
    Nothing to do, and nothing touched, while the schema is older than 0005."""
    with ctx.db.lookup() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns(MediaRow.__tablename__)}
    if "storage_key" not in columns:
        return 0
    with ctx.db.read() as s:
        ids = s.scalars(select(MediaRow.id).where(MediaRow.data.is_not(None))).all()
    moved = 0
    for media_id in ids:
        with ctx.db.write() as s:
            data = s.scalar(select(MediaRow.data).where(MediaRow.id == media_id))
            if data is None:
                continue  # another instance moved it
            try:
                key = ctx.media.put(data)
            except (OSError, MediaStoreError) as exc:
                _log.error("cannot move media %s into the media store: %s", media_id, exc)
                return moved
            s.execute(update(MediaRow).where(MediaRow.id == media_id)
                      .values(storage_key=key, data=None))
        moved += 1
    if moved:
        _log.info("moved %d media files from the database into the media store", moved)
    return moved
