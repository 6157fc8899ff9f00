"""The console's KPIs tab with the real service: a decision the team's specialist syncs
shows in the tab's queue and person tables, and Export CSV writes the same figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.gui.test_lead_console import TEAM, WAIT_MS, lead_console  # noqa: F401 (fixture)
from tests.integration.service.test_group_decisions import _specialist


def _cell(table: Any, row: int, column: int) -> str:
    item = table.item(row, column)
    return "" if item is None else str(item.text())


def test_the_kpis_tab_shows_a_decision_and_exports_csv(
        qtbot: Any, lead_console: Any, live_service: Any, tmp_path: Path) -> None:  # noqa: F811
    window = lead_console.window
    panel = window.kpis
    specialist = _specialist(live_service, "kim", TEAM)
    lease = specialist.lease(1).json()
    [case_id] = [c["id"] for c in lease["cases"]]
    reply = specialist.decide(case_id, lease["lease_id"], action="keep", handle_ms=12_000)
    assert reply.status_code == 201, reply.text

    qtbot.waitUntil(lambda: not panel.loading, timeout=WAIT_MS)  # the first load, at start
    window.act_kpis.trigger()
    assert window.tabs.currentWidget() is panel
    qtbot.waitUntil(lambda: not panel.loading and panel.kpis is not None
                    and panel.kpis.overall.decisions >= 1, timeout=WAIT_MS)
    people = {_cell(panel.by_person, r, 0): r for r in range(panel.by_person.rowCount())}
    row = people["kim"]
    # one decision of 12 s: 1 decision, 1 per hour, p50 = p90 = 12.0 s
    assert [_cell(panel.by_person, row, c) for c in range(5)] == ["kim", "1", "1.00",
                                                                  "12.0 s", "12.0 s"]
    assert _cell(panel.by_queue, 0, 0) == "all"

    out = tmp_path / "kpis.csv"
    rows = panel.export_csv(out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert rows == len(lines) - 1
    assert any(line.startswith("person,kim,1,1,1,12000,12000,") for line in lines)
