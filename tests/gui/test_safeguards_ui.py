"""Reveal, exposure counting and enforced breaks, driven by the keyboard against the real
service on loopback."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from reviewer_app.client.errors import CapReached, OnBreak
from reviewer_app.domain import ExposureKind, ProblemCode, Severity
from safeguards import ReviewerState
from tests.gui.test_workstation import WAIT_MS, case_on_screen, press, wait_synced
from ui.imaging import RevealStep


def open_case_of(qtbot: Any, ws: Any, *, severe: bool) -> None:
    """Walk the queue (Ctrl+Down) to a case that is (or is not) severe, and show its media."""
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    for _ in range(len(ws.flow.cases) + 1):
        sev = ws.flow.current.case.severity
        if (sev == Severity.SEVERE) == severe and not ws.window.viewer.is_placeholder:
            break
        current = ws.flow.current.case.id
        QTest.keyClick(ws.window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda c=current: case_on_screen(ws) and ws.flow.current.case.id != c,
                        timeout=WAIT_MS)
    assert (ws.flow.current.case.severity == Severity.SEVERE) == severe
    if ws.window.viewer.interstitial:
        press(ws, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: ws.window.viewer.has_step(RevealStep.SHARP_GRAY), timeout=WAIT_MS)


def revealed(events: list[Any]) -> list[Any]:
    return [e for e in events if e.kind is ExposureKind.REVEALED]


def test_each_reveal_mode_becomes_an_exposure_event_with_its_duration(
        qtbot: Any, workstation: Any) -> None:
    ws = workstation
    events: list[Any] = []
    ws.flow.sig_exposure.connect(events.append)
    open_case_of(qtbot, ws, severe=False)
    viewer = ws.window.viewer
    assert any(e.kind is ExposureKind.SHOWN for e in events)

    QTest.keyPress(viewer, Qt.Key.Key_Space)
    assert viewer.painted_step is RevealStep.SHARP_GRAY
    qtbot.wait(300)
    QTest.keyRelease(viewer, Qt.Key.Key_Space)
    assert viewer.painted_step is RevealStep.BLURRED
    assert len(revealed(events)) == 1
    assert revealed(events)[0].duration_ms >= 250

    press(ws, Qt.Key.Key_V)
    assert viewer.painted_step is RevealStep.SHARP_GRAY
    qtbot.waitUntil(lambda: viewer.has_step(RevealStep.COLOUR), timeout=WAIT_MS)
    press(ws, Qt.Key.Key_V)
    assert viewer.painted_step is RevealStep.COLOUR
    qtbot.wait(200)
    press(ws, Qt.Key.Key_V)
    assert viewer.painted_step is RevealStep.BLURRED
    assert len(revealed(events)) == 2
    assert revealed(events)[1].duration_ms >= 150

    press(ws, Qt.Key.Key_Z)
    QTest.mouseMove(viewer, QPoint(viewer.width() // 2, viewer.height() // 2))
    qtbot.wait(200)
    press(ws, Qt.Key.Key_Z)
    assert len(revealed(events)) == 3
    assert revealed(events)[2].duration_ms >= 150
    assert all(e.case_id == ws.flow.current.case.id for e in revealed(events))

    def all_synced() -> bool:  # a bool: a callback returning None passes waitUntil at once
        if ws.session.outbox_counts().synced >= 4:
            return True
        ws.sync.wake()
        return False

    qtbot.waitUntil(all_synced, timeout=WAIT_MS)


def test_stepped_reveal_reblurs_by_itself(qtbot: Any, workstation: Any) -> None:
    ws = workstation
    open_case_of(qtbot, ws, severe=False)
    viewer = ws.window.viewer
    viewer.policy = type(viewer.policy)(**{**viewer.policy.__dict__, "auto_reblur_s": 0.3})
    press(ws, Qt.Key.Key_V)
    assert viewer.painted_step is RevealStep.SHARP_GRAY
    qtbot.waitUntil(lambda: viewer.painted_step is RevealStep.BLURRED, timeout=5_000)


def test_a_severe_reveal_brings_an_enforced_break_that_cannot_be_dismissed(
        qtbot: Any, workstation: Any) -> None:
    ws = workstation
    open_case_of(qtbot, ws, severe=True)
    window, viewer = ws.window, ws.window.viewer
    QTest.keyPress(viewer, Qt.Key.Key_Space)
    qtbot.wait(100)
    QTest.keyRelease(viewer, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.overlay.isVisible(), timeout=WAIT_MS)
    verdict = ws.wellness.verdict
    assert not verdict.allowed
    assert verdict.state is ReviewerState.MICRO_BREAK
    assert viewer.hidden
    assert viewer.painted_step is None
    case_id = ws.flow.current.case.id
    for key in (Qt.Key.Key_Escape, Qt.Key.Key_H, Qt.Key.Key_R, Qt.Key.Key_V, Qt.Key.Key_Space):
        QTest.keyClick(window, key)
        QTest.keyClick(window.overlay, key)
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.overlay.isVisible()
    assert viewer.hidden
    assert case_id not in ws.flow.decided
    assert not window.queue.table.isEnabled()
    assert not any(a.isEnabled() for a in window.decision_bar.decision_actions.values())
    assert not window.overlay.end.isVisible()
    assert ws.wellness.end_self_break() is False
    window.showMinimized()
    window.showNormal()
    ws.wellness.evaluate()
    assert window.overlay.isVisible()


def test_a_self_initiated_break_locks_and_can_be_ended(qtbot: Any, workstation: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    QTest.keyClick(ws.window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert ws.window.overlay.isVisible()
    assert ws.window.locked
    assert ws.window.overlay.end.isVisible()
    qtbot.mouseClick(ws.window.overlay.end, Qt.MouseButton.LeftButton)
    assert not ws.window.overlay.isVisible()
    assert not ws.window.locked
    assert not ws.window.viewer.hidden


def lead_sets_team_policy(live_service: Any, change: dict[str, Any]) -> dict[str, Any]:
    """The wellness lead edits the team policy through the API, as the lead console would."""
    user, password = live_service.accounts.lead
    login = requests.post(f"{live_service.url}/v1/auth/login",
                          json={"username": user, "password": password}, timeout=10)
    login.raise_for_status()
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    url = f"{live_service.url}/v1/teams/escalations/policy"
    current = requests.get(url, headers=auth, timeout=10)
    current.raise_for_status()
    policy = {**current.json()["policy"], **change}
    put = requests.put(url, headers={**auth, "If-Match": current.headers["ETag"]},
                       json={"policy": policy, "reason": "test: one reveal an hour"}, timeout=10)
    assert put.status_code == 200, put.text
    return dict(put.json()["policy"])


@pytest.fixture
def one_reveal_an_hour(live_service: Any) -> dict[str, Any]:
    return lead_sets_team_policy(live_service, {"caps": [{
        "categories": [], "min_severity": 0, "window": "hour", "measure": "revealed",
        "limit": 1, "action": "force_break"}]})


def test_a_cap_reached_mid_session_brings_the_overlay_and_the_service_refuses_the_lease(
        qtbot: Any, one_reveal_an_hour: dict[str, Any], workstation: Any,
        live_service: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: len(ws.wellness.policy.caps) == 1, timeout=WAIT_MS)
    open_case_of(qtbot, ws, severe=False)
    viewer = ws.window.viewer
    events: list[Any] = []
    ws.flow.sig_exposure.connect(events.append)
    QTest.keyPress(viewer, Qt.Key.Key_Space)
    qtbot.wait(100)
    QTest.keyRelease(viewer, Qt.Key.Key_Space)
    assert ws.window.overlay.isVisible()
    assert ws.wellness.verdict.reason is ProblemCode.CAP_REACHED
    assert viewer.hidden
    wait_synced(qtbot, ws, str(next(e for e in revealed(events)).client_id))
    with pytest.raises((CapReached, OnBreak)) as refused:
        ws.session.lease(1)
    assert refused.value.retry_after_s is not None
    assert refused.value.retry_after_s > 0
    assert ws.window.overlay.isVisible()


def test_personal_settings_only_ever_make_the_view_safer(qtbot: Any, workstation: Any) -> None:
    from safeguards import PersonalSettings
    from ui.views.personal_settings import load_personal, save_personal

    ws = workstation
    team = ws.wellness.policy.display
    ws.wellness.set_personal(PersonalSettings(blur_strength=1, auto_reblur_seconds=300,
                                              warning_from_severity=4))
    looser = ws.window.viewer.policy
    assert looser.blur_width == team.blur_width_px
    assert looser.auto_reblur_s == team.auto_reblur_seconds
    assert looser.warning_from_severity == team.warning_from_severity
    safer = PersonalSettings(blur_strength=10, auto_reblur_seconds=3, warning_from_severity=1)
    save_personal(ws.window.settings, safer)
    ws.wellness.set_personal(load_personal(ws.window.settings))
    policy = ws.window.viewer.policy
    assert policy.blur_width < team.blur_width_px
    assert policy.auto_reblur_s == 3
    assert policy.warning_from_severity == 1


def test_the_wellness_clock_is_the_sessions_service_clock(qtbot: Any, workstation: Any) -> None:
    """One clock for everything the workstation stamps: the session's, anchored on the
    service's replies (the moved-clock tests in tests/reliability play the adversary)."""
    ws = workstation
    assert ws.wellness.clock is ws.session.clock
    assert ws.session.clock.anchored
    service_now = ws.session.service_time()
    assert service_now is not None
    assert abs((ws.wellness.clock.now() - service_now).total_seconds()) < 1


def test_quitting_during_an_enforced_break_keeps_it_for_the_next_start(
        qtbot: Any, workstation: Any) -> None:
    """Quit (not a kill) in a micro-break: the last save on the way out holds the break, so
    the next start brings it back rather than the state of a few seconds before."""
    from reviewer_app.client import readings
    from reviewer_app.store.local import LocalStore

    ws = workstation
    open_case_of(qtbot, ws, severe=True)
    QTest.keyPress(ws.window.viewer, Qt.Key.Key_Space)
    qtbot.wait(100)
    QTest.keyRelease(ws.window.viewer, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: ws.wellness.verdict.state is ReviewerState.MICRO_BREAK,
                    timeout=WAIT_MS)
    qtbot.wait(1500)  # into the break, and short of the periodic save (every 5 s)
    path = ws.session.store.path
    ws.shutdown()
    store = LocalStore(path)
    try:
        kept = readings.load_local(store, ws.session.clock.now()).scheduler
    finally:
        store.close()
    assert kept is not None
    assert kept["break"] is not None
    assert kept["break"]["state"] == ReviewerState.MICRO_BREAK.value
    assert kept["break"]["elapsed_seconds"] >= 1.0  # saved at quit, not at the break's start
