"""Where the safeguards get their time: an injected clock, never the ambient one.

Durations (how long a break has lasted) come from `monotonic()`, which nobody can move.
Windows (today, this ISO week) come from `now()`, the service's time. On the client, wrap the
system clock in a `ServiceClock` anchored to the service's time, so moving the machine's wall
clock changes nothing the safeguards decide.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Clock(Protocol):
    """Two readings: seconds on a clock that only moves forward, and aware UTC wall time."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The real clocks of this machine; the only place in safeguards that reads them."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        """Built from `time_ns` so a lint hook can ban the ambient wall-clock calls elsewhere."""
        return datetime.fromtimestamp(time.time_ns() / 1e9, UTC)


class ServiceClock:
    """Service time derived from an anchor plus monotonic elapsed time.

    The local wall clock never moves it: `now()` is the last service time we were told plus
    how far the monotonic clock has moved since. `resync` offers a fresh service time (e.g.
    each reply's `Date` header): it re-anchors only when the two differ by more than
    `tolerance_s` (a `Date` has whole seconds), so `now()` does not jitter. Until the first
    anchor, `now()` falls back to the base clock's wall time and `anchored` is False; the
    client anchors on the service's first reply (sign-in), before any event can happen.
    Safe to share between threads (the anchor is replaced as one tuple)."""

    def __init__(self, base: Clock, anchor: datetime | None = None, *,
                 tolerance_s: float = 2.0) -> None:
        self._base = base
        self._tolerance_s = tolerance_s
        self._anchor: tuple[datetime, float] | None = None
        if anchor is not None:
            self._anchor = (_aware_utc(anchor), base.monotonic())

    @property
    def anchored(self) -> bool:
        return self._anchor is not None

    def resync(self, service_now: datetime) -> bool:
        """Take the service's time; True if the clock was re-anchored."""
        service_now = _aware_utc(service_now)
        if self._anchor is not None:
            drift = abs((service_now - self.now()).total_seconds())
            if drift <= self._tolerance_s:
                return False
        self._anchor = (service_now, self._base.monotonic())
        return True

    def monotonic(self) -> float:
        return self._base.monotonic()

    def now(self) -> datetime:
        anchor = self._anchor
        if anchor is None:
            return self._base.now()
        when, mono = anchor
        return when + timedelta(seconds=self._base.monotonic() - mono)


class ManualClock:
    """A clock for tests: move the monotonic and the wall readings together or apart."""

    def __init__(
        self, start: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC), monotonic: float = 1000.0
    ) -> None:
        self._wall = _aware_utc(start)
        self._mono = monotonic

    def monotonic(self) -> float:
        return self._mono

    def now(self) -> datetime:
        return self._wall

    def advance(self, seconds: float) -> None:
        """Real time passes: both readings move forward together."""
        if seconds < 0:
            raise ValueError("real time does not run backwards; use jump_wall for that")
        self._mono += seconds
        self._wall += timedelta(seconds=seconds)

    def advance_monotonic(self, seconds: float) -> None:
        """Only the monotonic reading moves (e.g. the wall clock was frozen by someone)."""
        if seconds < 0:
            raise ValueError("a monotonic clock never moves backwards")
        self._mono += seconds

    def jump_wall(self, seconds: float) -> None:
        """Someone moved the wall clock (either way); the monotonic reading is untouched."""
        self._wall += timedelta(seconds=seconds)

    def set_wall(self, when: datetime) -> None:
        self._wall = _aware_utc(when)


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("clock times must be aware (carry a UTC offset)")
    return value.astimezone(UTC)
