"""The client's side of the safeguards: one ledger and one break scheduler per session, and the
gate asked after every exposure and once a second. This side hides content at once, without
waiting for the network; the service is the authority, and the client only ever becomes
stricter by what it reads from it.

Where the state comes from (SAFEGUARDS.md, "Who is the authority"):
- at start, from the local store: the scheduler's state as it was (a running break comes
  back with the time it had left), the service's last reading and this machine's exposure
  events, so an offline start after a kill is as strict as before it;
- after every sync, from the service (the sync engine reads `GET /v1/me/exposure` and the
  team policy by ETag): the ledger becomes the service's, plus whatever this machine counted
  that the service has not (yet) taken; a break the service enforces is imposed here, never
  shortened; a policy change takes effect within one sync pass.
Until a policy has been read, the shipped standard profile applies, so the safeguards are
never off.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from reviewer_app.client.readings import LocalSafeguards, ServiceReading
from reviewer_app.client.session import ReviewSession
from reviewer_app.contract import ExposureStatus
from reviewer_app.domain import BreakKind, ExposureEvent, HarmCategory, Severity
from safeguards import (
    BreakScheduler,
    Clock,
    ExposureLedger,
    ExposurePolicy,
    PersonalSettings,
    ReviewerState,
    Verdict,
    gate,
    load_profile,
)
from ui.workers import Workers

log = logging.getLogger(__name__)

SAVE_EVERY_S = 5.0
"""The scheduler's state is saved locally on every change and at least this often."""
REPLAY_KEPT = 2_000
"""Events recorded in this process, replayed onto every rebuilt ledger (a rebuild that was
under way while they happened could not have read them from the store)."""
_ENFORCED = {BreakKind.MICRO: ReviewerState.MICRO_BREAK,
             BreakKind.SCHEDULED: ReviewerState.SCHEDULED_BREAK,
             BreakKind.CAP: ReviewerState.CAP_REACHED}


def merged_ledger(service_state: dict[str, Any] | None, events: Iterable[ExposureEvent],
                  utc_offset_minutes: int) -> ExposureLedger:
    """The service's ledger (it counted the truth: the case's category and severity, service
    time) plus every event this machine measured that the service has not counted under the
    same id: pending ones, and refused ones, which stay counted here (never in the
    reviewer's favour)."""
    ledger = (ExposureLedger(utc_offset_minutes) if service_state is None
              else ExposureLedger.from_state(service_state))
    ledger.align(utc_offset_minutes)
    ledger.record_many(events)
    return ledger


@dataclass
class _Restored:
    local: LocalSafeguards
    policy: ExposurePolicy | None
    ledger: ExposureLedger
    scheduler: BreakScheduler | None


class WellnessMonitor(QObject):
    """Signals:
        sig_verdict(object): the gate's latest Verdict (on every change of state and each tick).
        sig_policy(object): the ExposurePolicy now in force.
        sig_restored(): the local state is back (a break that ran at the last exit shows).
    """

    sig_verdict = Signal(object)
    sig_policy = Signal(object)
    sig_restored = Signal()
    _sig_reading = Signal(object)  # emitted on the sync engine's thread, delivered here

    def __init__(self, session: ReviewSession, workers: Workers, *,
                 policy: ExposurePolicy | None = None,
                 personal: PersonalSettings | None = None,
                 clock: Clock | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.workers = workers
        self.policy = policy or load_profile("standard")
        self.policy_etag: str | None = None
        self.personal = personal
        # Service time: the session's clock, kept on the service's replies' `Date`.
        self.clock: Clock = clock or session.clock
        self.ledger = ExposureLedger(self.policy.service_day_utc_offset_minutes)
        self.scheduler = BreakScheduler(self.policy.breaks, self.clock)
        self.service: ExposureStatus | None = None
        """The service's last reading (counters, break state), or None before one."""
        self.restored = False
        self.next_case: tuple[HarmCategory, Severity] | None = None
        self._mood: int | None = None
        self._recent: collections.deque[ExposureEvent] = collections.deque(maxlen=REPLAY_KEPT)
        self._generation = 0
        self._saved: tuple[Any, ...] | None = None
        self._saved_at = float("-inf")
        self.verdict: Verdict = self.evaluate(emit=False)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self.evaluate)
        self._sig_reading.connect(self._merge_reading)

    def start(self, tick_ms: int = 1000) -> None:
        """Restore the local state, listen to the service's readings, tick the gate."""
        self.session.engine.add_reading_listener(self._sig_reading.emit)
        generation = self._next_generation()
        self.workers.run(lambda: self._prepare(self.session.local_safeguards()),
                         lambda restored: self._restore(restored, generation),
                         self._restore_failed)
        self._tick.start(tick_ms)

    def stop(self) -> None:
        """Quit: stop ticking and keep the scheduler's state as it is now, so a break that
        runs at quit comes back on the next start."""
        self._tick.stop()
        self._save(force=True)

    # ------------------------------------------------------------------ restoring

    def _prepare(self, local: LocalSafeguards) -> _Restored:
        """Off the GUI thread: rebuild what the store kept into live objects."""
        policy = None
        if local.policy is not None:
            try:
                policy = ExposurePolicy.model_validate(local.policy)
            except ValueError as exc:
                log.warning("the kept team policy is unreadable; keeping the shipped one: %s",
                            exc)
        rules = (policy or self.policy).breaks
        offset = (policy or self.policy).service_day_utc_offset_minutes
        scheduler = None
        if local.scheduler is not None:
            try:  # no credit for the time the app was not running: a break resumes in full
                scheduler = BreakScheduler.from_state(local.scheduler, rules, self.clock)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("the kept break state is unreadable; starting afresh: %s", exc)
        ledger = merged_ledger(local.status.ledger if local.status else None, local.events,
                               offset)
        return _Restored(local=local, policy=policy, ledger=ledger, scheduler=scheduler)

    def _restore(self, restored: _Restored, generation: int) -> None:
        if restored.policy is not None and self.policy_etag is None:
            self.policy_etag = restored.local.policy_etag
            self._use_policy(restored.policy)
        if restored.scheduler is not None:
            self.scheduler = restored.scheduler
            self.scheduler.set_idle(self.next_case is None)
        if self.service is None and restored.local.status is not None:
            self.service = restored.local.status
        if self.service is not None:
            self._apply_break_state(self.service)
        if generation == self._generation:
            self._swap_ledger(restored.ledger)
        self.restored = True
        log.info("safeguards restored: %s", self.scheduler.state.value)
        self.evaluate()
        self.sig_restored.emit()

    def _restore_failed(self, exc: BaseException) -> None:
        log.warning("the local safeguards state could not be read (%s); the service's "
                    "reading will follow", exc)
        self.restored = True
        self.sig_restored.emit()

    # ------------------------------------------------------------------ the authority

    def _merge_reading(self, reading: ServiceReading) -> None:
        """A fresh reading of the service: make this side at least as strict."""
        self.service = reading.status
        if reading.policy is not None and reading.policy_etag != self.policy_etag:
            try:
                policy = ExposurePolicy.model_validate(reading.policy)
            except ValueError as exc:
                log.warning("the service's policy is unreadable; keeping ours: %s", exc)
            else:
                self.policy_etag = reading.policy_etag
                self._use_policy(policy)
        self._apply_break_state(reading.status)
        generation = self._next_generation()
        state = reading.status.ledger
        offset = self.policy.service_day_utc_offset_minutes

        def rebuild() -> ExposureLedger:
            return merged_ledger(state, self.session.local_exposure_events(), offset)

        self.workers.run(rebuild, lambda ledger: self._rebuilt(ledger, generation),
                         lambda exc: log.warning("ledger not rebuilt: %s", exc))
        self.evaluate()

    def _apply_break_state(self, status: ExposureStatus) -> None:
        brk = status.break_state
        state = _ENFORCED.get(brk.kind) if brk.kind is not None else None
        if state is not None and brk.started_at is not None and brk.until is not None:
            self.scheduler.impose(state, brk.started_at, brk.until)
        self.scheduler.raise_work(brk.work_seconds)
        if status.graphic_shift_over:
            self.scheduler.end_graphic_shift(self.ledger.service_day(self.clock.now()))

    def _rebuilt(self, ledger: ExposureLedger, generation: int) -> None:
        if generation == self._generation:  # a later rebuild is under way: it wins
            self._swap_ledger(ledger)
            self.evaluate()

    def _swap_ledger(self, ledger: ExposureLedger) -> None:
        ledger.record_many(self._recent)
        self.ledger = ledger

    def _next_generation(self) -> int:
        self._generation += 1
        return self._generation

    # ------------------------------------------------------------------ policy

    def _use_policy(self, policy: ExposurePolicy) -> None:
        self.policy = policy
        self.scheduler.set_rules(policy.breaks)
        self.sig_policy.emit(policy)

    def set_policy(self, policy: ExposurePolicy) -> None:
        self._use_policy(policy)
        self.evaluate()

    def set_personal(self, personal: PersonalSettings | None) -> None:
        self.personal = personal
        self.evaluate()

    # ------------------------------------------------------------------ events

    def set_case(self, category: HarmCategory | None, severity: Severity | None) -> None:
        """The case now open (None: nothing open, which is not work time)."""
        self.next_case = None if category is None or severity is None else (category, severity)
        self.scheduler.set_idle(self.next_case is None)
        self.evaluate()

    def record(self, event: ExposureEvent) -> Verdict:
        self._recent.append(event)
        self.ledger.record(event)
        self.scheduler.observe(event)
        return self.evaluate()

    def start_self_break(self) -> None:
        self.scheduler.start_self_break()
        self.evaluate()

    def end_self_break(self) -> bool:
        """End a self-initiated break; an enforced one cannot end early (returns False)."""
        verdict = self.evaluate(emit=False)
        if not verdict.can_end_break:
            return False
        self.scheduler.end_break()
        self.evaluate()
        return True

    def evaluate(self, *, emit: bool = True) -> Verdict:
        verdict = gate(self.policy, self.ledger, self.scheduler, personal=self.personal,
                       next_case=self.next_case)
        self.verdict = verdict
        self._sync_breaks()
        if emit:
            self._save()
            self.sig_verdict.emit(verdict)
        return verdict

    def set_mood(self, mood: int) -> None:
        """The reviewer's optional, private check-in; it rides on the next ended break."""
        self._mood = mood

    def _sync_breaks(self) -> None:
        for event in self.scheduler.take_break_events():
            if self._mood is not None:
                event = event.model_copy(update={"checkin_mood": self._mood})
                self._mood = None
            self.workers.run(lambda e=event: self.session.record_break(e))  # type: ignore[misc]

    def _save(self, *, force: bool = False) -> None:
        """Keep the scheduler's state in the local store: at once when a break starts or
        ends, else every few seconds, so a kill loses at most that much of a break."""
        info = self.scheduler.current_break
        key = (self.scheduler.state, info.started_at if info else None,
               info.length_seconds if info else None)
        mono = self.clock.monotonic()
        if not force and key == self._saved and mono - self._saved_at < SAVE_EVERY_S:
            return
        self._saved, self._saved_at = key, mono
        state = self.scheduler.to_state()
        self.workers.run(lambda: self.session.save_scheduler_state(state))
