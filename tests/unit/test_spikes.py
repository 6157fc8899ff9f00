"""Spike detection: a seeded series with a known spike is flagged at that hour and nowhere
else, with its baseline, threshold and method; a weekly pattern alone raises nothing."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from reviewer_app import spikes as spikes_module
from reviewer_app.spikes import SpikeRule, judge, spikes

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
HOURS = [START + timedelta(hours=i) for i in range(6 * 7 * 24)]  # six weeks


def _weekly(at: datetime) -> int:
    """Busy on weekday office hours, quieter evenings, nearly empty nights and weekends,
    with a small deterministic wobble from week to week."""
    wobble = (at.day * 7 + at.hour) % 3 - 1  # -1, 0 or +1
    if at.weekday() >= 5:
        return max(0, 2 + wobble)
    if 9 <= at.hour < 17:
        return 30 + wobble
    if 17 <= at.hour < 22:
        return 12 + wobble
    return max(0, 1 + wobble)


def test_a_weekly_pattern_alone_raises_nothing() -> None:
    series = {h: _weekly(h) for h in HOURS}
    judged = HOURS[4 * 7 * 24:]  # the last two weeks, each with four weeks of baseline
    assert spikes(series, judged) == []


def test_a_known_spike_is_flagged_at_its_hour_and_nowhere_else() -> None:
    series = {h: _weekly(h) for h in HOURS}
    at = START + timedelta(weeks=5, days=2, hours=3)  # a Wednesday, 03:00: usually ~1
    series[at] = 25
    found = spikes(series, HOURS[4 * 7 * 24:])
    assert [s.hour for s in found] == [at]
    spike = found[0]
    assert spike.count == 25
    assert spike.baseline == tuple(_weekly(at - timedelta(weeks=w)) for w in range(1, 5))
    assert spike.median <= 2
    assert spike.threshold < 25
    assert spike.threshold == spike.median + 4.0 * spike.scale
    assert "median + MAD" in spike.method
    assert "4 weeks" in spike.method


def test_a_busy_hour_needs_a_bigger_rise_than_a_quiet_one() -> None:
    series = {h: _weekly(h) for h in HOURS}
    busy = START + timedelta(weeks=5, days=1, hours=10)  # Tuesday 10:00, ~30 usually
    series[busy] = 40  # +10 over 30 is within its baseline's scale
    assert judge(series, busy) is None
    series[busy] = 80
    alert = judge(series, busy)
    assert alert is not None
    assert alert.score > 4


def test_a_few_cases_in_an_empty_hour_are_not_a_spike() -> None:
    series: dict[datetime, int] = {}
    at = START + timedelta(weeks=4)
    series[at] = 4
    assert judge(series, at) is None  # under min_count
    series[at] = 5
    assert judge(series, at, SpikeRule(min_count=6)) is None
    alert = judge(series, at)
    assert alert is not None
    assert alert.baseline == (0, 0, 0, 0)


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=12))
def test_the_median_is_statistics_median(values: list[int]) -> None:
    assert spikes_module._median(values) == statistics.median(values)
