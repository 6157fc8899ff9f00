"""Gate decision time with 1,000 and 1,000,000 events in the ledger, and their ratio.

Counters are rolling (per-minute buckets and running sums), so the ratio should stay near 1.
Events are spread over the last 7 days (all still held by the ledger) across every harm
category and severity. Each timed call moves the clock one second, so minutes keep leaving
the rolling hour as they would in use.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from datetime import timedelta

from reviewer_app.domain import ExposureEvent, ExposureKind, HarmCategory, Severity
from safeguards.breaks import BreakScheduler
from safeguards.clock import ManualClock
from safeguards.exposure import ExposureLedger
from safeguards.gate import gate
from safeguards.policy import ExposurePolicy, load_profile
from tests.bench.run_all import Figure

CALLS = 3_000
SPAN_MINUTES = 7 * 24 * 60 - 1


def _events(count: int, clock: ManualClock, rng: random.Random) -> list[ExposureEvent]:
    now = clock.now()
    categories, severities, kinds = list(HarmCategory), list(Severity), list(ExposureKind)
    return [
        ExposureEvent.model_construct(  # trusted synthetic data: skip validation to save time
            client_id=uuid.UUID(int=rng.getrandbits(128)), case_id="c", media_id="m",
            harm_category=rng.choice(categories), severity=rng.choice(severities),
            kind=rng.choice(kinds), duration_ms=rng.randrange(0, 60_000),
            at=now - timedelta(minutes=rng.randrange(0, SPAN_MINUTES)),
        )
        for _ in range(count)
    ]


def _policies() -> dict[str, ExposurePolicy]:
    """The child-safety profile with its caps out of reach (every case allowed) and at 0
    (every cap reached, so the refusal path with its "until when" runs), so both ledger sizes
    take the same path through the gate."""
    profile = load_profile("child_safety")
    def scaled(limit: int) -> ExposurePolicy:
        caps = tuple(c.model_copy(update={"limit": limit}) for c in profile.caps)
        breaks = profile.breaks.model_copy(update={"graphic_daily_limit_minutes": None})
        return profile.model_copy(update={"caps": caps, "breaks": breaks})
    return {"allowed": scaled(10**12), "refused": scaled(0)}


def _ledger(count: int) -> tuple[ManualClock, ExposureLedger, float]:
    rng = random.Random(count)
    clock = ManualClock()
    events = _events(count, clock, rng)
    started = time.perf_counter()
    ledger = ExposureLedger.from_events(events, now=clock.now())
    record_us = (time.perf_counter() - started) / count * 1e6
    assert len(ledger) == count
    return clock, ledger, record_us


def _gate_us(clock: ManualClock, ledger: ExposureLedger, policy: ExposurePolicy,
             allowed: bool) -> tuple[float, float]:
    """(median, p95) gate time in µs."""
    scheduler = BreakScheduler(policy.breaks, clock)
    scheduler.set_idle(True)  # time the decision, not a break that happens to start
    case = (HarmCategory.CHILD_SAFETY, Severity.HIGH)
    assert gate(policy, ledger, scheduler, next_case=case).allowed is allowed
    samples = []
    for _ in range(CALLS):
        clock.advance(1.0)
        t0 = time.perf_counter_ns()
        gate(policy, ledger, scheduler, next_case=case)
        samples.append((time.perf_counter_ns() - t0) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def run() -> list[Figure]:
    policies = _policies()
    figures: list[Figure] = []
    medians: dict[tuple[str, int], float] = {}
    record_us = 0.0
    for count in (1_000, 1_000_000):
        clock, ledger, record_us = _ledger(count)
        for path, policy in policies.items():
            median, p95 = _gate_us(clock, ledger, policy, allowed=path == "allowed")
            medians[(path, count)] = median
            note = f"median of {CALLS} calls; p95 {p95:.1f} us"
            figures.append(Figure("gate", f"gate ({path}), {count:,} events", median, "us", note))
    for path in policies:
        ratio = medians[(path, 1_000_000)] / medians[(path, 1_000)]
        figures.append(Figure("gate", f"gate ({path}) ratio 1M / 1k", ratio, "x",
                              "near 1 = rolling counters, no rescans"))
    figures.append(Figure("gate", "ledger record per event (1M from_events)", record_us, "us",
                          "events built with model_construct"))
    return figures
