"""A blind second review on the workstation, with the real service: a colleague's decision
is sampled (the lead's share is 100 %), the reviewer pulls second reviews (Ctrl+Alt+L), the
case shows the "Second review (blind)" banner and nothing of the first decision, and the
reviewer's decision reaches the service as a second review, in the lead's agreement."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from reviewer_app.domain import CaseStatus
from tests.gui.test_workstation import WAIT_MS, case_on_screen, press, service_case_status
from tests.integration.service.test_group_decisions import _login, _specialist

FIRST_REASON = "colleague's first-look reason 51c9"


def test_a_second_review_is_blind_and_reaches_the_service(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    lead = _login(live_service, live_service.accounts.lead)
    team = live_service.accounts.team
    assert lead.call("PUT", f"/teams/{team}/quality/config",
                     json={"share_percent": 100, "reason": "all"}).status_code == 200
    colleague = _specialist(live_service, "zoravic", team)
    lease = colleague.lease(1).json()
    [case_id] = [c["id"] for c in lease["cases"]]
    assert colleague.decide(case_id, lease["lease_id"], reason=FIRST_REASON).status_code == 201
    banner = ws.window.case_view.second_review
    assert not banner.isVisible()  # the first-line case on screen is no second review

    QTest.keyClick(ws.window, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: any(c.id == case_id for c in ws.flow.cases), timeout=WAIT_MS)
    ws.flow.open(case_id)
    qtbot.waitUntil(lambda: case_on_screen(ws) and ws.flow.current.case.id == case_id,
                    timeout=WAIT_MS)
    assert banner.isVisible()
    assert "Second review (blind)" in banner.text()
    context = ws.window.case_view.context.html()
    assert FIRST_REASON not in context
    assert "zoravic" not in context

    press(ws, Qt.Key.Key_R)  # the same action as the colleague's: they agree
    qtbot.waitUntil(lambda: case_id in ws.flow.decided, timeout=WAIT_MS)

    def reviewed() -> bool:
        ws.sync.wake()
        figures = lead.call("GET", f"/teams/{team}/quality/agreement").json()["overall"]
        return bool(figures["n"] == 1)

    qtbot.waitUntil(reviewed, timeout=WAIT_MS)
    overall = lead.call("GET", f"/teams/{team}/quality/agreement").json()["overall"]
    assert (overall["n"], overall["agreed"]) == (1, 1)
    assert service_case_status(live_service, case_id) == CaseStatus.DECIDED
