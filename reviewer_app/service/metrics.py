"""Escalation trends: cases received per hour (or day), by source or by harm category.

Counts only, no case content and no people: for wellness leads (staffing, spikes) and admins.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from reviewer_app.contract import EscalationMetrics, MetricPoint
from reviewer_app.domain import AwareDatetime, ProblemCode
from reviewer_app.service.auth import LeadOrAdmin
from reviewer_app.service.context import ServiceContext, get_ctx
from reviewer_app.service.models import CaseRow
from reviewer_app.service.openapi import problems
from reviewer_app.service.problems import ProblemError

router = APIRouter()
_MAX_SPAN = timedelta(days=92)


def _floor(at: datetime, bucket: str) -> datetime:
    at = at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0) if bucket == "day" else at


@router.get("/metrics/escalations", response_model=EscalationMetrics, responses=problems(403))
def escalations(
    user: LeadOrAdmin,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    bucket: Annotated[Literal["hour", "day"], Query()] = "hour",
    by: Annotated[Literal["source", "category"], Query()] = "source",
    since: Annotated[AwareDatetime | None, Query()] = None,
    until: Annotated[AwareDatetime | None, Query()] = None,
) -> EscalationMetrics:
    """Default span: the last 7 days; at most 92 days per request."""
    end = until or ctx.now()
    start = since or end - timedelta(days=7)
    if start > end or end - start > _MAX_SPAN:
        raise ProblemError(400, ProblemCode.BAD_REQUEST,
                           "since must be before until, at most 92 days apart")
    column = CaseRow.source if by == "source" else CaseRow.harm_category
    with ctx.db.read() as s:
        rows = s.execute(
            select(CaseRow.received_at, column)
            .where(CaseRow.received_at >= start, CaseRow.received_at <= end)
        ).all()
    counts = Counter((_floor(at, bucket), key) for at, key in rows)
    points = [MetricPoint(bucket_start=at, key=key, count=n)
              for (at, key), n in sorted(counts.items())]
    return EscalationMetrics(bucket=bucket, by=by, points=points)
