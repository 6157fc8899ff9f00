"""Team queues over real HTTP: routing puts new cases in a queue, specialists lease only
from the queues their team works, and an escalation hands a case to the escalation team's
queue with its history, where only that team can lease it."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from reviewer_app.domain import Decision, EscalationTeam, HarmCategory, PolicyArea, Severity, Source
from reviewer_app.service.accounts import add_user
from reviewer_app.service.db import Database
from reviewer_app.service.ingest import NewCase
from reviewer_app.service.models import CaseRow
from reviewer_app.service.routing import ESCALATION_QUEUES, route_for
from reviewer_app.service.seed import add_case, demo_case, demo_context
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api

TEAM = "escalations"


def _login(live: LiveService, who: tuple[str, str]) -> Api:
    api = Api(live.url)
    assert api.login(*who).status_code == 200
    return api


def _specialist(live: LiveService, name: str, team: str) -> Api:
    add_user(live.db_url, name, f"{name}-specialist-pw", "specialist", team)
    return _login(live, (name, f"{name}-specialist-pw"))


def _case(db_url: str, queue: str | None, *, priority: int = 100, **fields: Any) -> str:
    """A synthetic case (shapes, SIMULATED CONTENT) ahead of every demo case (priority 90
    at most), in `queue` (an explicit route) or, with None, where routing sends it."""
    base = demo_case(0, random.Random(3), datetime.now(UTC), media_px=(64, 48))
    return add_case(db_url, dataclasses.replace(base, priority=priority, queue=queue,
                                                **fields))


def _queue_of(db_url: str, case_id: str) -> str:
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as s:
            row = s.get(CaseRow, case_id)
            assert row is not None
            return row.queue
    finally:
        db.dispose()


def _route(db_url: str, **fields: Any) -> str:
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as s:
            return route_for(s, **fields)
    finally:
        db.dispose()


def _lease_ids(api: Api, **extra: Any) -> set[str]:
    resp = api.lease(50, **extra)
    assert resp.status_code == 201, resp.text
    return {c["id"] for c in resp.json()["cases"]}


FIRST_LINE = {"source": Source.USER_REPORT, "policy_area": PolicyArea.COMMUNITY_STANDARDS,
              "harm_category": HarmCategory.GRAPHIC_VIOLENCE}


def test_routing_sends_cases_by_source_area_category_and_explicit_route(
    live_service: LiveService,
) -> None:
    db = live_service.db_url
    assert _route(db, **FIRST_LINE) == "general"
    assert _route(db, **{**FIRST_LINE, "source": Source.REGULATOR}) == "regulatory"
    assert _route(db, **{**FIRST_LINE, "policy_area": PolicyArea.INTELLECTUAL_PROPERTY}) == "ip"
    assert _route(db, **{**FIRST_LINE, "source": Source.BUSINESS_PARTNER}) == "ads"
    assert _route(db, **{**FIRST_LINE, "harm_category": HarmCategory.CHILD_SAFETY,
                         "source": Source.REGULATOR}) == "child-safety"
    assert _route(db, **FIRST_LINE, route="legal") == "legal"

    admin = _login(live_service, live_service.accounts.admin)
    table = admin.call("GET", "/routing").json()
    assert table["version"] == 0
    assert table["default_queue"] == "general"
    new = {"rules": [{"queue": "violence", "harm_category": "graphic_violence",
                      "source": "user_report"},
                     {"queue": "partners", "source": "business_partner"}],
           "default_queue": "triage", "reason": "a team for graphic user reports"}
    specialist = _login(live_service, live_service.accounts.specialist)
    assert specialist.call("PUT", "/routing", json=new).status_code == 403
    put = admin.call("PUT", "/routing", json=new)
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 1
    assert _route(db, **FIRST_LINE) == "violence"
    assert _route(db, **{**FIRST_LINE, "source": Source.TRUSTED_FLAGGER}) == "triage"
    assert _route(db, **{**FIRST_LINE, "source": Source.BUSINESS_PARTNER}) == "partners"
    assert _route(db, **FIRST_LINE, route="ip") == "ip"
    lead = _login(live_service, live_service.accounts.lead)
    assert lead.call("GET", "/routing").json()["rules"][0]["queue"] == "violence"


_ROUTED_AT_INGEST = {f.name: f.default for f in dataclasses.fields(NewCase)}["queue"] is None


@pytest.mark.skipif(not _ROUTED_AT_INGEST,
                    reason="ingest does not route yet: requests-Q.md #3 wires route_for")
def test_the_ingest_routes_a_case_without_an_explicit_route(live_service: LiveService) -> None:
    now = datetime.now(UTC)
    context = demo_context(1, Source.REGULATOR, HarmCategory.OTHER, "EU-DE", now)
    regulator = _case(live_service.db_url, None, source=Source.REGULATOR, context=context)
    explicit = _case(live_service.db_url, "product", source=Source.REGULATOR, context=context)
    assert _queue_of(live_service.db_url, regulator) == "regulatory"
    assert _queue_of(live_service.db_url, explicit) == "product"


def test_a_specialist_leases_only_from_the_queues_of_their_team(
    live_service: LiveService,
) -> None:
    db = live_service.db_url
    general = _case(db, "tq-general")  # queues of this test alone: the demo's cases are routed
    ip = _case(db, "tq-ip")
    legal = _case(db, ESCALATION_QUEUES[EscalationTeam.LEGAL])
    admin = _login(live_service, live_service.accounts.admin)
    demo = _login(live_service, live_service.accounts.specialist)

    default = demo.call("GET", f"/teams/{TEAM}/queues").json()
    assert default["configured"] is False
    assert default["queues"] is None
    assert "legal" in default["excluded"]
    refused = demo.lease(5, queue="legal")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"

    body = {"queues": ["tq-general"], "reason": "the IP team takes the ip queue"}
    assert demo.call("PUT", f"/teams/{TEAM}/queues", json=body).status_code == 403
    lead = _login(live_service, live_service.accounts.lead)
    assert lead.call("PUT", f"/teams/{TEAM}/queues", json=body).status_code == 403
    put = admin.call("PUT", f"/teams/{TEAM}/queues", json=body)
    assert put.status_code == 200, put.text
    assert put.json()["configured"] is True
    assert put.json()["queues"] == ["tq-general"]

    assert demo.lease(5, queue="tq-ip").status_code == 403
    assert demo.lease(5, queue="default").status_code == 403
    taken = _lease_ids(demo)
    assert taken == {general}  # not the ip case, the legal one nor the demo's queues
    assert _lease_ids(demo, queue="tq-general") == set()

    ip_specialist = _specialist(live_service, "ivy", "ip-team")
    assert admin.call("PUT", "/teams/ip-team/queues",
                      json={"queues": ["tq-ip"], "reason": "rights claims"}).status_code == 200
    assert ip_specialist.call("GET", f"/teams/{TEAM}/queues").status_code == 403
    assert _lease_ids(ip_specialist) == {ip}
    legal_specialist = _specialist(live_service, "lex", "legal")
    assert legal_specialist.call("GET", "/teams/legal/queues").json()["queues"] == ["legal"]
    assert _lease_ids(legal_specialist) == {legal}


def _history(api: Api, case_id: str) -> list[dict[str, Any]]:
    resp = api.call("GET", f"/cases/{case_id}")
    assert resp.status_code == 200, resp.text
    history: list[dict[str, Any]] = resp.json()["history"]
    return history


def test_an_escalation_hands_the_case_to_the_escalation_teams_queue(
    live_service: LiveService,
) -> None:
    db = live_service.db_url
    case_id = _case(db, "general", priority=100, severity=Severity.HIGH)
    demo = _login(live_service, live_service.accounts.specialist)
    policy_team = _specialist(live_service, "pat", "public_policy")
    legal = _specialist(live_service, "lex", "legal")
    assert _lease_ids(legal) == set()  # nothing in the legal queue yet

    lease = demo.lease(1).json()
    assert [c["id"] for c in lease["cases"]] == [case_id]
    extra = {"priority": 95} if "priority" in Decision.model_fields else {}
    escalated = demo.decide(case_id, lease["lease_id"], action="escalate",
                            escalate_to="legal", policy_refs=[],
                            reason="a court order is cited: needs a legal view", **extra)
    assert escalated.status_code == 201, escalated.text
    assert _queue_of(db, case_id) == "legal"

    handoffs = [h for h in _history(demo, case_id) if h["kind"] == "handoff"]
    assert len(handoffs) == 1
    assert handoffs[0]["actor"] == "demo"
    assert handoffs[0]["action"] == "escalate"
    assert "from general to legal" in handoffs[0]["body"]
    assert "a court order is cited: needs a legal view" in handoffs[0]["body"]
    if extra:
        assert "(priority 95)" in handoffs[0]["body"]

    assert case_id not in _lease_ids(demo)
    assert demo.lease(5, queue="legal").status_code == 403
    assert case_id not in _lease_ids(policy_team)
    assert policy_team.lease(5, queue="legal").status_code == 403

    held = legal.lease(5, queue="legal").json()
    assert [c["id"] for c in held["cases"]] == [case_id]
    if extra:
        assert held["cases"][0]["priority"] == 95
    decided = legal.decide(case_id, held["lease_id"], action="remove",
                           reason="order is valid (simulated)")
    assert decided.status_code == 201, decided.text
    history = _history(legal, case_id)
    kinds = [(h["kind"], h["actor"]) for h in history if h["actor"] in ("demo", "lex")]
    assert kinds == [("decision", "demo"), ("handoff", "demo"), ("decision", "lex")]
    again = legal.decide(case_id, held["lease_id"], action="keep")
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"


def test_a_hand_off_goes_on_from_one_escalation_team_to_another(
    live_service: LiveService,
) -> None:
    """Legal passes the case to public policy: two hand-offs in the history, in order."""
    db = live_service.db_url
    case_id = _case(db, "legal", priority=100)
    legal = _specialist(live_service, "lex", "legal")
    policy_team = _specialist(live_service, "pat", "public_policy")
    lease = legal.lease(1).json()
    assert [c["id"] for c in lease["cases"]] == [case_id]
    assert legal.decide(case_id, lease["lease_id"], action="escalate",
                        escalate_to="public_policy", policy_refs=[],
                        reason="a policy question").status_code == 201
    assert _queue_of(db, case_id) == "public-policy"
    assert _lease_ids(legal) == set()
    assert _lease_ids(policy_team) == {case_id}
    bodies = [h["body"] for h in _history(legal, case_id) if h["kind"] == "handoff"]
    assert bodies == ["Handed off from legal to public-policy (priority 100): a policy question"]
