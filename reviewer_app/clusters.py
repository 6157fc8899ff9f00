"""Emerging clusters of decisions that explain themselves: the cases decided in a recent
window that share one key (a policy citation, a near-duplicate group, a media file's hash or
a reporter organisation), against the same key over the days before. Pure and Qt-free like
reviewer_app.spikes: the service answers with it, and every cluster carries its figures and
the rule in words.

Rule (`METHOD`): count = the distinct cases decided in the window with the key; baseline =
the distinct cases decided with it over the `baseline_days` days before the window; expected
= baseline scaled to the window's length. The cluster is emerging when count >= `min_count`
and count > `factor` x expected + `slack`: a key that was never seen before needs
`min_count` cases; one that is steady needs to more than triple, plus a margin, before it is
called new. A key shared by a single case is no cluster at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

METHOD = ("distinct cases decided in the window sharing the key, against the same key over "
          "the {days} days before, scaled to the window's length (expected); emerging when "
          "count >= {min_count} and count > {factor:g} x expected + {slack:g}")


@dataclass(frozen=True)
class ClusterRule:
    baseline_days: int = 7
    min_count: int = 5
    factor: float = 3.0
    slack: float = 2.0

    @property
    def method(self) -> str:
        return METHOD.format(days=self.baseline_days, min_count=self.min_count,
                             factor=self.factor, slack=self.slack)

    @property
    def baseline_span(self) -> timedelta:
        return timedelta(days=self.baseline_days)


@dataclass(frozen=True)
class Cluster:
    kind: str
    key: str
    case_ids: tuple[str, ...]
    """The window's cases, sorted."""
    baseline: int
    expected: float
    threshold: float
    emerging: bool

    @property
    def count(self) -> int:
        return len(self.case_ids)


def judge(kind: str, key: str, cases: Iterable[str], baseline_cases: Iterable[str],
          window: timedelta, rule: ClusterRule = ClusterRule()) -> Cluster | None:
    """The cluster of `key`, emerging or not, or None when fewer than two cases share it.
    A case in both the window and the baseline (decided again after an appeal) counts in the
    window only."""
    recent = sorted(set(cases))
    if len(recent) < 2:
        return None
    before = len(set(baseline_cases) - set(recent))
    expected = before * (window / rule.baseline_span)
    threshold = rule.factor * expected + rule.slack
    emerging = len(recent) >= rule.min_count and len(recent) > threshold
    return Cluster(kind=kind, key=key, case_ids=tuple(recent), baseline=before,
                   expected=expected, threshold=threshold, emerging=emerging)


def clusters(kind: str, recent: Mapping[str, Iterable[str]],
             before: Mapping[str, Iterable[str]], window: timedelta,
             rule: ClusterRule = ClusterRule()) -> list[Cluster]:
    """Every cluster of one kind: `recent` and `before` map each key to the cases decided
    with it in the window and in the baseline span. Emerging first, then the largest."""
    found = (judge(kind, key, cases, before.get(key, ()), window, rule)
             for key, cases in recent.items())
    return sorted((c for c in found if c is not None),
                  key=lambda c: (not c.emerging, -c.count, c.key))
