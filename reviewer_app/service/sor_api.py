"""`GET /v1/statements-of-reasons`: admins page through the EU DSA statements of reasons of
the restricting decisions of a period, each checked against the Transparency Database's
rules (reviewer_app.sor); the decisions whose statement cannot be made are listed apart,
field by field. Reads decisions and their cases only: no media bytes, no audit entry (no
case content beyond what a statement holds: the reviewer's reason and the cited rules)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from reviewer_app.contract import SorFieldError, SorItem, SorPage, SorRefusal
from reviewer_app.domain import (
    RESTRICTING_ACTIONS,
    Action,
    AwareDatetime,
    HarmCategory,
    LegalGroundCode,
    MediaKind,
    ProblemCode,
    Source,
)
from reviewer_app.service import corrections
from reviewer_app.service.auth import Admin
from reviewer_app.service.context import ServiceContext, get_ctx
from reviewer_app.service.models import CaseRow, DecisionRow, MediaRow
from reviewer_app.service.openapi import problems
from reviewer_app.service.problems import ProblemError
from reviewer_app.sor import DecisionFacts, FieldError, statement_of

router = APIRouter()
_RESTRICTING = sorted(a.value for a in RESTRICTING_ACTIONS)


def _facts(d: DecisionRow, case: CaseRow, kinds: list[MediaKind]) -> DecisionFacts:
    refs = json.loads(d.policy_refs or "[]")
    return DecisionFacts(
        decision_id=d.id, case_id=d.case_id, action=Action(d.action),
        policy_refs=[str(r) for r in refs] if isinstance(refs, list) else [],
        reason=d.reason or "",
        legal_ground=LegalGroundCode(d.legal_ground) if d.legal_ground else None,
        legal_ground_explanation=d.legal_ground_explanation,
        decided_at=d.decided_at.astimezone(UTC).date(), source=Source(case.source),
        harm_category=HarmCategory(case.harm_category),
        received_at=case.received_at.astimezone(UTC).date(), jurisdiction=case.jurisdiction,
        legal_basis=case.legal_basis, reporter_organisation=case.reporter_organisation,
        media_kinds=kinds, has_text=bool(case.subject_text.strip()),
    )


def _refusal(d: DecisionRow, errors: list[FieldError]) -> SorRefusal:
    return SorRefusal(decision_id=d.id, case_id=d.case_id, errors=[
        SorFieldError(field=e.field, message=f"decision {d.id}: {e.message}") for e in errors])


@router.get("/statements-of-reasons", response_model=SorPage, responses=problems(403))
def list_statements_of_reasons(
    user: Admin,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    since: Annotated[AwareDatetime, Query()],
    until: Annotated[AwareDatetime | None, Query()] = None,
    after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> SorPage:
    """The statements of the restricting decisions decided in [since, until) (until: now),
    oldest decision first; `after_id` is the `next_after_id` of the page before."""
    end: datetime = until or ctx.now()
    if since >= end:
        raise ProblemError(400, ProblemCode.BAD_REQUEST, "since must be before until")
    with ctx.db.read() as s:
        rows = s.scalars(
            select(DecisionRow)
            .where(DecisionRow.id > after_id, DecisionRow.action.in_(_RESTRICTING),
                   DecisionRow.decided_at >= since, DecisionRow.decided_at < end,
                   corrections.in_force())  # the decision in force, not one corrected
            .order_by(DecisionRow.id).limit(limit + 1)
        ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        case_ids = {d.case_id for d in rows}
        cases = {c.id: c for c in s.scalars(select(CaseRow).where(CaseRow.id.in_(case_ids)))}
        kinds: dict[str, list[MediaKind]] = defaultdict(list)
        for case_id, kind in s.execute(select(MediaRow.case_id, MediaRow.kind)
                                       .where(MediaRow.case_id.in_(case_ids))):
            kinds[case_id].append(MediaKind(kind))
    statements: list[SorItem] = []
    refusals: list[SorRefusal] = []
    for d in rows:
        statement, errors = statement_of(_facts(d, cases[d.case_id], kinds[d.case_id]))
        if statement is None:
            refusals.append(_refusal(d, errors))
        else:
            statements.append(SorItem(decision_id=d.id, case_id=d.case_id, statement=statement))
    return SorPage(statements=statements, refusals=refusals,
                   next_after_id=rows[-1].id if rows else after_id, more=more)
