"""The sync engine: a thread that drains the outbox and renews leases, on an injected clock.

Failures back off exponentially with full jitter, capped, and never sooner than the
service's Retry-After. `step()` is one pass and the wait between passes is injectable, so
tests drive the engine without sleeping."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from reviewer_app.client.clock import Clock
from reviewer_app.client.drain import OutboxDrainer, ProgressCallback, SyncReport
from reviewer_app.client.errors import (
    CapReached,
    ClientError,
    LeaseLost,
    LoginRequired,
    NotFound,
    OnBreak,
    ShiftLimit,
)
from reviewer_app.client.http import ApiClient, segment
from reviewer_app.client.readings import ServiceReading
from reviewer_app.domain import AwareDatetime, CaseSummary
from reviewer_app.store import cases, outbox
from reviewer_app.store.local import LocalStore

log = logging.getLogger(__name__)


class _Renewed(BaseModel):
    model_config = ConfigDict(extra="ignore")
    expires_at: AwareDatetime
    cases: list[CaseSummary]


ReadingListener = Callable[[ServiceReading], None]
"""Called on the engine's thread with each fresh reading of the service's safeguards."""


@dataclass(frozen=True)
class EngineStatus:
    online: bool
    last_error: str
    pending: int
    next_attempt_in_s: float
    last_report: SyncReport | None


def _event_wait(event: threading.Event, timeout_s: float) -> bool:
    return event.wait(max(0.0, timeout_s))


def backoff_s(attempt: int, base_s: float, cap_s: float, rng: random.Random,
              retry_after_s: float | None = None) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)], at least Retry-After."""
    ceiling = min(cap_s, base_s * (2 ** min(attempt, 30)))
    delay = rng.uniform(0.0, ceiling)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, cap_s * 4))
    return delay


class SyncEngine:
    """Runs `step()` on its own thread until `stop()`; `wake()` makes it sync now. After every
    pass that reached the service it reads the reviewer's safeguards from it (`read`) and
    hands the reading to each listener: the client takes its counters and break state from
    the authority at start and after every sync, within one pass of any change."""

    def __init__(self, drainer: OutboxDrainer, api: ApiClient, store: LocalStore, clock: Clock,
                 *, read: Callable[[], ServiceReading] | None = None,
                 progress: ProgressCallback | None = None, idle_s: float = 30.0,
                 base_backoff_s: float = 1.0, max_backoff_s: float = 300.0,
                 renew_margin_s: float = 120.0, rng: random.Random | None = None,
                 wait: Callable[[threading.Event, float], bool] | None = None) -> None:
        self._drainer = drainer
        self._api = api
        self._read = read
        self._listeners: list[ReadingListener] = []
        self.last_reading: ServiceReading | None = None
        self._store = store
        self._clock = clock
        self.progress = progress
        self.idle_s = idle_s
        self.base_backoff_s = base_backoff_s
        self.max_backoff_s = max_backoff_s
        self.renew_margin_s = renew_margin_s
        self._rng = rng or random.Random()
        self._wait = wait or _event_wait
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._attempt = 0
        self._online = True
        self._last_error = ""
        self._next_in = 0.0
        self._last_report: SyncReport | None = None

    @property
    def status(self) -> EngineStatus:
        with self._store.read() as db:
            pending = outbox.counts(db).pending
        return EngineStatus(self._online, self._last_error, pending, self._next_in,
                            self._last_report)

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="sync-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def add_reading_listener(self, listener: ReadingListener) -> None:
        self._listeners.append(listener)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                delay = self.step()
            except Exception:  # the thread must outlive any one bad pass
                log.exception("sync pass failed")
                delay = self._failed(None, "internal error")
            self._next_in = delay
            self._wait(self._wake, delay)
            self._wake.clear()

    def step(self) -> float:
        """One pass: renew due leases, drain the outbox. Returns seconds until the next pass."""
        if not self._api.signed_in and not self._api.resume_quietly():
            return self.idle_s  # until someone signs in and wakes us
        try:
            self._renew_leases()
            report, failure = self._drainer.drain(self.progress)
        except LoginRequired:
            return self._failed(None, "sign-in needed")
        except ClientError as exc:
            return self._failed(getattr(exc, "retry_after_s", None), str(exc))
        self._last_report = report
        if isinstance(failure, OnBreak | CapReached | ShiftLimit):
            return self._held(failure)
        if failure is not None:
            if isinstance(failure, LoginRequired):
                return self._failed(None, "sign-in needed")
            return self._failed(getattr(failure, "retry_after_s", None), str(failure))
        self._attempt = 0
        self._online = True
        self._last_error = ""
        self._take_reading()
        return self.idle_s

    def _take_reading(self) -> None:
        """Read the service's safeguards; a failure here leaves the last reading in force
        (the local state is never loosened by a reading that did not come)."""
        if self._read is None:
            return
        try:
            reading = self._read()
        except ClientError as exc:
            log.info("safeguards not read this pass: %s", type(exc).__name__)
            return
        self.last_reading = reading
        for listener in list(self._listeners):
            try:
                listener(reading)
            except Exception:  # a listener's bug must not stop the syncing
                log.exception("a safeguards listener failed")

    def _held(self, refusal: OnBreak | CapReached | ShiftLimit) -> float:
        """The service answered and holds items back until a break (or a limit) ends: that
        is no network failure. The client stays online, takes the service's reading (so a
        break the client had not heard of, or one that runs longer on the service's clock,
        locks the workstation now), and tries again when the service said, not after an
        exponential backoff that could leave decisions unsent minutes after the break."""
        self._attempt = 0
        self._online = True
        self._last_error = str(refusal)
        self._take_reading()
        wait = refusal.retry_after_s if refusal.retry_after_s else self.base_backoff_s
        return min(wait, self.max_backoff_s * 4) + self._rng.uniform(0.0, self.base_backoff_s)

    def _failed(self, retry_after_s: float | None, message: str) -> float:
        self._online = False
        self._last_error = message
        delay = backoff_s(self._attempt, self.base_backoff_s, self.max_backoff_s, self._rng,
                          retry_after_s)
        self._attempt += 1
        return delay

    def _renew_leases(self) -> None:
        """Renew what is due. During an enforced break (or at a cap, for capped cases) the
        service refuses: the lease is left to expire and its cases go back to the queue."""
        with self._store.read() as db:
            due = cases.leases_to_renew(db, self._clock.now(), self.renew_margin_s)
        for lease_id in due:
            try:
                renewed = self._api.call(_Renewed, "POST", f"/v1/leases/{segment(lease_id)}/renew",
                                         what=f"Lease {lease_id}")
            except (LeaseLost, NotFound):
                log.info("lease %s is gone; its open cases leave the local queue", lease_id)
                with self._store.write() as db:
                    cases.lease_ended(db, lease_id)
                continue
            except (OnBreak, CapReached, ShiftLimit) as exc:
                log.info("lease %s not renewed (%s)", lease_id, type(exc).__name__)
                continue
            with self._store.write() as db:
                cases.renewed(db, lease_id, renewed.expires_at, [c.id for c in renewed.cases])
