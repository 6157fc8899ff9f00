"""The console's Quality tab with the real service: the lead sets the share from the tab, a
sampled decision's second review disagrees, and the tab shows the agreement figures and the
disagreement (no content), which the lead resolves with a note from the tab."""

from __future__ import annotations

from typing import Any

from reviewer_app.contract import QA_QUEUE
from tests.gui.test_lead_console import TEAM, WAIT_MS, lead_console  # noqa: F401 (fixture)
from tests.integration.service.test_group_decisions import _specialist


def _cell(table: Any, row: int, column: int) -> str:
    item = table.item(row, column)
    return "" if item is None else str(item.text())


def test_the_quality_tab_sets_the_share_shows_agreement_and_resolves(
        qtbot: Any, lead_console: Any, live_service: Any) -> None:  # noqa: F811
    window = lead_console.window
    panel = window.quality
    window.show_quality()
    qtbot.waitUntil(lambda: not panel.loading and panel.config_note.text() != "",
                    timeout=WAIT_MS)
    panel.share.setValue(100)
    panel.share_reason.setText("calibration week")
    panel.save_share.click()
    qtbot.waitUntil(lambda: panel.config_note.text().startswith("100 %"), timeout=WAIT_MS)

    first, second = _specialist(live_service, "ula", TEAM), _specialist(live_service, "vic", TEAM)
    lease = first.lease(1).json()
    [case_id] = [c["id"] for c in lease["cases"]]
    assert first.decide(case_id, lease["lease_id"], action="remove").status_code == 201
    qa = second.lease(1, queue=QA_QUEUE).json()
    assert second.decide(case_id, qa["lease_id"], action="keep").status_code == 201

    window.show_quality()
    qtbot.waitUntil(lambda: panel.list.rowCount() == 1, timeout=WAIT_MS)
    row = [_cell(panel.list, 0, c) for c in range(panel.list.columnCount())]
    assert row[0] == case_id
    assert row[2].startswith("ula: remove")
    assert row[3].startswith("vic: keep")
    assert row[5] == "open"
    overall = [_cell(panel.agreement, 0, c) for c in range(panel.agreement.columnCount())]
    assert overall == ["All", "", "1", "0", "0.0 %", "0.00"]
    assert ["First decider", "ula"] in [[_cell(panel.agreement, r, 0), _cell(panel.agreement, r, 1)]
                                        for r in range(panel.agreement.rowCount())]

    panel.list.selectRow(0)
    panel.note.setText("discussed with both: remove stands")
    panel.resolve_selected()
    qtbot.waitUntil(lambda: _cell(panel.list, 0, 5).startswith("lead at"), timeout=WAIT_MS)
    assert "remove stands" in _cell(panel.list, 0, 5)
