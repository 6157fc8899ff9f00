"""Reading cases: the whole case, context first, with its media refs and history (every
decision, note and hand-off between teams' queues, oldest first).

Specialists read the cases they hold (or held) a lease on; admins read any, and each of their
reads of content or media is audited; wellness leads read none (auth.ContentReader).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from reviewer_app.domain import (
    Action,
    Case,
    CaseStatus,
    CaseSummary,
    HarmCategory,
    HistoryEntry,
    Identifier,
    MediaKind,
    MediaRef,
    PolicyArea,
    ProblemCode,
    Reporter,
    ReporterType,
    Role,
    Severity,
    Source,
)
from reviewer_app.service import audit, blind, safeguard_state, sources
from reviewer_app.service.auth import ContentReader, CurrentUser
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.models import CaseRow, DecisionRow, HistoryRow, MediaRow
from reviewer_app.service.openapi import problems
from reviewer_app.service.problems import ProblemError
from safeguards import Refusal

router = APIRouter()


SUMMARY_COLUMNS = (CaseRow.id, CaseRow.source, CaseRow.policy_area, CaseRow.harm_category,
                   CaseRow.severity, CaseRow.priority, CaseRow.received_at, CaseRow.sla_due_at)


def summary_of(row: CaseRow | Row[*tuple[Any, ...]],
               near_dup_group: str | None = None) -> CaseSummary:
    """From an ORM row or a Core row of `SUMMARY_COLUMNS`."""
    return CaseSummary(
        id=row.id, source=Source(row.source), policy_area=PolicyArea(row.policy_area),
        harm_category=HarmCategory(row.harm_category), severity=Severity(row.severity),
        priority=row.priority, received_at=row.received_at, sla_due_at=row.sla_due_at,
        near_dup_group=near_dup_group,
    )


def may_read(session: Session, user: CurrentUser, row: CaseRow) -> bool:
    """An admin reads any case (`audit_content_read`); a specialist, the cases leased to them
    or decided by them (an escalation included, after the case moved to another team's
    queue), or given to them for a blind second review (blind.py); nobody else."""
    if user.role is Role.ADMIN:
        return True
    if user.role is not Role.SPECIALIST:
        return False
    if row.leased_by == user.id:
        return True
    decided = session.scalar(select(DecisionRow.id).where(
        DecisionRow.case_id == row.id, DecisionRow.user_id == user.id).limit(1))
    return decided is not None or blind.second_review_of(session, user.id, row.id) is not None


def audit_content_read(
    ctx: ServiceContext, user: CurrentUser, request: Request, subject_type: str,
    subject_id: str, detail: dict[str, Any],
) -> None:
    """An admin's read of case content or media is audited before it is answered; a
    specialist's reads are their work, already on record through their lease."""
    if user.role is not Role.ADMIN:
        return
    with ctx.db.write() as s:
        audit.record(s, at=ctx.now(), actor=user.username, action="content_read",
                     subject_type=subject_type, subject_id=subject_id,
                     client=client_of(request), detail=detail)


def case_of(session: Session, row: CaseRow) -> Case:
    media = session.scalars(
        select(MediaRow).where(MediaRow.case_id == row.id).order_by(MediaRow.position, MediaRow.id)
    ).all()
    history = session.scalars(
        select(HistoryRow)
        .where(HistoryRow.case_id == row.id)
        .order_by(HistoryRow.at, HistoryRow.id)
    ).all()
    return Case(
        **summary_of(row).model_dump(),
        jurisdiction=row.jurisdiction,
        legal_basis=row.legal_basis,
        rights_holder=row.rights_holder,
        reporter=Reporter(
            type=ReporterType(row.reporter_type), organisation=row.reporter_organisation,
            reference=row.reporter_reference, statement=row.reporter_statement,
        ),
        subject_text=row.subject_text,
        context=sources.context_of(row.context_json),
        media=[
            MediaRef(id=m.id, kind=MediaKind(m.kind), content_type=m.content_type, size=m.size,
                     sha256=m.sha256, width=m.width, height=m.height,
                     duration_ms=m.duration_ms)
            for m in media
        ],
        history=[
            HistoryEntry(at=h.at, kind=h.kind, actor=h.actor,
                         action=Action(h.action) if h.action else None, body=h.body)
            for h in history
        ],
        status=CaseStatus(row.status),
    )


@router.get("/cases/{case_id}", response_model=Case, responses=problems(403, 423))
def get_case(
    case_id: Annotated[Identifier, Path()],
    request: Request,
    user: ContentReader,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Case:
    """The case, context first. A specialist gets 423 (with Retry-After) during an enforced
    break, or for a case of a category they are capped for."""
    reviewer = user.role is Role.SPECIALIST
    with ctx.db.write() if reviewer else ctx.db.read() as s:
        row = s.get(CaseRow, case_id)
        if row is None:
            raise ProblemError(404, ProblemCode.NOT_FOUND, "no such case")
        if not may_read(s, user, row):
            raise ProblemError(403, ProblemCode.FORBIDDEN, "this case is not leased to you")
        refused = safeguard_state.content_refusal(
            s, ctx, user, HarmCategory(row.harm_category), Severity(row.severity)
        ) if reviewer else None
        case = None if refused else case_of(s, row)
        first_decider = (blind.second_review_of(s, user.id, row.id)
                         if reviewer and row.leased_by != user.id else None)
        if case is not None and first_decider is not None:
            case = blind.blind_case(case, first_decider)
    if refused is not None or case is None:
        raise refused_content(refused)
    audit_content_read(ctx, user, request, "case", case_id, {})
    return case


def refused_content(refused: Refusal | None) -> ProblemError:
    """The 423 for content refused by the safeguards (the same as a refused lease)."""
    assert refused is not None
    return ProblemError(refused.http_status, ProblemCode(refused.code), refused.detail,
                        retry_after_s=refused.retry_after_seconds)
