"""Spikes in the specialist's own queues: the service's `GET /v1/me/spikes` (the last 24
hours of the queues the team works, each spike explained), read every few minutes on the
session pool, never on the GUI thread. A new spike shows a quiet notice in the status bar
(its explanation in the tooltip) and a status message once; Help > Spikes in my queues…
lists them all, with a button that pulls cases from the newest spike's queue. The notice
carries counts only: the cases behind a spike come to the reviewer through the queue, one
click away, safeguarded and counted like any other."""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from reviewer_app.client.session import ReviewSession
from reviewer_app.contract import QueueSpikes, SpikeAlert
from ui.workers import Workers

log = logging.getLogger(__name__)

REFRESH_MS = 5 * 60_000


def spike_line(spike: SpikeAlert) -> str:
    return (f"queue {spike.key}: {spike.count} cases received {spike.hour:%d %b %H:00} UTC "
            f"(threshold {spike.threshold:g})")


def spike_explained(spike: SpikeAlert) -> str:
    baseline = ", ".join(str(n) for n in spike.baseline) or "none"
    return (f"{spike_line(spike)}. The same hour of the previous weeks: {baseline} "
            f"(median {spike.median:g}, MAD {spike.mad:g}). Method: {spike.method}.")


class QueueSpikeNotice(QObject):
    """Signals:
        sig_new(list): spikes not seen before in this session (SpikeAlert), newest last.
        sig_pull(str): the reviewer asked for cases from this queue (a spike's key).
    """

    sig_new = Signal(list)
    sig_pull = Signal(str)

    def __init__(self, session: ReviewSession, workers: Workers, window: QWidget) -> None:
        super().__init__(window)
        self.session = session
        self.workers = workers
        self.window = window
        self.latest: QueueSpikes | None = None
        self.loading = False
        self._seen: set[tuple[str, datetime]] = set()
        self.label = QLabel(window)
        self.label.setObjectName("queueSpikeNotice")
        self.label.setAccessibleName("Spike in your queues")
        self.label.hide()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

    def start(self) -> None:
        self.refresh()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        if self.loading:
            return
        self.loading = True
        self.workers.run(self.session.my_spikes, self._got, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        log.info("queue spikes not read: %s", type(exc).__name__)

    def _got(self, got: QueueSpikes) -> None:
        self.loading = False
        self.latest = got
        if not got.spikes:
            self.label.hide()
            return
        newest = max(got.spikes, key=lambda s: s.hour)
        more = f" (+{len(got.spikes) - 1} more)" if len(got.spikes) > 1 else ""
        self.label.setText(f"Spike in {spike_line(newest)}{more}")
        self.label.setToolTip("\n\n".join(spike_explained(s) for s in got.spikes))
        self.label.show()
        fresh = [s for s in got.spikes if (s.key, s.hour) not in self._seen]
        self._seen.update((s.key, s.hour) for s in got.spikes)
        if fresh:
            self.sig_new.emit(fresh)

    def show_all(self) -> None:
        """Help > Spikes in my queues…: the spikes last read, explained (counts only)."""
        spikes = self.latest.spikes if self.latest is not None else []
        text = ("\n\n".join(spike_explained(s) for s in spikes) if spikes else
                "No spike in your queues in the last 24 hours.")
        box = QMessageBox(QMessageBox.Icon.Information, "Spikes in my queues", text,
                          QMessageBox.StandardButton.Close, self.window)
        box.setObjectName("queueSpikes")
        if spikes:
            queue = max(spikes, key=lambda s: s.hour).key
            pull = box.addButton(f"Pull cases from queue {queue}",
                                 QMessageBox.ButtonRole.AcceptRole)
            pull.setObjectName("pullSpikeQueue")
            pull.clicked.connect(lambda: self.sig_pull.emit(queue))
        box.show()
        self.refresh()
