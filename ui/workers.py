"""The one way the UI runs core calls off the GUI thread and gets the result back by signal.

Two pools: `decode_pool` for image work (cores - 1 threads) and `session_pool`, a single
serial thread for everything that touches the network or the local database (SQLite writes
are serialized anyway, and a serial order keeps "decide, then fetch next" in order).

Never touch widgets inside `op`: it runs on a worker thread. `on_done` and `on_failed` run on
the GUI thread.

What a case switch starts in the background waits for the switch's paint (`painting_first`,
`after_paint`): woken worker threads take the shared cores and the interpreter lock from the
GUI thread, and the reviewer is waiting for the next case, not for what prepares the one after.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRunnable, Qt, QThreadPool, Signal

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Relay(QObject):
    """Lives on the GUI thread; worker threads emit, Qt queues delivery to the GUI thread.
    One per `Workers`, connected once: a job names itself by its number.

    Signals:
        sig_done(int, object): the job's number and its op's result.
        sig_failed(int, object): the job's number and the exception its op raised.
    """

    sig_done = Signal(int, object)
    sig_failed = Signal(int, object)


class _Job(QRunnable, Generic[T]):
    def __init__(self, op: Callable[[], T], relay: _Relay, number: int) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._op = op
        self._relay = relay
        self._number = number

    def run(self) -> None:
        try:
            result = self._op()
        except BaseException as exc:  # delivered to the GUI thread, which decides
            self._relay.sig_failed.emit(self._number, exc)
        else:
            self._relay.sig_done.emit(self._number, result)


_AFTER_PAINT = QEvent.Type(QEvent.registerEventType())
"""Posted at low priority: Qt delivers it after the windows' update requests posted before
it (also of low priority), so after the paints already asked for; a zero-time timer would run
before them. (A window's very first paint after it is shown can wait for its exposure: this
orders work, it guarantees nothing and nothing depends on it but speed.)"""

_Callbacks = tuple[Callable[[Any], Any] | None, Callable[[BaseException], Any] | None]


class Workers(QObject):
    """Owns the two pools and the callbacks of jobs still running. Every job reports through
    one relay connected once (a connection per job cost a third of a millisecond of the GUI
    thread, several times per opened case)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.decode_pool = QThreadPool(self)
        self.decode_pool.setMaxThreadCount(max(1, (os.cpu_count() or 2) - 1))
        self.session_pool = QThreadPool(self)
        self.session_pool.setMaxThreadCount(1)
        self._pending: dict[int, _Callbacks] = {}
        self._numbers = itertools.count()
        self._closed = False
        self._relay = _Relay(self)
        self._relay.sig_done.connect(self._done, Qt.ConnectionType.QueuedConnection)
        self._relay.sig_failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        self._holding = 0
        self._held: list[tuple[QThreadPool, _Job[Any]]] = []
        self._after: list[Callable[[], Any]] = []
        self._after_posted = False

    def run(
        self,
        op: Callable[[], T],
        on_done: Callable[[T], Any] | None = None,
        on_failed: Callable[[BaseException], Any] | None = None,
        *,
        pool: QThreadPool | None = None,
    ) -> None:
        """Run `op` on `pool` (default: the serial session pool); report back on the GUI thread.

        After `close()` new work is refused silently and nothing more reports back: the
        window is going away."""
        if self._closed:
            return
        number = next(self._numbers)
        self._pending[number] = (on_done, on_failed)
        job = _Job(op, self._relay, number)
        if self._holding or self._held:  # behind held work: the session's order is kept
            self._held.append((pool or self.session_pool, job))
        else:
            (pool or self.session_pool).start(job)

    @contextmanager
    def painting_first(self) -> Iterator[None]:
        """Jobs run inside the block start, in order, once the paints it asked for are done
        (nested blocks: once the outermost ends); jobs run while some are held queue behind
        them (a last sync at quit follows the decision it must carry). `close` and `wait_idle`
        start them at once, so a decision queued here is written before the window goes."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
            if not self._holding and self._held:
                self._post_after_paint()

    def after_paint(self, fn: Callable[[], Any]) -> None:
        """Call `fn` on the GUI thread once the paints already asked for are done."""
        self._after.append(fn)
        self._post_after_paint()

    def _post_after_paint(self) -> None:
        if not self._after_posted:
            self._after_posted = True
            QCoreApplication.postEvent(self, QEvent(_AFTER_PAINT),
                                       Qt.EventPriority.LowEventPriority.value)

    def event(self, event: QEvent) -> bool:
        if event.type() != _AFTER_PAINT:
            return super().event(event)
        self._after_posted = False
        self._start_held()  # first: they were asked for before these callbacks ran
        callbacks, self._after = self._after, []
        for fn in callbacks:
            if not self._closed:
                fn()
        return True

    def _start_held(self) -> None:
        held, self._held = self._held, []
        for pool, job in held:
            pool.start(job)

    def _done(self, number: int, result: object) -> None:
        on_done, _ = self._pending.pop(number, (None, None))
        if on_done is not None and not self._closed:
            on_done(result)

    def _failed(self, number: int, exc: BaseException) -> None:
        _, on_failed = self._pending.pop(number, (None, None))
        if self._closed:
            return
        if on_failed is not None:
            on_failed(exc)
        else:
            log.error("background work failed: %s", exc, exc_info=exc)

    def decode(self, op: Callable[[], T], on_done: Callable[[T], Any]) -> None:
        """Run image work on the decode pool."""
        self.run(op, on_done, pool=self.decode_pool)

    def wait_idle(self, msecs: int = 30_000) -> bool:
        """Block until both pools are empty (for shutdown and tests, never for normal UI)."""
        self._start_held()
        ok = self.session_pool.waitForDone(msecs)
        return self.decode_pool.waitForDone(msecs) and ok

    def close(self, msecs: int = 30_000) -> bool:
        """Refuse new work and wait for what is queued. Decodes not yet started are dropped
        (nobody will look at them); session jobs never are: a queued decision, note or
        exposure event is written before this returns."""
        self._closed = True
        self._start_held()
        self.decode_pool.clear()
        return self.wait_idle(msecs)
