"""Team queues: which queue a new case enters, which queues each team works, and where an
escalation hands a case on.

A case is in exactly one queue (`cases.queue`). At ingest, `route_for` puts it there: an
explicit route wins; otherwise the routing table's first matching rule (by source, policy
area, harm category), else its default queue. The table is service-side configuration, one
versioned document an admin replaces (`PUT /v1/routing`); until then the built-in defaults.

Each escalation team (domain.EscalationTeam) owns one queue (`ESCALATION_QUEUES`). A team
works the queues an admin set for it (`PUT /v1/teams/{team}/queues`); without that, an
escalation team (a team named after one) works its own queue and any other team every queue
but the escalation teams'. So a service that never configured teams leases as it did before
queues existed, and an escalated case still reaches only the team it was escalated to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute, Session

from reviewer_app.contract import (
    RoutingRule,
    RoutingTable,
    RoutingUpdate,
    TeamQueues,
    TeamQueuesUpdate,
)
from reviewer_app.domain import CaseStatus, EscalationTeam, HarmCategory, PolicyArea, Source
from reviewer_app.service import audit
from reviewer_app.service.auth import Admin, LeadOrAdmin, TeamMember
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.exposure import TeamName
from reviewer_app.service.models import CaseRow
from reviewer_app.service.models_queues import QueueSettingRow, TeamQueuesRow
from reviewer_app.service.openapi import problems

router = APIRouter()

ESCALATION_QUEUES: dict[EscalationTeam, str] = {
    EscalationTeam.LEGAL: "legal",
    EscalationTeam.PUBLIC_POLICY: "public-policy",
    EscalationTeam.PRODUCT: "product",
    EscalationTeam.LAW_ENFORCEMENT_RESPONSE: "law-enforcement",
    EscalationTeam.CHILD_SAFETY: "child-safety-escalations",
}
"""The queue each escalation team owns. Apart from the first-line `child-safety` queue that
routing fills, so escalated cases never mix with the ones waiting for a first look."""
_ESCALATION_QUEUE_NAMES = frozenset(ESCALATION_QUEUES.values())

DEFAULT_QUEUE = "general"
DEFAULT_RULES: tuple[RoutingRule, ...] = (
    RoutingRule(queue="child-safety", harm_category=HarmCategory.CHILD_SAFETY),
    RoutingRule(queue="regulatory", source=Source.REGULATOR),
    RoutingRule(queue="regulatory", policy_area=PolicyArea.REGULATORY),
    RoutingRule(queue="ip", policy_area=PolicyArea.INTELLECTUAL_PROPERTY),
    RoutingRule(queue="ip", harm_category=HarmCategory.INTELLECTUAL_PROPERTY),
    RoutingRule(queue="ads", source=Source.BUSINESS_PARTNER),
    RoutingRule(queue="ads", policy_area=PolicyArea.ADVERTISING_COMMERCE),
)
"""Child safety first (whoever reported it), then regulator requests, IP claims and
advertiser escalations; everything else to `general`."""
ROUTING_KEY = "routing"
APPEALS_QUEUE_PREFIX = "appeals-"
"""An appealed case waits in `appeals-<the queue it was decided in>` (appeals.py): the
appeals queue of each queue is worked by the teams that work that queue."""


def appeals_queue(queue: str) -> str:
    return (APPEALS_QUEUE_PREFIX + queue)[:64]


def _with_appeals(queues: frozenset[str]) -> list[str]:
    return sorted(queues | {appeals_queue(q) for q in queues})


@dataclass(frozen=True)
class Routing:
    rules: tuple[RoutingRule, ...]
    default_queue: str

    def queue_for(self, *, source: Source, policy_area: PolicyArea,
                  harm_category: HarmCategory, route: str | None = None) -> str:
        if route:
            return route
        for rule in self.rules:
            if rule.hash_bank is None and _matches(rule, source, policy_area, harm_category):
                return rule.queue
        return self.default_queue

    def bank_queue_for(self, bank: str, *, source: Source, policy_area: PolicyArea,
                       harm_category: HarmCategory) -> str | None:
        """The queue of the first rule for `bank` (or any bank) the case matches, if any."""
        for rule in self.rules:
            if (rule.hash_bank in (bank, ANY_BANK)
                    and _matches(rule, source, policy_area, harm_category)):
                return rule.queue
        return None


def _matches(rule: RoutingRule, source: Source, policy_area: PolicyArea,
             harm_category: HarmCategory) -> bool:
    return ((rule.source is None or rule.source is source)
            and (rule.policy_area is None or rule.policy_area is policy_area)
            and (rule.harm_category is None or rule.harm_category is harm_category))


ANY_BANK = "*"
BANK_MATCH_PRIORITY = 95
"""A case a hash bank flagged is raised to at least this priority while it waits: known
material is decided first (and needs no reveal)."""


DEFAULT_ROUTING = Routing(DEFAULT_RULES, DEFAULT_QUEUE)


def _routing_row(session: Session) -> QueueSettingRow | None:
    return session.get(QueueSettingRow, ROUTING_KEY)


def _routing_of(row: QueueSettingRow | None) -> Routing:
    if row is None:
        return DEFAULT_ROUTING
    doc = json.loads(row.value_json)
    return Routing(tuple(RoutingRule.model_validate(r) for r in doc["rules"]),
                   doc["default_queue"])


def load_routing(session: Session) -> Routing:
    """The routing in force, read once per session (bulk ingest routes many cases)."""
    cached = session.info.get(ROUTING_KEY)
    if isinstance(cached, Routing):
        return cached
    routing = _routing_of(_routing_row(session))
    session.info[ROUTING_KEY] = routing
    return routing


def route_for(session: Session, *, source: Source, policy_area: PolicyArea,
              harm_category: HarmCategory, route: str | None = None) -> str:
    """The queue a new case enters: `route` when the ingest names one, else the rules'."""
    return load_routing(session).queue_for(source=source, policy_area=policy_area,
                                           harm_category=harm_category, route=route)


def on_bank_match(session: Session, case_id: str, bank: str, now: datetime) -> None:
    """A case a hash bank just flagged: while it waits in a queue (nobody holds it, nobody
    decided it), it is raised to BANK_MATCH_PRIORITY and moved to the queue a routing rule
    for that bank names; audited `bank_match_routed` when anything changed."""
    case = session.get(CaseRow, case_id)
    if case is None or case.status != CaseStatus.QUEUED.value:
        return
    queue = load_routing(session).bank_queue_for(
        bank, source=Source(case.source), policy_area=PolicyArea(case.policy_area),
        harm_category=HarmCategory(case.harm_category))
    before = (case.queue, case.priority)
    case.priority = max(case.priority, BANK_MATCH_PRIORITY)
    if queue is not None:
        case.queue = queue
    if (case.queue, case.priority) != before:
        audit.record(session, at=now, actor="service", action="bank_match_routed",
                     subject_type="case", subject_id=case_id,
                     detail={"bank": bank, "queue": [before[0], case.queue],
                             "priority": [before[1], case.priority]})


# ------------------------------------------------------------------ teams' queues


@dataclass(frozen=True)
class TeamWork:
    """The queues one team works: exactly `queues`, or (None) every queue not `excluded`."""

    team: str
    queues: frozenset[str] | None
    excluded: frozenset[str]
    row: TeamQueuesRow | None = None

    def works(self, queue: str) -> bool:
        """Also the appeals queue of each queue it works."""
        if self.queues is not None:
            return queue in _with_appeals(self.queues)
        return queue not in _with_appeals(self.excluded)

    def condition(self, column: InstrumentedAttribute[str] = CaseRow.queue,
                  ) -> ColumnElement[bool]:
        """The filter on a queue column (the lease's: `cases.queue`)."""
        if self.queues is not None:
            return column.in_(_with_appeals(self.queues))
        return column.not_in(_with_appeals(self.excluded))

    def out(self) -> TeamQueues:
        return TeamQueues(
            team=self.team, configured=self.row is not None,
            queues=sorted(self.queues) if self.queues is not None else None,
            excluded=sorted(self.excluded),
            updated_by=self.row.updated_by if self.row else "",
            updated_at=self.row.updated_at if self.row else None)


def escalation_team_of(team: str) -> EscalationTeam | None:
    try:
        return EscalationTeam(team)
    except ValueError:
        return None


def team_work(session: Session, team: str) -> TeamWork:
    row = session.get(TeamQueuesRow, team)
    if row is not None:
        return TeamWork(team, frozenset(json.loads(row.queues_json)), frozenset(), row)
    own = escalation_team_of(team)
    if own is not None:
        return TeamWork(team, frozenset({ESCALATION_QUEUES[own]}), frozenset())
    return TeamWork(team, None, _ESCALATION_QUEUE_NAMES)


# ------------------------------------------------------------------ admin API


def _table_out(routing: Routing, row: QueueSettingRow | None) -> RoutingTable:
    return RoutingTable(
        rules=list(routing.rules), default_queue=routing.default_queue,
        version=row.version if row else 0, updated_by=row.updated_by if row else "",
        updated_at=row.updated_at if row else None,
        reason=row.reason if row else "built-in defaults")


@router.get("/routing", response_model=RoutingTable, responses=problems(403))
def get_routing(user: LeadOrAdmin,
                ctx: Annotated[ServiceContext, Depends(get_ctx)]) -> RoutingTable:
    """Where new cases go: the rules in order, the default queue."""
    with ctx.db.read() as s:
        row = _routing_row(s)
        return _table_out(_routing_of(row), row)


@router.put("/routing", response_model=RoutingTable, responses=problems(403))
def put_routing(body: RoutingUpdate, request: Request, user: Admin,
                ctx: Annotated[ServiceContext, Depends(get_ctx)]) -> RoutingTable:
    """Replaces the routing table (the version goes up by one; audited with its reason).
    Cases already queued stay in their queue."""
    doc = {"rules": [r.model_dump(mode="json", exclude_none=True) for r in body.rules],
           "default_queue": body.default_queue}
    with ctx.db.write() as s:
        now = ctx.now()
        row = _routing_row(s)
        before = _table_out(_routing_of(row), row)
        if row is None:
            row = QueueSettingRow(key=ROUTING_KEY, version=0)
            s.add(row)
        row.value_json = json.dumps(doc, separators=(",", ":"))
        row.version = before.version + 1
        row.updated_by, row.updated_at, row.reason = user.username, now, body.reason
        audit.record(s, at=now, actor=user.username, action="routing_change",
                     subject_type="routing", subject_id=ROUTING_KEY, client=client_of(request),
                     detail={"reason": body.reason, "from_version": before.version,
                             "to_version": row.version, **doc})
        return _table_out(_routing_of(row), row)


@router.get("/teams/{team}/queues", response_model=TeamQueues, responses=problems(403))
def get_team_queues(team: TeamName, user: TeamMember,
                    ctx: Annotated[ServiceContext, Depends(get_ctx)]) -> TeamQueues:
    """The queues this team's specialists lease from (its members and admins read it)."""
    with ctx.db.read() as s:
        return team_work(s, team).out()


@router.put("/teams/{team}/queues", response_model=TeamQueues, responses=problems(403))
def put_team_queues(team: TeamName, body: TeamQueuesUpdate, request: Request, user: Admin,
                    ctx: Annotated[ServiceContext, Depends(get_ctx)]) -> TeamQueues:
    """Sets exactly the queues the team works from its next lease on (audited). Leases
    already held keep their cases."""
    queues = sorted(set(body.queues))
    with ctx.db.write() as s:
        now = ctx.now()
        before = team_work(s, team).out()
        row = before_row = s.get(TeamQueuesRow, team)
        if before_row is None:
            row = TeamQueuesRow(team=team)
            s.add(row)
        assert row is not None
        row.queues_json = json.dumps(queues)
        row.updated_by, row.updated_at = user.username, now
        audit.record(s, at=now, actor=user.username, action="team_queues_change",
                     subject_type="team", subject_id=team, client=client_of(request),
                     detail=_change_detail(before, queues, body.reason))
        s.flush()
        return team_work(s, team).out()


def _change_detail(before: TeamQueues, queues: list[str], reason: str) -> dict[str, Any]:
    return {"reason": reason, "queues": queues, "from_queues": before.queues,
            "from_excluded": before.excluded, "was_configured": before.configured}
