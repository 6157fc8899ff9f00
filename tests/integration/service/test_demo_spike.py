"""The demo's spike, read as a lead reads it over HTTP: the burst `seed_trends` plants (nine
reports of one trusted flagger within one hour, already decided by a colleague) is the one
spike of the week by reporter organisation, explained against five weeks of history, with
its cases behind it; the random history raises no other spike in any dimension."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, select

from reviewer_app.domain import CaseStatus
from reviewer_app.service.models import CaseRow
from reviewer_app.service.seed import seed_demo
from reviewer_app.service.seed_trends import BURST_ORGANISATION, BURST_SIZE, burst_hour
from reviewer_app.service.settings import ServiceSettings
from reviewer_app.service.trends import DIMENSIONS
from tests.helpers.service_fixtures import LiveService, serving
from tests.integration.service.test_intake import _as

BURST_KEYS = {"source": "trusted_flagger", "queue": "ads", "reporter_organisation":
              BURST_ORGANISATION, "harm_category": "scams_fraud", "jurisdiction": "EU-FR",
              "policy_area": "advertising_commerce"}


@pytest.fixture
def demo_with_trends(service_settings: ServiceSettings) -> Iterator[tuple[LiveService,
                                                                          datetime]]:
    seeded_at = datetime.now(UTC)
    accounts = seed_demo(service_settings.db_url, cases=12, matches=True, trends=True)
    with serving(service_settings, accounts) as live:
        yield live, seeded_at


def test_the_demo_burst_is_the_one_spike_and_its_cases_are_behind_it(
        demo_with_trends: tuple[LiveService, datetime]) -> None:
    live, seeded_at = demo_with_trends
    lead = _as(live, "lead")
    for dimension in DIMENSIONS:
        got = lead.call("GET", f"/trends?dimension={dimension}")
        assert got.status_code == 200, got.text
        series = got.json()
        # the history is there: a week of counts far above the demo's few dozen cases
        assert sum(p["count"] for p in series["points"]) > 200, dimension
        spikes = series["spikes"]
        assert [s["key"] for s in spikes] == [BURST_KEYS[dimension]], (dimension, spikes)
        spike = spikes[0]
        assert datetime.fromisoformat(spike["hour"]) == burst_hour(seeded_at)
        assert spike["count"] >= BURST_SIZE
        assert len(spike["baseline"]) == 4
        assert spike["count"] > spike["threshold"]

    hour = burst_hour(seeded_at)
    behind = lead.call("GET", "/trends/cases?" + urlencode({
        "dimension": "reporter_organisation", "key": BURST_ORGANISATION,
        "hour": hour.isoformat()}))
    assert behind.status_code == 200, behind.text
    ids = behind.json()["case_ids"]
    engine = create_engine(live.db_url)
    with engine.connect() as c:
        burst = dict(c.execute(select(CaseRow.id, CaseRow.status).where(
            CaseRow.reporter_reference.startswith("REF-BURST-"))).all())
    engine.dispose()
    assert len(burst) == BURST_SIZE
    assert set(burst) <= set(ids)
    assert set(burst.values()) == {CaseStatus.DECIDED.value}  # in nobody's queue

    # the specialist's queue holds none of them
    specialist = _as(live, "specialist")
    leased = specialist.lease(50)
    assert leased.status_code == 201, leased.text
    assert not set(burst) & {c["id"] for c in leased.json()["cases"]}
    assert hour < seeded_at - timedelta(hours=2)


def test_a_specialist_hears_of_the_spike_in_a_queue_their_team_works_and_only_there(
        demo_with_trends: tuple[LiveService, datetime]) -> None:
    live, seeded_at = demo_with_trends
    specialist = _as(live, "specialist")
    got = specialist.call("GET", "/me/spikes")
    assert got.status_code == 200, got.text
    mine = got.json()
    assert [(s["key"], datetime.fromisoformat(s["hour"])) for s in mine["spikes"]] == [
        ("ads", burst_hour(seeded_at))]
    assert mine["spikes"][0]["count"] >= BURST_SIZE
    assert "median + MAD" in mine["method"]
    assert "case_ids" not in mine["spikes"][0]  # counts only: cases come through leases

    admin = _as(live, "admin")
    team = live.accounts.team
    narrowed = admin.call("PUT", f"/teams/{team}/queues",
                          json={"queues": ["general"], "reason": "test: general only"})
    assert narrowed.status_code == 200, narrowed.text
    assert specialist.call("GET", "/me/spikes").json()["spikes"] == []
    for who in ("lead", "admin"):
        assert _as(live, who).call("GET", "/me/spikes").status_code == 403
