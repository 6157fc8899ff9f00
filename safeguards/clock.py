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
    """Service time derived from one anchor plus monotonic elapsed time.

    The local wall clock is read never: `now()` is the last service time we were told
    (`anchor`) plus how far the monotonic clock has moved since. `resync` takes a fresh
    service time (e.g. from the service's `Date` header)."""

    def __init__(self, base: Clock, anchor: datetime) -> None:
        self._base = base
        self._anchor = _aware_utc(anchor)
        self._anchor_mono = base.monotonic()

    def resync(self, service_now: datetime) -> None:
        self._anchor = _aware_utc(service_now)
        self._anchor_mono = self._base.monotonic()

    def monotonic(self) -> float:
        return self._base.monotonic()

    def now(self) -> datetime:
        return self._anchor + timedelta(seconds=self._base.monotonic() - self._anchor_mono)


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
