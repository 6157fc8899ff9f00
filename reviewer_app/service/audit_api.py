"""`GET /v1/audit`: admins page through the append-only audit log."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from reviewer_app.contract import AuditEventOut, AuditPage
from reviewer_app.service.auth import Admin
from reviewer_app.service.context import ServiceContext, get_ctx
from reviewer_app.service.models import AuditRow
from reviewer_app.service.openapi import problems

router = APIRouter()


@router.get("/audit", response_model=AuditPage, responses=problems(403))
def list_audit(
    user: Admin,
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
