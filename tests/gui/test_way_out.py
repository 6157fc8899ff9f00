"""A way out at a cap, policy changes on screen, refused reports shown as "not counted":
the real workstation against the real service on loopback."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from reviewer_app.domain import CaseStatus, ExposureKind, HarmCategory, ProblemCode
from reviewer_app.store.outbox import Conflict, ItemState
from safeguards import ExposurePolicy
from tests.gui.test_safeguards_ui import lead_sets_team_policy, open_case_of, revealed
from tests.gui.test_workstation import (
    WAIT_MS,
    case_on_screen,
    press,
    service_case_status,
    wait_synced,
)
from ui.imaging import RevealStep
from ui.review_flow import SyncState

SHORTCUT = re.compile(r"\b(?:(?:Ctrl|Shift|Alt)\+)+(?:[A-Z0-9]\b|[,+-])")


def shortcuts_named(text: str) -> set[str]:
    return set(SHORTCUT.findall(text))


def enabled_shortcuts(window: Any) -> set[str]:
    return {a.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
            for a in window.actions() if a.isEnabled() and not a.shortcut().isEmpty()}


def reveal_once(qtbot: Any, ws: Any) -> Any:
    events: list[Any] = []
    ws.flow.sig_exposure.connect(events.append)
    QTest.keyPress(ws.window.viewer, Qt.Key.Key_Space)
    qtbot.wait(100)
    QTest.keyRelease(ws.window.viewer, Qt.Key.Key_Space)
    return revealed(events)[0]


def cap_the_open_category(qtbot: Any, ws: Any, live_service: Any) -> HarmCategory:
    """The lead caps the open case's category at one reveal an hour (stop leasing it, no
    break); the client takes the same policy; the reviewer reveals once and reaches it."""
    category = ws.flow.current.case.harm_category
    policy = lead_sets_team_policy(live_service, {"caps": [{
        "categories": [category.value], "min_severity": 0, "window": "hour",
        "measure": "revealed", "limit": 1, "action": "stop_category"}]})
    ws.wellness.set_policy(ExposurePolicy.model_validate(policy))
    assert ws.window.overlay.isHidden()
    event = reveal_once(qtbot, ws)
    verdict = ws.wellness.verdict
    assert verdict.reason is ProblemCode.CAP_REACHED
    assert verdict.current_break is None
    assert ws.window.overlay.isVisible()
    assert ws.window.viewer.hidden
    wait_synced(qtbot, ws, str(event.client_id))  # the service counts it too
    return category


def assert_names_only_enabled_keys(window: Any) -> None:
    text = window.overlay.text()
    named = shortcuts_named(text)
    assert named, text
    assert named <= enabled_shortcuts(window), (named, text)


def test_at_a_cap_the_cases_go_back_and_other_categories_come(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    window = ws.window
    open_case_of(qtbot, ws, severe=False)
    capped_case = ws.flow.current.case.id
    category = cap_the_open_category(qtbot, ws, live_service)

    assert "Ctrl+Shift+L" in window.overlay.text()
    assert "Ctrl+L" in window.overlay.text()
    assert_names_only_enabled_keys(window)
    assert window.act_release.isEnabled()
    assert window.act_pull.isEnabled()
    assert window.queue.release.isEnabled()
    assert not window.queue.table.isEnabled()
    assert not any(a.isEnabled() for a in window.decision_bar.decision_actions.values())
    assert not window.act_step.isEnabled()
    assert not window.act_next.isEnabled()
    assert window.overlay.give_back.isVisible()

    QTest.keyClick(window, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: service_case_status(live_service, capped_case)
                    == CaseStatus.QUEUED, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not ws.flow.cases, timeout=WAIT_MS)
    assert ws.session.leased_cases() == []
    qtbot.waitUntil(lambda: not window.locked, timeout=WAIT_MS)  # nothing capped is open

    answered = ws.flow.pulls_answered
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: ws.flow.pulls_answered > answered, timeout=WAIT_MS)
    assert ws.flow.cases, "the service leased nothing of the other categories"
    assert all(c.harm_category != category for c in ws.flow.cases)
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    assert not window.locked


def test_at_a_cap_pulling_moves_on_to_a_case_of_another_category(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    window = ws.window
    open_case_of(qtbot, ws, severe=False)
    category = cap_the_open_category(qtbot, ws, live_service)
    window.overlay.pull_other.click()
    qtbot.waitUntil(lambda: case_on_screen(ws)
                    and ws.flow.current.case.harm_category != category, timeout=WAIT_MS)
    assert not window.locked
    assert not window.viewer.hidden


def test_during_an_enforced_break_only_giving_cases_back_stays(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    window = ws.window
    open_case_of(qtbot, ws, severe=True)
    case_id = ws.flow.current.case.id
    reveal_once(qtbot, ws)
    qtbot.waitUntil(lambda: window.overlay.isVisible(), timeout=WAIT_MS)
    assert ws.wellness.verdict.current_break is not None
    assert not window.act_pull.isEnabled()
    assert not window.act_next.isEnabled()
    assert_names_only_enabled_keys(window)
    assert not window.overlay.give_back.isVisible()  # the key is named; content stays covered
    QTest.keyClick(window, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: service_case_status(live_service, case_id) == CaseStatus.QUEUED,
                    timeout=WAIT_MS)
    assert window.overlay.isVisible()
    assert window.viewer.hidden


def test_a_new_blur_from_the_lead_re_renders_the_screen_and_the_cache(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    flow, viewer = ws.flow, ws.window.viewer
    open_case_of(qtbot, ws, severe=False)
    case_id, media_id = flow.current.case.id, flow.current.media.id
    qtbot.waitUntil(lambda: sum(RevealStep.BLURRED in e.renderings
                                for e in flow.cache.entries()) >= 2, timeout=WAIT_MS)
    before = viewer.grab().toImage()
    old_blur = flow.current.renderings[RevealStep.BLURRED]
    events: list[Any] = []
    flow.sig_exposure.connect(events.append)
    press(ws, Qt.Key.Key_V)  # a reveal in progress when the policy arrives
    qtbot.wait(120)

    strength = ws.wellness.policy.display.blur_strength
    stronger = 10 if strength != 10 else 9
    policy = lead_sets_team_policy(live_service, {"display": {
        **ws.wellness.policy.display.model_dump(mode="json"), "blur_strength": stronger}})
    ws.wellness.set_policy(ExposurePolicy.model_validate(policy))

    reveals = revealed(events)
    assert len(reveals) == 1
    assert (reveals[0].case_id, reveals[0].media_id) == (case_id, media_id)
    assert viewer.painted_step is RevealStep.BLURRED
    assert flow.blur_width == ws.wellness.verdict.display.blur_width_px
    qtbot.waitUntil(lambda: flow.current is not None and RevealStep.BLURRED in
                    flow.current.renderings and flow.current.renderings[RevealStep.BLURRED]
                    is not old_blur, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: viewer.grab().toImage() != before, timeout=WAIT_MS)
    for entry in flow.cache.entries():
        if entry.case.id != flow.open_id:
            assert set(entry.renderings) <= {RevealStep.BLURRED}
    qtbot.waitUntil(lambda: all(RevealStep.BLURRED in e.renderings
                                for e in flow.cache.entries()), timeout=WAIT_MS)
    assert all(e.kind is not ExposureKind.SHOWN for e in events)  # a re-render is no new showing


@pytest.mark.parametrize(("kind", "expected"), [
    ("exposure", "Not counted: the reveal was reported for a time you held no lease"),
    ("break", "Not counted: the break was claimed while you were working"),
])
def test_a_refused_report_reads_not_counted(qtbot: Any, workstation: Any, kind: str,
                                            expected: str, monkeypatch: Any) -> None:
    ws = workstation
    window = ws.window
    reason = expected.removeprefix("Not counted: ")
    counts = dataclasses.replace(ws.session.outbox_counts(), invalid=1)
    refused = Conflict(case_id=None, client_id=f"refused-{kind}", kind=kind, reason=reason,
                       status=ItemState.INVALID.value)
    window.on_sync_state(SyncState(counts=counts, online=True, last_error="", retry_in_s=0,
                                   problems=[refused]))
    assert "1 not counted" in window.sync_label.text()
    assert "to resolve" not in window.sync_label.text()
    assert expected in window.statusBar().currentMessage()
    ws.flow.sync_state = SyncState(counts=counts, online=True, last_error="", retry_in_s=0,
                                   problems=[refused])
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda _parent, _title, text, *_rest: shown.append(text))
    window.show_conflicts()
    assert shown == [expected]
