"""Bookkeeping that cannot slip: a reveal is booked to its own case and media on every way
out of it, and quitting waits for what is queued. Real workstation, real service on loopback."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from reviewer_app.domain import CaseStatus, ExposureKind
from reviewer_app.store.local import LocalStore
from reviewer_app.store.outbox import ItemState
from reviewer_app.store.schema import OutboxItem
from tests.gui.test_safeguards_ui import open_case_of, revealed
from tests.gui.test_workstation import (
    WAIT_MS,
    case_on_screen,
    press,
    release_on_the_service,
    service_case_status,
)
from ui.imaging import RevealStep


def start_reveal(qtbot: Any, ws: Any, events: list[Any]) -> tuple[str, str]:
    """Open a case that is not severe (a severe reveal brings a micro-break), start a stepped
    reveal on it and let it run a little; returns its (case id, media id)."""
    open_case_of(qtbot, ws, severe=False)
    ws.flow.sig_exposure.connect(events.append)
    entry = ws.flow.current
    press(ws, Qt.Key.Key_V)
    assert ws.window.viewer.painted_step is RevealStep.SHARP_GRAY
    qtbot.wait(150)
    assert revealed(events) == []
    return entry.case.id, entry.media.id


def other_row(ws: Any, case_id: str) -> int:
    model = ws.window.queue.model
    return next(i for i, c in enumerate(model.cases)
                if c.id != case_id and c.id not in ws.flow.decided)


PATHS = ["next", "previous", "queue_click", "decide", "hide", "break", "lease_lost", "quit"]


@pytest.mark.parametrize("path", PATHS)
def test_a_reveal_is_booked_to_its_own_case_on_every_way_out(
        qtbot: Any, workstation: Any, live_service: Any, path: str) -> None:
    ws = workstation
    window, viewer = ws.window, ws.window.viewer
    events: list[Any] = []
    case_id, media_id = start_reveal(qtbot, ws, events)

    if path == "next":
        QTest.keyClick(window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    elif path == "previous":
        QTest.keyClick(window, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    elif path == "queue_click":
        table = window.queue.table
        rect = table.visualRect(window.queue.model.index(other_row(ws, case_id), 0))
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    elif path == "decide":
        press(ws, Qt.Key.Key_K)
        assert case_id in ws.flow.decided
    elif path == "hide":
        press(ws, Qt.Key.Key_H)
        assert viewer.hidden
    elif path == "break":
        QTest.keyClick(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
        assert window.locked
        assert window.overlay.isVisible()
    elif path == "lease_lost":
        release_on_the_service(live_service, ws, case_id)
        ws.sync.renew_margin_s = 10 ** 9  # renew now: the service answers "lease lost"
        ws.sync.wake()
        qtbot.waitUntil(lambda: ws.flow.open_id is None, timeout=WAIT_MS)
        assert "no longer yours" in window.statusBar().currentMessage()
        assert case_id not in {c.id for c in ws.flow.cases}
        assert viewer.subject is None
        assert viewer.painted_step is None
    elif path == "quit":
        window.close()
        assert window.saving
        assert "Saving your work" in window.overlay.text()
        assert viewer.painted_step is None
        qtbot.waitUntil(lambda: ws.closed, timeout=WAIT_MS)
        assert not window.isVisible()

    if path in ("next", "previous", "queue_click", "decide"):
        # the screen is cleared at once, whether or not the next case was prefetched
        assert viewer.subject is None or viewer.subject.case_id != case_id
        qtbot.waitUntil(lambda: case_on_screen(ws) and ws.flow.current.case.id != case_id,
                        timeout=WAIT_MS)
    reveals = revealed(events)
    assert len(reveals) == 1, reveals
    event = reveals[0]
    assert (event.case_id, event.media_id) == (case_id, media_id)
    assert event.duration_ms >= 100
    assert all(e.case_id == case_id for e in events if e.kind is ExposureKind.REVEALED)

    if path == "quit":  # written before the window closed, and sent with the last sync
        store = LocalStore(ws.session.config.store_path)
        try:
            with store.read() as db:
                state = db.scalar(select(OutboxItem.state)
                                  .where(OutboxItem.client_id == str(event.client_id)))
        finally:
            store.close()
        assert state == ItemState.SYNCED


def test_decide_and_quit_at_once_the_decision_reaches_the_service(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    case_id = ws.flow.current.case.id
    if ws.window.viewer.interstitial:
        press(ws, Qt.Key.Key_Return)
    press(ws, Qt.Key.Key_K)
    ws.window.close()  # at once: the decision is still only queued for the session worker
    assert ws.window.isVisible()
    assert ws.window.saving
    qtbot.waitUntil(lambda: ws.closed, timeout=WAIT_MS)
    assert not ws.window.isVisible()
    assert service_case_status(live_service, case_id) == CaseStatus.DECIDED


def test_a_second_close_while_saving_changes_nothing(qtbot: Any, workstation: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    ws.window.close()
    ws.window.close()
    assert ws.window.isVisible()
    assert not any(a.isEnabled() for a in ws.window.decision_bar.decision_actions.values())
    assert not ws.window.act_pull.isEnabled()
    qtbot.waitUntil(lambda: ws.closed and not ws.window.isVisible(), timeout=WAIT_MS)


def test_prefetched_cases_get_the_blur_only(qtbot: Any, workstation: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    flow = ws.flow
    ahead = min(3, len(flow.cases) - 1)
    assert ahead > 0

    def prefetched() -> list[Any]:
        return [e for e in flow.cache.entries() if e.case.id != flow.open_id]

    qtbot.waitUntil(lambda: len([e for e in prefetched()
                                 if RevealStep.BLURRED in e.renderings]) >= ahead,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: ws.window.viewer.has_step(RevealStep.SHARP_GRAY), timeout=WAIT_MS)
    ws.workers.wait_idle()
    qtbot.wait(100)  # let decodes still in flight report back
    for entry in prefetched():
        assert set(entry.renderings) <= {RevealStep.BLURRED}, entry.case.id
    first = flow.open_id
    QTest.keyClick(ws.window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: case_on_screen(ws) and flow.current.case.id != first,
                    timeout=WAIT_MS)
    left = flow.cache.peek(first)
    assert left is None or set(left.renderings) <= {RevealStep.BLURRED}
