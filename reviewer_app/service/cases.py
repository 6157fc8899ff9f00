"""Reading cases: the whole case, context first, with its media refs and history.

Specialists read the cases they hold (or held) a lease on; leads and admins read any.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
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
from reviewer_app.service.auth import CurrentUser, authenticate
from reviewer_app.service.context import ServiceContext, get_ctx
from reviewer_app.service.models import CaseRow, DecisionRow, HistoryRow, MediaRow
from reviewer_app.service.openapi import problems
from reviewer_app.service.problems import ProblemError

router = APIRouter()


SUMMARY_COLUMNS = (CaseRow.id, CaseRow.source, CaseRow.policy_area, CaseRow.harm_category,
                   CaseRow.severity, CaseRow.priority, CaseRow.received_at, CaseRow.sla_due_at)


def summary_of(row: CaseRow | Row[*tuple[Any, ...]]) -> CaseSummary:
    """From an ORM row or a Core row of `SUMMARY_COLUMNS`."""
    return CaseSummary(
        id=row.id, source=Source(row.source), policy_area=PolicyArea(row.policy_area),
        harm_category=HarmCategory(row.harm_category), severity=Severity(row.severity),
        priority=row.priority, received_at=row.received_at, sla_due_at=row.sla_due_at,
    )


def may_read(session: Session, user: CurrentUser, row: CaseRow) -> bool:
    if user.role is not Role.SPECIALIST or row.leased_by == user.id:
        return True
    decided_by = session.scalar(select(DecisionRow.user_id).where(DecisionRow.case_id == row.id))
    return decided_by == user.id


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
        media=[
            MediaRef(id=m.id, kind=MediaKind(m.kind), content_type=m.content_type, size=m.size,
                     sha256=m.sha256, width=m.width, height=m.height)
            for m in media
        ],
        history=[
            HistoryEntry(at=h.at, kind=h.kind, actor=h.actor,
                         action=Action(h.action) if h.action else None, body=h.body)
            for h in history
        ],
        status=CaseStatus(row.status),
    )


@router.get("/cases/{case_id}", response_model=Case, responses=problems(403))
def get_case(
    case_id: Annotated[Identifier, Path()],
    user: Annotated[CurrentUser, Depends(authenticate)],
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Case:
    with ctx.db.read() as s:
        row = s.get(CaseRow, case_id)
        if row is None:
            raise ProblemError(404, ProblemCode.NOT_FOUND, "no such case")
        if not may_read(s, user, row):
            raise ProblemError(403, ProblemCode.FORBIDDEN, "this case is not leased to you")
        return case_of(s, row)
