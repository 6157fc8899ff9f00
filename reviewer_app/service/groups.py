"""Group decisions and "exposure avoided": what near-duplicate matching saves a reviewer.

A group decision (`POST /v1/cases/{id}/group-decisions`): the reviewer holding one case of a
near-duplicate group (matching.py) views it and decides it; the same action, policy refs and
reason then go to every other undecided case of the group that their team works and nobody
else holds, each as its own decision (through decisions.apply_decision, so each is checked,
audited and idempotent like any other) with an id derived from the viewed decision's
(contract.group_client_id), and its history citing the case viewed. The other cases are
taken under the viewed case's lease only for the moment of deciding: their media is never
served, so no exposure is counted for them.

Exposure avoided is not taken on the client's word: it is derived from the service's own
records whenever it is read. A decision avoided exposure when its case is in a hash bank or
an earlier decision of its near-duplicate group took the same action (a group decision, or a
match applied without revealing), and no reveal of the case by that reviewer was recorded
(a reveal reported later takes it out again). It counts the case's pictures and videos.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import Response
from sqlalchemy import Select, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from reviewer_app.contract import (
    IDEMPOTENCY_HEADER,
    ExposureAvoided,
    GroupDecisionCreate,
    GroupDecisionResult,
    GroupMemberResult,
    group_client_id,
)
from reviewer_app.domain import (
    Action,
    CaseStatus,
    Decision,
    ExposureKind,
    Identifier,
    MediaKind,
    ProblemCode,
    SyncStatus,
)
from reviewer_app.service import holdings, idempotency, quality, replies, routing, safeguard_state
from reviewer_app.service.auth import CurrentUser, Specialist
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.decisions import apply_decision, keyed_write
from reviewer_app.service.models import CaseRow, DecisionRow, ExposureRow, LeaseRow, MediaRow
from reviewer_app.service.models_pdq import CaseBankMatchRow, CaseMatchRow
from reviewer_app.service.openapi import KEYED_BY_CLIENT_ID, model_reply, problems
from reviewer_app.service.periods import ServicePeriods
from reviewer_app.service.problems import ProblemError

router = APIRouter()
_VISUAL = (MediaKind.IMAGE.value, MediaKind.VIDEO.value)
_REASON_MAX = 4_000


def group_reason(viewed_case: str, reason: str) -> str:
    """A group member's reason: the viewed case cited first, then the reviewer's reason."""
    cited = f"Group decision: decided with near-duplicate case {viewed_case}, which was viewed"
    return (f"{cited}. {reason}" if reason else cited)[:_REASON_MAX]


# ------------------------------------------------------------------ group decisions


@dataclass(frozen=True)
class _Member:
    id: str
    status: str
    queue: str
    lease_id: str | None
    leased_by: int | None
    lease_expires_at: datetime | None


def _group_of(s: Session, case_id: str) -> str:
    group = s.scalar(select(CaseMatchRow.near_dup_group).where(CaseMatchRow.case_id == case_id))
    if group is None:
        raise ProblemError(409, ProblemCode.CONFLICT, "this case has no near-duplicate group")
    return group


def _members(s: Session, group: str, viewed: str) -> list[_Member]:
    rows = s.execute(
        select(CaseRow.id, CaseRow.status, CaseRow.queue, CaseRow.lease_id, CaseRow.leased_by,
               CaseRow.lease_expires_at)
        .join(CaseMatchRow, CaseMatchRow.case_id == CaseRow.id)
        .where(CaseMatchRow.near_dup_group == group, CaseRow.id != viewed)
        .order_by(CaseRow.id).with_for_update(of=CaseRow)).all()
    return [_Member(*row) for row in rows]


def _why_not(m: _Member, user: CurrentUser, work: routing.TeamWork, now: datetime,
             already: bool) -> str | None:
    """Why the group decision leaves this case alone, or None to decide it."""
    if already:
        return None
    if m.status == CaseStatus.DECIDED.value:
        return "decided already"
    if not work.works(m.queue):
        return f"in the queue {m.queue}, which team {user.team} does not work"
    held = (m.status == CaseStatus.LEASED.value and m.lease_expires_at is not None
            and m.lease_expires_at > now)
    if held and m.leased_by != user.id:
        return "held by someone else"
    return None


def _take(s: Session, m: _Member, user: CurrentUser, lease: LeaseRow, now: datetime) -> str:
    """The lease to decide `m` under: the reviewer's own, when they hold it already; else the
    viewed case's, taken for this moment only (the decision ends the holding at once)."""
    if (m.status == CaseStatus.LEASED.value and m.leased_by == user.id
            and m.lease_id is not None):
        return m.lease_id
    s.execute(update(CaseRow).where(CaseRow.id == m.id).values(
        status=CaseStatus.LEASED.value, lease_id=lease.id, leased_by=user.id,
        lease_expires_at=max(lease.expires_at, now)))
    holdings.start(s, lease.id, [m.id], user.id, now)
    return lease.id


def _decided_before(s: Session, client_id: str) -> bool:
    return s.scalar(select(DecisionRow.id).where(DecisionRow.client_id == client_id)) is not None


def _visual_items(s: Session, case_ids: Sequence[str]) -> int:
    if not case_ids:
        return 0
    return int(s.scalar(select(func.count()).select_from(MediaRow).where(
        MediaRow.case_id.in_(list(case_ids)), MediaRow.kind.in_(_VISUAL))) or 0)


def decide_group(s: Session, ctx: ServiceContext, user: CurrentUser, d: Decision,
                 client: str) -> GroupDecisionResult:
    """Applies the viewed decision, then the same to the group's other cases it may take."""
    if d.action is Action.ESCALATE:
        raise ProblemError(422, ProblemCode.VALIDATION,
                           "a group is not escalated at once: escalate the case viewed")
    if quality.is_qa_lease(d.lease_id):
        raise ProblemError(422, ProblemCode.VALIDATION,
                           "a second review decides the one case it is about")
    group = _group_of(s, d.case_id)
    lease = s.get(LeaseRow, d.lease_id)
    if lease is None or lease.user_id != user.id:
        raise ProblemError(409, ProblemCode.LEASE_LOST, "this lease is not yours")
    sg = safeguard_state.load(s, ctx, user)
    viewed = apply_decision(s, ctx, user, d, client, sg)
    work = routing.team_work(s, user.team)
    now = ctx.now()
    decided: list[GroupMemberResult] = []
    skipped: dict[str, str] = {}
    for m in _members(s, group, d.case_id):
        cid = str(group_client_id(d.client_id, m.id))
        already = _decided_before(s, cid)
        why = _why_not(m, user, work, now, already)
        if why is not None:
            skipped[m.id] = why
            continue
        # a member decided by an earlier try is a duplicate before its lease is looked at
        lease_id = d.lease_id if already else _take(s, m, user, lease, now)
        member = Decision(
            client_id=cid, case_id=m.id, lease_id=lease_id, action=d.action,
            policy_refs=list(d.policy_refs), reason=group_reason(d.case_id, d.reason),
            reply_template=d.reply_template, reply_version=d.reply_version,
            decided_at=d.decided_at, handle_ms=0)  # its reply: rendered for its own case
        if member.reply_template is not None and not replies.fits(s, member):
            member = member.model_copy(update={"reply_template": None, "reply_version": None})
        status = apply_decision(s, ctx, user, member, client, sg)
        decided.append(GroupMemberResult(case_id=m.id, client_id=cid, status=status))
    safeguard_state.save(s, ctx, user, sg)
    applied = [r.case_id for r in decided if r.status is SyncStatus.APPLIED]
    return GroupDecisionResult(
        group=group,
        viewed=GroupMemberResult(case_id=d.case_id, client_id=str(d.client_id), status=viewed),
        decided=decided, skipped=skipped, exposure_avoided=_visual_items(s, applied))


@router.post(
    "/cases/{case_id}/group-decisions", response_model=GroupDecisionResult, status_code=201,
    responses=problems(403, 409, 423), openapi_extra=KEYED_BY_CLIENT_ID,
)
def post_group_decision(
    case_id: Annotated[Identifier, Path()],
    body: GroupDecisionCreate,
    request: Request,
    user: Specialist,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    idempotency_key: Annotated[str | None, Header(alias=IDEMPOTENCY_HEADER)] = None,
) -> Response:
    """Decides the case viewed and, the same way, every other undecided case of its
    near-duplicate group that the reviewer's team works and nobody else holds; 409 for a
    case in no group. A retry with the same key (the viewed decision's client_id) replays
    the first answer and decides nothing twice."""
    key = idempotency.require_key(idempotency_key)
    d = body.decision
    if key.lower() != str(d.client_id).lower():
        raise ProblemError(400, ProblemCode.BAD_REQUEST,
                           "Idempotency-Key must be the decision's client_id")
    if d.case_id != case_id:
        raise ProblemError(422, ProblemCode.VALIDATION, "case_id differs from the path")
    fingerprint = idempotency.request_fingerprint(
        "POST", request.url.path, body.model_dump(mode="json"))

    def op(s: Session) -> Response:
        return model_reply(decide_group(s, ctx, user, d, client_of(request)), 201)

    return keyed_write(ctx, user, key, fingerprint, op)


# ------------------------------------------------------------------ exposure avoided


def avoided_query(since: datetime | None = None) -> Select[Any]:
    """(user id, decided at, visual items) of every decision that avoided exposure (see the
    module's docstring), decided at or after `since`."""
    d = DecisionRow
    earlier = aliased(DecisionRow)
    mine = aliased(CaseMatchRow)
    theirs = aliased(CaseMatchRow)
    matched_earlier = exists().where(
        mine.case_id == d.case_id, mine.near_dup_group.is_not(None),
        theirs.near_dup_group == mine.near_dup_group, theirs.case_id != d.case_id,
        earlier.case_id == theirs.case_id, earlier.action == d.action, earlier.id < d.id,
        earlier.superseded_by.is_(None))
    in_bank = exists().where(CaseBankMatchRow.case_id == d.case_id)
    revealed = exists().where(
        ExposureRow.user_id == d.user_id, ExposureRow.case_id == d.case_id,
        ExposureRow.kind == ExposureKind.REVEALED.value, ExposureRow.status != "invalid")
    items = (select(func.count()).select_from(MediaRow)
             .where(MediaRow.case_id == d.case_id, MediaRow.kind.in_(_VISUAL))
             .scalar_subquery())
    q = (select(d.user_id, d.decided_at, items.label("items"), d.case_id)
         .where(d.action != Action.ESCALATE.value, d.superseded_by.is_(None),
                or_(matched_earlier, in_bank), ~revealed))
    if since is not None:
        q = q.where(d.decided_at >= since)
    return q


def avoided_by_user(s: Session, user_ids: Sequence[int],
                    periods: ServicePeriods) -> dict[int, ExposureAvoided]:
    """Exposure avoided today, this service week and in all, per reviewer."""
    out = {uid: ExposureAvoided() for uid in user_ids}
    if not user_ids:
        return out
    sub = avoided_query().where(DecisionRow.user_id.in_(list(user_ids))).subquery()
    rows = s.execute(select(sub.c.user_id, sub.c.decided_at, sub.c["items"])).all()
    sums: dict[int, list[int]] = {uid: [0, 0, 0] for uid in user_ids}
    for user_id, decided_at, count in rows:
        n = int(count or 0)
        totals = sums[user_id]
        totals[2] += n
        if decided_at >= periods.week_start:
            totals[1] += n
        if decided_at >= periods.day_start:
            totals[0] += n
    for uid, (t, w, a) in sums.items():
        out[uid] = ExposureAvoided(today=t, week=w, total=a)
    return out


def periods_now(s: Session, ctx: ServiceContext, team: str) -> ServicePeriods:
    policy, _row = safeguard_state.team_policy(s, team)
    return ServicePeriods.at(ctx.now(), policy.service_day_utc_offset_minutes)


@router.get("/me/exposure-avoided", response_model=ExposureAvoided,
            responses=problems(403))
def my_exposure_avoided(
    user: Specialist, ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """The reveals near-duplicate matching spared the reviewer: today, this service week and
    in all, from the service's records (see the module's docstring)."""
    with ctx.db.read() as s:
        periods = periods_now(s, ctx, user.team)
        return model_reply(avoided_by_user(s, [user.id], periods)[user.id])

