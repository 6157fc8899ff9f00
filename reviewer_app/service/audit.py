"""The append-only audit log: one event per state change, who, what, when, from which client.

Writers call `record()` inside the same transaction as the change, so the log and the state
never disagree. Reversals are new events; the table refuses UPDATE and DELETE.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer_app.contract import AuditEventOut, AuditPage
from reviewer_app.domain import Role
from reviewer_app.service.auth import CurrentUser, require_role
from reviewer_app.service.context import ServiceContext, get_ctx
from reviewer_app.service.models import AuditRow
from reviewer_app.service.openapi import problems

router = APIRouter()


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
    session.add(
        AuditRow(
            at=at,
            actor=actor[:100],
            action=action,
            subject_type=subject_type,
            subject_id=subject_id[:100],
            client=client[:300],
            detail_json=json.dumps(detail or {}, default=str, sort_keys=True),
        )
    )


@router.get("/audit", response_model=AuditPage, responses=problems(403))
def list_audit(
    user: Annotated[CurrentUser, Depends(require_role(Role.ADMIN))],
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> AuditPage:
    """Admins page through the log oldest first; `after_id` is the last id already seen."""
    with ctx.db.read() as s:
        q = select(AuditRow).where(AuditRow.id > after_id)
        if action:
            q = q.where(AuditRow.action == action)
        rows = s.scalars(q.order_by(AuditRow.id).limit(limit)).all()
    events = [
        AuditEventOut(
            id=r.id, at=r.at, actor=r.actor, action=r.action, subject_type=r.subject_type,
            subject_id=r.subject_id, client=r.client, detail=json.loads(r.detail_json),
        )
        for r in rows
    ]
    return AuditPage(events=events, next_after_id=events[-1].id if events else after_id)
