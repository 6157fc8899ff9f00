"""The leased queue: who reviews which case, until when.

A lease hands out the most urgent queued cases (priority, then SLA due time). On PostgreSQL
the candidate rows are taken with SELECT ... FOR UPDATE SKIP LOCKED, so instances sharing the
database never hand out the same case; on SQLite the write transaction holds the file lock.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from reviewer_app.contract import Lease, LeaseRequest
from reviewer_app.domain import (
    CaseStatus,
    CaseSummary,
    HarmCategory,
    Identifier,
    ProblemCode,
    Severity,
)
from reviewer_app.service import audit, holdings, safeguard_state
from reviewer_app.service.auth import CurrentUser, Specialist
from reviewer_app.service.cases import SUMMARY_COLUMNS, summary_of
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.models import CaseRow, LeaseCaseRow, LeaseRow, UTCDateTime, table
from reviewer_app.service.openapi import model_reply, problems
from reviewer_app.service.problems import ProblemError
from safeguards import Refusal, refusal

router = APIRouter()


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


def take_cases(
    session: Session, user: CurrentUser, request: LeaseRequest,
    skip_categories: frozenset[str], lease_id: str, now: datetime, expires: datetime,
) -> list[CaseSummary]:
    """Marks the most urgent queued cases leased. Core statements on the session's
    connection: this is the hottest write of the service."""
    q = select(*SUMMARY_COLUMNS).where(CaseRow.status == CaseStatus.QUEUED.value)
    if request.queue:
        q = q.where(CaseRow.queue == request.queue)
    if skip_categories:
        q = q.where(CaseRow.harm_category.not_in(sorted(skip_categories)))
    q = (
        q.order_by(CaseRow.priority.desc(), CaseRow.sla_due_at.asc(), CaseRow.id.asc())
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
    return [summary_of(r) for r in rows]


@router.post("/leases", response_model=Lease, status_code=201, responses=problems(403, 423))
def create_lease(
    body: LeaseRequest,
    request: Request,
    user: Specialist,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """423 with Retry-After while the reviewer is on a break or over a cap; otherwise the
    most urgent cases outside the categories the reviewer is capped for."""
    lease_id = "L" + secrets.token_hex(12)
    refused = None
    with ctx.db.write() as s:
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
            taken = take_cases(s, user, body, skip, lease_id, now, expires)
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
                             detail={"cases": [c.id for c in taken], "skipped": sorted(skip)})
            lease = Lease(lease_id=lease_id, expires_at=expires, cases=taken)
    if refused is not None:
        raise ProblemError(423, ProblemCode(refused.code), refused.detail,
                           retry_after_s=refused.retry_after_seconds)
    return model_reply(lease, 201)


def _own_lease(session: Session, user: CurrentUser, lease_id: str) -> LeaseRow:
    lease = session.get(LeaseRow, lease_id)
    if lease is None or lease.user_id != user.id:
        raise ProblemError(404, ProblemCode.NOT_FOUND, "no such lease")
    if lease.released_at is not None:
        raise ProblemError(409, ProblemCode.LEASE_LOST, "this lease was released")
    return lease


@router.post("/leases/{lease_id}/renew", response_model=Lease, responses=problems(403, 409))
def renew_lease(
    lease_id: Annotated[Identifier, Path()],
    request: Request,
    user: Specialist,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Lease:
    """Extends the lease over the cases it still holds; 409 `lease_lost` when it holds none.
    During an enforced break, 423 (the lease runs out and its cases go back to the queue);
    at a cap, the cases of the capped categories go back now, and 423 if nothing is left."""
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
                        cases=[summary_of(r) for r in kept])
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
        lease.released_at = now
        holdings.end_lease(s, lease_id, now)
        audit.record(s, at=now, actor=user.username, action="lease_release",
                     subject_type="lease", subject_id=lease_id, client=client_of(request))
    return Response(status_code=204)
