"""The match banner with the real service: a new case matching an earlier decided one shows
that decision, and applying it (Ctrl+Shift+A) syncs a decision without a reveal, counted as
exposure avoided on the service; a bank match is flagged and decided without a reveal."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from reviewer_app.domain import CaseStatus
from reviewer_app.service import pdq
from reviewer_app.service.db import Database
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.models import ExposureRow
from tests.gui.test_workstation import WAIT_MS, case_on_screen, service_case_status
from tests.integration.service.api import Api
from tests.integration.service.test_group_decisions import _add, _decisions, _login, _specialist
from tests.integration.service.test_matching import _altered


def _revealed(db_url: str, case_id: str, kinds: tuple[str, ...] = ("revealed",)) -> int:
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as s:
            return len(s.scalars(select(ExposureRow.id).where(
                ExposureRow.case_id == case_id, ExposureRow.kind.in_(kinds))).all())
    finally:
        db.dispose()


def _open_pulled(qtbot: Any, ws: Any, case_id: str) -> None:
    ws.flow.pull()
    qtbot.waitUntil(lambda: any(c.id == case_id for c in ws.flow.cases), timeout=WAIT_MS)
    ws.flow.open(case_id)
    qtbot.waitUntil(lambda: case_on_screen(ws) and ws.flow.current.case.id == case_id,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: ws.window.match_banner.isVisible(), timeout=WAIT_MS)


def test_an_earlier_decided_match_is_applied_without_revealing(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    picture = synthetic_image(8080, width=1280, height=720, fmt="PNG")
    earlier = _add(live_service, picture, "image/png", 100)
    colleague = _specialist(live_service, "ines", live_service.accounts.team)
    lease = colleague.lease(1).json()
    assert [c["id"] for c in lease["cases"]] == [earlier]
    assert colleague.decide(earlier, lease["lease_id"]).status_code == 201
    later = _add(live_service, _altered(picture), "image/jpeg", 100)

    _open_pulled(qtbot, ws, later)
    text = ws.window.match_banner.text.text()
    assert f"Matches case {earlier} decided remove under CS-VIO-1" in text
    assert "PDQ distance" in text
    QTest.keyClick(ws.window, Qt.Key.Key_A,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: later in ws.flow.decided, timeout=WAIT_MS)
    ws.sync.wake()
    qtbot.waitUntil(lambda: service_case_status(live_service, later) == CaseStatus.DECIDED,
                    timeout=WAIT_MS)
    assert _revealed(live_service.db_url, later) == 0
    demo = _login(live_service, live_service.accounts.specialist)
    assert demo.call("GET", "/me/exposure-avoided").json()["total"] == 1
    qtbot.waitUntil(lambda: "Exposure avoided: 1 today" in ws.window.meter.avoided.text(),
                    timeout=WAIT_MS)


def test_a_bank_match_is_flagged_and_decided_without_a_reveal(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    admin: Api = _login(live_service, live_service.accounts.admin)
    picture = synthetic_image(9090, width=1280, height=720, fmt="PNG")
    assert admin.call("POST", "/hash-banks", json={"name": "known-violating"}).status_code == 201
    admin.call("POST", "/hash-banks/known-violating/entries",
               json={"hashes": [pdq.hash_image(picture)[0].hex]})
    flagged = _add(live_service, _altered(picture, crop=False), "image/jpeg", 100)

    _open_pulled(qtbot, ws, flagged)
    assert "In hash bank 'known-violating': decide without revealing" in \
        ws.window.match_banner.text.text()
    if ws.window.viewer.interstitial:
        QTest.keyClick(ws.window.viewer, Qt.Key.Key_Return)
    QTest.keyClick(ws.window.viewer, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: flagged in ws.flow.decided, timeout=WAIT_MS)
    ws.sync.wake()
    qtbot.waitUntil(lambda: service_case_status(live_service, flagged) == CaseStatus.DECIDED,
                    timeout=WAIT_MS)
    assert _revealed(live_service.db_url, flagged) == 0
    demo = _login(live_service, live_service.accounts.specialist)
    assert demo.call("GET", "/me/exposure-avoided").json()["total"] == 1


def test_a_group_decision_takes_the_action_chosen_and_reaches_every_case_once(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    """Ctrl+Shift+G arms the group decision; the next decision (here keep, not remove) goes
    to the whole group, each case decided once on the service, none of the others shown (the
    flow does not open them while the service decides them); an escalation is refused while
    armed and decides nothing."""
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    picture = synthetic_image(7070, width=1280, height=720, fmt="PNG")
    viewed = _add(live_service, picture, "image/png", 100)
    others = [_add(live_service, _altered(picture), "image/jpeg", 99),
              _add(live_service, picture, "image/png", 98)]

    _open_pulled(qtbot, ws, viewed)
    qtbot.waitUntil(lambda: ws.window.match_banner.can_group, timeout=WAIT_MS)
    assert "Group of 3 near-identical cases" in ws.window.match_banner.text.text()
    group_keys = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(ws.window, Qt.Key.Key_G, group_keys)
    assert ws.window.match_banner.group_armed
    assert "all 3 cases" in ws.window.match_banner.group_button.text()
    if ws.window.viewer.interstitial:
        QTest.keyClick(ws.window.viewer, Qt.Key.Key_Return)
    QTest.keyClick(ws.window.viewer, Qt.Key.Key_E)
    assert viewed not in ws.flow.decided
    assert "A group is decided remove, keep, restrict or label" in \
        ws.window.statusBar().currentMessage()
    QTest.keyClick(ws.window.viewer, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: viewed in ws.flow.decided, timeout=WAIT_MS)
    ws.sync.wake()
    qtbot.waitUntil(lambda: all(service_case_status(live_service, c) == CaseStatus.DECIDED
                                for c in [viewed, *others]), timeout=WAIT_MS)
    decided = _decisions(live_service.db_url)
    assert {c: [a for _id, a, _r in decided[c]] for c in [viewed, *others]} == {
        c: ["keep"] for c in [viewed, *others]}
    # never opened, not even blurred: no exposure of any kind was booked to them
    assert ws.flow.open_id not in others
    assert all(_revealed(live_service.db_url, c, ("shown", "revealed")) == 0 for c in others)
    assert _revealed(live_service.db_url, viewed, ("shown",)) >= 1  # served, then painted
