"""Team KPIs over real HTTP: the specialist's synced decisions show up in the lead's figures
for the team, its queue and the specialist, with the handle-time percentiles of what was
sent; a period before them counts nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api


def _login(live: LiveService, user: str, password: str) -> Api:
    api = Api(live.url)
    assert api.login(user, password).status_code == 200
    return api


def test_the_lead_reads_the_kpis_of_decisions_made(live_service: LiveService) -> None:
    specialist = _login(live_service, *live_service.accounts.specialist)
    lead = _login(live_service, *live_service.accounts.lead)
    team = specialist.call("GET", "/me").json()["team"]
    now = datetime.now(UTC)
    since, earlier = (f"{(now - timedelta(hours=h)):%Y-%m-%dT%H:%M:%SZ}" for h in (1, 48))
    lease = specialist.lease(3).json()
    cases = [c["id"] for c in lease["cases"]]
    assert len(cases) == 3
    for case_id, ms in zip(cases, (10_000, 40_000, 20_000), strict=True):
        resp = specialist.decide(case_id, lease["lease_id"], action="keep", handle_ms=ms)
        assert resp.status_code == 201, resp.text

    resp = lead.call("GET", f"/teams/{team}/kpis?since={since}")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    overall = body["overall"]
    # sorted 10, 20, 40 s: p50 rank ceil(1.5) = 2 -> 20 s; p90 rank ceil(2.7) = 3 -> 40 s
    assert overall["decisions"] == 3
    assert (overall["handle_p50_ms"], overall["handle_p90_ms"]) == (20_000, 40_000)
    assert overall["sla_met"] + overall["sla_breached"] == 3
    assert overall["decisions_per_hour"] == 3 / overall["active_hours"]
    person = {p["key"]: p for p in body["by_person"]}[live_service.accounts.specialist[0]]
    assert person["decisions"] == 3
    assert sum(q["decisions"] for q in body["by_queue"]) == 3

    before = lead.call("GET", f"/teams/{team}/kpis?since={earlier}&until={since}")
    assert before.status_code == 200
    assert before.json()["overall"]["decisions"] == 0
    assert specialist.call("GET", f"/teams/{team}/kpis?since={since}").status_code == 403
