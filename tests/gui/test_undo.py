"""Ctrl+Z on the workstation against the real service: the last decision, still unsent,
comes back out of the outbox and its case opens again undecided and blurred (a fresh view);
a second Ctrl+Z says there is nothing left to undo, and the service never heard of it. Once
decided again and synced, Ctrl+Shift+Z corrects it through the outbox."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from reviewer_app.domain import Action, CaseStatus, Source
from reviewer_app.service.db import Database
from reviewer_app.service.models import DecisionRow
from reviewer_app.service.seed import add_case, demo_case
from reviewer_app.store.outbox import ItemKind, ItemState
from reviewer_app.store.schema import OutboxItem
from tests.gui.test_workstation import WAIT_MS, case_on_screen, press, service_case_status
from ui.imaging import RevealStep
from ui.undo import CorrectionDialog


def _decision_states(ws: Any, case_id: str) -> list[str]:
    with ws.session.store.read() as db:
        return list(db.scalars(select(OutboxItem.state).where(
            OutboxItem.kind == ItemKind.DECISION.value, OutboxItem.case_id == case_id)))


def _synced(ws: Any, case_id: str) -> bool:
    ws.sync.wake()
    return _decision_states(ws, case_id)[-1:] == [ItemState.SYNCED.value]


def _correction_synced(ws: Any) -> bool:
    ws.sync.wake()
    with ws.session.store.read() as db:
        return list(db.scalars(select(OutboxItem.state).where(
            OutboxItem.kind == ItemKind.CORRECTION.value))) == [ItemState.SYNCED.value]


def _in_the_correction_dialog(fill: Callable[[CorrectionDialog], None]) -> None:
    """Once the correction dialog is open (modal), `fill` it and press OK."""
    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, CorrectionDialog):
            QTimer.singleShot(20, attempt)
            return
        fill(dialog)
        dialog.accept()

    QTimer.singleShot(0, attempt)


def _service_decisions(live_service: Any, case_id: str) -> list[DecisionRow]:
    db = Database(live_service.db_url, pool_size=1)
    try:
        with db.read() as s:
            return list(s.scalars(select(DecisionRow).where(DecisionRow.case_id == case_id)
                                  .order_by(DecisionRow.id)))
    finally:
        db.dispose()


def test_ctrl_z_undoes_the_last_decision_and_shows_the_case_again(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    ws.sync.stop()  # the engine would send it at once: here the undo comes first
    case_id = ws.flow.current.case.id
    if ws.window.viewer.interstitial:
        press(ws, Qt.Key.Key_Return)
    press(ws, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: _decision_states(ws, case_id) == [ItemState.PENDING.value],
                    timeout=WAIT_MS)  # in the outbox: the decide job has run
    assert ws.flow.current is None or ws.flow.current.case.id != case_id
    status = ws.window.statusBar()

    QTest.keyClick(ws.window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Undone" in status.currentMessage(), timeout=WAIT_MS)
    assert case_id not in ws.flow.decided
    assert case_id in {c.id for c in ws.flow.cases}
    qtbot.waitUntil(lambda: ws.flow.open_id == case_id and case_on_screen(ws), timeout=WAIT_MS)
    assert ws.window.viewer.interstitial or ws.window.media.painted_step == RevealStep.BLURRED
    assert _decision_states(ws, case_id) == [ItemState.UNDONE.value]

    QTest.keyClick(ws.window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "Nothing to undo" in status.currentMessage(), timeout=WAIT_MS)
    ws.session.sync()
    assert service_case_status(live_service, case_id) != CaseStatus.DECIDED

    # Decided again and synced: Ctrl+Shift+Z corrects it, through the outbox.
    press(ws, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: _decision_states(ws, case_id)[-1:] == [ItemState.PENDING.value],
                    timeout=WAIT_MS)
    ws.sync.start()
    qtbot.waitUntil(lambda: _synced(ws, case_id), timeout=WAIT_MS)

    def fill(dialog: CorrectionDialog) -> None:
        assert dialog.chosen().case_id == case_id
        dialog.action.setCurrentIndex(dialog.action.findData(Action.LABEL))
        dialog.why.setText("a warning screen fits better")

    _in_the_correction_dialog(fill)
    QTest.keyClick(ws.window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: "Correction of case" in status.currentMessage(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _correction_synced(ws), timeout=WAIT_MS)
    rows = _service_decisions(live_service, case_id)
    assert [(r.action, r.superseded_by is None) for r in rows] == [("keep", False),
                                                                   ("label", True)]


@pytest.fixture
def urgent_regulator_case(live_service: Any) -> str:
    """A regulator's case at the top of the queue, added before the workstation leases."""
    case = demo_case(1, random.Random(1), datetime.now(UTC), media_px=(64, 36))
    assert case.source is Source.REGULATOR
    return add_case(live_service.db_url, dataclasses.replace(case, priority=100))


def test_a_correction_to_restrict_a_regulator_case_gives_its_legal_ground(
        qtbot: Any, urgent_regulator_case: str, workstation: Any, live_service: Any) -> None:
    """Kept, synced, then corrected to removal: refused on this computer without a legal
    ground (what the service would refuse), queued and synced with one."""
    ws, case_id = workstation, urgent_regulator_case
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    assert ws.flow.current.case.id == case_id
    if ws.window.viewer.interstitial:
        press(ws, Qt.Key.Key_Return)
    press(ws, Qt.Key.Key_K)  # keeping restricts nothing: no legal ground needed
    qtbot.waitUntil(lambda: _synced(ws, case_id), timeout=WAIT_MS)
    status = ws.window.statusBar()

    def correct(ground: bool) -> None:
        def fill(dialog: CorrectionDialog) -> None:
            assert dialog.chosen().case_id == case_id
            assert dialog.source_fields.legal_ground() is None  # the kept decision had none
            dialog.action.setCurrentIndex(dialog.action.findData(Action.REMOVE))
            dialog.why.setText("the request's statute covers it after all")
            if ground:
                fields = dialog.source_fields
                fields.ground.setCurrentIndex(fields.ground.findData("illegal_content"))
                fields.ground_text.setText("Illegal under the cited statute (simulated)")

        _in_the_correction_dialog(fill)
        ws.window.act_correct.trigger()  # Ctrl+Shift+Z (the window may not be active again)

    correct(ground=False)
    qtbot.waitUntil(lambda: "legal_ground" in status.currentMessage(), timeout=WAIT_MS)
    correct(ground=True)
    qtbot.waitUntil(lambda: "Correction of case" in status.currentMessage(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _correction_synced(ws), timeout=WAIT_MS)
    rows = _service_decisions(live_service, case_id)
    assert [(r.action, r.legal_ground) for r in rows] == [("keep", None),
                                                          ("remove", "illegal_content")]
    assert rows[1].legal_ground_explanation == "Illegal under the cited statute (simulated)"
