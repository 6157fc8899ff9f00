"""Spike detection that explains itself: an hour's count against a seasonal baseline, the
same hour of the week over the recent weeks (median and MAD). Pure and Qt-free: the service
answers with it and a desktop view may show it; every alert carries its baseline, threshold
and method.

Method (`METHOD`): for hour h take the counts at h - 1 week, ..., h - `weeks` weeks (an hour
with no rollup counts 0). m = their median, MAD = the median of |x - m|, scale =
max(1.4826 * MAD, sqrt(max(m, 1))) - 1.4826 * MAD estimates a standard deviation robustly,
and the Poisson floor sqrt(m) keeps a flat baseline (MAD 0) from flagging every +1. The hour
is a spike when count >= `min_count` and count > threshold = m + `k` * scale. A weekly
pattern therefore raises nothing: each hour is compared with the same hour of other weeks.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

WEEK = timedelta(days=7)
METHOD = ("seasonal median + MAD: the same hour of the week over the last {weeks} weeks; "
          "scale = max(1.4826 * MAD, sqrt(max(median, 1))); spike when count >= {min_count} "
          "and count > median + {k} * scale")


@dataclass(frozen=True)
class SpikeRule:
    weeks: int = 4
    k: float = 4.0
    min_count: int = 5

    @property
    def method(self) -> str:
        return METHOD.format(weeks=self.weeks, k=self.k, min_count=self.min_count)


@dataclass(frozen=True)
class Spike:
    hour: datetime
    count: int
    baseline: tuple[int, ...]
    """The same hour of the week, 1 week back first."""
    median: float
    mad: float
    scale: float
    threshold: float
    score: float
    """(count - median) / scale."""
    method: str


def baseline_of(series: Mapping[datetime, int], hour: datetime, weeks: int) -> list[int]:
    return [series.get(hour - WEEK * back, 0) for back in range(1, weeks + 1)]


def _median(values: list[int] | list[float]) -> float:
    """statistics.median's value, without its generality: it runs for every hour and key
    of a trend (17,000 times for a 92-day read of 8 keys)."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2.0


def judge(series: Mapping[datetime, int], hour: datetime,
          rule: SpikeRule = SpikeRule()) -> Spike | None:
    """The alert for `hour`, or None when its count is within its baseline."""
    count = series.get(hour, 0)
    baseline = baseline_of(series, hour, rule.weeks)
    median = _median(baseline)
    mad = _median([abs(x - median) for x in baseline])
    scale = max(1.4826 * mad, math.sqrt(max(median, 1.0)))
    threshold = median + rule.k * scale
    if count < rule.min_count or count <= threshold:
        return None
    return Spike(hour=hour, count=count, baseline=tuple(baseline), median=median, mad=mad,
                 scale=scale, threshold=threshold, score=(count - median) / scale,
                 method=rule.method)


def spikes(series: Mapping[datetime, int], hours: Iterable[datetime],
           rule: SpikeRule = SpikeRule()) -> list[Spike]:
    """The spikes among `hours` (hour starts), in their order; `series` must reach back
    `rule.weeks` weeks before the first of them."""
    found = (judge(series, hour, rule) for hour in hours)
    return [s for s in found if s is not None]
