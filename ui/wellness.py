"""The client's side of the safeguards: one ledger and one break scheduler per session, and the
gate asked after every exposure and once a second. The service keeps its own and refuses
leases; this side hides content at once, without waiting for the network.

The team policy comes from the service (`GET /v1/me/policy`); until it arrives, and whenever it
cannot be read, the shipped standard profile applies, so the safeguards are never off.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from reviewer_app.client.session import ReviewSession
from reviewer_app.domain import ExposureEvent, HarmCategory, Severity
from safeguards import (
    BreakScheduler,
    Clock,
    ExposureLedger,
    ExposurePolicy,
    PersonalSettings,
    Verdict,
    gate,
    load_profile,
)
from ui.workers import Workers

log = logging.getLogger(__name__)


class WellnessMonitor(QObject):
    """Signals:
        sig_verdict(object): the gate's latest Verdict (on every change of state and each tick).
        sig_policy(object): the ExposurePolicy now in force.
    """

    sig_verdict = Signal(object)
    sig_policy = Signal(object)

    def __init__(self, session: ReviewSession, workers: Workers, *,
                 policy: ExposurePolicy | None = None,
                 personal: PersonalSettings | None = None,
                 clock: Clock | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.workers = workers
        self.policy = policy or load_profile("standard")
        self.personal = personal
        # Service time: the session's clock, kept on the service's replies' `Date`.
        self.clock: Clock = clock or session.clock
        self.ledger = ExposureLedger(self.policy.service_day_utc_offset_minutes)
        self.scheduler = BreakScheduler(self.policy.breaks, self.clock)
        self.next_case: tuple[HarmCategory, Severity] | None = None
        self._mood: int | None = None
        self.verdict: Verdict = self.evaluate(emit=False)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self.evaluate)

    def start(self, tick_ms: int = 1000) -> None:
        """Fetch the team policy and start ticking the gate."""
        self.workers.run(self.session.server_policy, self._got_policy, self._policy_failed)
        self._tick.start(tick_ms)

    def stop(self) -> None:
        self._tick.stop()

    def _got_policy(self, value: dict[str, object] | None) -> None:
        if value is None:
            return
        try:
            policy = ExposurePolicy.model_validate(value)
        except ValueError as exc:
            log.warning("the service's policy is unreadable; keeping the shipped one: %s", exc)
            return
        self.set_policy(policy)

    def _policy_failed(self, exc: BaseException) -> None:
        log.info("team policy not fetched (%s); the shipped standard profile applies", exc)

    def set_policy(self, policy: ExposurePolicy) -> None:
        self.policy = policy
        self.scheduler.set_rules(policy.breaks)
        self.sig_policy.emit(policy)
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
