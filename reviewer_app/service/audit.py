"""The append-only audit log: one event per state change, who, what, when, from which client.

Writers call `record()` inside the same transaction as the change, so the log and the state
never disagree. Reversals are new events; the table refuses UPDATE and DELETE.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from reviewer_app.service.models import AuditRow, table

_INSERT = insert(table(AuditRow))


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str = "",
    subject_id: str = "",
    client: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    # A prebuilt Core insert through the connection: no statement to build, and no ORM
    # flush bookkeeping, on every state change.
    session.connection().execute(_INSERT, {
        "at": at, "actor": actor[:100], "action": action, "subject_type": subject_type,
        "subject_id": subject_id[:100], "client": client[:300],
        "detail_json": json.dumps(detail or {}, default=str, sort_keys=True),
    })
