"""Quality: a team's share of closing decisions goes to a second reviewer of the team, blind;
agreement per policy area and per first decider; disagreements go to the team's lead.

- Sampling happens where a closing decision is accepted (decisions.apply_decision; never an
  escalation): `sampled` hashes the decision's client_id against the team's share, so 0 %
  and 100 % are exact and the same decision is always sampled the same way.
- A sampled decision becomes a task in its team's QA queue. It is leased like a case,
  through `POST /v1/leases` with `queue` = contract.QA_QUEUE (the same break and cap checks,
  the same audit), by a specialist of the team who made no decision on the case. A QA lease's
  id starts with `QA_LEASE_PREFIX`; its holdings are ordinary holdings, so what the second
  reviewer is shown and reveals is counted as any exposure.
- The case comes blind (blind.py). A decision under a QA lease is a second review
  (`apply_review`): stored on its own, it changes neither the case's outcome nor its history.
- A lead (or admin) reads the agreement and the disagreements, and resolves a disagreement
  with a note (audited).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session, aliased

from reviewer_app.contract import (
    QaAgreement,
    QaConfig,
    QaConfigUpdate,
    QaDisagreement,
    QaDisagreementList,
    QaResolution,
)
from reviewer_app.domain import (
    POLICY_CODES,
    Action,
    CaseSummary,
    Decision,
    HarmCategory,
    PolicyArea,
    ProblemCode,
    Severity,
    SyncStatus,
)
from reviewer_app.service import agreement, audit, holdings, sources
from reviewer_app.service.auth import CurrentUser, TeamLead
from reviewer_app.service.cases import SUMMARY_COLUMNS, summary_of
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.exposure import TeamName
from reviewer_app.service.models import CaseRow, DecisionRow, LeaseRow, User, UTCDateTime, table
from reviewer_app.service.models_quality import QaConfigRow, QaReviewRow, QaTaskRow
from reviewer_app.service.openapi import model_reply, problems
from reviewer_app.service.problems import ProblemError
from reviewer_app.service.safeguard_state import Safeguards

router = APIRouter()

QA_LEASE_PREFIX = "QA"
"""The first letters of a QA lease's id (a case lease's start with L)."""
QUEUED, LEASED, REVIEWED = "queued", "leased", "reviewed"

_TASKS = table(QaTaskRow)
_SHARE = select(QaConfigRow.share_percent).where(QaConfigRow.team == bindparam("team"))
_RECLAIM = (update(_TASKS)
            .where(_TASKS.c.status == LEASED,
                   _TASKS.c.lease_expires_at <= bindparam("now", type_=UTCDateTime))
            .values(status=QUEUED))


def is_qa_lease(lease_id: str) -> bool:
    return lease_id.startswith(QA_LEASE_PREFIX)


def new_lease_id(qa: bool) -> str:
    return (QA_LEASE_PREFIX if qa else "L") + secrets.token_hex(12)


def sampled(client_id: str, share_percent: int) -> bool:
    """Deterministic from the decision's id: 0 % never, 100 % always, in between the share
    of ids whose hash falls under it."""
    bucket = int.from_bytes(hashlib.sha256(client_id.encode()).digest()[:8], "big") % 100
    return bucket < share_percent


def sample(s: Session, user: CurrentUser, d: Decision, queue: str, now: datetime) -> None:
    """A closing decision just accepted: queue its second review when the team samples it."""
    share = s.connection().execute(_SHARE, {"team": user.team}).scalar()
    if not share or not sampled(str(d.client_id), share):
        return
    s.connection().execute(_TASKS.insert(), {
        "id": "T" + secrets.token_hex(12), "case_id": d.case_id, "team": user.team,
        "queue": queue, "first_decision_client_id": str(d.client_id), "first_user_id": user.id,
        "status": QUEUED, "lease_id": None, "leased_by": None, "lease_expires_at": None,
        "created_at": now})


# ------------------------------------------------------------------ the QA queue's lease


def take_tasks(s: Session, user: CurrentUser, max_cases: int, skip_categories: frozenset[str],
               lease_id: str, now: datetime, expires: datetime) -> list[CaseSummary]:
    """Leases the team's oldest queued second reviews (by the case's priority first) that
    this reviewer may do: none of a case they decided, none of a capped category."""
    conn = s.connection()
    conn.execute(_RECLAIM, {"now": now})
    decided_by_me = exists().where(DecisionRow.case_id == QaTaskRow.case_id,
                                   DecisionRow.user_id == user.id)
    q = (select(QaTaskRow.id.label("task_id"), *SUMMARY_COLUMNS)
         .join(CaseRow, CaseRow.id == QaTaskRow.case_id)
         .where(QaTaskRow.team == user.team, QaTaskRow.status == QUEUED, ~decided_by_me))
    if skip_categories:
        q = q.where(CaseRow.harm_category.not_in(sorted(skip_categories)))
    rows = conn.execute(
        q.order_by(CaseRow.priority.desc(), QaTaskRow.created_at, QaTaskRow.id)
        .limit(max_cases).with_for_update(skip_locked=True, of=QaTaskRow)).all()
    if rows:
        conn.execute(update(_TASKS).where(_TASKS.c.id.in_([r.task_id for r in rows]))
                     .values(status=LEASED, lease_id=lease_id, leased_by=user.id,
                             lease_expires_at=expires))
        holdings.start(s, lease_id, [r.id for r in rows], user.id, now)
    return [summary_of(r) for r in rows]


def held_tasks(s: Session, lease_id: str) -> list[tuple[QaTaskRow, CaseRow]]:
    """The second reviews a QA lease still holds, most urgent first."""
    return [(t, c) for t, c in s.execute(
        select(QaTaskRow, CaseRow).join(CaseRow, CaseRow.id == QaTaskRow.case_id)
        .where(QaTaskRow.lease_id == lease_id, QaTaskRow.status.in_([LEASED, QUEUED]))
        .order_by(CaseRow.priority.desc(), QaTaskRow.created_at)
        .with_for_update(of=QaTaskRow)).all()]


def give_back(s: Session, lease_id: str, tasks: list[QaTaskRow], now: datetime) -> None:
    for task in tasks:
        task.status = QUEUED
        task.lease_id = task.leased_by = task.lease_expires_at = None
    holdings.end_cases(s, lease_id, [t.case_id for t in tasks], now)


def release_tasks(s: Session, lease_id: str) -> None:
    """A released QA lease's unfinished second reviews go back to the QA queue."""
    s.execute(update(QaTaskRow).where(QaTaskRow.lease_id == lease_id,
                                      QaTaskRow.status != REVIEWED)
              .values(status=QUEUED, lease_id=None, leased_by=None, lease_expires_at=None))


# ------------------------------------------------------------------ the second review


def apply_review(s: Session, ctx: ServiceContext, user: CurrentUser, d: Decision, client: str,
                 sg: Safeguards) -> SyncStatus:
    """A decision under a QA lease: the second review of its task (or a duplicate of it).
    Checked as a decision is (lease, policy refs, the source's rules, breaks and caps);
    writes only the review, the end of the holding and the audit event."""
    body_hash = hashlib.sha256(d.model_dump_json().encode()).hexdigest()
    existing = s.scalar(select(QaReviewRow).where(QaReviewRow.client_id == str(d.client_id)))
    if existing is not None:
        if existing.user_id != user.id or existing.body_hash != body_hash:
            raise ProblemError(409, ProblemCode.ALREADY_DECIDED,
                               "another second review already has this client_id")
        return SyncStatus.DUPLICATE
    unknown = sorted(set(d.policy_refs) - POLICY_CODES)
    if unknown:
        raise ProblemError(422, ProblemCode.VALIDATION, f"unknown policy_refs: {unknown}")
    task = s.scalar(select(QaTaskRow).where(QaTaskRow.case_id == d.case_id,
                                            QaTaskRow.lease_id == d.lease_id)
                    .with_for_update())
    case = s.get(CaseRow, d.case_id)
    lease = s.get(LeaseRow, d.lease_id)
    if task is None or case is None or lease is None or lease.user_id != user.id:
        raise ProblemError(409, ProblemCode.LEASE_LOST,
                           "this lease holds no second review of this case")
    if task.status == REVIEWED:
        raise ProblemError(409, ProblemCode.ALREADY_DECIDED, "this second review is done")
    if task.leased_by != user.id:
        raise ProblemError(409, ProblemCode.LEASE_LOST,
                           "the lease expired and the second review went to someone else")
    sources.check_decision(case.source, case.context_json, d.action, d.legal_ground, d.claim)
    now = ctx.now()
    held = holdings.of_case(s, user.id, d.case_id)
    decided_at = min(d.decided_at, now)
    mine = [h for h in held if h.lease_id == d.lease_id]
    if mine:
        decided_at = max(decided_at, mine[-1].held_from)
    refused = sg.held_back(HarmCategory(case.harm_category), Severity(case.severity),
                           decided_at)
    if refused is not None:
        raise ProblemError(refused.http_status, ProblemCode(refused.code),
                           "made during an enforced break or past a limit: it is applied "
                           "when that is over", retry_after_s=refused.retry_after_seconds)
    first = s.scalar(select(DecisionRow.action).where(
        DecisionRow.client_id == task.first_decision_client_id))
    agrees = first == d.action.value
    s.add(QaReviewRow(client_id=str(d.client_id), task_id=task.id, case_id=d.case_id,
                      user_id=user.id, action=d.action.value,
                      policy_refs=json.dumps(list(d.policy_refs)), reason=d.reason,
                      decided_at=decided_at, received_at=now, body_hash=body_hash,
                      agrees=agrees))
    task.status = REVIEWED
    task.lease_expires_at = None
    holdings.end_case(s, d.lease_id, d.case_id, now)
    audit.record(s, at=now, actor=user.username, action="qa_review", subject_type="case",
                 subject_id=d.case_id, client=client,
                 detail={"client_id": str(d.client_id), "lease_id": d.lease_id,
                         "task_id": task.id, "action": d.action.value, "agrees": agrees})
    return SyncStatus.APPLIED


# ------------------------------------------------------------------ the lead's routes


def _config_out(team: str, row: QaConfigRow | None) -> QaConfig:
    if row is None:
        return QaConfig(team=team, share_percent=0, reason="not configured: no sampling")
    return QaConfig(team=team, share_percent=row.share_percent, updated_by=row.updated_by,
                    updated_at=row.updated_at, reason=row.reason)


@router.get("/teams/{team}/quality/config", response_model=QaConfig, responses=problems(403))
def get_qa_config(team: TeamName, user: TeamLead,
                  ctx: Annotated[ServiceContext, Depends(get_ctx)]) -> Response:
    """The team's share of closing decisions sampled for a blind second review."""
    with ctx.db.read() as s:
        return model_reply(_config_out(team, s.get(QaConfigRow, team)))


@router.put("/teams/{team}/quality/config", response_model=QaConfig, responses=problems(403))
def put_qa_config(team: TeamName, body: QaConfigUpdate, request: Request, user: TeamLead,
                  ctx: Annotated[ServiceContext, Depends(get_ctx)]) -> Response:
    """Sets the share for the decisions accepted from now on (audited with its reason)."""
    with ctx.db.write() as s:
        now = ctx.now()
        row = s.get(QaConfigRow, team)
        before = row.share_percent if row is not None else 0
        if row is None:
            row = QaConfigRow(team=team)
            s.add(row)
        row.share_percent = body.share_percent
        row.updated_by, row.updated_at, row.reason = user.username, now, body.reason
        audit.record(s, at=now, actor=user.username, action="qa_config_change",
                     subject_type="team", subject_id=team, client=client_of(request),
                     detail={"reason": body.reason, "from_share_percent": before,
                             "share_percent": body.share_percent})
        return model_reply(_config_out(team, row))


_FIRST = aliased(DecisionRow)
_FIRST_USER = aliased(User)
_SECOND_USER = aliased(User)


def _reviews(s: Session, team: str, *, disagreeing: bool = False,
             review_id: int | None = None) -> list[QaDisagreement]:
    """The team's second reviews beside their first decisions, oldest first."""
    q = (select(QaReviewRow, QaTaskRow.queue, CaseRow.policy_area, _FIRST,
                _FIRST_USER.username, _SECOND_USER.username)
         .join(QaTaskRow, QaTaskRow.id == QaReviewRow.task_id)
         .join(CaseRow, CaseRow.id == QaReviewRow.case_id)
         .join(_FIRST, _FIRST.client_id == QaTaskRow.first_decision_client_id)
         .join(_FIRST_USER, _FIRST_USER.id == QaTaskRow.first_user_id)
         .join(_SECOND_USER, _SECOND_USER.id == QaReviewRow.user_id)
         .where(QaTaskRow.team == team))
    if disagreeing:
        q = q.where(QaReviewRow.agrees.is_(False))
    if review_id is not None:
        q = q.where(QaReviewRow.id == review_id)
    out = []
    for review, queue, area, first, first_name, second_name in s.execute(
            q.order_by(QaReviewRow.decided_at, QaReviewRow.id)).all():
        out.append(QaDisagreement(
            review_id=review.id, case_id=review.case_id, queue=queue,
            policy_area=PolicyArea(area), first_reviewer=first_name,
            first_action=Action(first.action), first_policy_refs=json.loads(first.policy_refs),
            first_decided_at=first.decided_at, second_reviewer=second_name,
            second_action=Action(review.action),
            second_policy_refs=json.loads(review.policy_refs),
            second_decided_at=review.decided_at, resolved_by=review.resolved_by,
            resolved_at=review.resolved_at, resolution_note=review.resolution_note))
    return out


@router.get("/teams/{team}/quality/agreement", response_model=QaAgreement,
            responses=problems(403))
def get_qa_agreement(team: TeamName, user: TeamLead,
                     ctx: Annotated[ServiceContext, Depends(get_ctx)]) -> Response:
    """n, percent agreement and Cohen's kappa over the action labels of the team's second
    reviews: overall, per policy area, per first decider."""
    with ctx.db.read() as s:
        reviews = _reviews(s, team)
    pairs = [(r.first_action.value, r.second_action.value) for r in reviews]
    return model_reply(QaAgreement(
        team=team, overall=agreement.figures("all", pairs),
        by_policy_area=agreement.grouped(
            (r.policy_area.value, r.first_action.value, r.second_action.value)
            for r in reviews),
        by_reviewer=agreement.grouped(
            (r.first_reviewer, r.first_action.value, r.second_action.value)
            for r in reviews)))


@router.get("/teams/{team}/quality/disagreements", response_model=QaDisagreementList,
            responses=problems(403))
def list_qa_disagreements(
    team: TeamName, user: TeamLead, ctx: Annotated[ServiceContext, Depends(get_ctx)],
    resolved: Annotated[bool | None, Query(description="only resolved (true) or open "
                                                       "(false); default both")] = None,
) -> Response:
    """The second reviews that disagreed with the first decision, oldest first."""
    with ctx.db.read() as s:
        found = _reviews(s, team, disagreeing=True)
    if resolved is not None:
        found = [d for d in found if (d.resolved_at is not None) is resolved]
    return model_reply(QaDisagreementList(team=team, disagreements=found))


@router.post("/teams/{team}/quality/disagreements/{review_id}/resolution",
             response_model=QaDisagreement, responses=problems(403, 409))
def resolve_qa_disagreement(
    team: TeamName, review_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: QaResolution,
    request: Request, user: TeamLead, ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """Marks a disagreement resolved with the lead's note (audited); 409 once resolved."""
    with ctx.db.write() as s:
        found = _reviews(s, team, disagreeing=True, review_id=review_id)
        row = s.get(QaReviewRow, review_id, with_for_update=True)
        if not found or row is None:
            raise ProblemError(404, ProblemCode.NOT_FOUND, "no such disagreement in this team")
        if row.resolved_at is not None:
            raise ProblemError(409, ProblemCode.CONFLICT,
                               f"already resolved by {row.resolved_by}")
        now = ctx.now()
        row.resolved_by, row.resolved_at, row.resolution_note = user.username, now, body.note
        audit.record(s, at=now, actor=user.username, action="qa_disagreement_resolved",
                     subject_type="case", subject_id=row.case_id, client=client_of(request),
                     detail={"review_id": review_id, "note": body.note})
        s.flush()
        return model_reply(_reviews(s, team, disagreeing=True, review_id=review_id)[0])
