"""Exposure and break events reported by the client, stored as the service's counters' input.

The client measures; the service keeps the authoritative record and enforces on it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer_app.domain import BreakEvent, ExposureEvent, ExposureKind, SyncStatus
from reviewer_app.service import audit
from reviewer_app.service.auth import CurrentUser
from reviewer_app.service.context import ServiceContext
from reviewer_app.service.models import BreakRow, ExposureRow


def apply_exposure(
    s: Session, ctx: ServiceContext, user: CurrentUser, e: ExposureEvent, client: str
) -> SyncStatus:
    if s.scalar(select(ExposureRow.id).where(ExposureRow.client_id == str(e.client_id))):
        return SyncStatus.DUPLICATE
    now = ctx.now()
    s.add(ExposureRow(
        client_id=str(e.client_id), user_id=user.id, case_id=e.case_id, media_id=e.media_id,
        harm_category=e.harm_category.value, severity=int(e.severity), kind=e.kind.value,
        duration_ms=e.duration_ms, at=e.at, received_at=now,
    ))
    if e.kind is ExposureKind.REVEALED:
        audit.record(s, at=now, actor=user.username, action="reveal", subject_type="media",
                     subject_id=e.media_id, client=client,
                     detail={"case_id": e.case_id, "severity": int(e.severity),
                             "harm_category": e.harm_category.value,
                             "duration_ms": e.duration_ms})
    return SyncStatus.APPLIED


def apply_break(
    s: Session, ctx: ServiceContext, user: CurrentUser, b: BreakEvent, client: str
) -> SyncStatus:
    if s.scalar(select(BreakRow.id).where(BreakRow.client_id == str(b.client_id))):
        return SyncStatus.DUPLICATE
    now = ctx.now()
    s.add(BreakRow(client_id=str(b.client_id), user_id=user.id, kind=b.kind.value,
                   started_at=b.started_at, ended_at=b.ended_at, checkin_mood=b.checkin_mood,
                   received_at=now))
    audit.record(s, at=now, actor=user.username, action="break", subject_type="user",
                 subject_id=user.username, client=client,
                 detail={"kind": b.kind.value, "started_at": b.started_at.isoformat(),
                         "ended_at": b.ended_at.isoformat()})
    return SyncStatus.APPLIED
