"""Corrections: a synced decision superseded by a new, audited one (issue 13, "Undo").

Before a decision reaches the service the reviewer undoes it on their own computer (the
outbox, `reviewer_app.client.undo`): the service never hears of it. Once it has synced, it
is on record and stays there: `POST /v1/cases/{id}/corrections` makes a NEW decision row
that supersedes it (`supersedes` on the new row, `superseded_by` on the old; both kept,
nothing deleted), audited `decision_corrected`, with the reason for the correction.

Who and when, by least privilege: only the specialist who made the decision, and only for
`contract.CORRECTION_WINDOW_HOURS` (24 h) after the service received it; anyone else is
answered 404 (a decision that is not yours is not shown to exist). A later change is an
appeal's business (403 after the window). Only the decision in force can be corrected (a
corrected one is refused with 409 `already_decided`: correct the correction), and only a
final one (422 for an escalation: it handed the case to another team's queue, and that
hand-off is not taken back here). The correction is checked
like any decision: its policy codes and what the case's source needs (sources.py).

The decision in force of a case (what reads, matching and metrics use) is its latest
decision that is not superseded: `in_force()`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import Response
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from reviewer_app.contract import (
    CORRECTION_WINDOW_HOURS,
    IDEMPOTENCY_HEADER,
    CorrectionAccepted,
    CorrectionBody,
)
from reviewer_app.domain import POLICY_CODES, Action, Identifier, ProblemCode, SyncStatus
from reviewer_app.service import audit, idempotency, sources
from reviewer_app.service.auth import CurrentUser, Specialist
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.decisions import keyed_write
from reviewer_app.service.models import CaseRow, DecisionRow, HistoryRow
from reviewer_app.service.openapi import KEYED_BY_CLIENT_ID, model_reply, problems
from reviewer_app.service.problems import ProblemError

router = APIRouter()

WINDOW = timedelta(hours=CORRECTION_WINDOW_HOURS)


def in_force() -> ColumnElement[bool]:
    """The filter that keeps a case's decisions that still count (not superseded)."""
    return DecisionRow.superseded_by.is_(None)


def _body_hash(case_id: str, body: CorrectionBody) -> str:
    return hashlib.sha256(f"{case_id}:{body.model_dump_json()}".encode()).hexdigest()


def _conflict(detail: str) -> ProblemError:
    """Not to be retried: what the correction replaces is no longer in force."""
    return ProblemError(409, ProblemCode.ALREADY_DECIDED, detail)


def apply_correction(s: Session, ctx: ServiceContext, user: CurrentUser, case_id: str,
                     body: CorrectionBody, client: str) -> SyncStatus:
    """Applies one correction or says it is a duplicate; raises a problem, before writing
    anything, when it may not be made."""
    client_id, old_id = str(body.client_id), str(body.supersedes)
    body_hash = _body_hash(case_id, body)
    existing = s.scalar(select(DecisionRow).where(DecisionRow.client_id == client_id))
    if existing is not None:
        if existing.user_id != user.id or existing.body_hash != body_hash:
            raise ProblemError(409, ProblemCode.ALREADY_DECIDED,
                               "another decision already has this client_id")
        return SyncStatus.DUPLICATE
    unknown = sorted(set(body.policy_refs) - POLICY_CODES)
    if unknown:
        raise ProblemError(422, ProblemCode.VALIDATION, f"unknown policy_refs: {unknown}")
    old = s.scalar(select(DecisionRow).where(DecisionRow.client_id == old_id)
                   .with_for_update())
    if old is None or old.user_id != user.id or old.case_id != case_id:
        raise ProblemError(404, ProblemCode.NOT_FOUND,
                           "no decision of yours with this client_id on this case")
    if old.superseded_by is not None:
        raise _conflict(f"this decision was already corrected by {old.superseded_by}: "
                        "correct that one instead")
    if old.action == Action.ESCALATE.value:
        raise ProblemError(422, ProblemCode.VALIDATION, "an escalation handed the case to "
                           "another team; it is not corrected")
    now = ctx.now()
    if now - old.received_at > WINDOW:
        raise ProblemError(403, ProblemCode.FORBIDDEN,
                           f"corrections are made within {CORRECTION_WINDOW_HOURS} h of the "
                           "decision; ask a lead to reopen the case")
    later = s.scalar(select(DecisionRow.id).where(
        DecisionRow.case_id == case_id, DecisionRow.id > old.id, in_force()).limit(1))
    if later is not None:
        raise _conflict("a later decision on this case is in force")
    case = s.get(CaseRow, case_id)
    if case is None:
        raise ProblemError(404, ProblemCode.NOT_FOUND, "no such case")
    sources.check_decision(case.source, case.context_json, body.action, body.legal_ground,
                           body.claim)
    decided_at = max(min(body.decided_at, now), old.decided_at)
    s.add(DecisionRow(
        client_id=client_id, case_id=case_id, lease_id=old.lease_id, user_id=user.id,
        action=body.action.value, policy_refs=json.dumps(list(body.policy_refs)),
        reason=body.reason, escalate_to=None, reply_template=old.reply_template,
        legal_ground=body.legal_ground.code.value if body.legal_ground else None,
        legal_ground_explanation=body.legal_ground.explanation if body.legal_ground else None,
        claim_outcome=body.claim.outcome.value if body.claim else None,
        counter_notice_possible=body.claim.counter_notice_possible if body.claim else None,
        decided_at=decided_at, received_at=now, handle_ms=body.handle_ms,
        body_hash=body_hash, supersedes=old_id, correction_reason=body.correction_reason))
    marked = s.execute(update(DecisionRow).where(DecisionRow.id == old.id,
                                                 DecisionRow.superseded_by.is_(None))
                       .values(superseded_by=client_id))
    if getattr(marked, "rowcount", 1) != 1:  # a race: the retry sees who won
        raise ProblemError(409, ProblemCode.CONFLICT, "this decision was corrected concurrently")
    words = sources.decision_words(body.legal_ground, body.claim)
    history = f"Correction of the decision to {old.action}: {body.correction_reason}"
    if body.reason or words:
        history += f". {' '.join(w for w in (body.reason, f'({words})' if words else '') if w)}"
    s.add(HistoryRow(case_id=case_id, at=decided_at, kind="decision", actor=user.username,
                     action=body.action.value, body=history[:10_000]))
    detail: dict[str, Any] = {"client_id": client_id, "supersedes": old_id,
                              "action": body.action.value, "previous_action": old.action,
                              "correction_reason": body.correction_reason}
    audit.record(s, at=now, actor=user.username, action="decision_corrected",
                 subject_type="case", subject_id=case_id, client=client, detail=detail)
    return SyncStatus.APPLIED


@router.post(
    "/cases/{case_id}/corrections", response_model=CorrectionAccepted, status_code=201,
    responses={200: {"model": CorrectionAccepted, "description": "a duplicate of a correction "
                     "already applied"}, **problems(403, 409)},
    openapi_extra=KEYED_BY_CLIENT_ID,
)
def post_correction(
    case_id: Annotated[Identifier, Path()],
    body: CorrectionBody,
    request: Request,
    user: Specialist,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    idempotency_key: Annotated[str | None, Header(alias=IDEMPOTENCY_HEADER)] = None,
) -> Response:
    """A new decision superseding one of the caller's synced decisions on this case (within
    the correction window): 201 when applied, 200 for a replay of the same correction."""
    key = idempotency.require_key(idempotency_key)
    if key.lower() != str(body.client_id).lower():
        raise ProblemError(400, ProblemCode.BAD_REQUEST,
                           "Idempotency-Key must be the item's client_id")
    fingerprint = idempotency.request_fingerprint(
        "POST", request.url.path, body.model_dump(mode="json"))

    def op(s: Session) -> Response:
        status = apply_correction(s, ctx, user, case_id, body, client_of(request))
        out = CorrectionAccepted(client_id=str(body.client_id), case_id=case_id,
                                 supersedes=str(body.supersedes), status=status)
        return model_reply(out, 201 if status is SyncStatus.APPLIED else 200)

    return keyed_write(ctx, user, key, fingerprint, op)
