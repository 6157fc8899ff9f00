"""Decisions and notes: the reviewer's writes, each idempotent on its client-made id.

`apply_decision` and `apply_note` are shared by the single endpoints (with Idempotency-Key)
and the batch `/v1/sync`, so both paths decide the same way.

An escalation (action escalate, `escalate_to` a team) is a hand-off, not an end: the case
moves to that team's queue (routing.ESCALATION_QUEUES) with the decision's reason and a
priority (the decision's, else the case's), back to `queued` for that team, and the case
history records the hand-off. The receiving team decides it again, so a case can carry
several decisions; only a non-escalating one marks it decided.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import Response
from sqlalchemy import Connection, bindparam, insert, select, type_coerce, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reviewer_app.contract import IDEMPOTENCY_HEADER, DecisionAccepted, NoteAccepted, NoteBody
from reviewer_app.domain import (
    Action,
    CaseStatus,
    Decision,
    HarmCategory,
    Identifier,
    Note,
    ProblemCode,
    Severity,
    SyncStatus,
)
from reviewer_app.service import (
    audit,
    holdings,
    idempotency,
    policy_versions,
    quality,
    replies,
    routing,
    safeguard_state,
    sla,
    sources,
)
from reviewer_app.service.auth import CurrentUser, Specialist
from reviewer_app.service.cases import may_read
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.models import (
    CaseRow,
    DecisionRow,
    HistoryRow,
    LeaseCaseRow,
    LeaseRow,
    NoteRow,
    UTCDateTime,
    table,
)
from reviewer_app.service.models_queues import HandoffRow
from reviewer_app.service.openapi import KEYED_BY_CLIENT_ID, model_reply, problems
from reviewer_app.service.problems import ProblemError, problem_response
from reviewer_app.service.safeguard_state import Safeguards

router = APIRouter()


def _lease_lost(detail: str) -> ProblemError:
    return ProblemError(409, ProblemCode.LEASE_LOST, detail)


_CASES = table(CaseRow)
# The decision path's statements, built once (it runs for every decision, through both the
# single endpoint and /v1/sync); values are bound at execution.
_FIND_DECISION = (select(DecisionRow.user_id, DecisionRow.body_hash)
                  .where(DecisionRow.client_id == bindparam("client_id")))
_CASE_AND_LEASE_HOLDER = (
    select(CaseRow.status, CaseRow.lease_id, CaseRow.harm_category, CaseRow.severity,
           CaseRow.queue, CaseRow.priority, CaseRow.sla_due_at, CaseRow.source,
           CaseRow.context_json,
           select(LeaseRow.user_id).where(LeaseRow.id == bindparam("lease_id"))
           .scalar_subquery().label("lease_holder"),
           type_coerce(select(LeaseCaseRow.held_from)
                       .where(LeaseCaseRow.lease_id == bindparam("lease_id"),
                              LeaseCaseRow.case_id == bindparam("case_id"))
                       .scalar_subquery(), UTCDateTime).label("held_from"))
    .where(CaseRow.id == bindparam("case_id"))
    .with_for_update(of=CaseRow)
)
_INSERT_DECISION = insert(table(DecisionRow))
_MARK_DECIDED = (update(_CASES).where(_CASES.c.id == bindparam("case_id"))
                 .values(status=CaseStatus.DECIDED.value, lease_expires_at=None))
_INSERT_HISTORY = insert(table(HistoryRow))
_HAND_OFF = (update(_CASES).where(_CASES.c.id == bindparam("case_id"))
             .values(status=CaseStatus.QUEUED.value, queue=bindparam("to_queue"),
                     priority=bindparam("to_priority"), lease_id=None, leased_by=None,
                     lease_expires_at=None))
_INSERT_HANDOFF = insert(table(HandoffRow))


def _hand_off(conn: Connection, d: Decision, user: CurrentUser, from_queue: str,
              case_priority: int, at: datetime) -> dict[str, object]:
    """Moves an escalated case to its team's queue, queued again, and records the hand-off
    (its own row and a `handoff` entry of the case history); returns it for the audit."""
    assert d.escalate_to is not None
    to_queue = routing.ESCALATION_QUEUES[d.escalate_to]
    priority = getattr(d, "priority", None)
    priority = case_priority if priority is None else int(priority)
    conn.execute(_HAND_OFF, {"case_id": d.case_id, "to_queue": to_queue,
                             "to_priority": priority})
    conn.execute(_INSERT_HANDOFF, {
        "case_id": d.case_id, "at": at, "from_queue": from_queue, "to_queue": to_queue,
        "to_team": d.escalate_to.value, "by_user": user.username, "reason": d.reason,
        "priority": priority, "decision_client_id": str(d.client_id)})
    conn.execute(_INSERT_HISTORY, {
        "case_id": d.case_id, "at": at, "kind": "handoff", "actor": user.username,
        "action": Action.ESCALATE.value,
        "body": handoff_text(from_queue, to_queue, priority, d.reason)})
    return {"from_queue": from_queue, "to_queue": to_queue, "priority": priority}


def handoff_text(from_queue: str, to_queue: str, priority: int, reason: str) -> str:
    """A hand-off as the case history shows it."""
    text = f"Handed off from {from_queue} to {to_queue} (priority {priority})"
    return f"{text}: {reason}" if reason else text


def _hold_back(sg: Safeguards, category: str, severity: int, made_at: datetime) -> None:
    """423 (and, in /v1/sync, `deferred`) for work made during an enforced break or on a
    capped category after the cap: it is applied once the break or cap is over."""
    refused = sg.held_back(HarmCategory(category), Severity(severity), made_at)
    if refused is not None:
        raise ProblemError(refused.http_status, ProblemCode(refused.code),
                           "made during an enforced break or past a limit: it is applied "
                           "when that is over", retry_after_s=refused.retry_after_seconds)


def apply_decision(
    s: Session, ctx: ServiceContext, user: CurrentUser, d: Decision, client: str,
    sg: Safeguards, *, appeal: bool = False,
) -> SyncStatus:
    """Applies one decision, or says it is a duplicate; raises a problem on conflict, always
    before writing anything. Its citations are checked against the policy version in force,
    which it records. A case under appeal takes only an appeal's overturn (`appeal`). Its
    time is service time bounded by the holding (from the lease's start to now), whatever
    the client's clock said. Core statements on the session's connection: with the lease,
    this is the service's hottest path. A decision under a QA lease is a second review
    (quality.apply_review)."""
    if quality.is_qa_lease(d.lease_id):
        return quality.apply_review(s, ctx, user, d, client, sg)
    conn = s.connection()
    body_hash = hashlib.sha256(d.model_dump_json().encode()).hexdigest()
    client_id = str(d.client_id)
    existing = conn.execute(_FIND_DECISION, {"client_id": client_id}).first()
    if existing is not None:
        if existing.user_id != user.id or existing.body_hash != body_hash:
            raise ProblemError(409, ProblemCode.ALREADY_DECIDED,
                               "another decision already has this client_id")
        return SyncStatus.DUPLICATE
    taxonomy = policy_versions.current(s, ctx)
    taxonomy.check_citations(d.policy_refs)
    case = conn.execute(_CASE_AND_LEASE_HOLDER,
                        {"case_id": d.case_id, "lease_id": d.lease_id}).first()
    if case is None:
        raise ProblemError(404, ProblemCode.NOT_FOUND, "no such case")
    if case.status == CaseStatus.DECIDED.value:
        raise ProblemError(409, ProblemCode.ALREADY_DECIDED, "this case is already decided")
    if not appeal and case.queue.startswith(routing.APPEALS_QUEUE_PREFIX):
        raise ProblemError(409, ProblemCode.CONFLICT,
                           "this case is under appeal: uphold or overturn it")
    if case.lease_holder != user.id:
        raise _lease_lost("this lease is not yours")
    if case.lease_id != d.lease_id:
        raise _lease_lost("the lease expired and the case went to someone else")
    sources.check_decision(case.source, case.context_json, d.action, d.legal_ground, d.claim)
    reply = replies.checked_reply(s, d)
    now = ctx.now()
    decided_at = min(d.decided_at, now)
    if case.held_from is not None:
        decided_at = max(decided_at, case.held_from)
    _hold_back(sg, case.harm_category, case.severity, decided_at)
    conn.execute(_INSERT_DECISION, {
        "client_id": client_id, "case_id": d.case_id, "lease_id": d.lease_id,
        "user_id": user.id, "action": d.action.value,
        "policy_refs": json.dumps(list(d.policy_refs)), "reason": d.reason,
        "escalate_to": d.escalate_to.value if d.escalate_to else None,
        "reply_template": d.reply_template,
        "reply": reply[0] if reply else None, "reply_version": reply[1] if reply else None,
        "legal_ground": d.legal_ground.code.value if d.legal_ground else None,
        "legal_ground_explanation": d.legal_ground.explanation if d.legal_ground else None,
        "claim_outcome": d.claim.outcome.value if d.claim else None,
        "counter_notice_possible": d.claim.counter_notice_possible if d.claim else None,
        "decided_at": decided_at, "received_at": now,
        "handle_ms": d.handle_ms, "body_hash": body_hash,
        "policy_version": taxonomy.version,
    })
    holdings.end_case(s, d.lease_id, d.case_id, now)
    conn.execute(_INSERT_HISTORY, {
        "case_id": d.case_id, "at": decided_at, "kind": "decision", "actor": user.username,
        "action": d.action.value, "body": _history_body(d, reply)})
    handoff: dict[str, object] = {}
    if d.action is Action.ESCALATE:
        handoff = _hand_off(conn, d, user, case.queue, case.priority, decided_at)
    else:
        conn.execute(_MARK_DECIDED, {"case_id": d.case_id})
        sla.record_late_decision(s, d.case_id, case.queue, case.sla_due_at, now)
        quality.sample(s, user, d, case.queue, now)
    audit.record(s, at=now, actor=user.username, action="decision", subject_type="case",
                 subject_id=d.case_id, client=client,
                 detail={"client_id": client_id, "action": d.action.value,
                         "lease_id": d.lease_id, "escalate_to": d.escalate_to,
                         "policy_version": taxonomy.version, **handoff,
                         **({"reply_template": d.reply_template, "reply_version": reply[1]}
                            if reply else {})})
    return SyncStatus.APPLIED


def _history_body(d: Decision, reply: tuple[str, int] | None = None) -> str:
    """The reason, then the source's fields (legal ground, claim outcome) when given, then
    the reply sent (`replies.history_text`)."""
    extra = sources.decision_words(d.legal_ground, d.claim)
    body = f"{d.reason} ({extra})" if d.reason and extra else d.reason or extra
    if reply is not None and d.reply_template is not None:
        body = replies.history_text(body, d.reply_template, *reply)
    return body


def apply_note(
    s: Session, ctx: ServiceContext, user: CurrentUser, note: Note, client: str,
    sg: Safeguards,
) -> SyncStatus:
    existing = s.scalar(select(NoteRow).where(NoteRow.client_id == str(note.client_id)))
    if existing is not None:
        if existing.user_id != user.id or existing.case_id != note.case_id:
            raise ProblemError(409, ProblemCode.CONFLICT,
                               "another note already has this client_id")
        return SyncStatus.DUPLICATE
    case = s.get(CaseRow, note.case_id)
    if case is None:
        raise ProblemError(404, ProblemCode.NOT_FOUND, "no such case")
    if not may_read(s, user, case):
        raise ProblemError(403, ProblemCode.FORBIDDEN, "this case is not leased to you")
    now = ctx.now()
    written_at = min(note.written_at, now)
    _hold_back(sg, case.harm_category, case.severity, written_at)
    s.add(NoteRow(client_id=str(note.client_id), case_id=note.case_id, user_id=user.id,
                  body=note.body, written_at=written_at, received_at=now))
    s.add(HistoryRow(case_id=note.case_id, at=written_at, kind="note", actor=user.username,
                     body=note.body))
    audit.record(s, at=now, actor=user.username, action="note", subject_type="case",
                 subject_id=note.case_id, client=client,
                 detail={"client_id": str(note.client_id)})
    return SyncStatus.APPLIED


def keyed_write(
    ctx: ServiceContext, user: CurrentUser, key: str, fingerprint: str,
    op: Callable[[Session], Response],
) -> Response:
    """Runs `op` at most once per (user, key) and stores its answer (success or problem) in
    the same transaction, for replays."""
    for _attempt in range(2):
        try:
            with ctx.db.write() as s:
                claim = idempotency.claim_in(s, ctx, user.id, key, fingerprint)
                if isinstance(claim, idempotency.StoredResult):
                    return claim.response()
                try:
                    with s.begin_nested():
                        response = op(s)
                except ProblemError as exc:
                    if exc.status >= 500 or exc.status == 423:
                        raise  # not an answer to keep: the same request succeeds later
                    response = problem_response(exc.problem(), exc.headers)
                idempotency.store(s, ctx, claim, response)
            return response
        except IntegrityError:
            continue  # a concurrent request with this key committed first: replay it
    raise ProblemError(409, ProblemCode.IDEMPOTENCY_IN_FLIGHT,
                       "a request with this Idempotency-Key is still being processed",
                       retry_after_s=1)


def _key_matches(key: str, client_id: object) -> None:
    if key.lower() != str(client_id).lower():
        raise ProblemError(400, ProblemCode.BAD_REQUEST,
                           "Idempotency-Key must be the item's client_id")


@router.post(
    "/cases/{case_id}/decisions", response_model=DecisionAccepted, status_code=201,
    responses={200: {"model": DecisionAccepted, "description": "a duplicate of a decision "
                     "already applied"}, **problems(403, 409, 423)},
    openapi_extra=KEYED_BY_CLIENT_ID,
)
def post_decision(
    case_id: Annotated[Identifier, Path()],
    decision: Decision,
    request: Request,
    user: Specialist,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    idempotency_key: Annotated[str | None, Header(alias=IDEMPOTENCY_HEADER)] = None,
) -> Response:
    """201 when applied, 200 when this client_id was already applied (e.g. through /sync)."""
    key = idempotency.require_key(idempotency_key)
    _key_matches(key, decision.client_id)
    if decision.case_id != case_id:
        raise ProblemError(422, ProblemCode.VALIDATION, "case_id differs from the path")
    fingerprint = idempotency.request_fingerprint(
        "POST", request.url.path, decision.model_dump(mode="json"))

    def op(s: Session) -> Response:
        sg = safeguard_state.load(s, ctx, user)
        status = apply_decision(s, ctx, user, decision, client_of(request), sg)
        safeguard_state.save(s, ctx, user, sg)
        body = DecisionAccepted(client_id=str(decision.client_id), case_id=case_id,
                                status=status)
        return model_reply(body, 201 if status is SyncStatus.APPLIED else 200)

    return keyed_write(ctx, user, key, fingerprint, op)


@router.post(
    "/cases/{case_id}/notes", response_model=NoteAccepted, status_code=201,
    responses={200: {"model": NoteAccepted, "description": "a duplicate"},
               **problems(403, 409, 423)},
    openapi_extra=KEYED_BY_CLIENT_ID,
)
def post_note(
    case_id: Annotated[Identifier, Path()],
    body: NoteBody,
    request: Request,
    user: Specialist,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    idempotency_key: Annotated[str | None, Header(alias=IDEMPOTENCY_HEADER)] = None,
) -> Response:
    key = idempotency.require_key(idempotency_key)
    _key_matches(key, body.client_id)
    note = Note(client_id=body.client_id, case_id=case_id, body=body.body,
                written_at=ctx.now())
    fingerprint = idempotency.request_fingerprint(
        "POST", request.url.path, body.model_dump(mode="json"))

    def op(s: Session) -> Response:
        sg = safeguard_state.load(s, ctx, user)
        status = apply_note(s, ctx, user, note, client_of(request), sg)
        safeguard_state.save(s, ctx, user, sg)
        out = NoteAccepted(client_id=str(body.client_id), case_id=case_id, status=status)
        return model_reply(out, 201 if status is SyncStatus.APPLIED else 200)

    return keyed_write(ctx, user, key, fingerprint, op)
