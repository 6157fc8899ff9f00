"""Exposure and break reports from the client, checked against what the service knows, then
fed to the reviewer's ledger and break scheduler, whose counters the service enforces.

The client measures; the service is the authority and takes nothing on the client's word
that it can know itself (SAFEGUARDS.md, "Who is the authority"):
- what was exposed: category and severity are the case's; a report counts only for media of
  a case this reviewer holds or held under a lease, and for no longer than that holding;
- when: a report's time is moved inside the holding and never after it arrived, so a moved
  client clock (back-dated hours, or running fast) files it where it belongs;
- showing: serving media is itself evidence (see `served`); the client's own report of the
  same showing is remembered but not counted twice;
- breaks: a claimed break counts only if nothing of the reviewer's happened during it (no
  lease taken, no media served or revealed, no decision or note made);
- a severe reveal starts a micro-break here too, so a restarted client gets it back.
A refused report is stored as invalid with its reason and answered `invalid` with a
`not_counted` problem; nothing is dropped, and nothing is counted in the reviewer's favour.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from reviewer_app.contract import Problem
from reviewer_app.domain import (
    BreakEvent,
    ExposureEvent,
    ExposureKind,
    HarmCategory,
    ProblemCode,
    Severity,
    SyncStatus,
)
from reviewer_app.service import audit, holdings, safeguard_state
from reviewer_app.service.auth import CurrentUser
from reviewer_app.service.context import ServiceContext
from reviewer_app.service.models import (
    BreakRow,
    CaseRow,
    DecisionRow,
    ExposureRow,
    LeaseRow,
    MediaRow,
    NoteRow,
)
from reviewer_app.service.problems import make_problem
from reviewer_app.service.safeguard_state import Safeguards

SERVED_IDS = uuid.UUID("6f1d2c7e-3a57-4c1b-9d0e-5b8f2a6c4e10")
"""Namespace of the ids of the service's own evidence: one per reviewer, lease and media."""
BREAK_START_GRACE_S = 10.0
"""Work already under way when a break begins (a media fetch in flight) does not void it."""
BREAK_END_GRACE_S = 2.0

Result = tuple[str, SyncStatus, Problem | None]
_CASE_OF_MEDIA = (  # the case's facts and the media's case: never the media bytes
    select(CaseRow.id, CaseRow.harm_category, CaseRow.severity,
           select(MediaRow.case_id).where(MediaRow.id == bindparam("mid"))
           .scalar_subquery().label("media_case"))
    .where(CaseRow.id == bindparam("cid")))


def served_id(user_id: int, lease_id: str, media_id: str) -> uuid.UUID:
    return uuid.uuid5(SERVED_IDS, f"{user_id}:{lease_id}:{media_id}")


def _known(s: Session, column: InstrumentedAttribute[str], ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update(s.scalars(select(column).where(column.in_(chunk))).all())
    return found


def _not_counted(reason: str) -> Problem:
    return make_problem(422, ProblemCode.NOT_COUNTED, reason)


@dataclass(frozen=True)
class _Counted:
    event: ExposureEvent
    lease_id: str
    corrections: dict[str, object]


def _check_exposure(s: Session, user: CurrentUser, e: ExposureEvent,
                    now: datetime) -> _Counted | str:
    """The event as the service counts it, or why it cannot count."""
    case = s.execute(_CASE_OF_MEDIA, {"cid": e.case_id, "mid": e.media_id}).first()
    if case is None:
        return "there is no such case"
    if case.media_case != case.id:
        return "that media is not part of that case"
    held = holdings.of_case(s, user.id, case.id)
    holding = holdings.which(held, e.at, now)
    if holding is None:
        return "you never held that case under a lease"
    at = holding.bound(e.at, now)
    duration = min(e.duration_ms, int(holding.seconds(now) * 1000))
    counted = e.model_copy(update={
        "harm_category": HarmCategory(case.harm_category), "severity": Severity(case.severity),
        "at": at, "duration_ms": duration})
    return _Counted(counted, holding.lease_id, _differences(e, counted))


def _differences(claimed: ExposureEvent, counted: ExposureEvent) -> dict[str, object]:
    """What the client claimed where it differs from what was counted (kept and audited)."""
    def facts(e: ExposureEvent) -> dict[str, object]:
        return {"harm_category": e.harm_category.value, "severity": int(e.severity),
                "at": e.at.isoformat(), "duration_ms": e.duration_ms}

    truth = facts(counted)
    return {k: v for k, v in facts(claimed).items() if truth[k] != v}


def _count(s: Session, sg: Safeguards, user: CurrentUser, counted: _Counted, *, origin: str,
           client: str, now: datetime, reported: dict[str, object] | None = None) -> str:
    """Store and count one event; 'merged' when the same showing is already counted under
    the service's own evidence."""
    e = counted.event
    cid = str(e.client_id)
    status = "counted"
    if origin == "client" and e.kind is ExposureKind.SHOWN:
        evidence = str(served_id(user.id, counted.lease_id, e.media_id))
        if s.scalar(select(exists().where(ExposureRow.client_id == evidence))):
            status = "merged"
    s.add(ExposureRow(
        client_id=cid, user_id=user.id, case_id=e.case_id, media_id=e.media_id,
        harm_category=e.harm_category.value, severity=int(e.severity), kind=e.kind.value,
        duration_ms=e.duration_ms, at=e.at, received_at=now, status=status, origin=origin,
        lease_id=counted.lease_id,
        reported_json=json.dumps(reported) if reported else None,
    ))
    if status == "merged":
        sg.ledger.mark_seen(e.client_id, e.at)
        return status
    sg.ledger.record(e)
    sg.scheduler.observe(e)
    if e.kind is ExposureKind.REVEALED:
        audit.record(s, at=now, actor=user.username, action="reveal", subject_type="media",
                     subject_id=e.media_id, client=client,
                     detail={"case_id": e.case_id, "severity": int(e.severity),
                             "harm_category": e.harm_category.value,
                             "duration_ms": e.duration_ms, "client_id": cid,
                             **({"reported": reported} if reported else {})})
    return status


def served(s: Session, sg: Safeguards, user: CurrentUser, case: CaseRow, lease_id: str,
           media_id: str, now: datetime, client: str) -> bool:
    """The service served this media to this reviewer, who holds (or held) the case under
    `lease_id`: it was shown. Counted once per lease and item (Range requests count once)."""
    event = ExposureEvent(
        client_id=served_id(user.id, lease_id, media_id), case_id=case.id, media_id=media_id,
        harm_category=HarmCategory(case.harm_category), severity=Severity(case.severity),
        kind=ExposureKind.SHOWN, duration_ms=0, at=now)
    if s.scalar(select(exists().where(ExposureRow.client_id == str(event.client_id)))):
        return False
    _count(s, sg, user, _Counted(event, lease_id, {}), origin="service", client=client, now=now)
    return True


def _break_refusal(s: Session, user: CurrentUser, b: BreakEvent, now: datetime) -> str | None:
    """Why this claimed break cannot be a break, from the service's own record, or None."""
    if b.ended_at > now + timedelta(seconds=BREAK_END_GRACE_S):
        return "it claims to end in the future"
    start = b.started_at + timedelta(seconds=BREAK_START_GRACE_S)
    end = b.ended_at - timedelta(seconds=BREAK_END_GRACE_S)
    if end <= start:
        return None
    checks = (
        (select(LeaseRow.id).where(LeaseRow.user_id == user.id, LeaseRow.created_at > start,
                                   LeaseRow.created_at < end),
         "you took new cases during it"),
        (select(ExposureRow.case_id).where(
            ExposureRow.user_id == user.id, ExposureRow.status == "counted",
            ExposureRow.at > start, ExposureRow.at < end),
         "media was opened or revealed during it"),
        (select(DecisionRow.case_id).where(
            DecisionRow.user_id == user.id, DecisionRow.decided_at > start,
            DecisionRow.decided_at < end),
         "you decided a case during it"),
        (select(NoteRow.case_id).where(NoteRow.user_id == user.id, NoteRow.written_at > start,
                                       NoteRow.written_at < end),
         "you wrote a note during it"),
    )
    for query, reason in checks:
        if s.scalar(query.limit(1)) is not None:
            return reason
    return None


def apply_batch(
    s: Session, ctx: ServiceContext, user: CurrentUser,
    exposures: Sequence[ExposureEvent], breaks: Sequence[BreakEvent], client: str,
) -> list[Result]:
    now = ctx.now()
    sg = safeguard_state.load(s, ctx, user)
    results: list[Result] = []
    seen = _known(s, ExposureRow.client_id, [str(e.client_id) for e in exposures])
    for e in exposures:
        cid = str(e.client_id)
        if cid in seen:
            results.append((cid, SyncStatus.DUPLICATE, None))
            continue
        seen.add(cid)
        checked = _check_exposure(s, user, e, now)
        if isinstance(checked, str):
            s.add(ExposureRow(
                client_id=cid, user_id=user.id, case_id=e.case_id, media_id=e.media_id,
                harm_category=e.harm_category.value, severity=int(e.severity),
                kind=e.kind.value, duration_ms=e.duration_ms, at=min(e.at, now),
                received_at=now, status="invalid", reason=checked, origin="client"))
            audit.record(s, at=now, actor=user.username, action="exposure_not_counted",
                         subject_type="media", subject_id=e.media_id, client=client,
                         detail={"case_id": e.case_id, "client_id": cid, "reason": checked})
            results.append((cid, SyncStatus.INVALID,
                            _not_counted(f"This exposure was not counted: {checked}.")))
            continue
        _count(s, sg, user, checked, origin="client", client=client, now=now,
               reported=checked.corrections)
        results.append((cid, SyncStatus.APPLIED, None))
    seen = _known(s, BreakRow.client_id, [str(b.client_id) for b in breaks])
    for b in breaks:
        cid = str(b.client_id)
        if cid in seen:
            results.append((cid, SyncStatus.DUPLICATE, None))
            continue
        seen.add(cid)
        refused = _break_refusal(s, user, b, now)
        s.add(BreakRow(client_id=cid, user_id=user.id, kind=b.kind.value,
                       started_at=b.started_at, ended_at=b.ended_at,
                       checkin_mood=b.checkin_mood, received_at=now,
                       status="invalid" if refused else "accepted", reason=refused or ""))
        if refused is None:
            sg.scheduler.record_break(b)
        audit.record(s, at=now, actor=user.username,
                     action="break" if refused is None else "break_not_counted",
                     subject_type="user", subject_id=user.username, client=client,
                     detail={"kind": b.kind.value, "started_at": b.started_at.isoformat(),
                             "ended_at": b.ended_at.isoformat(), "client_id": cid,
                             **({"reason": refused} if refused else {})})
        if refused is None:
            results.append((cid, SyncStatus.APPLIED, None))
        else:
            results.append((cid, SyncStatus.INVALID,
                            _not_counted(f"This break was not counted: {refused}.")))
    sg.verdict()
    safeguard_state.save(s, ctx, user, sg)
    return results
