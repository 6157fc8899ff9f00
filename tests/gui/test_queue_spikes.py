"""A spike in a queue the specialist's team works reaches the workstation: the demo's
burst (seed_trends) shows as a notice in the status bar, explained in its tooltip, announced
once, and listed by Help > Spikes in my queues (Ctrl+Shift+K). Real service on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QPushButton
from sqlalchemy import create_engine, select

from reviewer_app.service.models import CaseRow, User
from reviewer_app.service.seed import add_case, seed_demo
from reviewer_app.service.seed_trends import burst_cases
from reviewer_app.service.settings import ServiceSettings
from tests.gui.test_workstation import WAIT_MS
from tests.helpers.service_fixtures import LiveService, serving


@pytest.fixture
def live_service(service_settings: ServiceSettings) -> Iterator[LiveService]:
    """The demo service with its trend history and burst (the workstation fixture uses it)."""
    accounts = seed_demo(service_settings.db_url, cases=12, matches=True, trends=True,
                         decidable_as_is=True)
    with serving(service_settings, accounts) as live:
        yield live


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


def test_the_cases_of_the_spiking_queue_are_one_click_away_through_a_lease(
        qtbot: Any, workstation: Any, live_service: LiveService) -> None:
    ws = workstation
    notice = ws.window.queue_spikes
    qtbot.waitUntil(lambda: notice.latest is not None and notice.label.isVisible(),
                    timeout=WAIT_MS)
    fresh = add_case(live_service.db_url, burst_cases(datetime.now(UTC))[0])  # one more waits
    ws.window.act_release.trigger()  # start from nothing held
    qtbot.waitUntil(lambda: not _held(live_service) and not ws.flow.cases, timeout=WAIT_MS)
    ws.window.act_queue_spikes.trigger()
    box = ws.window.findChild(QMessageBox, "queueSpikes")
    pull = box.findChild(QPushButton, "pullSpikeQueue")
    assert pull.text() == "Pull cases from queue ads"
    pull.click()
    qtbot.waitUntil(lambda: fresh in {c.id for c in ws.flow.cases}, timeout=WAIT_MS)
    held = _held(live_service)
    assert held, "nothing was leased from the spiking queue"
    assert set(held.values()) == {"ads"}  # what the reviewer got is that queue's cases
    assert fresh in held
    assert {c.id for c in ws.flow.cases} == set(held)  # shown like any case: safeguarded


def _held(live: LiveService) -> dict[str, str]:
    """The cases the service has leased to the demo specialist, and their queues."""
    engine = create_engine(live.db_url)
    try:
        with engine.connect() as c:
            user = c.execute(select(User.id).where(
                User.username == live.accounts.specialist[0])).scalar_one()
            return dict(c.execute(select(CaseRow.id, CaseRow.queue).where(
                CaseRow.leased_by == user, CaseRow.status == "leased")).all())
    finally:
        engine.dispose()
