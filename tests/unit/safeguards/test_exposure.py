"""ExposureLedger: rolling counters that agree with a rescan and never drop except by expiry."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer_app.domain import ExposureEvent, ExposureKind, HarmCategory, Severity
from safeguards.exposure import ExposureLedger, Tally
from safeguards.policy import Measure, Window
from tests.unit.safeguards.factories import exposure, rescan

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
CATS = [HarmCategory.GRAPHIC_VIOLENCE, HarmCategory.CHILD_SAFETY, HarmCategory.SCAMS_FRAUD]
FILTERS = [((), Severity.NONE), ((HarmCategory.CHILD_SAFETY,), Severity.HIGH),
           ((HarmCategory.GRAPHIC_VIOLENCE, HarmCategory.SCAMS_FRAUD), Severity.MODERATE)]


def test_counts_per_category_severity_and_window() -> None:
    ledger = ExposureLedger()
    ledger.record(exposure(T0, category=HarmCategory.CHILD_SAFETY, ms=30_000))
    ledger.record(exposure(T0 + timedelta(minutes=5), kind=ExposureKind.SHOWN, ms=12_000))
    ledger.record(exposure(T0 - timedelta(hours=3), severity=Severity.LOW))
    now = T0 + timedelta(minutes=10)
    assert ledger.tally(Window.HOUR, now=now) == Tally(1, 1, 12.0, 30.0)
    assert ledger.tally(Window.DAY, now=now) == Tally(1, 2, 12.0, 35.0)
    assert ledger.tally(Window.DAY, now=now, min_severity=Severity.HIGH).revealed == 1
    assert ledger.tally(Window.WEEK, now=now,
                        categories=[HarmCategory.CHILD_SAFETY]).seconds_revealed == 30.0
    rows = list(ledger.rows(now))
    assert {(r.window, r.category, r.severity) for r in rows} >= {
        (Window.HOUR, HarmCategory.CHILD_SAFETY, Severity.SEVERE),
        (Window.DAY, HarmCategory.GRAPHIC_VIOLENCE, Severity.LOW),
    }


def test_a_duplicate_event_counts_once() -> None:
    ledger = ExposureLedger()
    event = exposure(T0)
    assert ledger.record(event) is True
    assert ledger.record(event) is False
    assert ledger.record(event.model_copy(update={"duration_ms": 99})) is False
    assert ledger.tally(Window.DAY, now=T0).revealed == 1
    assert len(ledger) == 1


def test_the_rolling_hour_forgets_minute_by_minute_and_says_when_it_frees() -> None:
    ledger = ExposureLedger()
    for minute in range(0, 30, 10):
        ledger.record(exposure(T0 + timedelta(minutes=minute)))
    assert ledger.tally(Window.HOUR, now=T0 + timedelta(minutes=59)).revealed == 3
    assert ledger.hour_frees_at(Measure.REVEALED, 3, now=T0 + timedelta(minutes=59)) == \
        T0 + timedelta(minutes=60)
    assert ledger.hour_frees_at(Measure.REVEALED, 2, now=T0 + timedelta(minutes=59)) == \
        T0 + timedelta(minutes=70)
    assert ledger.hour_frees_at(Measure.REVEALED, 4, now=T0 + timedelta(minutes=59)) is None
    assert ledger.tally(Window.HOUR, now=T0 + timedelta(minutes=60)).revealed == 2
    assert ledger.tally(Window.HOUR, now=T0 + timedelta(minutes=85)).revealed == 0
    assert ledger.tally(Window.DAY, now=T0 + timedelta(minutes=85)).revealed == 3


def test_days_and_iso_weeks_follow_the_service_time_of_the_event() -> None:
    ledger = ExposureLedger()
    sunday_late = datetime(2026, 3, 8, 23, 59, tzinfo=UTC)
    ledger.record(exposure(sunday_late))
    assert ledger.tally(Window.WEEK, now=sunday_late).revealed == 1
    monday = sunday_late + timedelta(minutes=1)
    assert ledger.tally(Window.DAY, now=monday).revealed == 0
    assert ledger.tally(Window.WEEK, now=monday).revealed == 0
    assert ledger.window_start(Window.WEEK, monday) == monday
    assert ledger.window_end(Window.DAY, monday) == monday + timedelta(days=1)


def test_a_team_offset_moves_midnight() -> None:
    at = datetime(2026, 3, 3, 3, 0, tzinfo=UTC)  # 22:00 on the 2nd at UTC-5
    utc = ExposureLedger()
    utc.record(exposure(at))
    new_york = ExposureLedger(utc_offset_minutes=-300)
    new_york.record(exposure(at))
    evening = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    later = datetime(2026, 3, 3, 4, 0, tzinfo=UTC)
    assert new_york.tally(Window.DAY, now=later).revealed == 1
    assert new_york.window_end(Window.DAY, later) == datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
    utc.align(-300)
    assert utc.tally(Window.DAY, now=later).revealed == 1
    fresh = ExposureLedger(utc_offset_minutes=-300)
    fresh.record(exposure(evening))
    assert fresh.tally(Window.DAY, now=later).revealed == 1


def test_asking_with_an_earlier_time_does_not_uncount() -> None:
    ledger = ExposureLedger()
    ledger.record(exposure(T0 + timedelta(hours=1)))
    assert ledger.tally(Window.DAY, now=T0 + timedelta(hours=1)).revealed == 1
    assert ledger.tally(Window.DAY, now=T0 - timedelta(days=3)).revealed == 1
    assert ledger.tally(Window.HOUR, now=T0 - timedelta(days=3)).revealed == 1


def test_an_event_from_a_fast_client_clock_counts_when_it_arrived() -> None:
    ledger = ExposureLedger()
    ledger.record(exposure(T0 + timedelta(days=1)), received_at=T0)
    assert ledger.tally(Window.DAY, now=T0).revealed == 1


def test_events_too_old_to_count_are_ignored_and_later_forgotten() -> None:
    ledger = ExposureLedger()
    ledger.record(exposure(T0))
    ledger.tally(Window.DAY, now=T0 + timedelta(days=9))
    assert len(ledger) == 0
    assert ledger.record(exposure(T0)) is False


def _roundtrip(ledger: ExposureLedger) -> ExposureLedger:
    return ExposureLedger.from_state(json.loads(json.dumps(ledger.to_state())))


def test_state_round_trips_and_still_deduplicates() -> None:
    ledger = ExposureLedger(utc_offset_minutes=60)
    events = [exposure(T0 + timedelta(minutes=7 * i), severity=Severity(i % 5),
                       kind=list(ExposureKind)[i % 2]) for i in range(40)]
    ledger.record_many(events)
    now = T0 + timedelta(hours=3)
    ledger.tally(Window.HOUR, now=now)
    again = _roundtrip(ledger)
    assert again.utc_offset_minutes == 60
    for window in Window:
        assert again.tally(window, now=now) == ledger.tally(window, now=now)
    assert list(again.rows(now)) == list(ledger.rows(now))
    assert again.record(events[3]) is False
    rebuilt = ExposureLedger.from_events(events, utc_offset_minutes=60, now=now)
    assert list(rebuilt.rows(now)) == list(ledger.rows(now))


# ---------------------------------------------------------------- property

event_ops = st.tuples(
    st.just("event"),
    st.integers(-3 * 24 * 60, 3 * 24 * 60),    # minutes from the current now
    st.integers(0, 59),                        # second
    st.sampled_from(CATS),
    st.sampled_from(list(Severity)),
    st.sampled_from(list(ExposureKind)),
    st.integers(0, 120_000),
    st.integers(-1, 5),                        # >= 0: resend an earlier event (duplicate)
)
clock_ops = st.tuples(st.just("now"), st.integers(-3 * 24 * 60, 2 * 24 * 60))
state_ops = st.tuples(st.just("roundtrip"))
ops = st.lists(st.one_of(event_ops, event_ops, clock_ops, state_ops), max_size=60)


@settings(max_examples=150, deadline=None)
@given(ops=ops, offset=st.sampled_from([0, -300, 330]))
def test_counters_match_a_rescan_and_never_drop_except_by_expiry(
    ops: list[tuple[object, ...]], offset: int
) -> None:
    ledger = ExposureLedger(utc_offset_minutes=offset)
    counted: list[ExposureEvent] = []
    sent: list[ExposureEvent] = []
    now = T0
    effective: datetime | None = None
    previous: dict[tuple[object, ...], float] = {}
    starts: dict[tuple[object, ...], datetime] = {}
    for op in ops:
        if op[0] == "event":
            _, minutes, second, cat, sev, kind, ms, again = op
            assert isinstance(minutes, int)
            assert isinstance(second, int)
            assert isinstance(again, int)
            assert isinstance(ms, int)
            if 0 <= again < len(sent):
                event = sent[again]
            else:
                at = now + timedelta(minutes=minutes, seconds=second)
                event = ExposureEvent(
                    client_id=uuid.uuid4(), case_id="c", media_id="m", harm_category=cat,
                    severity=sev, kind=kind, duration_ms=ms, at=at,
                )
            sent.append(event)
            fresh = event.client_id not in {e.client_id for e in counted}
            too_old = effective is not None and \
                event.at.replace(second=0) < effective.replace(second=0) - timedelta(
                    days=8, hours=1)
            assert ledger.record(event) is (fresh and not too_old)
            if fresh and not too_old:
                counted.append(event)
        elif op[0] == "now":
            assert isinstance(op[1], int)
            now = now + timedelta(minutes=op[1])
        else:
            ledger = _roundtrip(ledger)
        moved = effective is None or now > effective
        effective = now if effective is None or now > effective else effective
        live = [e for e in counted if e.at.replace(second=0) >= effective.replace(
            second=0) - timedelta(days=8, hours=1)]
        for window in Window:
            for cats, sev in FILTERS:
                got = ledger.tally(window, now=now, categories=cats, min_severity=sev)
                for measure in Measure:
                    value = got.measure(measure)
                    expected = rescan(live, effective, window, measure, categories=cats,
                                      min_severity=sev, offset_minutes=offset)
                    assert value == expected
                    key = (window, cats, sev, measure)
                    start = ledger.window_start(window, now)
                    same_window = key in starts and (
                        not moved or (window is not Window.HOUR and starts[key] == start)
                    )
                    if same_window:
                        assert value >= previous[key]
                    previous[key], starts[key] = value, start


def test_an_id_marked_seen_counts_nothing_and_stays_a_duplicate_through_its_state() -> None:
    """The service counts a showing by its own evidence; the client's report of the same
    showing is remembered as seen, so a client rebuilding from the service's state does
    not count it a second time."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    ledger = ExposureLedger()
    counted = exposure(now, kind=ExposureKind.SHOWN)
    alias = exposure(now, kind=ExposureKind.SHOWN)
    assert ledger.record(counted)
    assert ledger.mark_seen(alias.client_id, alias.at)
    rebuilt = ExposureLedger.from_state(json.loads(json.dumps(ledger.to_state())))
    assert not rebuilt.record(alias)
    assert rebuilt.tally(Window.HOUR, now=now).shown == 1
    later = exposure(now + timedelta(minutes=1), kind=ExposureKind.SHOWN)
    assert rebuilt.record(later)
    assert rebuilt.tally(Window.HOUR, now=now + timedelta(minutes=60)).shown == 1
    assert rebuilt.tally(Window.HOUR, now=now + timedelta(minutes=61)).shown == 0


def test_a_week_of_exposure_keeps_a_small_state() -> None:
    """Minutes that left the hour are folded into their day: the state the service loads on
    every request holds the hour's minutes and a bucket per day, whatever the event count."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
    events = [exposure(start + timedelta(days=d, minutes=m), ms=1_000)
              for d in range(7) for m in range(0, 8 * 60, 2)]
    ledger = ExposureLedger()
    now = start + timedelta(days=6, hours=8)
    for event in events:
        ledger.record(event)
        ledger.tally(Window.HOUR, now=event.at)  # time passes as the events come
    state = json.loads(json.dumps(ledger.to_state()))
    assert len(state["minutes"]) <= 60 + 8
    assert sum(len(m["ids"]) for m in state["minutes"]) == len(events)
    rebuilt = ExposureLedger.from_state(state)
    for window in Window:
        for measure in Measure:
            assert rebuilt.tally(window, now=now).measure(measure) == pytest.approx(
                rescan(events, now, window, measure))
    assert not rebuilt.record(events[0])  # still a duplicate after folding
