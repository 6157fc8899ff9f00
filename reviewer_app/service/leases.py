"""The leased queue: who reviews which case, until when.

A lease hands out the most urgent queued cases of the queues the reviewer's team works
(routing.team_work; a `queue` the team does not work is refused with 403), by priority, then
SLA due time. On PostgreSQL the candidate rows are taken with SELECT ... FOR UPDATE SKIP
LOCKED, so instances sharing the database never hand out the same case; on SQLite the write
transaction holds the file lock.

Dose-aware assignment (the team policy's `assignment.dose_aware`) spreads severe cases (of
severity `assignment.severe_from_severity` or more) across the team, within priority and SLA
limits. The reviewer's severe dose is what the service itself counted for them this service
day: severe items shown (media it served) and revealed, from the daily exposure totals. The
team's doses are those of its reviewers who took a lease today (the reviewer included); one
aggregate statement reads them all. Against the median of those doses:
- above it, the reviewer's severe cases sort after the non-severe cases of the same
  priority (they get severe work only when the band has nothing else for them);
- below it, severe cases sort before the non-severe ones of the same priority;
- at it (and when dose-aware is off), the order is unchanged.
Never past a priority band: priority is always the first key, so no case waits behind one
of a lower priority. Never at an SLA's expense: a case due within `SLA_GUARD` (1 hour) or
overdue keeps its place by due time, whatever its severity.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import (
    ColumnElement,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    union,
    update,
)
from sqlalchemy.orm import Session

from reviewer_app.contract import QA_QUEUE, AppealStatus, Lease, LeaseRequest
from reviewer_app.domain import (
    CaseStatus,
    CaseSummary,
    HarmCategory,
    Identifier,
    ProblemCode,
    Severity,
)
from reviewer_app.service import audit, holdings, quality, routing, safeguard_state, sla
from reviewer_app.service.auth import CurrentUser, Specialist
from reviewer_app.service.cases import SUMMARY_COLUMNS, summary_of
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.models import (
    CaseRow,
    ExposureDayRow,
    LeaseCaseRow,
    LeaseRow,
    User,
    UTCDateTime,
    table,
)
from reviewer_app.service.models_pdq import CaseMatchRow
from reviewer_app.service.models_policy import AppealRow
from reviewer_app.service.openapi import model_reply, problems
from reviewer_app.service.periods import ServicePeriods
from reviewer_app.service.problems import ProblemError
from safeguards import ExposurePolicy, Refusal, refusal

router = APIRouter()
SLA_GUARD = timedelta(hours=1)
"""Dose-aware ordering never moves a case due within this long (or overdue)."""


_CASES = table(CaseRow)
# Built once: every lease runs these.
_RECLAIM = (update(_CASES)
            .where(_CASES.c.status == CaseStatus.LEASED.value,
                   _CASES.c.lease_expires_at <= bindparam("now", type_=UTCDateTime))
            .values(status=CaseStatus.QUEUED.value))
_MARK_LEASED = (update(_CASES).where(_CASES.c.id.in_(bindparam("ids", expanding=True)))
                .values(status=CaseStatus.LEASED.value))
_INSERT_LEASE = insert(table(LeaseRow))
_HELD = table(LeaseCaseRow)
# A case that comes back to the queue after its lease expired was held until that expiry.
_END_EARLIER_HOLDINGS = (
    update(_HELD)
    .where(_HELD.c.case_id.in_(bindparam("ids", expanding=True)), _HELD.c.held_until.is_(None))
    .values(held_until=select(_CASES.c.lease_expires_at)
            .where(_CASES.c.id == _HELD.c.case_id).scalar_subquery()))


def reclaim_expired(session: Session, ctx: ServiceContext) -> None:
    """Expired leases give their cases back to the queue. The old lease id stays on the case
    until someone else leases it, so a late decision is still accepted until then."""
    session.connection().execute(_RECLAIM, {"now": ctx.now()})


@dataclass(frozen=True)
class SevereOrder:
    """How dose-aware assignment orders this reviewer's lease: severe cases (severity
    `severe_from` or more) `last` or first within their priority band; a case due before
    `guard_until` is never moved."""

    severe_from: int
    last: bool
    guard_until: datetime
    dose: int
    team_median: float

    def rank(self) -> Any:
        """0 for the cases that come first within a band, 1 for those that wait."""
        severe = CaseRow.severity >= self.severe_from
        movable = CaseRow.sla_due_at > self.guard_until
        waits = severe if self.last else ~severe
        return case((waits & movable, 1), else_=0)


_DAYS = table(ExposureDayRow)
_LEASES = table(LeaseRow)


def severe_doses(session: Session, user: CurrentUser, severe_from: int,
                 periods: ServicePeriods) -> dict[int, int]:
    """Severe items shown and revealed today per reviewer of the team who took a lease
    today, and the reviewer's own: one aggregate statement over the daily totals."""
    leased_today = (select(_LEASES.c.user_id.label("uid"))
                    .join(User, User.id == _LEASES.c.user_id)
                    .where(User.team == user.team, User.role == user.role.value,
                           _LEASES.c.created_at >= periods.day_start))
    team = union(leased_today, select(literal(user.id).label("uid"))).subquery()
    dose = func.coalesce(func.sum(_DAYS.c.shown + _DAYS.c.revealed), 0)
    rows = session.connection().execute(
        select(team.c.uid, dose)
        .select_from(team.outerjoin(_DAYS, (_DAYS.c.user_id == team.c.uid)
                                    & (_DAYS.c.day == periods.today)
                                    & (_DAYS.c.severity >= severe_from)))
        .group_by(team.c.uid)).all()
    return {int(uid): int(d) for uid, d in rows}


def severe_order(session: Session, user: CurrentUser, policy: ExposurePolicy,
                 now: datetime) -> SevereOrder | None:
    """The dose-aware ordering for this reviewer now, or None for the plain order (the
    option off, or the reviewer's dose at the team's median)."""
    rules = policy.assignment
    if not rules.dose_aware:
        return None
    periods = ServicePeriods.at(now, policy.service_day_utc_offset_minutes)
    doses = severe_doses(session, user, rules.severe_from_severity, periods)
    mine = doses.get(user.id, 0)
    median = statistics.median(doses.values())
    if mine == median:
        return None
    return SevereOrder(severe_from=rules.severe_from_severity, last=mine > median,
                       guard_until=now + SLA_GUARD, dose=mine, team_median=median)


def take_cases(
    session: Session, user: CurrentUser, request: LeaseRequest,
    skip_categories: frozenset[str], lease_id: str, now: datetime, expires: datetime,
    severe: SevereOrder | None = None, work: routing.TeamWork | None = None,
) -> list[CaseSummary]:
    """Marks the most urgent queued cases leased (priority first, then, dose-aware,
    `severe`'s rank within the band, then SLA due time), from the queues the team `work`s
    (`request.queue`, already checked against them, narrows that to one). Core statements
    on the session's connection: this is the hottest write of the service."""
    q = select(*SUMMARY_COLUMNS).where(CaseRow.status == CaseStatus.QUEUED.value)
    if request.queue:
        q = q.where(CaseRow.queue == request.queue)
    elif work is not None:
        q = q.where(work.condition())
    if skip_categories:
        q = q.where(CaseRow.harm_category.not_in(sorted(skip_categories)))
    q = q.where(not_appealed_from(user))
    order: list[Any] = [CaseRow.priority.desc()]
    if severe is not None:
        order.append(severe.rank())
    order += [CaseRow.sla_due_at.asc(), CaseRow.id.asc()]
    q = (
        q.order_by(*order)
        .limit(request.max_cases)
        .with_for_update(skip_locked=True)
    )
    conn = session.connection()
    rows = conn.execute(q).all()
    if rows:
        ids = [r.id for r in rows]
        conn.execute(_END_EARLIER_HOLDINGS, {"ids": ids})
        conn.execute(_MARK_LEASED, {"ids": ids, "lease_id": lease_id,
                                    "leased_by": user.id, "lease_expires_at": expires})
        holdings.start(session, lease_id, ids, user.id, now)
        return summaries(session, rows)
    return []


def summaries(session: Session, rows: Sequence[Any]) -> list[CaseSummary]:
    """The rows' CaseSummary, each with its near-duplicate group (one statement for all)."""
    if not rows:
        return []
    found = session.connection().execute(
        select(CaseMatchRow.case_id, CaseMatchRow.near_dup_group)
        .where(CaseMatchRow.case_id.in_([r.id for r in rows]),
               CaseMatchRow.near_dup_group.is_not(None)))
    groups: dict[str, str | None] = {case_id: group for case_id, group in found}
    return [summary_of(r, groups.get(r.id)) for r in rows]


def not_appealed_from(user: CurrentUser) -> ColumnElement[bool]:
    """An appeal goes to a different reviewer: never to the one whose decision it appeals."""
    return or_(~CaseRow.queue.startswith(routing.APPEALS_QUEUE_PREFIX, autoescape=True),
               ~exists().where(AppealRow.case_id == CaseRow.id,
                               AppealRow.status == AppealStatus.OPEN.value,
                               AppealRow.original_user_id == user.id))


@router.post("/leases", response_model=Lease, status_code=201, responses=problems(403, 423))
def create_lease(
    body: LeaseRequest,
    request: Request,
    user: Specialist,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """423 with Retry-After while the reviewer is on a break or over a cap; otherwise the
    most urgent cases of their team's queues outside the categories the reviewer is capped
    for. 403 for a `queue` their team does not work. `queue` = QA_QUEUE leases the team's
    blind second reviews instead (quality.py)."""
    qa = body.queue == QA_QUEUE
    lease_id = quality.new_lease_id(qa)
    refused = None
    with ctx.db.write() as s:
        work = routing.team_work(s, user.team)
        if body.queue and not qa and not work.works(body.queue):
            raise ProblemError(403, ProblemCode.FORBIDDEN,
                               f"team {user.team} does not work the queue {body.queue}")
        now = ctx.now()
        sg = safeguard_state.load(s, ctx, user)
        verdict = sg.verdict()
        refused = refusal(verdict)
        if refused is not None:
            safeguard_state.save(s, ctx, user, sg)
            audit.record(s, at=now, actor=user.username, action="lease_refused",
                         subject_type="user", subject_id=user.username,
                         client=client_of(request),
                         detail={"code": refused.code,
                                 "retry_after_s": refused.retry_after_seconds})
        else:
            skip = frozenset(c.value for c in verdict.blocked_categories)
            expires = now + timedelta(seconds=ctx.settings.lease_ttl_s)
            reclaim_expired(s, ctx)
            severe = severe_order(s, user, sg.policy, now)
            taken = (quality.take_tasks(s, user, body.max_cases, skip, lease_id, now, expires)
                     if qa else
                     take_cases(s, user, body, skip, lease_id, now, expires, severe, work))
            if taken:
                sg.scheduler.set_idle(False)
            safeguard_state.save(s, ctx, user, sg)
            if taken:  # an empty queue changes nothing: no lease to keep, nothing to audit
                s.connection().execute(_INSERT_LEASE, {
                    "id": lease_id, "user_id": user.id, "created_at": now,
                    "expires_at": expires})
                audit.record(s, at=now, actor=user.username, action="lease",
                             subject_type="lease", subject_id=lease_id,
                             client=client_of(request),
                             detail={"cases": [c.id for c in taken], "skipped": sorted(skip),
                                     **_dose_detail(severe)})
            lease = Lease(lease_id=lease_id, expires_at=expires, cases=taken)
    if refused is not None:
        raise ProblemError(423, ProblemCode(refused.code), refused.detail,
                           retry_after_s=refused.retry_after_seconds)
    return model_reply(lease, 201)


def _dose_detail(severe: SevereOrder | None) -> dict[str, Any]:
    """What dose-aware assignment did for this lease, for the audit log."""
    if severe is None:
        return {}
    return {"severe_order": "last" if severe.last else "first", "severe_dose": severe.dose,
            "team_median_dose": severe.team_median}


def _own_lease(session: Session, user: CurrentUser, lease_id: str) -> LeaseRow:
    lease = session.get(LeaseRow, lease_id)
    if lease is None or lease.user_id != user.id:
        raise ProblemError(404, ProblemCode.NOT_FOUND, "no such lease")
    if lease.released_at is not None:
        raise ProblemError(409, ProblemCode.LEASE_LOST, "this lease was released")
    return lease


@router.post("/leases/{lease_id}/renew", response_model=Lease,
             responses=problems(403, 409, 423))
def renew_lease(
    lease_id: Annotated[Identifier, Path()],
    request: Request,
    user: Specialist,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Lease:
    """Extends the lease over the cases it still holds; 409 `lease_lost` when it holds none.
    During an enforced break, 423 (the lease runs out and its cases go back to the queue);
    at a cap, the cases of the capped categories go back now, and 423 if nothing is left."""
    if quality.is_qa_lease(lease_id):
        return _renew_qa(lease_id, request, user, ctx)
    refused: Refusal | None = None
    with ctx.db.write() as s:
        lease = _own_lease(s, user, lease_id)
        now = ctx.now()
        expires = now + timedelta(seconds=ctx.settings.lease_ttl_s)
        rows = list(s.scalars(
            select(CaseRow)
            .where(CaseRow.lease_id == lease_id,
                   CaseRow.status.in_([CaseStatus.LEASED.value, CaseStatus.QUEUED.value]))
            .order_by(CaseRow.priority.desc(), CaseRow.sla_due_at.asc(), CaseRow.id.asc())
            .with_for_update()
        ).all())
        if not rows:
            raise ProblemError(409, ProblemCode.LEASE_LOST, "no undecided case is left on it")
        sg = safeguard_state.load(s, ctx, user)
        verdict = sg.verdict()
        kept, given_back = rows, []
        if verdict.current_break is not None and verdict.current_break.enforced:
            refused = refusal(verdict)
        else:
            kept = [r for r in rows
                    if HarmCategory(r.harm_category) not in verdict.blocked_categories]
            given_back = [r for r in rows if r not in kept]
            for row in given_back:
                row.status = CaseStatus.QUEUED.value
                row.lease_id = row.leased_by = row.lease_expires_at = None
            holdings.end_cases(s, lease_id, [r.id for r in given_back], now)
            if not kept:
                refused = sg.refusal_for(HarmCategory(rows[0].harm_category),
                                         Severity(rows[0].severity))
        if refused is None:
            for row in kept:
                row.status = CaseStatus.LEASED.value
                row.leased_by = user.id
                row.lease_expires_at = expires
            lease.expires_at = expires
        audit.record(s, at=now, actor=user.username,
                     action="lease_renew" if refused is None else "lease_renew_refused",
                     subject_type="lease", subject_id=lease_id, client=client_of(request),
                     detail={"given_back": [r.id for r in given_back],
                             **({"code": refused.code} if refused else {})})
        safeguard_state.save(s, ctx, user, sg)
        renewed = Lease(lease_id=lease_id, expires_at=expires,
                        cases=summaries(s, kept))
    if refused is not None:
        raise ProblemError(423, ProblemCode(refused.code), refused.detail,
                           retry_after_s=refused.retry_after_seconds)
    return renewed


@router.delete("/leases/{lease_id}", status_code=204, response_class=Response,
               responses=problems(403, 409))
def release_lease(
    lease_id: Annotated[Identifier, Path()],
    request: Request,
    user: Specialist,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """Gives the undecided cases back to the queue at once."""
    with ctx.db.write() as s:
        lease = _own_lease(s, user, lease_id)
        now = ctx.now()
        s.execute(
            update(CaseRow)
            .where(CaseRow.lease_id == lease_id, CaseRow.status != CaseStatus.DECIDED.value)
            .values(status=CaseStatus.QUEUED.value, lease_id=None, leased_by=None,
                    lease_expires_at=None)
        )
        quality.release_tasks(s, lease_id)
        lease.released_at = now
        holdings.end_lease(s, lease_id, now)
        audit.record(s, at=now, actor=user.username, action="lease_release",
                     subject_type="lease", subject_id=lease_id, client=client_of(request))
    return Response(status_code=204)


def _renew_qa(lease_id: str, request: Request, user: CurrentUser,
              ctx: ServiceContext) -> Lease:
    """Renewing a QA lease: the same rules as `renew_lease`, over the second reviews it
    holds."""
    refused: Refusal | None = None
    with ctx.db.write() as s:
        lease = _own_lease(s, user, lease_id)
        now = ctx.now()
        expires = now + timedelta(seconds=ctx.settings.lease_ttl_s)
        held = quality.held_tasks(s, lease_id)
        if not held:
            raise ProblemError(409, ProblemCode.LEASE_LOST, "no second review is left on it")
        sg = safeguard_state.load(s, ctx, user)
        verdict = sg.verdict()
        kept, given_back = held, []
        if verdict.current_break is not None and verdict.current_break.enforced:
            refused = refusal(verdict)
        else:
            kept = [(t, c) for t, c in held
                    if HarmCategory(c.harm_category) not in verdict.blocked_categories]
            given_back = [t for t, _c in held if all(t is not k for k, _ in kept)]
            quality.give_back(s, lease_id, given_back, now)
            if not kept:
                first = held[0][1]
                refused = sg.refusal_for(HarmCategory(first.harm_category),
                                         Severity(first.severity))
        if refused is None:
            for task, _case in kept:
                task.status, task.lease_expires_at = quality.LEASED, expires
            lease.expires_at = expires
        audit.record(s, at=now, actor=user.username,
                     action="lease_renew" if refused is None else "lease_renew_refused",
                     subject_type="lease", subject_id=lease_id, client=client_of(request),
                     detail={"given_back": [t.case_id for t in given_back],
                             **({"code": refused.code} if refused else {})})
        safeguard_state.save(s, ctx, user, sg)
        renewed = Lease(lease_id=lease_id, expires_at=expires,
                        cases=[summary_of(c) for _t, c in kept])
    if refused is not None:
        raise ProblemError(423, ProblemCode(refused.code), refused.detail,
                           retry_after_s=refused.retry_after_seconds)
    return renewed


# The queue's configuration routes: where cases go, who works which queue, when they are due.
router.include_router(routing.router)
router.include_router(sla.router)
