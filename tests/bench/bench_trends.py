"""The trend route's answer time over one year of hourly rollups, for 100,000 and for
1,000,000 cases received in that year, and the growth between them (aim: flat).

`GET /v1/trends` reads only the rollups (`escalation_rollups`: one row per dimension, key
and hour with at least one case), never the case table, so the cases themselves are not
created: the rollup rows they would have made are inserted directly in bulk, 8,760 hours ×
each dimension's keys, with counts that add up to the number of cases per dimension (a
daily rhythm, a weekly one and some noise). More cases make bigger counts, barely more rows
(an hour and key with no case has no row, so the smaller year is sparser; from about 1M a
year every key has a row in every hour, and 10M reads exactly as many rows as 1M). Timed
over HTTP on a service whose clock stands at the year's end: the default read (the last 7
days, hourly, with the spike baselines of 4 weeks before) and the longest one (92 days,
daily).
"""

from __future__ import annotations

import math
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from reviewer_app.service.accounts import add_user
from reviewer_app.service.db import upgrade_head
from reviewer_app.service.server import start_in_thread
from reviewer_app.service.settings import ServiceSettings
from reviewer_app.service.trends import DIMENSIONS
from tests.bench.run_all import Figure
from tests.helpers.service_fixtures import FAST_HASHING
from tests.integration.service.api import Api
from tests.integration.service.conftest import SteppedClock

SMALL, BIG, HUGE = 100_000, 1_000_000, 10_000_000
"""HUGE shows where the growth stops: once every key has a case in every hour (about 1M a
year here), more cases only make bigger counts in the same rows."""
HOURS = 8_760
KEYS = 8
"""Keys per dimension (8 queues, 8 sources, ...), weighted 1/(rank+1)."""
SAMPLES = 20
END = datetime(2026, 1, 1, tzinfo=UTC)
START = END - timedelta(hours=HOURS)
READS = {"7 days hourly": "/trends?dimension=queue&bucket=hour",
         "92 days daily": "/trends?dimension=queue&bucket=day"
                          f"&since={(END - timedelta(days=92)):%Y-%m-%dT%H:%M:%SZ}"
                          f"&until={END:%Y-%m-%dT%H:%M:%SZ}"}


def _rows(cases: int, rng: random.Random) -> list[tuple[str, str, str, int]]:
    weights = [1 / (k + 1) for k in range(KEYS)]
    total_w = sum(weights)
    shape = []
    for h in range(HOURS):
        at = START + timedelta(hours=h)
        daily = 1 + 0.6 * math.sin((at.hour - 6) / 24 * 2 * math.pi)
        weekly = 0.7 if at.weekday() >= 5 else 1.0
        shape.append(daily * weekly)
    scale = cases / sum(shape)
    out = []
    for dimension in DIMENSIONS:
        for k, w in enumerate(weights):
            key = f"{dimension}-{k}"
            for h, s in enumerate(shape):
                mean = scale * s * w / total_w
                n = int(mean + rng.gauss(0, math.sqrt(mean)) + 0.5)
                if n > 0:
                    hour = (START + timedelta(hours=h)).strftime("%Y-%m-%d %H:%M:%S.%f")
                    out.append((dimension, key, hour, n))
    return out


def _service(tmp: str, cases: int, rng: random.Random) -> tuple[str, int, float]:
    path = Path(tmp) / f"trends-{cases}.db"
    db_url = f"sqlite:///{path}"
    upgrade_head(db_url)
    add_user(db_url, "bench-lead", "bench-lead-pw", "wellness_lead", "bench", migrate=False)
    started = time.perf_counter()
    rows = _rows(cases, rng)
    db = sqlite3.connect(path)
    db.executemany("INSERT INTO escalation_rollups (dimension, key, hour, count) "
                   "VALUES (?, ?, ?, ?)", rows)
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return db_url, len(rows), time.perf_counter() - started


def _timed(db_url: str) -> dict[str, float]:
    clock = SteppedClock()
    clock.at = END - timedelta(minutes=1)
    settings = ServiceSettings(db_url=db_url, access_token_ttl_s=24 * 3600, **FAST_HASHING)
    out = {}
    with start_in_thread(settings, clock=clock) as running:
        api = Api(running.url)
        assert api.login("bench-lead", "bench-lead-pw").status_code == 200
        for name, path in READS.items():
            assert api.call("GET", path).status_code == 200  # warm
            times = []
            for _ in range(SAMPLES):
                begun = time.perf_counter()
                reply = api.call("GET", path)
                times.append((time.perf_counter() - begun) * 1000)
                assert reply.status_code == 200, reply.text
                assert reply.json()["points"]
            out[name] = statistics.median(times)
    return out


def run() -> list[Figure]:
    rng = random.Random(14)
    figures: list[Figure] = []
    medians: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-trends-") as tmp:
        for cases in (SMALL, BIG, HUGE):
            db_url, rows, seeded_s = _service(tmp, cases, rng)
            medians[cases] = _timed(db_url)
            for name, ms in medians[cases].items():
                figures.append(Figure("trends", f"GET trends {name} p50, {cases:,} cases/year",
                                      ms, "ms", f"{rows:,} rollup rows, seeded in "
                                      f"{seeded_s:.1f} s"))
    for name in READS:
        figures.append(Figure("trends", f"  ratio {BIG:,}/{SMALL:,} cases, {name}",
                              medians[BIG][name] / medians[SMALL][name], "x",
                              "aim: flat (1); the smaller year has fewer rows"))
        figures.append(Figure("trends", f"  ratio {HUGE:,}/{BIG:,} cases, {name}",
                              medians[HUGE][name] / medians[BIG][name], "x",
                              "aim: flat (1); the same rows, bigger counts"))
    return figures


if __name__ == "__main__":
    for f in run():
        print(f"{f.name:<58} {f.value:>10.3f} {f.unit:<4} {f.note}")
