"""Exposure and break events reported by the client: stored raw, and fed to the reviewer's
ledger and break scheduler, whose counters the service enforces.

The client measures; the service keeps the authoritative record. Micro-breaks are the
client's (the service does not `observe`); synced full-length breaks reset the work interval.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from reviewer_app.domain import BreakEvent, ExposureEvent, ExposureKind, SyncStatus
from reviewer_app.service import audit, safeguard_state
from reviewer_app.service.auth import CurrentUser
from reviewer_app.service.context import ServiceContext
from reviewer_app.service.models import BreakRow, ExposureRow


def _known(s: Session, column: InstrumentedAttribute[str], ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update(s.scalars(select(column).where(column.in_(chunk))).all())
    return found


def apply_batch(
    s: Session, ctx: ServiceContext, user: CurrentUser,
    exposures: Sequence[ExposureEvent], breaks: Sequence[BreakEvent], client: str,
) -> list[tuple[str, SyncStatus]]:
    now = ctx.now()
    sg = safeguard_state.load(s, ctx, user)
    results: list[tuple[str, SyncStatus]] = []
    seen = _known(s, ExposureRow.client_id, [str(e.client_id) for e in exposures])
    for e in exposures:
        cid = str(e.client_id)
        if cid in seen:
            results.append((cid, SyncStatus.DUPLICATE))
            continue
        seen.add(cid)
        s.add(ExposureRow(
            client_id=cid, user_id=user.id, case_id=e.case_id, media_id=e.media_id,
            harm_category=e.harm_category.value, severity=int(e.severity), kind=e.kind.value,
            duration_ms=e.duration_ms, at=e.at, received_at=now,
        ))
        sg.ledger.record(e, received_at=now)
        if e.kind is ExposureKind.REVEALED:
            audit.record(s, at=now, actor=user.username, action="reveal", subject_type="media",
                         subject_id=e.media_id, client=client,
                         detail={"case_id": e.case_id, "severity": int(e.severity),
                                 "harm_category": e.harm_category.value,
                                 "duration_ms": e.duration_ms, "client_id": cid})
        results.append((cid, SyncStatus.APPLIED))
    seen = _known(s, BreakRow.client_id, [str(b.client_id) for b in breaks])
    for b in breaks:
        cid = str(b.client_id)
        if cid in seen:
            results.append((cid, SyncStatus.DUPLICATE))
            continue
        seen.add(cid)
        s.add(BreakRow(client_id=cid, user_id=user.id, kind=b.kind.value,
                       started_at=b.started_at, ended_at=b.ended_at,
                       checkin_mood=b.checkin_mood, received_at=now))
        sg.scheduler.record_break(b)
        audit.record(s, at=now, actor=user.username, action="break", subject_type="user",
                     subject_id=user.username, client=client,
                     detail={"kind": b.kind.value, "started_at": b.started_at.isoformat(),
                             "ended_at": b.ended_at.isoformat(), "client_id": cid})
        results.append((cid, SyncStatus.APPLIED))
    safeguard_state.save(s, ctx, user, sg)
    return results
