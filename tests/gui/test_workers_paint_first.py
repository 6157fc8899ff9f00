"""What a case switch starts in the background waits for the switch's paint, and is never
lost for it: the adversaries are a zero-time timer (which Qt runs before a pending paint) and
a quit right after a decision (held work must still run before the window goes)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ui.workers import Workers


class _Logged(QWidget):
    def __init__(self, log: list[str]) -> None:
        super().__init__()
        self.log = log

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        self.log.append("paint")


def test_held_jobs_and_after_paint_callbacks_follow_the_paint(qtbot: QtBot) -> None:
    log: list[str] = []
    widget = _Logged(log)
    qtbot.addWidget(widget)
    widget.resize(200, 120)
    widget.show()
    qtbot.waitExposed(widget)
    widget.update()  # a window's first paint after showing may wait for its exposure
    qtbot.waitUntil(lambda: "paint" in log, timeout=5000)
    workers = Workers()
    started = threading.Event()
    for _ in range(3):
        log.clear()
        started.clear()
        with workers.painting_first():
            widget.update()  # the switch asks for its paint ...
            workers.run(started.set, lambda _none: log.append("job done"))
            workers.after_paint(lambda: log.append("after paint"))
            QTimer.singleShot(0, lambda: log.append("zero timer"))
            assert not started.wait(0.05)  # ... and nothing runs before it
        qtbot.waitUntil(lambda: "job done" in log, timeout=5000)
        assert log.index("zero timer") < log.index("paint")  # why a timer is not enough
        assert log.index("paint") < log.index("after paint") < log.index("job done")
    workers.close()


def test_close_runs_work_held_for_a_paint_that_never_came(qtbot: QtBot) -> None:
    workers = Workers()
    written: list[str] = []
    with workers.painting_first():
        workers.run(lambda: written.append("decision"))
    # No event loop turn between the decision and the quit: the held write runs anyway.
    assert workers.close(5000)
    assert written == ["decision"]
    QCoreApplication.processEvents()
    assert written == ["decision"]  # once, not again when the posted event arrives


def test_wait_idle_starts_held_work(qtbot: QtBot) -> None:
    workers = Workers()
    done = threading.Event()
    with workers.painting_first():
        workers.run(done.set)
    assert workers.wait_idle(5000)
    assert done.is_set()
    workers.close()


def test_work_asked_for_while_some_is_held_keeps_its_place(qtbot: QtBot) -> None:
    """A decide-and-quit: the decision's write is held for the next case's paint, then the
    quit asks for the last sync; the sync must run after the write it is to carry."""
    workers = Workers()
    order: list[str] = []
    with workers.painting_first():
        workers.run(lambda: order.append("write decision"))
    workers.run(lambda: order.append("last sync"))
    qtbot.waitUntil(lambda: len(order) == 2, timeout=5000)
    assert order == ["write decision", "last sync"]
    workers.close()
