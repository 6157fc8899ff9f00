"""The console's intelligence tab against the real service: a burst of one source's cases
is marked on the chart as a spike, the in-window notice shows, the spike's explanation is
one click away, and the HTML report carries its hour, method and counts (never media)."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF

from tests.gui.test_lead_console import lead_console  # noqa: F401 (fixture)
from tests.gui.test_workstation import WAIT_MS
from tests.integration.service.test_intake import _as, _body, _post
from ui.console.intel import DIMENSIONS, SPIKES_SERIES
from ui.console.lead_console import LeadConsole


def test_a_burst_is_marked_notified_explained_and_reported(
        qtbot: Any, lead_console: LeadConsole, live_service: Any, tmp_path: Path) -> None:  # noqa: F811
    admin = _as(live_service, "admin")
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    posted = []
    for _ in range(6):
        reply = _post(admin, _body(received_at=hour.isoformat()))
        assert reply.status_code == 201
        posted.append(reply.json()["case_id"])
    window = lead_console.window
    intel = window.intel
    window.act_intel.trigger()
    window.tabs.setCurrentIndex(0)  # the notice is for someone not looking at the tab
    intel.dimension.setCurrentIndex(DIMENSIONS.index("source"))
    qtbot.waitUntil(lambda: not intel.loading, timeout=WAIT_MS)
    intel.refresh()
    qtbot.waitUntil(lambda: intel.series is not None and intel.series.dimension == "source"
                    and any(s.key == "regulator" for s in intel.series.spikes),
                    timeout=WAIT_MS)
    series = intel.series
    assert series is not None
    spike = next(s for s in series.spikes if s.key == "regulator")
    assert spike.hour == hour
    assert spike.count >= 6

    chart = intel.view.chart()
    marks = next(s for s in chart.series() if s.name() == SPIKES_SERIES)
    at = (hour - series.since).total_seconds() / 3600
    assert [(p.x(), p.y()) for p in marks.points()] == [
        ((s.hour - series.since).total_seconds() / 3600, s.count) for s in series.spikes]
    assert (at, float(spike.count)) in [(p.x(), p.y()) for p in marks.points()]
    line = next(s for s in chart.series() if s.name() == "regulator")
    assert (at, float(spike.count)) in [(p.x(), p.y()) for p in line.points()]

    assert intel.notice.isVisible()
    assert "regulator" in intel.notice.text()
    assert f"{hour:%H:00}" in intel.notice.text()
    window.act_intel.trigger()
    assert not intel.notice.isVisible()

    intel.spikes.setCurrentRow(-1)
    marks.clicked.emit(QPointF(at, spike.count))  # the spike's mark on the chart picks it
    assert intel.spikes.currentRow() == series.spikes.index(spike)
    assert "threshold" in intel.detail.text()
    assert spike.method in intel.detail.text()
    assert "baseline (same hour, weeks back) 0, 0, 0, 0" in intel.detail.text()
    listed = [intel.case_ids.item(i).text() for i in range(intel.case_ids.count())]
    assert set(posted) <= set(listed)
    assert len(listed) == spike.count

    report = tmp_path / "trend.html"
    assert intel.export_report(report)
    text = report.read_text(encoding="utf-8")
    assert f"regulator at {hour:%Y-%m-%d %H:00} UTC" in text
    assert html.escape(spike.method) in text
    assert "data:image/png;base64," in text
    assert all(case_id in text for case_id in posted)
    assert "SIMULATED CONTENT" not in text
    assert "image/jpeg" not in text


def test_clusters_are_listed_with_their_rule_and_a_point_opens_its_cases(
        qtbot: Any, lead_console: LeadConsole, live_service: Any, tmp_path: Path) -> None:  # noqa: F811
    specialist = _as(live_service, "specialist")
    decided: list[str] = []
    while len(decided) < 6:
        lease = specialist.lease(min(5, 6 - len(decided))).json()
        for case in lease["cases"]:
            resp = specialist.decide(case["id"], lease["lease_id"], action="keep",
                                     policy_refs=["CS-HATE-1"])
            assert resp.status_code == 201, resp.text
            decided.append(case["id"])
    admin = _as(live_service, "admin")
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    posted = [_post(admin, _body(received_at=hour.isoformat())).json()["case_id"]
              for _ in range(2)]
    window = lead_console.window
    intel = window.intel
    window.act_intel.trigger()
    intel.dimension.setCurrentIndex(DIMENSIONS.index("source"))
    qtbot.waitUntil(lambda: not intel.loading, timeout=WAIT_MS)
    intel.refresh()
    qtbot.waitUntil(lambda: intel.found is not None and intel.series is not None
                    and intel.series.dimension == "source" and any(
                        c.key == "CS-HATE-1" for c in intel.found.clusters), timeout=WAIT_MS)
    found = intel.found
    assert found is not None
    first = found.clusters[0]
    assert (first.kind, first.key, first.count, first.emerging) == (
        "policy_citation", "CS-HATE-1", 6, True)
    assert intel.clusters.item(0).text().startswith("EMERGING policy citation CS-HATE-1")
    assert found.method in intel.clusters.item(0).toolTip()
    intel.clusters.setCurrentRow(0)
    assert "6 cases decided in the window, 0 in the days before" in intel.detail.text()
    assert sorted(intel.case_ids.item(i).text() for i in range(intel.case_ids.count())) == \
        sorted(decided)

    # a click on the line's point for this hour lists the cases received in it (ids only)
    series = intel.series
    assert series is not None
    chart = intel.view.chart()
    line = next(s for s in chart.series() if s.name() == "regulator")
    point = next(p for p in line.points()
                 if p.x() == (hour - series.since).total_seconds() / 3600)
    line.clicked.emit(point)  # what QtCharts sends for a click on the point
    qtbot.waitUntil(lambda: set(posted) <= {intel.case_ids.item(i).text()
                                            for i in range(intel.case_ids.count())},
                    timeout=WAIT_MS)
    assert f"regulator at {hour:%d %b %H:00} UTC" in intel.detail.text()

    report = tmp_path / "trend.html"
    assert intel.export_report(report)
    text = report.read_text(encoding="utf-8")
    assert "<h2>Clusters of decisions</h2>" in text
    assert "policy citation CS-HATE-1: 6 cases" in text
    assert all(case_id in text for case_id in decided)
