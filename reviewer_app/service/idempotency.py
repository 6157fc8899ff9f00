"""Idempotency-Key (IETF httpapi draft) for writes the client may retry.

The claim, the write and the stored result are committed in one transaction, so a replay
returns exactly the first answer and a crash leaves nothing half-done. Same key with another
body: 422. Same key while the first is still running: 409. Keys are scoped to the user; an
`in_flight` claim older than the timeout is taken over.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.responses import Response
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from reviewer_app.domain import ProblemCode
from reviewer_app.service.context import ServiceContext
from reviewer_app.service.models import IdempotencyRow, table
from reviewer_app.service.problems import ProblemError

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResult:
    status: int
    body: str
    media_type: str

    def response(self) -> Response:
        return Response(content=self.body, status_code=self.status, media_type=self.media_type,
                        headers={"Idempotent-Replayed": "true"})


def request_fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps({"m": method, "p": path, "b": body}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def require_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise ProblemError(400, ProblemCode.IDEMPOTENCY_KEY_MISSING,
                           "this write needs an Idempotency-Key header")
    key = key.strip()
    if len(key) > MAX_KEY_LENGTH:
        raise ProblemError(400, ProblemCode.BAD_REQUEST, "Idempotency-Key is too long")
    return key


@dataclass
class Claim:
    """A key this request now owns, inside its transaction; `store()` records the result.
    `exists`: an abandoned row of an earlier attempt is there to be overwritten."""

    user_id: int
    key: str
    fingerprint: str
    exists: bool


def claim_in(
    s: Session, ctx: ServiceContext, user_id: int, key: str, fingerprint: str
) -> StoredResult | Claim:
    """Claims the key inside the write's own transaction, or returns the stored result to
    replay. On PostgreSQL a concurrent request with the same key is seen through an advisory
    lock and refused with 409; on SQLite writers are serialised, so it waits and replays.
    Nothing is written until `store()`: the claim, the write and the result commit together,
    so no other transaction ever sees a half-done key (a concurrent duplicate INSERT fails
    on the primary key and is replayed by the caller)."""
    if s.get_bind().dialect.name == "postgresql":
        lock_id = int.from_bytes(hashlib.sha256(f"{user_id}:{key}".encode()).digest()[:8],
                                 "big", signed=True)
        if not s.scalar(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": lock_id}):
            raise _in_flight()
    return _claim_in(s, ctx, user_id, key, fingerprint)


def _in_flight() -> ProblemError:
    return ProblemError(409, ProblemCode.IDEMPOTENCY_IN_FLIGHT,
                        "a request with this Idempotency-Key is still being processed",
                        retry_after_s=1)


_KEYS = table(IdempotencyRow)


def _claim_in(
    s: Session, ctx: ServiceContext, user_id: int, key: str, fingerprint: str
) -> StoredResult | Claim:
    now = ctx.now()
    conn = s.connection()
    row = conn.execute(
        select(_KEYS.c.request_hash, _KEYS.c.state, _KEYS.c.status_code, _KEYS.c.response_body,
               _KEYS.c.response_type, _KEYS.c.created_at, _KEYS.c.updated_at)
        .where(_KEYS.c.user_id == user_id, _KEYS.c.key == key)
        .with_for_update()
    ).first()
    if row is None:
        return Claim(user_id, key, fingerprint, exists=False)
    if row.created_at <= now - timedelta(seconds=ctx.settings.idempotency_ttl_s):
        return Claim(user_id, key, fingerprint, exists=True)  # expired: the key is new again
    if row.request_hash != fingerprint:
        raise ProblemError(422, ProblemCode.IDEMPOTENCY_KEY_REUSED,
                           "this Idempotency-Key was used with a different request")
    if row.state == "done" and row.status_code is not None:
        return StoredResult(row.status_code, row.response_body or "",
                            row.response_type or "application/json")
    # This service commits a key only together with its result; a row left unfinished by
    # another writer counts as in flight until the timeout, then it is taken over.
    timeout = timedelta(seconds=ctx.settings.idempotency_in_flight_timeout_s)
    if row.updated_at > now - timeout:
        raise _in_flight()
    return Claim(user_id, key, fingerprint, exists=True)


def store(s: Session, ctx: ServiceContext, claim: Claim, response: Response) -> None:
    """Records the result in the same transaction as the write it belongs to."""
    now = ctx.now()
    values = {"request_hash": claim.fingerprint, "state": "done",
              "status_code": response.status_code,
              "response_body": bytes(response.body).decode(),
              "response_type": response.media_type, "created_at": now, "updated_at": now}
    conn = s.connection()
    if claim.exists:
        conn.execute(update(_KEYS)
                     .where(_KEYS.c.user_id == claim.user_id, _KEYS.c.key == claim.key)
                     .values(**values))
    else:
        conn.execute(insert(_KEYS).values(user_id=claim.user_id, key=claim.key, **values))
