"""Trends from rollups over HTTP: cases counted at ingest (the demo seed and the intake
route), read by a lead, and a burst of one source's cases flagged with its explanation."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, func, select

from reviewer_app.service.models import CaseRow
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.test_intake import _as, _body, _post


def _by_key(series: dict[str, Any]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for point in series["points"]:
        totals[point["key"]] += point["count"]
    return totals


def test_ingest_counts_into_the_rollups_and_a_burst_is_explained(
        live_service: LiveService) -> None:
    engine = create_engine(live_service.db_url)
    with engine.connect() as c:
        held = dict(c.execute(select(CaseRow.source, func.count()).group_by(CaseRow.source)).all())
    engine.dispose()
    lead = _as(live_service, "lead")
    before = lead.call("GET", "/trends?dimension=source")
    assert before.status_code == 200, before.text
    assert _by_key(before.json()) == Counter(held)
    assert before.json()["spikes"] == []

    admin = _as(live_service, "admin")
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)  # one hour's burst
    for _ in range(6):
        assert _post(admin, _body(received_at=hour.isoformat())).status_code == 201
    after = lead.call("GET", "/trends?dimension=source").json()
    assert _by_key(after)["regulator"] == held.get("regulator", 0) + 6
    spike = next(s for s in after["spikes"] if s["key"] == "regulator")
    assert datetime.fromisoformat(spike["hour"]) == hour
    assert spike["count"] >= 6
    assert spike["baseline"] == [0, 0, 0, 0]
    assert spike["threshold"] < spike["count"]
    assert "median + MAD" in spike["method"]
    by_place = lead.call("GET", "/trends?dimension=jurisdiction&bucket=day").json()
    assert _by_key(by_place)["EU-FR"] >= 6


def test_the_cases_behind_a_point_are_ids_and_a_count(live_service: LiveService) -> None:
    admin = _as(live_service, "admin")
    hour = datetime(2026, 3, 2, 10, tzinfo=UTC)
    ids = {_post(admin, _body(received_at=(hour.replace(minute=m)).isoformat())).json()["case_id"]
           for m in (5, 40)}
    lead = _as(live_service, "lead")
    got = lead.call("GET", "/trends/cases?" + urlencode({
        "dimension": "source", "key": "regulator", "hour": hour.replace(minute=30).isoformat()}))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["count"] == 2
    assert set(body["case_ids"]) == ids
    assert datetime.fromisoformat(body["hour"]) == hour
    assert set(body) == {"dimension", "key", "hour", "count", "case_ids"}  # no content
    far = lead.call("GET", "/trends/cases?" + urlencode({
        "dimension": "source", "key": "regulator", "hour": "9999-12-31T23:30:00+00:00"}))
    assert far.status_code == 400
