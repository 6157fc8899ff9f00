"""Escalation trends from rollups: `record_case` counts a case into its hour's rollups at
ingest, in the case's own transaction; `GET /v1/trends` reads a dimension's hourly (or
daily) counts and explains every spike (reviewer_app.spikes). Reads never scan the case
table, so they stay as fast with a million cases as with a thousand."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reviewer_app.contract import (
    MetricPoint,
    QueueSpikes,
    SpikeAlert,
    TrendCases,
    TrendDimension,
    TrendSeries,
)
from reviewer_app.domain import AwareDatetime, ProblemCode
from reviewer_app.service import routing
from reviewer_app.service.auth import LeadOrAdmin, Specialist
from reviewer_app.service.context import ServiceContext, get_ctx
from reviewer_app.service.models import CaseRow
from reviewer_app.service.models_trends import EscalationRollupRow
from reviewer_app.service.openapi import problems
from reviewer_app.service.problems import ProblemError
from reviewer_app.spikes import WEEK, SpikeRule, spikes

router = APIRouter()
DIMENSIONS: tuple[str, ...] = ("source", "queue", "policy_area", "harm_category",
                               "jurisdiction", "reporter_organisation")
_MAX_SPAN = timedelta(days=92)
RULE = SpikeRule()


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def record_case(session: Session, received_at: datetime, keys: dict[str, str | None]) -> None:
    """+1 in the hour of `received_at` for each dimension's key (an empty key is skipped)."""
    hour = hour_of(received_at)
    add_counts(session, [{"dimension": d, "key": k, "hour": hour, "count": 1}
                         for d, k in keys.items() if k])


def add_counts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Adds each row's `count` to its (dimension, key, hour) rollup, creating it if need be
    (keys cut to 200 characters, hours to their start)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = [{**row, "key": str(row["key"])[:200], "hour": hour_of(row["hour"])}
                 for row in rows[start:start + _ROWS_PER_STATEMENT]]
        stmt = make(EscalationRollupRow).values(chunk)
        stmt = stmt.on_conflict_do_update(
            index_elements=["dimension", "key", "hour"],
            set_={"count": EscalationRollupRow.count + stmt.excluded.count},
        )
        session.execute(stmt)


_ROWS_PER_STATEMENT = 500
"""Under SQLite's bound-parameter limit (4 columns a row)."""


@router.get("/trends", response_model=TrendSeries, responses=problems(403))
def read_trends(
    user: LeadOrAdmin,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    dimension: Annotated[TrendDimension, Query()] = "source",
    bucket: Annotated[Literal["hour", "day"], Query()] = "hour",
    since: Annotated[AwareDatetime | None, Query()] = None,
    until: Annotated[AwareDatetime | None, Query()] = None,
) -> TrendSeries:
    """Default span: the last 7 days, at most 92. Spikes are judged hour by hour over
    [since, until) against the same hour of the week over the previous weeks."""
    end = hour_of(until or ctx.now()) + timedelta(hours=1 if until is None else 0)
    start = hour_of(since) if since else end - timedelta(days=7)
    if start >= end or end - start > _MAX_SPAN:
        raise ProblemError(400, ProblemCode.BAD_REQUEST,
                           "since must be before until, at most 92 days apart")
    with ctx.db.read() as s:
        series = _series(s, dimension, start, end)
    alerts = _alerts(series, start, end)
    counts: Counter[tuple[datetime, str]] = Counter()
    for key, by_hour in series.items():
        for hour, count in by_hour.items():
            if start <= hour < end:
                at = hour.replace(hour=0) if bucket == "day" else hour
                counts[(at, key)] += count
    points = [MetricPoint(bucket_start=at, key=key, count=n)
              for (at, key), n in sorted(counts.items())]
    return TrendSeries(dimension=dimension, bucket=bucket, since=start, until=end,
                       points=points, spikes=alerts, method=RULE.method)


def _series(s: Session, dimension: str, start: datetime,
            end: datetime) -> dict[str, dict[datetime, int]]:
    """Each key's hourly counts over [start, end) and the weeks of baseline before it."""
    rows = s.execute(
        select(EscalationRollupRow.key, EscalationRollupRow.hour, EscalationRollupRow.count)
        .where(EscalationRollupRow.dimension == dimension,
               EscalationRollupRow.hour >= start - WEEK * RULE.weeks,
               EscalationRollupRow.hour < end)
    ).all()
    series: dict[str, dict[datetime, int]] = defaultdict(dict)
    for key, hour, count in rows:
        series[key][hour] = count
    return series


def _alerts(series: dict[str, dict[datetime, int]], start: datetime,
            end: datetime) -> list[SpikeAlert]:
    hours = [start + timedelta(hours=i) for i in range(int((end - start) / timedelta(hours=1)))]
    return [
        SpikeAlert(key=key, hour=a.hour, count=a.count, baseline=list(a.baseline),
                   median=a.median, mad=a.mad, scale=a.scale, threshold=a.threshold,
                   score=a.score, method=a.method)
        for key in sorted(series) for a in spikes(series[key], hours, RULE)
    ]


MY_SPIKES_SPAN = timedelta(hours=24)


@router.get("/me/spikes", response_model=QueueSpikes, responses=problems(403))
def read_my_spikes(user: Specialist,
                   ctx: Annotated[ServiceContext, Depends(get_ctx)]) -> QueueSpikes:
    """The spikes of the last 24 hours in the queues the caller's team works: counts and
    their explanation only (a specialist gets a queue's cases through leases, safeguarded
    and counted like any other, never from here)."""
    end = hour_of(ctx.now()) + timedelta(hours=1)
    start = end - MY_SPIKES_SPAN
    with ctx.db.read() as s:
        work = routing.team_work(s, user.team)
        series = _series(s, "queue", start, end)
    return QueueSpikes(since=start, until=end, method=RULE.method,
                       spikes=[a for a in _alerts(series, start, end) if work.works(a.key)])


_CASE_IDS = 500


@router.get("/trends/cases", response_model=TrendCases, responses=problems(403))
def read_trend_cases(
    user: LeadOrAdmin,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    dimension: Annotated[TrendDimension, Query()],
    key: Annotated[str, Query(min_length=1, max_length=200)],
    hour: Annotated[AwareDatetime, Query()],
) -> TrendCases:
    """The cases behind one point of a trend: the ids of the cases received in `hour` whose
    `dimension` is `key` (at most 500, oldest first), and how many there are."""
    try:
        start = hour_of(hour)
        end = start + timedelta(hours=1)
    except OverflowError:
        raise ProblemError(400, ProblemCode.BAD_REQUEST, "hour is out of range") from None
    column = getattr(CaseRow, dimension)
    where = (column == key, CaseRow.received_at >= start, CaseRow.received_at < end)
    with ctx.db.read() as s:
        count = s.execute(select(func.count()).select_from(CaseRow).where(*where)).scalar_one()
        ids = s.execute(select(CaseRow.id).where(*where)
                        .order_by(CaseRow.received_at, CaseRow.id).limit(_CASE_IDS)).scalars().all()
    return TrendCases(dimension=dimension, key=key, hour=start, count=count, case_ids=list(ids))
