"""KPIs of a team over [since, until) (issue 14): per queue, per person and for the team.

Definitions (every figure counts only decisions in force, corrections.in_force(), and never
an escalation, which is a hand-off and not an end):

- decisions: the team's people's closing decisions decided in the period; a decision's
  queue is its case's queue now (after an appeal is filed that is the appeals queue).
- decisions per hour: decisions / the distinct UTC hours holding at least one of them
  ("active hours"), so idle nights do not dilute a queue's pace.
- handle time p50 / p90: nearest-rank percentiles (the value at rank ceil(p/100 * n) of the
  sorted values) of handle_ms, which the service bounds to 0..7 days on every write.
- SLA compliance: share of those decisions decided at or before their case's due time
  (sla_due_at); the others are breaches.
- QA agreement: percent and Cohen's kappa (agreement.py) of the second reviews decided in
  the period of the team's first decisions, keyed by the task's queue and first decider.
- appeal overturn rate: overturned / decided appeals (decided in the period) of the team's
  people's decisions, keyed by the queue the case came from and the original decider.
- exposure avoided: visual items spared by matching (groups.avoided_query) in the period.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer_app.contract import AppealStatus, KpiFigures, TeamKpis
from reviewer_app.domain import Action, AwareDatetime, ProblemCode
from reviewer_app.service import agreement
from reviewer_app.service.auth import TeamLead
from reviewer_app.service.context import ServiceContext, get_ctx
from reviewer_app.service.corrections import in_force
from reviewer_app.service.exposure import TeamName
from reviewer_app.service.groups import avoided_query
from reviewer_app.service.models import CaseRow, DecisionRow, User
from reviewer_app.service.models_policy import AppealRow
from reviewer_app.service.models_quality import QaReviewRow, QaTaskRow
from reviewer_app.service.openapi import model_reply, problems
from reviewer_app.service.problems import ProblemError

router = APIRouter()
ALL = "all"
MAX_SPAN = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class DecisionFact:
    queue: str
    person: str
    decided_at: datetime
    handle_ms: int
    due_at: datetime


@dataclass(frozen=True, slots=True)
class QaFact:
    queue: str
    person: str
    first: str
    second: str


@dataclass(frozen=True, slots=True)
class AppealFact:
    queue: str
    person: str
    overturned: bool


@dataclass(frozen=True, slots=True)
class AvoidedFact:
    queue: str
    person: str
    items: int


@dataclass(slots=True)
class Facts:
    decisions: list[DecisionFact]
    qa: list[QaFact]
    appeals: list[AppealFact]
    avoided: list[AvoidedFact]


def percentile(values: Sequence[int], p: int) -> int | None:
    """Nearest rank: the value at rank ceil(p/100 * n) (1-based) of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p * len(ordered) / 100)) - 1]


def _hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def figures(key: str, facts: Facts) -> KpiFigures:
    """The KPIs of a set of facts (already narrowed to one queue, person or the team)."""
    d = facts.decisions
    hours = len({_hour(f.decided_at) for f in d})
    handle = [f.handle_ms for f in d]
    met = sum(1 for f in d if f.decided_at <= f.due_at)
    decided = len(facts.appeals)
    overturned = sum(1 for a in facts.appeals if a.overturned)
    return KpiFigures(
        key=key, decisions=len(d), active_hours=hours,
        decisions_per_hour=len(d) / hours if hours else None,
        handle_p50_ms=percentile(handle, 50), handle_p90_ms=percentile(handle, 90),
        sla_met=met, sla_breached=len(d) - met, sla_compliance_percent=_percent(met, len(d)),
        qa=agreement.figures(key, [(q.first, q.second) for q in facts.qa]),
        appeals_decided=decided, appeals_overturned=overturned,
        appeal_overturn_percent=_percent(overturned, decided),
        exposure_avoided=sum(a.items for a in facts.avoided))


def _split(facts: Facts, by: Callable[[DecisionFact | QaFact | AppealFact | AvoidedFact], str],
           keys: Iterable[str]) -> list[KpiFigures]:
    groups: dict[str, Facts] = defaultdict(lambda: Facts([], [], [], []))
    for k in keys:
        groups[k]  # noqa: B018 - a key with nothing still gets its row
    for f in facts.decisions:
        groups[by(f)].decisions.append(f)
    for q in facts.qa:
        groups[by(q)].qa.append(q)
    for a in facts.appeals:
        groups[by(a)].appeals.append(a)
    for x in facts.avoided:
        groups[by(x)].avoided.append(x)
    return [figures(k, g) for k, g in sorted(groups.items())]


def compute(team: str, since: datetime, until: datetime, facts: Facts,
            queues: Iterable[str] = (), people: Iterable[str] = ()) -> TeamKpis:
    """Every KPI for the team, per queue (the `queues` given always get a row) and per
    person (likewise `people`)."""
    return TeamKpis(team=team, since=since, until=until, overall=figures(ALL, facts),
                    by_queue=_split(facts, lambda f: f.queue, queues),
                    by_person=_split(facts, lambda f: f.person, people))


def load_facts(s: Session, team: str, since: datetime, until: datetime) -> Facts:
    """The team's facts for [since, until) from the service's records."""
    d = DecisionRow
    rows = s.execute(
        select(CaseRow.queue, User.username, d.decided_at, d.handle_ms, CaseRow.sla_due_at)
        .join(User, User.id == d.user_id).join(CaseRow, CaseRow.id == d.case_id)
        .where(User.team == team, in_force(), d.action != Action.ESCALATE.value,
               d.decided_at >= since, d.decided_at < until)).all()
    decisions = [DecisionFact(q, p, at, int(ms), due) for q, p, at, ms, due in rows]
    first = select(DecisionRow.client_id, DecisionRow.action).subquery()
    qa_rows = s.execute(
        select(QaTaskRow.queue, User.username, first.c.action, QaReviewRow.action)
        .join(QaTaskRow, QaTaskRow.id == QaReviewRow.task_id)
        .join(first, first.c.client_id == QaTaskRow.first_decision_client_id)
        .join(User, User.id == QaTaskRow.first_user_id)
        .where(QaTaskRow.team == team, QaReviewRow.decided_at >= since,
               QaReviewRow.decided_at < until)).all()
    qa = [QaFact(q, p, a, b) for q, p, a, b in qa_rows]
    appeal_rows = s.execute(
        select(AppealRow.from_queue, User.username, AppealRow.status)
        .join(User, User.id == AppealRow.original_user_id)
        .where(User.team == team,
               AppealRow.status.in_([AppealStatus.UPHELD.value, AppealStatus.OVERTURNED.value]),
               AppealRow.decided_at >= since, AppealRow.decided_at < until)).all()
    appeals = [AppealFact(q, p, st == AppealStatus.OVERTURNED.value)
               for q, p, st in appeal_rows]
    sub = avoided_query(since).where(DecisionRow.decided_at < until).subquery()
    avoided_rows = s.execute(
        select(CaseRow.queue, User.username, sub.c["items"])
        .join(User, User.id == sub.c.user_id).join(CaseRow, CaseRow.id == sub.c.case_id)
        .where(User.team == team)).all()
    avoided = [AvoidedFact(q, p, int(n or 0)) for q, p, n in avoided_rows]
    return Facts(decisions, qa, appeals, avoided)


def team_kpis(s: Session, team: str, since: datetime, until: datetime) -> TeamKpis:
    people = s.scalars(select(User.username).where(User.team == team)).all()
    return compute(team, since, until, load_facts(s, team, since, until), people=people)


@router.get("/teams/{team}/kpis", response_model=TeamKpis, responses=problems(403))
def get_team_kpis(
    team: TeamName, user: TeamLead, ctx: Annotated[ServiceContext, Depends(get_ctx)],
    since: Annotated[AwareDatetime, Query()],
    until: Annotated[AwareDatetime | None, Query(description="default: now")] = None,
) -> Response:
    """Handle time, pace, SLA compliance, QA agreement, appeal overturns and exposure
    avoided over [since, until), at most 366 days: per queue, per person and for the team
    (reviewer_app.service.kpis has the definitions)."""
    end = until or ctx.now()
    if since >= end or end - since > MAX_SPAN:
        raise ProblemError(400, ProblemCode.BAD_REQUEST,
                           "since must be before until, at most 366 days apart")
    with ctx.db.read() as s:
        return model_reply(team_kpis(s, team, since, end))
