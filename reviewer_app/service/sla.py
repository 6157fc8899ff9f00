"""SLAs: when each case is due, which cases are near or past it, and breaches counted once.

A case's due time is set at ingest (`due_at`) from the SLA configuration, a versioned
document an admin replaces (`PUT /v1/sla/config`; until then `DEFAULT_SLA`): hours per
source from receipt, shortened by `urgent_factor` at high priority; a statutory deadline
given at ingest wins when it is earlier (the law's time is never exceeded, and neither is
ours). A changed configuration applies to cases ingested after it.

A breach is a case that passed its due time undecided. It is recorded once (one
`sla_breaches` row per case, inserted only if absent), by whichever read or write first sees
it: `GET /v1/sla`, and a decision made late. So the count is the same on every instance and
after any restart, and it never counts a case twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import func, insert, literal, select
from sqlalchemy.orm import Session

from reviewer_app.contract import SlaCase, SlaConfig, SlaQueue, SlaReport, SlaSettings, SlaUpdate
from reviewer_app.domain import CaseStatus, Role, Source
from reviewer_app.service import audit
from reviewer_app.service.auth import Admin, LeadOrAdmin, SignedIn
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.models import CaseRow, table
from reviewer_app.service.models_queues import QueueSettingRow, SlaBreachRow
from reviewer_app.service.openapi import problems
from reviewer_app.service.routing import team_work

router = APIRouter()

DEFAULT_SLA = SlaConfig(
    hours_by_source={Source.REGULATOR: 24, Source.LEGAL: 24, Source.BUSINESS_PARTNER: 48,
                     Source.USER_REPORT: 48, Source.TRUSTED_FLAGGER: 48, Source.INTERNAL: 72},
    default_hours=48, urgent_from_priority=90, urgent_factor=0.5, warning_minutes=240)
"""Regulator orders and legal notices in a day, user reports and partners in two; urgent
cases (priority 90 and above) in half that."""
SLA_KEY = "sla"
_UNDECIDED = (CaseStatus.QUEUED.value, CaseStatus.LEASED.value)


def due_at(source: Source, priority: int, received_at: datetime,
           statutory_deadline: datetime | None = None, *,
           config: SlaConfig = DEFAULT_SLA) -> datetime:
    """When a case received at `received_at` is due under `config`."""
    hours = config.hours_by_source.get(source, config.default_hours)
    if priority >= config.urgent_from_priority:
        hours *= config.urgent_factor
    due = received_at + timedelta(hours=hours)
    if statutory_deadline is not None:
        due = min(due, statutory_deadline)
    return due


def _row(session: Session) -> QueueSettingRow | None:
    return session.get(QueueSettingRow, SLA_KEY)


def _config_of(row: QueueSettingRow | None) -> SlaConfig:
    return DEFAULT_SLA if row is None else SlaConfig.model_validate_json(row.value_json)


def load_config(session: Session) -> SlaConfig:
    """The SLA configuration in force, read once per session."""
    cached = session.info.get(SLA_KEY)
    if isinstance(cached, SlaConfig):
        return cached
    config = _config_of(_row(session))
    session.info[SLA_KEY] = config
    return config


def due_at_for(session: Session, source: Source, priority: int, received_at: datetime,
               statutory_deadline: datetime | None = None) -> datetime:
    """`due_at` under the configuration in force: what the ingest calls."""
    return due_at(source, priority, received_at, statutory_deadline,
                  config=load_config(session))


_CASES = table(CaseRow)
_BREACHES = table(SlaBreachRow)


def record_breaches(session: Session, now: datetime) -> int:
    """Records every undecided case past its due time that is not recorded yet; returns how
    many it recorded. One statement; the primary key keeps it to one row per case even when
    two instances race (the loser's insert fails and its transaction retries nothing)."""
    fresh = (select(_CASES.c.id, _CASES.c.queue, _CASES.c.sla_due_at, literal(now))
             .where(_CASES.c.status.in_(_UNDECIDED), _CASES.c.sla_due_at <= now,
                    ~select(_BREACHES.c.case_id).where(_BREACHES.c.case_id == _CASES.c.id)
                    .exists()))
    result = session.connection().execute(
        insert(_BREACHES).from_select(["case_id", "queue", "due_at", "recorded_at"], fresh))
    return max(result.rowcount or 0, 0)


def record_late_decision(session: Session, case_id: str, queue: str, due: datetime,
                         now: datetime) -> None:
    """A case decided after its due time, before any read recorded it: recorded now."""
    if due > now:
        return
    exists = session.connection().execute(
        select(_BREACHES.c.case_id).where(_BREACHES.c.case_id == case_id)).first()
    if exists is None:
        session.connection().execute(insert(_BREACHES).values(
            case_id=case_id, queue=queue, due_at=due, recorded_at=now))


# ------------------------------------------------------------------ API


def _settings_out(row: QueueSettingRow | None) -> SlaSettings:
    return SlaSettings(config=_config_of(row), version=row.version if row else 0,
                       updated_by=row.updated_by if row else "",
                       updated_at=row.updated_at if row else None,
                       reason=row.reason if row else "built-in defaults")


@router.get("/sla/config", response_model=SlaSettings, responses=problems())
def get_sla_config(user: SignedIn,
                   ctx: Annotated[ServiceContext, Depends(get_ctx)]) -> SlaSettings:
    """The SLA targets and warning window in force (every signed-in user: the queue shows
    its warnings from this window)."""
    with ctx.db.read() as s:
        return _settings_out(_row(s))


@router.put("/sla/config", response_model=SlaSettings, responses=problems(403))
def put_sla_config(body: SlaUpdate, request: Request, user: Admin,
                   ctx: Annotated[ServiceContext, Depends(get_ctx)]) -> SlaSettings:
    """Replaces the SLA targets for cases ingested from now on (audited with its reason)."""
    with ctx.db.write() as s:
        now = ctx.now()
        row = _row(s)
        before = _settings_out(row)
        if row is None:
            row = QueueSettingRow(key=SLA_KEY, version=0)
            s.add(row)
        row.value_json = body.config.model_dump_json()
        row.version = before.version + 1
        row.updated_by, row.updated_at, row.reason = user.username, now, body.reason
        audit.record(s, at=now, actor=user.username, action="sla_change",
                     subject_type="sla", subject_id=SLA_KEY, client=client_of(request),
                     detail={"reason": body.reason, "from_version": before.version,
                             "to_version": row.version,
                             "config": body.config.model_dump(mode="json")})
        return _settings_out(row)


@dataclass
class _QueueFigures:
    warning: list[SlaCase]
    breached: list[SlaCase]
    recorded: int = 0


def _sla_case(row: CaseRow, now: datetime) -> SlaCase:
    left = int((row.sla_due_at - now).total_seconds() // 60)
    return SlaCase(id=row.id, queue=row.queue, source=Source(row.source),
                   priority=row.priority, status=row.status, sla_due_at=row.sla_due_at,
                   minutes_left=left, breached=row.sla_due_at <= now)


@router.get("/sla", response_model=SlaReport, responses=problems(403))
def get_sla(
    user: LeadOrAdmin,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    queue: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z0-9_-]+$")] = None,
) -> SlaReport:
    """Per queue: the undecided cases due within the warning window and those past due
    (most urgent first), and the breaches ever recorded. A wellness lead sees the queues
    their team works, an admin every queue. Cases that passed their due time since the last
    look are recorded as breached first."""
    with ctx.db.write() as s:
        now = ctx.now()
        record_breaches(s, now)
        config = load_config(s)
        horizon = now + timedelta(minutes=config.warning_minutes)
        query = (select(CaseRow).where(CaseRow.status.in_(_UNDECIDED),
                                       CaseRow.sla_due_at <= horizon)
                 .order_by(CaseRow.sla_due_at, CaseRow.id))
        counts = select(SlaBreachRow.queue, func.count()).group_by(SlaBreachRow.queue)
        if user.role is Role.WELLNESS_LEAD:
            work = team_work(s, user.team)
            query = query.where(work.condition())
            counts = counts.where(work.condition(SlaBreachRow.queue))
        if queue is not None:
            query = query.where(CaseRow.queue == queue)
            counts = counts.where(SlaBreachRow.queue == queue)
        figures: dict[str, _QueueFigures] = {}
        for row in s.scalars(query):
            entry = figures.setdefault(row.queue, _QueueFigures([], []))
            item = _sla_case(row, now)
            (entry.breached if item.breached else entry.warning).append(item)
        for name, count in s.execute(counts).all():
            figures.setdefault(name, _QueueFigures([], [])).recorded = int(count)
    queues = [SlaQueue(queue=name, warning=f.warning, breached=f.breached,
                       breaches_recorded=f.recorded) for name, f in sorted(figures.items())]
    return SlaReport(generated_at=now, warning_minutes=config.warning_minutes, queues=queues,
                     breaches_recorded=sum(q.breaches_recorded for q in queues))
