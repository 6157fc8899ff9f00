"""The cluster rule (reviewer_app.clusters) by hand: new and large is emerging, steady is not
however large, a single case is no cluster, and a case decided again counts once."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from reviewer_app.clusters import ClusterRule, clusters, judge

DAY = timedelta(days=1)


def _ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def test_a_key_never_seen_before_emerges_at_the_minimum_count() -> None:
    five = judge("policy_citation", "CS-HATE-1", _ids("c", 5), [], DAY)
    assert five is not None
    assert (five.count, five.baseline, five.expected, five.threshold) == (5, 0, 0.0, 2.0)
    assert five.emerging
    four = judge("policy_citation", "CS-HATE-1", _ids("c", 4), [], DAY)
    assert four is not None
    assert not four.emerging


def test_a_steady_key_needs_more_than_three_times_its_expected_count_plus_two() -> None:
    week = _ids("old", 14)  # 2 a day: expected 2 in a day's window, threshold 8
    steady = judge("reporter_organisation", "Org", _ids("c", 8), week, DAY)
    assert steady is not None
    assert (steady.expected, steady.threshold, steady.emerging) == (2.0, 8.0, False)
    risen = judge("reporter_organisation", "Org", _ids("c", 9), week, DAY)
    assert risen is not None
    assert risen.emerging
    hour = judge("reporter_organisation", "Org", _ids("c", 9), week, timedelta(hours=12))
    assert hour is not None
    assert hour.expected == 1.0  # the baseline scaled to the window's length


def test_one_case_is_no_cluster_and_a_case_in_both_spans_counts_in_the_window() -> None:
    assert judge("media_hash", "ab" * 32, ["c1", "c1"], [], DAY) is None
    again = judge("pdq_group", "g", ["c1", "c2"], ["c1", "old"], DAY)
    assert again is not None
    assert again.baseline == 1


def test_clusters_list_emerging_first_then_the_largest() -> None:
    found = clusters("policy_citation", {"A": _ids("a", 3), "B": _ids("b", 6), "C": ["c"],
                                         "D": _ids("d", 30)},
                     {"D": _ids("old", 70)}, DAY)
    assert [(c.key, c.emerging) for c in found] == [("B", True), ("D", False), ("A", False)]
    assert "count > 3 x expected + 2" in ClusterRule().method


@given(st.integers(0, 200), st.integers(2, 200))
def test_emerging_never_fires_below_the_threshold(before: int, now: int) -> None:
    found = judge("k", "key", _ids("c", now), _ids("old", before), DAY)
    assert found is not None
    assert found.emerging == (now >= 5 and now > 3 * before / 7 + 2)
