"""A spike in a queue the specialist's team works reaches the workstation: the demo's
burst (seed_trends) shows as a notice in the status bar, explained in its tooltip, announced
once, and listed by Help > Spikes in my queues (Ctrl+Shift+K). Real service on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from reviewer_app.service.seed import seed_demo
from reviewer_app.service.server import start_in_thread
from reviewer_app.service.settings import ServiceSettings
from tests.gui.test_workstation import WAIT_MS
from tests.helpers.service_fixtures import LiveService


@pytest.fixture
def live_service(service_settings: ServiceSettings) -> Iterator[LiveService]:
    """The demo service with its trend history and burst (the workstation fixture uses it)."""
    accounts = seed_demo(service_settings.db_url, cases=12, matches=True, trends=True,
                         decidable_as_is=True)
    running = start_in_thread(service_settings)
    try:
        yield LiveService(url=running.url, accounts=accounts, db_url=service_settings.db_url,
                          settings=service_settings, running=running)
    finally:
        running.stop()


def test_the_spike_in_my_queue_shows_in_the_status_bar_and_on_request(
        qtbot: Any, workstation: Any) -> None:
    ws = workstation
    notice = ws.window.queue_spikes
    qtbot.waitUntil(lambda: notice.latest is not None and notice.label.isVisible(),
                    timeout=WAIT_MS)
    assert notice.label.text().startswith("Spike in queue ads: ")
    assert "threshold" in notice.label.text()
    assert "The same hour of the previous weeks" in notice.label.toolTip()
    assert "median + MAD" in notice.label.toolTip()
    # announced once: the next reading finds nothing new
    announced: list[Any] = []
    notice.sig_new.connect(announced.append)
    notice.refresh()
    qtbot.waitUntil(lambda: not notice.loading, timeout=WAIT_MS)
    assert announced == []
    assert notice.label.isVisible()

    QTest.keyClick(ws.window, Qt.Key.Key_K,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: ws.window.findChild(QMessageBox, "queueSpikes") is not None,
                    timeout=WAIT_MS)
    box = ws.window.findChild(QMessageBox, "queueSpikes")
    assert "queue ads:" in box.text()
    box.close()
