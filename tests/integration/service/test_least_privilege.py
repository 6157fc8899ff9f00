"""Least privilege on the service, over HTTP: every route refuses a caller without the role
(403) or without a token (401) before it looks at what was sent, a wellness lead sees their
own team's people and counters but no case content or media, and an admin's reads of
content are audited. The table below is the one in docs/service.md."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from reviewer_app.contract import IDEMPOTENCY_HEADER
from reviewer_app.service.accounts import add_user
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api

TEAM = "escalations"
OTHER_TEAM = "graphic"
EVERYONE = frozenset({"demo", "lead", "admin", "other", "other-lead", "partner"})
REVIEWERS = frozenset({"demo", "other"})  # the specialists, one per team
CONTENT_READERS = REVIEWERS | {"admin"}
TEAM_LEADS = frozenset({"lead", "admin"})
POLICY_READERS = EVERYONE - {"partner"}


@dataclass(frozen=True)
class Variant:
    """One request to a route: a path, and a body or none (`Ellipsis` sends no body)."""

    path: str
    body: Any = ...
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # as the OpenAPI document names it
    allowed: frozenset[str]
    valid: Variant
    invalid: Variant


@dataclass(frozen=True)
class World:
    service: LiveService
    apis: dict[str, Api]
    case_id: str
    media_id: str
    lease_id: str
    etag: str
    policy: dict[str, Any]


def _login(live: LiveService, user: str, password: str) -> Api:
    api = Api(live.url)
    assert api.login(user, password).status_code == 200
    return api


@pytest.fixture
def world(live_service: LiveService) -> World:
    add_user(live_service.db_url, "other", "other-specialist-pw", "specialist", OTHER_TEAM)
    add_user(live_service.db_url, "other-lead", "other-lead-pw", "wellness_lead", OTHER_TEAM)
    add_user(live_service.db_url, "partner", "partner-system-pw", "integration", "partners")
    accounts = live_service.accounts
    apis = {
        "demo": _login(live_service, *accounts.specialist),
        "lead": _login(live_service, *accounts.lead),
        "admin": _login(live_service, *accounts.admin),
        "other": _login(live_service, "other", "other-specialist-pw"),
        "other-lead": _login(live_service, "other-lead", "other-lead-pw"),
        "partner": _login(live_service, "partner", "partner-system-pw"),
    }
    lease = apis["demo"].lease(5).json()
    cases = [apis["demo"].call("GET", f"/cases/{c['id']}").json() for c in lease["cases"]]
    with_media = next(c for c in cases if c["media"])
    current = apis["lead"].call("GET", f"/teams/{TEAM}/policy")
    assert current.status_code == 200
    return World(service=live_service, apis=apis, case_id=with_media["id"],
                 media_id=with_media["media"][0]["id"], lease_id=lease["lease_id"],
                 etag=current.headers["ETag"], policy=current.json()["policy"])


def _routes(w: World) -> list[Route]:
    key = str(uuid.uuid4())
    decision = Api.decision_body(w.case_id, w.lease_id, client_id=key)
    bad_team = "/teams/NOT A TEAM!"
    return [
        Route("GET", "/v1/me", EVERYONE, Variant("/me"), Variant("/me", {"x": 1})),
        Route("GET", "/v1/me/policy", EVERYONE, Variant("/me/policy"),
              Variant("/me/policy", [1])),
        Route("GET", "/v1/me/exposure", EVERYONE, Variant("/me/exposure"),
              Variant("/me/exposure", "x")),
        Route("POST", "/v1/leases", REVIEWERS, Variant("/leases", {"max_cases": 1}),
              Variant("/leases", {"max_cases": "many"})),
        Route("POST", "/v1/leases/{lease_id}/renew", REVIEWERS,
              Variant(f"/leases/{w.lease_id}/renew"), Variant("/leases/not%20an%20id!/renew")),
        Route("DELETE", "/v1/leases/{lease_id}", REVIEWERS, Variant(f"/leases/{w.lease_id}"),
              Variant("/leases/not%20an%20id!")),
        Route("GET", "/v1/cases/{case_id}", CONTENT_READERS, Variant(f"/cases/{w.case_id}"),
              Variant("/cases/not%20an%20id!")),
        Route("GET", "/v1/media/{media_id}", CONTENT_READERS, Variant(f"/media/{w.media_id}"),
              Variant(f"/media/{w.media_id}", headers={"Range": "bytes=" + "9" * 300})),
        Route("POST", "/v1/cases/{case_id}/decisions", REVIEWERS,
              Variant(f"/cases/{w.case_id}/decisions", decision, {IDEMPOTENCY_HEADER: key}),
              Variant(f"/cases/{w.case_id}/decisions", {**decision, "action": "obliterate"})),
        Route("POST", "/v1/cases/{case_id}/notes", REVIEWERS,
              Variant(f"/cases/{w.case_id}/notes", {"client_id": key, "body": "checked"},
                      {IDEMPOTENCY_HEADER: key}),
              Variant(f"/cases/{w.case_id}/notes", {"client_id": "no", "body": 5})),
        Route("POST", "/v1/sync", REVIEWERS, Variant("/sync", {"decisions": [decision]}),
              Variant("/sync", {"decisions": "all of them"})),
        Route("GET", "/v1/teams/{team}/policy", frozenset({"demo", "lead", "admin"}),
              Variant(f"/teams/{TEAM}/policy"), Variant(f"{bad_team}/policy")),
        Route("PUT", "/v1/teams/{team}/policy", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/policy", {"policy": w.policy, "reason": "tighter"},
                      {"If-Match": w.etag}),
              Variant(f"{bad_team}/policy", {"policy": 1})),
        Route("GET", "/v1/teams/{team}/exposure", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/exposure"), Variant(f"{bad_team}/exposure")),
        Route("POST", "/v1/teams/{team}/members/{username}/break-override", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/members/demo/break-override", {"reason": "agreed"}),
              Variant(f"/teams/{TEAM}/members/{'x' * 300}/break-override", {"reason": 7})),
        Route("GET", "/v1/teams/{team}/dashboard", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/dashboard"), Variant(f"{bad_team}/dashboard")),
        Route("POST", "/v1/teams/{team}/members/{username}/overrides", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/members/demo/overrides",
                      {"kind": "add_break", "minutes": 5, "reason": "agreed with demo"}),
              Variant(f"/teams/{TEAM}/members/demo/overrides", {"kind": "a nap"})),
        Route("GET", "/v1/teams/{team}/overrides", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/overrides"), Variant(f"{bad_team}/overrides")),
        Route("DELETE", "/v1/teams/{team}/overrides/{override_id}", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/overrides/1"), Variant(f"/teams/{TEAM}/overrides/x")),
        Route("GET", "/v1/metrics/escalations", frozenset({"lead", "other-lead", "admin"}),
              Variant("/metrics/escalations?by=category"),
              Variant("/metrics/escalations?by=reporter&bucket=year")),
        Route("GET", "/v1/audit", frozenset({"admin"}), Variant("/audit?action=login"),
              Variant("/audit?limit=0&after_id=-1")),
        Route("GET", "/v1/trends", frozenset({"lead", "other-lead", "admin"}),
              Variant("/trends?dimension=queue&bucket=day"),
              Variant("/trends?dimension=colour&bucket=year")),
        Route("GET", "/v1/trends/cases", frozenset({"lead", "other-lead", "admin"}),
              Variant("/trends/cases?dimension=source&key=regulator&hour=2026-01-01T10:00:00Z"),
              Variant("/trends/cases?dimension=colour&key=&hour=noon")),
        Route("GET", "/v1/trends/clusters", frozenset({"lead", "other-lead", "admin"}),
              Variant("/trends/clusters?since=2026-01-01T00:00:00Z&until=2026-01-02T00:00:00Z"),
              Variant("/trends/clusters?since=noon")),
        Route("GET", "/v1/statements-of-reasons", frozenset({"admin"}),
              Variant("/statements-of-reasons?since=2020-01-01T00:00:00Z"),
              Variant("/statements-of-reasons?since=yesterday&limit=0")),
        # team queues, routing and SLA
        Route("GET", "/v1/routing", frozenset({"lead", "other-lead", "admin"}),
              Variant("/routing"), Variant("/routing", [1])),
        Route("PUT", "/v1/routing", frozenset({"admin"}),
              Variant("/routing", {"rules": [], "default_queue": "general", "reason": "flat"}),
              Variant("/routing", {"rules": "all"})),
        Route("GET", "/v1/teams/{team}/queues", frozenset({"demo", "lead", "admin"}),
              Variant(f"/teams/{TEAM}/queues"), Variant(f"{bad_team}/queues")),
        Route("PUT", "/v1/teams/{team}/queues", frozenset({"admin"}),
              Variant(f"/teams/{TEAM}/queues", {"queues": ["general"], "reason": "focus"}),
              Variant(f"{bad_team}/queues", {"queues": []})),
        Route("GET", "/v1/sla/config", EVERYONE, Variant("/sla/config"),
              Variant("/sla/config", [1])),
        Route("PUT", "/v1/sla/config", frozenset({"admin"}),
              Variant("/sla/config", {"config": {}, "reason": "faster"}),
              Variant("/sla/config", {"config": 5})),
        Route("GET", "/v1/sla", frozenset({"lead", "other-lead", "admin"}), Variant("/sla"),
              Variant("/sla?queue=NOT%20A%20QUEUE")),
        # near-duplicate matching
        Route("POST", "/v1/hash-banks", frozenset({"admin"}),
              Variant("/hash-banks", {"name": "lp-bank", "description": "least privilege"}),
              Variant("/hash-banks", {"name": "NOT A NAME!"})),
        Route("GET", "/v1/hash-banks", frozenset({"admin"}), Variant("/hash-banks"),
              Variant("/hash-banks", [1])),
        Route("POST", "/v1/hash-banks/{name}/entries", frozenset({"admin"}),
              Variant("/hash-banks/lp-bank/entries", {"hashes": ["0" * 64]}),
              Variant("/hash-banks/lp-bank/entries", {"hashes": ["zz"]})),
        Route("GET", "/v1/cases/{case_id}/matches", EVERYONE,
              Variant(f"/cases/{w.case_id}/matches"), Variant("/cases/not%20an%20id!/matches")),
        # group decisions and exposure avoided
        Route("POST", "/v1/cases/{case_id}/group-decisions", REVIEWERS,
              Variant(f"/cases/{w.case_id}/group-decisions", {"decision": decision},
                      {IDEMPOTENCY_HEADER: key}),
              Variant(f"/cases/{w.case_id}/group-decisions", {"decision": "all alike"})),
        Route("GET", "/v1/me/spikes", REVIEWERS, Variant("/me/spikes"),
              Variant("/me/spikes", [1])),
        Route("GET", "/v1/me/exposure-avoided", REVIEWERS, Variant("/me/exposure-avoided"),
              Variant("/me/exposure-avoided", [1])),
        Route("GET", "/v1/teams/{team}/exposure-avoided", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/exposure-avoided"),
              Variant(f"{bad_team}/exposure-avoided")),
        # quality: blind second reviews
        Route("GET", "/v1/teams/{team}/quality/config", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/quality/config"), Variant(f"{bad_team}/quality/config")),
        Route("PUT", "/v1/teams/{team}/quality/config", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/quality/config", {"share_percent": 10, "reason": "qa"}),
              Variant(f"/teams/{TEAM}/quality/config", {"share_percent": 500})),
        Route("GET", "/v1/teams/{team}/kpis", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/kpis?since=2026-01-01T00:00:00Z"),
              Variant(f"/teams/{TEAM}/kpis?since=yesterday")),
        Route("GET", "/v1/teams/{team}/quality/agreement", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/quality/agreement"),
              Variant(f"{bad_team}/quality/agreement")),
        Route("GET", "/v1/teams/{team}/quality/disagreements", TEAM_LEADS,
              Variant(f"/teams/{TEAM}/quality/disagreements"),
              Variant(f"/teams/{TEAM}/quality/disagreements?resolved=perhaps")),
        Route("POST", "/v1/teams/{team}/quality/disagreements/{review_id}/resolution",
              TEAM_LEADS,
              Variant(f"/teams/{TEAM}/quality/disagreements/1/resolution", {"note": "ok"}),
              Variant(f"/teams/{TEAM}/quality/disagreements/x/resolution", {"note": 1})),
        # corrections: a specialist corrects their own synced decision
        Route("POST", "/v1/cases/{case_id}/corrections", REVIEWERS,
              Variant(f"/cases/{w.case_id}/corrections",
                      {"client_id": key, "supersedes": str(uuid.uuid4()),
                       "correction_reason": "wrong action", "action": "keep",
                       "decided_at": decision["decided_at"]}, {IDEMPOTENCY_HEADER: key}),
              Variant(f"/cases/{w.case_id}/corrections", {"supersedes": "that one"})),
        # intake over HTTP
        Route("POST", "/v1/cases", frozenset({"admin", "partner"}),
              Variant("/cases", {"source": "trusted_flagger", "policy_area": "regulatory",
                                 "harm_category": "other", "severity": 1},
                      {IDEMPOTENCY_HEADER: key}),
              Variant("/cases", {"source": "a rumour"})),
        # replies
        Route("GET", "/v1/reply-templates", EVERYONE - {"partner"},
              Variant("/reply-templates?source=regulator"),
              Variant("/reply-templates?source=a%20rumour")),
        Route("PUT", "/v1/reply-templates/{name}", frozenset({"admin"}),
              Variant("/reply-templates/lp.reply",
                      {"source": "user_report", "actions": ["keep"], "title": "LP",
                       "body": "Case {case_id}", "reason": "least privilege"}),
              Variant("/reply-templates/NOT A NAME!", {"source": 1})),
        # policy versions and appeals
        Route("GET", "/v1/policy/taxonomy", POLICY_READERS, Variant("/policy/taxonomy"),
              Variant("/policy/taxonomy", [1])),
        Route("POST", "/v1/policy/versions", frozenset({"admin"}),
              Variant("/policy/versions", {"base_version": 1, "change_note": "why",
                                           "rules": [{"code": "CS-X-1", "area": "regulatory",
                                                      "title": "x"}]}),
              Variant("/policy/versions", {"rules": "all"})),
        Route("GET", "/v1/policy/changes", POLICY_READERS, Variant("/policy/changes"),
              Variant("/policy/changes", [1])),
        Route("GET", "/v1/policy/changes/unseen", POLICY_READERS,
              Variant("/policy/changes/unseen"), Variant("/policy/changes/unseen", [1])),
        Route("POST", "/v1/policy/changes/{version}/seen", POLICY_READERS,
              Variant("/policy/changes/2/seen"), Variant("/policy/changes/x/seen")),
        Route("POST", "/v1/cases/{case_id}/appeals", frozenset({"admin", "partner"}),
              Variant(f"/cases/{w.case_id}/appeals", {"appellant": "user", "statement": "x"}),
              Variant(f"/cases/{w.case_id}/appeals", {"appellant": "a cousin"})),
        Route("GET", "/v1/cases/{case_id}/appeal", CONTENT_READERS,
              Variant(f"/cases/{w.case_id}/appeal"), Variant("/cases/not%20an%20id!/appeal")),
        Route("POST", "/v1/appeals/{appeal_id}/decision", REVIEWERS,
              Variant("/appeals/A1/decision",
                      {"client_id": key, "lease_id": w.lease_id, "outcome": "uphold"},
                      {IDEMPOTENCY_HEADER: key}),
              Variant("/appeals/A1/decision", {"outcome": "maybe"})),
    ]


def _bodies(route: Route) -> list[tuple[str, Variant, bytes | None, str]]:
    """(what, variant, raw body, content type): the same refusal is due for each."""
    json_type = "application/json"
    sent: list[tuple[str, Variant, bytes | None, str]] = []
    for what, variant in (("valid", route.valid), ("invalid", route.invalid)):
        raw = None if variant.body is ... else json.dumps(variant.body).encode()
        sent.append((what, variant, raw, json_type))
    sent += [
        ("malformed JSON", route.valid, b'{"max_cases": 1,', json_type),
        ("empty body", route.valid, b"", json_type),
        ("not UTF-8", route.valid, b'{"max_cases": "\xff"}', json_type),
        ("not JSON at all", route.valid, b"max_cases=1", "text/plain"),
        ("malformed JSON, invalid path", route.invalid, b"[[[", json_type),
    ]
    return sent


def _send(w: World, caller: Api | None, route: Route, variant: Variant, raw: bytes | None,
          content_type: str, token: str | None = None) -> requests.Response:
    headers = {**variant.headers, "Content-Type": content_type}
    if caller is not None and caller.token:
        headers["Authorization"] = f"Bearer {caller.token}"
    if token is not None:
        headers["Authorization"] = token
    return requests.request(route.method, f"{w.service.url}/v1{variant.path}", data=raw,
                            headers=headers, timeout=30)


def test_every_route_refuses_a_caller_without_the_role_whatever_it_sends(world: World) -> None:
    wrong: list[str] = []
    for route in _routes(world):
        refused = [(name, world.apis[name], 403) for name in sorted(EVERYONE - route.allowed)]
        refused += [("no token", None, 401), ("a made-up token", None, 401)]
        for who, caller, status in refused:
            token = "Bearer not-a-token" if who == "a made-up token" else None
            for what, variant, raw, content_type in _bodies(route):
                resp = _send(world, caller, route, variant, raw, content_type, token)
                code = "forbidden" if status == 403 else "unauthenticated"
                if resp.status_code != status or resp.json().get("code") != code:
                    wrong.append(f"{route.method} {variant.path} as {who}, {what}: "
                                 f"{resp.status_code} {resp.text[:120]}")
    assert not wrong, "\n".join(wrong)
    # And nothing happened: the lease is still demo's, the policy unchanged, nothing audited.
    assert world.apis["demo"].call("POST", f"/leases/{world.lease_id}/renew").status_code == 200
    assert world.apis["demo"].call("GET", f"/teams/{TEAM}/policy").headers["ETag"] == world.etag
    events = world.apis["admin"].call("GET", "/audit?limit=1000").json()["events"]
    acted = {(e["actor"], e["action"]) for e in events if e["actor"] in EVERYONE - {"demo"}}
    assert {action for _actor, action in acted} == {"login"}, acted


def test_the_right_role_still_gets_its_validation_errors(world: World) -> None:
    """Authorization first, then validation as before: the refusals above are not a blanket."""
    routes = {r.template: r for r in _routes(world)}
    lease = routes["/v1/leases"]
    for what, variant, raw, content_type in _bodies(lease)[1:4]:
        resp = _send(world, world.apis["demo"], lease, variant, raw, content_type)
        assert resp.status_code == 422, (what, resp.text)
        assert resp.json()["code"] == "validation_error"
    what, variant, raw, content_type = _bodies(lease)[4]
    assert what == "not UTF-8"
    resp = _send(world, world.apis["demo"], lease, variant, raw, content_type)
    assert resp.status_code == 400, resp.text  # FastAPI: "There was an error parsing the body"
    no_key = routes["/v1/cases/{case_id}/notes"].valid
    resp = world.apis["demo"].call("POST", no_key.path, json=no_key.body)
    assert resp.status_code == 400  # a missing Idempotency-Key, once the role is right
    admin = world.apis["admin"]
    assert admin.call("GET", "/teams/NOT A TEAM!/exposure").status_code == 422


def test_a_lead_sees_their_teams_people_and_counters_but_no_content(world: World) -> None:
    lead = world.apis["lead"]
    for path in (f"/cases/{world.case_id}", f"/media/{world.media_id}"):
        resp = lead.call("GET", path)
        assert resp.status_code == 403, path
        assert resp.json()["code"] == "forbidden"
        assert "subject_text" not in resp.text
    exposure = lead.call("GET", f"/teams/{TEAM}/exposure")
    assert exposure.status_code == 200
    assert {m["username"] for m in exposure.json()["members"]} >= {"demo", "lead", "admin"}
    assert lead.call("GET", f"/teams/{TEAM}/policy").status_code == 200
    for path in (f"/teams/{OTHER_TEAM}/exposure", f"/teams/{OTHER_TEAM}/policy"):
        assert lead.call("GET", path).status_code == 403, path
    stranger = world.apis["other-lead"]
    assert stranger.call("GET", f"/teams/{TEAM}/exposure").status_code == 403
    assert stranger.call("GET", f"/teams/{OTHER_TEAM}/exposure").status_code == 200


def test_a_specialist_reads_their_teams_policy_and_nothing_a_lead_does(world: World) -> None:
    demo = world.apis["demo"]
    assert demo.call("GET", f"/teams/{TEAM}/policy").status_code == 200
    assert demo.call("GET", f"/teams/{OTHER_TEAM}/policy").status_code == 403
    attempts = [
        ("PUT", f"/teams/{TEAM}/policy", {"policy": world.policy, "reason": "more breaks"},
         {"If-Match": world.etag}),
        ("GET", f"/teams/{TEAM}/exposure", None, {}),
        ("POST", f"/teams/{TEAM}/members/demo/break-override", {"reason": "I feel fine"}, {}),
    ]
    for method, path, body, headers in attempts:
        resp = demo.call(method, path, json=body, headers=headers)
        assert resp.status_code == 403, (method, path, resp.text)
    assert demo.call("GET", f"/teams/{TEAM}/policy").headers["ETag"] == world.etag


def _content_reads(w: World) -> list[dict[str, Any]]:
    page = w.apis["admin"].call("GET", "/audit?action=content_read&limit=1000")
    assert page.status_code == 200
    return list(page.json()["events"])


def test_every_admin_read_of_a_case_or_its_media_is_audited(world: World) -> None:
    admin = world.apis["admin"]
    assert world.apis["demo"].call("GET", f"/cases/{world.case_id}").status_code == 200
    assert world.apis["demo"].call("GET", f"/media/{world.media_id}").status_code == 200
    assert _content_reads(world) == []  # the reviewer's own reads are their work

    case = admin.call("GET", f"/cases/{world.case_id}")
    assert case.status_code == 200
    reads = _content_reads(world)
    assert [(e["actor"], e["subject_type"], e["subject_id"]) for e in reads] == [
        ("admin", "case", world.case_id)]

    media = admin.call("GET", f"/media/{world.media_id}", headers={"Range": "bytes=0-99"})
    assert media.status_code == 206
    reads = _content_reads(world)
    assert [(e["actor"], e["subject_type"], e["subject_id"]) for e in reads[1:]] == [
        ("admin", "media", world.media_id)]
    assert reads[1]["detail"] == {"case_id": world.case_id, "range": "bytes=0-99"}
    assert all(e["client"] for e in reads)


def test_the_openapi_document_lists_every_refusal(world: World) -> None:
    """401 on every authenticated operation, 403 wherever some role is refused; and the table
    above covers every operation, so a new route has to say who may call it."""
    doc = requests.get(f"{world.service.url}/openapi.json", timeout=30).json()
    operations = {(m.upper(), p): op for p, item in doc["paths"].items()
                  for m, op in item.items()}
    routes = _routes(world)
    unauthenticated = {("POST", f"/v1/auth/{name}") for name in ("login", "refresh", "logout")}
    assert set(operations) - unauthenticated == {(r.method, r.template) for r in routes}
    for route in routes:
        responses = operations[(route.method, route.template)]["responses"]
        assert "401" in responses, route.template
        if route.allowed != EVERYONE:
            assert "403" in responses, route.template
        assert operations[(route.method, route.template)].get("security"), route.template
