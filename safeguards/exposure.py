"""ExposureLedger: exposure events in, counters out, per harm category, severity and window.

Counters are kept rolling, never rescanned: events go into per-minute buckets, and running
sums per window (the rolling hour, each service day, each ISO week) are updated as events
arrive and as minutes leave the hour. A minute that has left the hour is folded into one
bucket for its service day (days and weeks need no finer grain), so a week of exposure is
about sixty minute buckets and eight day buckets, whatever the number of events: the state
the service loads on every request stays small. A query costs the same with a thousand or a
million events behind it. The ledger's "now" only moves forward (the latest time it was asked
about), so a wall clock moved back cannot un-count anything.
"""

from __future__ import annotations

import functools
import heapq
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reviewer_app.domain import ExposureEvent, ExposureKind, HarmCategory, Severity
from safeguards.clock import EPOCH
from safeguards.policy import Measure, Window

Key = tuple[HarmCategory, Severity]
Vector = list[int]
"""[items shown, items revealed, ms shown, ms revealed]."""

HOUR_MINUTES = 60
DAY_MINUTES = 24 * 60
RETENTION_MINUTES = 8 * DAY_MINUTES + HOUR_MINUTES
"""Buckets older than this can count in no window (an ISO week is at most 7 days back)."""
STATE_SCHEMA = 1


@dataclass(frozen=True)
class Tally:
    """What one window holds: items shown and revealed, seconds shown and revealed."""

    shown: int = 0
    revealed: int = 0
    seconds_shown: float = 0.0
    seconds_revealed: float = 0.0

    def measure(self, measure: Measure) -> float:
        if measure is Measure.SHOWN:
            return self.shown
        if measure is Measure.REVEALED:
            return self.revealed
        return self.seconds_revealed


@dataclass(frozen=True)
class CounterRow:
    """One line of a reviewer's counters, for `GET /v1/me/exposure` and the lead console."""

    window: Window
    category: HarmCategory
    severity: Severity
    tally: Tally


def minute_of(at: datetime) -> int:
    """Whole minutes since the Unix epoch (UTC); the ledger's bucket for `at`."""
    return (at - EPOCH) // timedelta(minutes=1)


def _vector(event: ExposureEvent) -> Vector:
    if event.kind is ExposureKind.REVEALED:
        return [0, 1, 0, event.duration_ms]
    return [1, 0, event.duration_ms, 0]


def _add(sums: dict[Key, Vector], key: Key, vec: Vector, sign: int = 1) -> None:
    have = sums.get(key)
    if have is None:
        sums[key] = [sign * v for v in vec]
        return
    for i, v in enumerate(vec):
        have[i] += sign * v
    if sign < 0 and not any(have):
        del sums[key]


@functools.lru_cache(maxsize=256)
def _keys(categories: tuple[HarmCategory, ...], min_severity: Severity) -> tuple[Key, ...]:
    """The (category, severity) counters a query adds up: a fixed set, looked up one by one,
    so a query costs the same however full the window is."""
    cats = categories or tuple(HarmCategory)
    return tuple((c, s) for c in dict.fromkeys(cats) for s in Severity if s >= min_severity)


def _tally(vec: Vector) -> Tally:
    return Tally(vec[0], vec[1], vec[2] / 1000, vec[3] / 1000)


class ExposureLedger:
    """A reviewer's exposure. Duplicate events (same client_id) count once; events too old
    to count in any window are ignored. Day and week follow `utc_offset_minutes`."""

    def __init__(self, utc_offset_minutes: int = 0) -> None:
        self._offset = utc_offset_minutes
        self._hw: int | None = None
        self._minutes: dict[int, dict[Key, Vector]] = {}
        self._ids: dict[int, list[int]] = {}
        self._seen: set[int] = set()
        self._retained: list[int] = []
        self._hour_heap: list[int] = []
        self._hour: dict[Key, Vector] = {}
        self._days: dict[int, dict[Key, Vector]] = {}
        self._weeks: dict[int, dict[Key, Vector]] = {}
        self.revision = 0
        """Goes up with every event counted or marked seen (not as time passes): whoever keeps
        the state needs to write it again only when this moved."""

    # ------------------------------------------------------------------ building

    @classmethod
    def from_events(
        cls,
        events: Iterable[ExposureEvent],
        *,
        utc_offset_minutes: int = 0,
        now: datetime | None = None,
    ) -> ExposureLedger:
        """Rebuild from stored events; with `now`, events too old to matter are skipped early."""
        ledger = cls(utc_offset_minutes)
        if now is not None:
            ledger._advance(now)
        for event in events:
            ledger.record(event)
        return ledger

    @property
    def utc_offset_minutes(self) -> int:
        return self._offset

    def __len__(self) -> int:
        """Distinct events still held (those that can count in some window)."""
        return len(self._seen)

    def record(self, event: ExposureEvent, *, received_at: datetime | None = None) -> bool:
        """Count one event; False if it was a duplicate or too old to count anywhere.

        `received_at` (the service's time of arrival) caps `event.at`: a client clock that
        runs fast cannot push exposure into a later window."""
        at = event.at if received_at is None or event.at <= received_at else received_at
        ident = event.client_id.int
        if ident in self._seen:
            return False
        minute = minute_of(at)
        if self._hw is not None and minute < self._hw - RETENTION_MINUTES:
            return False
        self._seen.add(ident)
        slot = self._slot(minute)
        self._ids.setdefault(slot, []).append(ident)
        self._add_bucket(slot, (event.harm_category, event.severity), _vector(event))
        self.revision += 1
        return True

    def record_many(self, events: Iterable[ExposureEvent]) -> int:
        """Count a batch (e.g. one sync); returns how many were new."""
        return sum(1 for event in events if self.record(event))

    def _in_hour(self, minute: int) -> bool:
        return self._hw is None or minute > self._hw - HOUR_MINUTES

    def mark_seen(self, client_id: uuid.UUID, at: datetime) -> bool:
        """Remember an event id without counting it: its exposure is already counted under
        another id (the service's own evidence of the same showing), so a later record of
        this id, here or in a ledger rebuilt from this one's state, is a duplicate."""
        ident = client_id.int
        minute = minute_of(at)
        if ident in self._seen or (
                self._hw is not None and minute < self._hw - RETENTION_MINUTES):
            return False
        self._seen.add(ident)
        slot = self._slot(minute)
        self._ids.setdefault(slot, []).append(ident)
        self._bucket(slot)
        self.revision += 1
        return True

    def _slot(self, minute: int) -> int:
        """The bucket an event of `minute` goes into: its minute while it is in the rolling
        hour, else its service day's bucket."""
        return minute if self._in_hour(minute) else self._day_key(minute)

    def _day_key(self, minute: int) -> int:
        """The bucket of the service day holding `minute`: keyed by the day's first minute,
        which leaves the rolling hour before any other minute of that day."""
        return self._day(minute) * DAY_MINUTES - self._offset

    def _fold(self, minute: int) -> None:
        """A minute that left the hour joins its day's bucket (the sums are unchanged)."""
        key = self._day_key(minute)
        if key == minute or minute not in self._minutes:
            return
        bucket = self._minutes.pop(minute)
        target = self._minutes.get(key)
        if target is None:
            self._minutes[key] = bucket
            heapq.heappush(self._retained, key)
        else:
            for k, vec in bucket.items():
                _add(target, k, vec)
        ids = self._ids.pop(minute, None)
        if ids:
            self._ids.setdefault(key, []).extend(ids)

    def _bucket(self, minute: int) -> dict[Key, Vector]:
        bucket = self._minutes.get(minute)
        if bucket is None:
            bucket = self._minutes[minute] = {}
            heapq.heappush(self._retained, minute)
            if self._in_hour(minute):
                heapq.heappush(self._hour_heap, minute)
        return bucket

    def _add_bucket(self, minute: int, key: Key, vec: Vector) -> None:
        bucket = self._bucket(minute)
        _add(bucket, key, vec)
        if self._in_hour(minute):
            _add(self._hour, key, vec)
        _add(self._days.setdefault(self._day(minute), {}), key, vec)
        _add(self._weeks.setdefault(self._week(minute), {}), key, vec)

    # ------------------------------------------------------------------ time

    def _day(self, minute: int) -> int:
        return (minute + self._offset) // DAY_MINUTES

    def _week(self, minute: int) -> int:
        return (self._day(minute) + 3) // 7  # 1970-01-01 was a Thursday; weeks start Monday

    def _advance(self, now: datetime) -> int:
        """Move the ledger's now forward to `now` (never back); expire what left the hour."""
        minute = minute_of(now)
        if self._hw is not None and minute <= self._hw:
            return self._hw
        old_day = None if self._hw is None else self._day(self._hw)
        self._hw = minute
        while self._hour_heap and self._hour_heap[0] <= minute - HOUR_MINUTES:
            gone = heapq.heappop(self._hour_heap)
            for key, vec in self._minutes[gone].items():
                _add(self._hour, key, vec, sign=-1)
            self._fold(gone)
        while self._retained and self._retained[0] < minute - RETENTION_MINUTES:
            gone = heapq.heappop(self._retained)
            self._minutes.pop(gone, None)  # a folded minute left its entry behind in the heap
            self._seen.difference_update(self._ids.pop(gone, ()))
        today = self._day(minute)
        if old_day != today:
            week = self._week(minute)
            self._days = {d: s for d, s in self._days.items() if d >= today - 8}
            self._weeks = {w: s for w, s in self._weeks.items() if w >= week - 1}
        return minute

    def align(self, utc_offset_minutes: int) -> None:
        """Re-cut days and weeks at another UTC offset (after a policy changed it): exact
        for the rolling hour; exposure older than that stays with the day it was folded
        into (a day's bucket goes to the new day holding its first minute)."""
        if utc_offset_minutes == self._offset:
            return
        self._offset = utc_offset_minutes
        self._rebuild_sums()

    def _rebuild_sums(self) -> None:
        self._hour, self._days, self._weeks, self._hour_heap = {}, {}, {}, []
        for minute, bucket in self._minutes.items():
            if self._in_hour(minute):
                self._hour_heap.append(minute)
            for key, vec in bucket.items():
                if self._in_hour(minute):
                    _add(self._hour, key, vec)
                _add(self._days.setdefault(self._day(minute), {}), key, vec)
                _add(self._weeks.setdefault(self._week(minute), {}), key, vec)
        heapq.heapify(self._hour_heap)

    def service_day(self, now: datetime) -> int:
        """The number of the service day holding `now` (or the ledger's later now)."""
        return self._day(self._advance(now))

    def window_start(self, window: Window, now: datetime) -> datetime:
        """Where the window that holds `now` (or the ledger's later now) begins."""
        minute = self._advance(now)
        if window is Window.HOUR:
            return _at_minute(minute - HOUR_MINUTES + 1)
        if window is Window.DAY:
            return _at_minute(self._day(minute) * DAY_MINUTES - self._offset)
        week_day = self._week(minute) * 7 - 3
        return _at_minute(week_day * DAY_MINUTES - self._offset)

    def window_end(self, window: Window, now: datetime) -> datetime:
        """When the day or week holding `now` ends (for the hour: one hour from its start)."""
        span = {Window.HOUR: HOUR_MINUTES, Window.DAY: DAY_MINUTES, Window.WEEK: 7 * DAY_MINUTES}
        return self.window_start(window, now) + timedelta(minutes=span[window])

    # ------------------------------------------------------------------ reading

    def _sums(self, window: Window, now: datetime) -> dict[Key, Vector]:
        minute = self._advance(now)
        if window is Window.HOUR:
            return self._hour
        if window is Window.DAY:
            return self._days.get(self._day(minute), {})
        return self._weeks.get(self._week(minute), {})

    def tally(
        self,
        window: Window,
        *,
        now: datetime,
        categories: Iterable[HarmCategory] = (),
        min_severity: Severity = Severity.NONE,
    ) -> Tally:
        """Totals in `window` at `now` for `categories` (none = all) at `min_severity` or up."""
        sums = self._sums(window, now)
        total = [0, 0, 0, 0]
        for key in _keys(tuple(categories), min_severity):
            vec = sums.get(key)
            if vec is not None:
                total[0] += vec[0]
                total[1] += vec[1]
                total[2] += vec[2]
                total[3] += vec[3]
        return _tally(total)

    def rows(self, now: datetime) -> Iterator[CounterRow]:
        """Every non-empty counter at `now`, per window, category and severity."""
        for window in Window:
            for (category, severity), vec in sorted(self._sums(window, now).items()):
                yield CounterRow(window, category, severity, _tally(vec))

    def hour_frees_at(
        self,
        measure: Measure,
        limit: float,
        *,
        now: datetime,
        categories: Iterable[HarmCategory] = (),
        min_severity: Severity = Severity.NONE,
    ) -> datetime | None:
        """The first time the rolling-hour total falls below `limit`, as minutes expire;
        None if it is already below, or never will (a limit of 0)."""
        keys = _keys(tuple(categories), min_severity)
        index = {Measure.SHOWN: 0, Measure.REVEALED: 1, Measure.SECONDS_REVEALED: 3}[measure]
        scale = 1000 if measure is Measure.SECONDS_REVEALED else 1
        used = self.tally(Window.HOUR, now=now, categories=categories, min_severity=min_severity)
        remaining = used.measure(measure)
        if remaining < limit or limit <= 0:
            return None
        for minute in sorted(self._hour_heap):
            bucket = self._minutes[minute]
            for key in keys:
                vec = bucket.get(key)
                if vec is not None:
                    remaining -= vec[index] / scale
            if remaining < limit:
                return _at_minute(minute + HOUR_MINUTES)
        return None

    # ------------------------------------------------------------------ persistence

    def to_state(self) -> dict[str, Any]:
        """A JSON-able snapshot: per-minute buckets and the event ids seen in them."""
        return {
            "schema": STATE_SCHEMA,
            "utc_offset_minutes": self._offset,
            "now_minute": self._hw,
            "minutes": [
                {
                    "minute": minute,
                    "counts": [
                        [cat.value, int(sev), *vec] for (cat, sev), vec in sorted(bucket.items())
                    ],
                    "ids": [f"{i:032x}" for i in self._ids.get(minute, [])],
                }
                for minute, bucket in sorted(self._minutes.items())
            ],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ExposureLedger:
        if state.get("schema") != STATE_SCHEMA:
            raise ValueError(f"unknown ledger state schema {state.get('schema')!r}")
        ledger = cls(int(state["utc_offset_minutes"]))
        now_minute = state["now_minute"]
        ledger._hw = None if now_minute is None else int(now_minute)
        for entry in state["minutes"]:
            minute = int(entry["minute"])
            bucket: dict[Key, Vector] = {}
            for cat, sev, *vec in entry["counts"]:
                bucket[(HarmCategory(cat), Severity(sev))] = [int(v) for v in vec]
            ids = [int(h, 16) for h in entry["ids"]]
            ledger._minutes[minute] = bucket
            ledger._ids[minute] = ids
            ledger._seen.update(ids)
            ledger._retained.append(minute)
        heapq.heapify(ledger._retained)
        ledger._rebuild_sums()
        for minute in [m for m in ledger._minutes if not ledger._in_hour(m)]:
            ledger._fold(minute)  # a state saved before folding (or by an older version)
        return ledger


def _at_minute(minute: int) -> datetime:
    return EPOCH + timedelta(minutes=minute)
