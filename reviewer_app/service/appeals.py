"""Appeals: a decided case reopened for a different reviewer, who upholds or overturns it.

An admin or a partner system (the integration role) files an appeal of a decided case
(`POST /v1/cases/{case_id}/appeals`: who appeals and their statement; 409 for a case not
decided). The case goes back to `queued` in the appeals queue of the queue it was decided in
(`routing.appeals_queue`), which the teams working that queue lease from; the lease never
hands it to the specialist whose decision is appealed (`leases.not_appealed_from`).

The specialist holding it reads the appeal (`GET /v1/cases/{case_id}/appeal`: the decision
appealed with the policy version it was made under, and the appellant's statement) and
decides (`POST /v1/appeals/{appeal_id}/decision`, keyed by its client_id like a decision):
- uphold: the case is decided again as it was; no new decision, its outcome unchanged;
- overturn: a new decision (action and citations, checked like any decision's against the
  policy version in force, which it records) through `decisions.apply_decision`, so the
  case's outcome is the new one.
Either way the case returns to the queue it came from, the history and the audit log record
the appeal and its outcome.
"""

from __future__ import annotations

import json
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer_app.contract import (
    Appeal,
    AppealCreate,
    AppealDecisionCreate,
    AppealedDecision,
    AppealOutcome,
    AppealStatus,
    Appellant,
)
from reviewer_app.domain import Action, CaseStatus, Decision, Identifier, ProblemCode
from reviewer_app.service import audit, holdings, idempotency, routing, safeguard_state
from reviewer_app.service.auth import ContentReader, CurrentUser, Intake, Specialist
from reviewer_app.service.cases import audit_content_read, may_read
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.decisions import _hold_back, apply_decision, keyed_write
from reviewer_app.service.models import CaseRow, DecisionRow, HistoryRow, User
from reviewer_app.service.models_policy import AppealRow
from reviewer_app.service.openapi import KEYED_BY_CLIENT_ID, model_reply, problems
from reviewer_app.service.problems import ProblemError

router = APIRouter()


def _decision_of(row: DecisionRow) -> AppealedDecision:
    return AppealedDecision(action=Action(row.action), policy_refs=json.loads(row.policy_refs),
                            reason=row.reason, decided_at=row.decided_at,
                            policy_version=row.policy_version)


def _out(s: Session, row: AppealRow) -> Appeal:
    original = s.get_one(DecisionRow, row.decision_id)
    new = s.get(DecisionRow, row.new_decision_id) if row.new_decision_id else None
    decider = s.get(User, row.decided_by) if row.decided_by else None
    return Appeal(
        id=row.id, case_id=row.case_id, status=AppealStatus(row.status),
        appellant=Appellant(row.appellant), statement=row.statement, filed_by=row.filed_by,
        filed_at=row.filed_at, queue=row.queue, original=_decision_of(original),
        decided_by=decider.username if decider else None, decided_at=row.decided_at,
        outcome_reason=row.outcome_reason,
        new_decision=_decision_of(new) if new is not None else None)


def _outcome_in_force(s: Session, case_id: str) -> DecisionRow | None:
    """The case's outcome: its latest decision that was not a hand-off."""
    return s.scalars(select(DecisionRow)
                     .where(DecisionRow.case_id == case_id,
                            DecisionRow.action != Action.ESCALATE.value)
                     .order_by(DecisionRow.decided_at.desc(), DecisionRow.id.desc())
                     .limit(1)).first()


@router.post("/cases/{case_id}/appeals", response_model=Appeal, status_code=201,
             responses=problems(403, 409))
def file_appeal(
    case_id: Annotated[Identifier, Path()], body: AppealCreate, request: Request,
    user: Intake, ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """Reopens a decided case into its appeals queue (409 for a case not decided, or already
    under appeal): a specialist other than the one who decided it upholds or overturns it."""
    with ctx.db.write() as s:
        case = s.scalars(select(CaseRow).where(CaseRow.id == case_id)
                         .with_for_update()).first()
        if case is None:
            raise ProblemError(404, ProblemCode.NOT_FOUND, "no such case")
        outcome = _outcome_in_force(s, case_id)
        if case.status != CaseStatus.DECIDED.value or outcome is None:
            raise ProblemError(409, ProblemCode.CONFLICT,
                               "only a decided case can be appealed")
        now = ctx.now()
        row = AppealRow(
            id="A" + secrets.token_hex(12), case_id=case_id, decision_id=outcome.id,
            original_user_id=outcome.user_id, appellant=body.appellant.value,
            statement=body.statement, filed_by=user.username, filed_at=now,
            from_queue=case.queue, queue=routing.appeals_queue(case.queue),
            status=AppealStatus.OPEN.value, outcome_reason="")
        s.add(row)
        case.status, case.queue = CaseStatus.QUEUED.value, row.queue
        case.lease_id = case.leased_by = case.lease_expires_at = None
        s.add(HistoryRow(case_id=case_id, at=now, kind="appeal", actor=user.username,
                         body=f"Appealed by the {body.appellant.value.replace('_', ' ')}: "
                              f"{body.statement}"))
        s.flush()
        audit.record(s, at=now, actor=user.username, action="appeal", subject_type="case",
                     subject_id=case_id, client=client_of(request),
                     detail={"appeal_id": row.id, "appellant": body.appellant.value,
                             "decision_id": outcome.id, "queue": row.queue})
        return model_reply(_out(s, row), 201)


@router.get("/cases/{case_id}/appeal", response_model=Appeal, responses=problems(403))
def get_appeal(
    case_id: Annotated[Identifier, Path()], request: Request, user: ContentReader,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Appeal:
    """The case's latest appeal (404 if it has none): the decision appealed, the policy
    version it was made under, the appellant's statement, and the outcome once decided."""
    with ctx.db.read() as s:
        case = s.get(CaseRow, case_id)
        if case is None:
            raise ProblemError(404, ProblemCode.NOT_FOUND, "no such case")
        if not may_read(s, user, case):
            raise ProblemError(403, ProblemCode.FORBIDDEN, "this case is not leased to you")
        row = s.scalars(select(AppealRow).where(AppealRow.case_id == case_id)
                        .order_by(AppealRow.filed_at.desc()).limit(1)).first()
        if row is None:
            raise ProblemError(404, ProblemCode.NOT_FOUND, "this case has no appeal")
        appeal = _out(s, row)
    audit_content_read(ctx, user, request, "appeal", row.id, {"case_id": case_id})
    return appeal


def _decide(s: Session, ctx: ServiceContext, user: CurrentUser, appeal_id: str,
            body: AppealDecisionCreate, client: str) -> Response:
    sg = safeguard_state.load(s, ctx, user)
    row = s.scalars(select(AppealRow).where(AppealRow.id == appeal_id)
                    .with_for_update()).first()
    if row is None:
        raise ProblemError(404, ProblemCode.NOT_FOUND, "no such appeal")
    if row.status != AppealStatus.OPEN.value:
        raise ProblemError(409, ProblemCode.ALREADY_DECIDED, "this appeal is already decided")
    if row.original_user_id == user.id:
        raise ProblemError(403, ProblemCode.FORBIDDEN,
                           "an appeal is decided by a reviewer other than the original one")
    case = s.get_one(CaseRow, row.case_id)
    if (case.status != CaseStatus.LEASED.value or case.leased_by != user.id
            or case.lease_id != body.lease_id):
        raise ProblemError(409, ProblemCode.LEASE_LOST, "this appeal is not leased to you")
    now = ctx.now()
    new_action: str | None = None
    if body.outcome is AppealOutcome.OVERTURN:
        if body.action is None or body.action is Action.ESCALATE:
            raise ProblemError(422, ProblemCode.VALIDATION,
                               "an overturn names its new action (not escalate)")
        d = Decision(client_id=body.client_id, case_id=row.case_id, lease_id=body.lease_id,
                     action=body.action, policy_refs=body.policy_refs, reason=body.reason,
                     legal_ground=body.legal_ground, claim=body.claim, decided_at=now,
                     handle_ms=body.handle_ms)
        apply_decision(s, ctx, user, d, client, sg, appeal=True)
        row.new_decision_id = s.scalar(select(DecisionRow.id)
                                       .where(DecisionRow.client_id == str(body.client_id)))
        new_action = body.action.value
    else:
        if body.action is not None or body.legal_ground or body.claim:
            raise ProblemError(422, ProblemCode.VALIDATION,
                               "an uphold keeps the decision: it takes no new action")
        _hold_back(sg, case.harm_category, case.severity, now)
        holdings.end_case(s, body.lease_id, row.case_id, now)
        case.status, case.lease_expires_at = CaseStatus.DECIDED.value, None
    case.queue = row.from_queue
    row.status = (AppealStatus.OVERTURNED if body.outcome is AppealOutcome.OVERTURN
                  else AppealStatus.UPHELD).value
    row.client_id, row.decided_by, row.decided_at = str(body.client_id), user.id, now
    row.outcome_reason = body.reason
    s.add(HistoryRow(case_id=row.case_id, at=now, kind="appeal", actor=user.username,
                     body=f"Appeal {row.status}" + (f": {body.reason}" if body.reason else "")))
    s.flush()
    audit.record(s, at=now, actor=user.username, action="appeal_decision",
                 subject_type="case", subject_id=row.case_id, client=client,
                 detail={"appeal_id": row.id, "client_id": str(body.client_id),
                         "outcome": body.outcome.value, "decision_id": row.decision_id,
                         "new_decision_id": row.new_decision_id, "action": new_action})
    safeguard_state.save(s, ctx, user, sg)
    return model_reply(_out(s, row), 201)


@router.post("/appeals/{appeal_id}/decision", response_model=Appeal, status_code=201,
             responses=problems(403, 409, 423), openapi_extra=KEYED_BY_CLIENT_ID)
def decide_appeal(
    appeal_id: Annotated[Identifier, Path()], body: AppealDecisionCreate, request: Request,
    user: Specialist, ctx: Annotated[ServiceContext, Depends(get_ctx)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    """Upholds or overturns the appeal of a case leased to the caller (403 for the reviewer
    whose decision is appealed; 409 when it is not leased to the caller or already
    decided). A retry with the same Idempotency-Key (the client_id) is answered as before."""
    key = idempotency.require_key(idempotency_key)
    if key.lower() != str(body.client_id).lower():
        raise ProblemError(400, ProblemCode.BAD_REQUEST,
                           "Idempotency-Key must be the item's client_id")
    fingerprint = idempotency.request_fingerprint("POST", request.url.path,
                                                  body.model_dump(mode="json"))
    client = client_of(request)
    return keyed_write(ctx, user, key, fingerprint,
                       lambda s: _decide(s, ctx, user, appeal_id, body, client))
