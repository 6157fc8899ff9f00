"""BreakScheduler: when a reviewer must rest, and for how long; enforced breaks never end early.

States: reviewing -> micro_break | scheduled_break | cap_reached | self_break -> reviewing.
(`shift_over`, the end of the day's graphic work, is read from the ledger by the gate.)
Every duration is measured on the monotonic clock; the wall clock only stamps BreakEvents.
Work time accumulates while reviewing and not idle; a completed break of at least the
scheduled length, or an idle stretch that long, starts a fresh work interval.
A self-initiated break ends whenever the reviewer wants; enforced ones cannot be ended.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reviewer_app.domain import BreakEvent, BreakKind, ExposureEvent, ExposureKind, new_client_id
from safeguards.clock import Clock
from safeguards.policy import BreakRules

STATE_SCHEMA = 1


class ReviewerState(enum.StrEnum):
    REVIEWING = "reviewing"
    MICRO_BREAK = "micro_break"
    SCHEDULED_BREAK = "scheduled_break"
    SELF_BREAK = "self_break"
    CAP_REACHED = "cap_reached"
    SHIFT_OVER = "shift_over"


_KIND = {
    ReviewerState.MICRO_BREAK: BreakKind.MICRO,
    ReviewerState.SCHEDULED_BREAK: BreakKind.SCHEDULED,
    ReviewerState.SELF_BREAK: BreakKind.SELF_INITIATED,
    ReviewerState.CAP_REACHED: BreakKind.CAP,
}
_RANK = {ReviewerState.MICRO_BREAK: 1, ReviewerState.SCHEDULED_BREAK: 2,
         ReviewerState.CAP_REACHED: 3}


class BreakNotOver(Exception):
    """An enforced break was asked to end early; it cannot."""

    def __init__(self, remaining_seconds: float) -> None:
        super().__init__(f"this break cannot be ended early ({remaining_seconds:.0f} s left)")
        self.remaining_seconds = remaining_seconds


@dataclass(frozen=True)
class BreakInfo:
    """The break in progress. `length_seconds` is None for an open-ended self-initiated one."""

    state: ReviewerState
    kind: BreakKind
    enforced: bool
    started_at: datetime
    length_seconds: float | None
    elapsed_seconds: float

    @property
    def remaining_seconds(self) -> float:
        if self.length_seconds is None:
            return 0.0
        return max(0.0, self.length_seconds - self.elapsed_seconds)


@dataclass
class _Break:
    state: ReviewerState
    started_mono: float
    started_at: datetime
    length: float
    enforced: bool


class BreakScheduler:
    """One reviewer's break state machine, driven by an injected clock."""

    def __init__(self, rules: BreakRules, clock: Clock) -> None:
        self._rules = rules
        self._clock = clock
        self._last_mono = clock.monotonic()
        self._work = 0.0
        self._idle = False
        self._idle_run = 0.0
        self._break: _Break | None = None
        self._caps_in_force: set[str] = set()
        self._shift_over_day: int | None = None
        self._pending: list[BreakEvent] = []

    # ------------------------------------------------------------------ reading

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def rules(self) -> BreakRules:
        return self._rules

    @property
    def state(self) -> ReviewerState:
        self.update()
        return ReviewerState.REVIEWING if self._break is None else self._break.state

    @property
    def on_break(self) -> bool:
        return self.state is not ReviewerState.REVIEWING

    @property
    def current_break(self) -> BreakInfo | None:
        self.update()
        b = self._break
        if b is None:
            return None
        return BreakInfo(
            state=b.state, kind=_KIND[b.state], enforced=b.enforced, started_at=b.started_at,
            length_seconds=b.length if b.enforced else None,
            elapsed_seconds=self._clock.monotonic() - b.started_mono,
        )

    @property
    def work_seconds(self) -> float:
        """Reviewing time since the last full-length break."""
        self.update()
        return self._work

    def seconds_until_scheduled_break(self) -> float:
        self.update()
        return max(0.0, self._rules.work_interval_seconds - self._work)

    # ------------------------------------------------------------------ driving

    def update(self) -> ReviewerState:
        """Bring the machine up to the clock: end breaks that are over, count work time,
        start a scheduled break when the work interval is used up. A scheduled break begins
        when the interval ran out, not when someone next asks (the service may not be asked
        for a while), and a long stretch plays out break by break."""
        mono = self._clock.monotonic()
        dt = max(0.0, mono - self._last_mono)
        self._last_mono = max(mono, self._last_mono)
        while True:
            b = self._break
            if b is not None:
                over = mono - b.started_mono - b.length
                if not b.enforced or over < 0:
                    return b.state
                self._finish(b, b.length)
                dt = min(dt, over)
            if self._idle:
                self._idle_run += dt
                if self._idle_run >= self._rules.break_seconds:
                    self._work = 0.0
            else:
                self._work += dt
            interval = self._rules.work_interval_seconds
            if self._work < interval:
                return ReviewerState.REVIEWING
            overshoot = min(self._work - interval, dt)  # the interval ran out this long ago
            self._work = interval
            self._start(ReviewerState.SCHEDULED_BREAK, self._rules.break_seconds,
                        age=overshoot)
            dt = overshoot

    def set_idle(self, idle: bool) -> None:
        """Idle time (no case open on the client, no lease held on the service) is not work."""
        self.update()
        if idle != self._idle:
            self._idle, self._idle_run = idle, 0.0

    def set_rules(self, rules: BreakRules) -> None:
        """A new policy version: the break in progress keeps its length, never shorter."""
        self.update()
        self._rules = rules
        self.update()

    def observe(self, event: ExposureEvent) -> bool:
        """A micro-break after a reveal at or above the policy's severity; True if started.
        The break begins when the reveal ended (`event.at`), so a report that arrives late
        (the service hears of it after the sync) ends at the same moment on both sides;
        one older than a micro-break starts none: that rest is in the past."""
        rules = self._rules
        age = max(0.0, (self._clock.now() - event.at).total_seconds())
        if (
            event.kind is not ExposureKind.REVEALED
            or event.severity < rules.micro_break_from_severity
            or rules.micro_break_seconds <= 0
            or age >= rules.micro_break_seconds
        ):
            return False
        self.update()
        self._start(ReviewerState.MICRO_BREAK, rules.micro_break_seconds, age=age)
        return True

    def impose(self, state: ReviewerState, started_at: datetime, until: datetime) -> bool:
        """The authority (the service) says an enforced break runs from `started_at` until
        `until`, in the time this scheduler's clock reads: start it, or make the break
        running here last at least that long. Never ends or shortens a break. True if this
        changed anything."""
        if state not in _RANK:
            raise ValueError(f"{state} is not an enforced break")
        now = self._clock.now()
        if until <= now:
            return False
        self.update()
        started_at = min(started_at, now)
        before = self._break_end()
        self._start(state, (until - started_at).total_seconds(),
                    age=(now - started_at).total_seconds())
        return self._break_end() != before

    def raise_work(self, seconds: float) -> None:
        """The authority counted more work since the last full break than this side did:
        take the larger, so the scheduled break comes no later than the service's."""
        self.update()
        if self._break is None and seconds > self._work:
            self._work = seconds
            self.update()

    def _break_end(self) -> tuple[ReviewerState, float] | None:
        b = self._break
        return None if b is None else (b.state, b.started_mono + b.length)

    def start_self_break(self) -> None:
        """The reviewer chose to rest; no effect during a break already running."""
        if self.update() is ReviewerState.REVIEWING:
            self._break = _Break(
                ReviewerState.SELF_BREAK, self._clock.monotonic(), self._clock.now(), 0.0, False
            )

    def end_break(self) -> BreakEvent | None:
        """End a self-initiated break (None if not on one); an enforced break raises
        BreakNotOver with the seconds left."""
        self.update()
        b = self._break
        if b is None:
            return None
        elapsed = self._clock.monotonic() - b.started_mono
        if b.enforced:
            raise BreakNotOver(b.length - elapsed)
        return self._finish(b, elapsed)

    def end_break_by_lead(self, granted_by: str, reason: str) -> BreakEvent | None:
        """A lead ends any break, enforced or not (None if there is none), and the work
        interval starts afresh (else a scheduled break would start again at once). The caller
        audits who and why; both are required."""
        if not granted_by.strip() or len(reason.strip()) < 3:
            raise ValueError("a lead override names the lead and gives a reason")
        self.update()
        b = self._break
        if b is None:
            return None
        ended = self._finish(b, self._clock.monotonic() - b.started_mono)
        self._work = 0.0
        return ended

    def force_cap_break(self, cap_key: str) -> bool:
        """Enforce a break because a cap was reached; once per crossing of that cap."""
        if cap_key in self._caps_in_force:
            return False
        self.update()
        self._caps_in_force.add(cap_key)
        self._start(ReviewerState.CAP_REACHED, self._rules.break_seconds)
        return True

    def release_cap(self, cap_key: str) -> None:
        """The cap is below its limit again: reaching it later forces a new break."""
        self._caps_in_force.discard(cap_key)

    def end_graphic_shift(self, service_day: int) -> None:
        """Graphic work is over for this service day (see ExposureLedger day numbers)."""
        self._shift_over_day = max(service_day, self._shift_over_day or service_day)

    def graphic_shift_over(self, service_day: int) -> bool:
        return self._shift_over_day is not None and self._shift_over_day >= service_day

    def record_break(self, event: BreakEvent) -> None:
        """A break taken on the other side (synced): a full-length one resets work time,
        less any work since it ended. One that claims to end in the future is ignored.
        Never ends or shortens a break running here."""
        self.update()
        if (event.ended_at - event.started_at).total_seconds() < self._rules.break_seconds:
            return
        since = (self._clock.now() - event.ended_at).total_seconds()
        if since >= 0:
            self._work = min(self._work, since)

    def take_break_events(self) -> list[BreakEvent]:
        """Breaks that ended since the last call, to sync; each is handed out once."""
        self.update()
        events, self._pending = self._pending, []
        return events

    def _start(self, state: ReviewerState, length: float, *, age: float = 0.0) -> None:
        """An enforced break of `length` seconds that began `age` seconds ago; one already
        running is lengthened (and moved to the earlier start) rather than replaced."""
        now_mono = self._clock.monotonic()
        start_mono = now_mono - age
        b = self._break
        if b is not None and not b.enforced:
            self._finish(b, now_mono - b.started_mono)
            b = None
        if b is None:
            self._break = _Break(state, start_mono, self._clock.now() - timedelta(seconds=age),
                                 float(length), True)
            return
        end = max(b.started_mono + b.length, start_mono + length)
        if start_mono < b.started_mono:
            b.started_at -= timedelta(seconds=b.started_mono - start_mono)
            b.started_mono = start_mono
        b.length = end - b.started_mono
        if _RANK[state] > _RANK[b.state]:
            b.state = state

    def _finish(self, b: _Break, elapsed: float) -> BreakEvent:
        ended = BreakEvent(
            client_id=new_client_id(), kind=_KIND[b.state], started_at=b.started_at,
            ended_at=b.started_at + timedelta(seconds=max(0.0, elapsed)),
        )
        self._pending.append(ended)
        self._break = None
        if elapsed >= self._rules.break_seconds:
            self._work = 0.0
        return ended

    # ------------------------------------------------------------------ persistence

    def to_state(self) -> dict[str, Any]:
        """A JSON-able snapshot; breaks are kept as elapsed + length, not clock readings."""
        self.update()
        b = self._break
        return {
            "schema": STATE_SCHEMA,
            "saved_at": self._clock.now().isoformat(),
            "work_seconds": self._work,
            "idle": self._idle,
            "idle_seconds": self._idle_run,
            "break": None if b is None else {
                "state": b.state.value,
                "started_at": b.started_at.isoformat(),
                "length_seconds": b.length,
                "elapsed_seconds": self._clock.monotonic() - b.started_mono,
                "enforced": b.enforced,
            },
            "caps_in_force": sorted(self._caps_in_force),
            "graphic_shift_over_day": self._shift_over_day,
            "pending_events": [e.model_dump(mode="json") for e in self._pending],
        }

    @classmethod
    def from_state(
        cls, state: dict[str, Any], rules: BreakRules, clock: Clock, *, credit_elapsed: bool = False
    ) -> BreakScheduler:
        """Restore on any process or machine. A break resumes with the time it had left.
        With `credit_elapsed` (only with a trusted clock: the service's), the wall time since
        `saved_at` is counted as if the machine had run on, forwards only (never negative)."""
        if state.get("schema") != STATE_SCHEMA:
            raise ValueError(f"unknown scheduler state schema {state.get('schema')!r}")
        scheduler = cls(rules, clock)
        mono = clock.monotonic()
        credit = 0.0
        if credit_elapsed:
            saved_at = datetime.fromisoformat(state["saved_at"])
            credit = max(0.0, (clock.now() - saved_at).total_seconds())
        scheduler._last_mono = mono - credit
        scheduler._work = float(state["work_seconds"])
        scheduler._idle = bool(state["idle"])
        scheduler._idle_run = float(state["idle_seconds"])
        scheduler._caps_in_force = set(state["caps_in_force"])
        scheduler._shift_over_day = state["graphic_shift_over_day"]
        scheduler._pending = [BreakEvent.model_validate(e) for e in state["pending_events"]]
        saved = state["break"]
        if saved is not None:
            scheduler._break = _Break(
                state=ReviewerState(saved["state"]),
                started_mono=mono - credit - float(saved["elapsed_seconds"]),
                started_at=datetime.fromisoformat(saved["started_at"]),
                length=float(saved["length_seconds"]),
                enforced=bool(saved["enforced"]),
            )
        scheduler.update()
        return scheduler
