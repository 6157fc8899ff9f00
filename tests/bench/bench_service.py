"""Review service throughput: lease+decide operations per second and latency percentiles, on
SQLite with one process and on PostgreSQL with one and two processes (same run, same load).

One operation = lease one case + decide it (two HTTP calls). Two more figures count decisions
per second the way clients really send them: the desktop client leases five cases and syncs
each decision through /v1/sync as it is made; a client catching up after an outage (or a
bulk tool) leases ten and sends them in one /v1/sync batch. Clients are threads in this
process, so on a 2-core machine they compete with the service for CPU: the figures are for
comparing configurations, not a capacity promise.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer_app.service.storage import MEDIA_DIR_ENV
from tests.bench.run_all import Figure
from tests.helpers.postgres import find_pg_bin, free_port, postgres_cluster
from tests.helpers.service_fixtures import ServiceProcess, seed_specialists_and_cases
from tests.integration.service.api import Api

CLIENTS = 8
OPS_PER_CLIENT = 150
WARMUP_OPS = 10


def _prepare(db_url: str) -> list[tuple[str, str]]:
    return seed_specialists_and_cases(
        db_url, CLIENTS, CLIENTS * (OPS_PER_CLIENT + WARMUP_OPS + 10), prefix="bench")


@dataclass(frozen=True)
class Pattern:
    """How a client leases and sends its decisions."""

    lease_size: int
    via_sync: bool  # decisions through POST /v1/sync (else POST /cases/{id}/decisions)
    sync_batch: int = 1


SINGLE = Pattern(lease_size=1, via_sync=False)
DESKTOP = Pattern(lease_size=5, via_sync=True)
CATCH_UP = Pattern(lease_size=10, via_sync=True, sync_batch=10)


def _send(api: Api, lease: dict[str, Any], cases: list[dict[str, Any]], pattern: Pattern) -> None:
    if not pattern.via_sync:
        (case,) = cases
        resp = api.decide(case["id"], lease["lease_id"], action="keep")
        assert resp.status_code == 201, resp.text
        return
    resp = api.sync([Api.decision_body(c["id"], lease["lease_id"], action="keep")
                     for c in cases])
    assert resp.status_code == 200, resp.text
    assert all(r["status"] == "applied" for r in resp.json()["results"]), resp.text


def _client(url: str, user: tuple[str, str], pattern: Pattern) -> list[float]:
    """Leases and decides as `pattern` says; one latency per decided case: its share of the
    lease call plus its share of the call that carried its decision."""
    api = Api(url)
    assert api.login(*user).status_code == 200
    latencies: list[float] = []
    done = 0
    while done < WARMUP_OPS + OPS_PER_CLIENT:
        started = time.perf_counter()
        lease = api.lease(pattern.lease_size).json()
        lease_share = (time.perf_counter() - started) / max(1, len(lease["cases"]))
        step = 1 if not pattern.via_sync else pattern.sync_batch
        for first in range(0, len(lease["cases"]), step):
            cases = lease["cases"][first:first + step]
            t0 = time.perf_counter()
            _send(api, lease, cases, pattern)
            share = (time.perf_counter() - t0) / len(cases)
            if done >= WARMUP_OPS:
                latencies += [lease_share + share] * len(cases)
            done += len(cases)
    return latencies


def _measure(db_url: str, processes: int, workdir: Path,
             pattern: Pattern = SINGLE) -> tuple[float, float, float]:
    """(decided cases/s, p50 ms, p99 ms) for `processes` service instances on `db_url`."""
    users = _prepare(db_url)
    procs = [ServiceProcess(db_url=db_url, port=free_port(), log_path=workdir / f"svc{i}.log")
             for i in range(processes)]
    try:
        for p in procs:
            p.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            started = time.perf_counter()
            futures = [pool.submit(_client, procs[i % processes].url, users[i], pattern)
                       for i in range(CLIENTS)]
            latencies = [lat for f in futures for lat in f.result()]
            elapsed = time.perf_counter() - started
    finally:
        for p in procs:
            p.stop()
    latencies.sort()
    decided = len(latencies) + CLIENTS * WARMUP_OPS
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return decided / elapsed, statistics.median(latencies) * 1000, p99 * 1000


@contextmanager
def _environ(name: str, value: str) -> Iterator[None]:
    """`name` set to `value` in this process (and the services it starts), then as it was."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


def _figures(label: str, result: tuple[float, float, float]) -> list[Figure]:
    ops, p50, p99 = result
    return [
        Figure("service", f"{label}: lease+decide ops/s ({CLIENTS} clients)", ops, "ops/s"),
        Figure("service", f"{label}: lease+decide p50", p50, "ms"),
        Figure("service", f"{label}: lease+decide p99", p99, "ms"),
    ]


def _decisions_per_s(label: str, result: tuple[float, float, float]) -> list[Figure]:
    rate, p50, p99 = result
    return [Figure("service", f"{label}: decisions/s", rate, "dec/s",
                   f"p50 {p50:.1f} ms, p99 {p99:.1f} ms per decision")]


def run() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        work = Path(tmp)
        sqlite = _measure(f"sqlite:///{work / 'bench.db'}", 1, work)
        figures += _figures("SQLite, 1 process", sqlite)
        figures += _decisions_per_s(
            "SQLite, 1 process, desktop (lease 5, sync each)",
            _measure(f"sqlite:///{work / 'bench-desktop.db'}", 1, work, DESKTOP))
        figures += _decisions_per_s(
            "SQLite, 1 process, catch-up (lease 10, sync 10)",
            _measure(f"sqlite:///{work / 'bench-catch-up.db'}", 1, work, CATCH_UP))
        if find_pg_bin() is None:
            figures.append(Figure("service", "PostgreSQL figures", 0.0, "-",
                                  "skipped: PostgreSQL server binaries not found"))
            return figures
        # PostgreSQL implies no media directory: the seed and the services learn one as any
        # tool given only a database URL does, from the environment.
        with postgres_cluster() as pg, _environ(MEDIA_DIR_ENV, str(work / "pg-media")):
            one = _measure(pg.create_database("bench1"), 1, work)
            two = _measure(pg.create_database("bench2"), 2, work)
            two_catch_up = _measure(pg.create_database("bench3"), 2, work, CATCH_UP)
        figures += _figures("PostgreSQL, 1 process", one)
        figures += _figures("PostgreSQL, 2 processes", two)
        figures.append(Figure("service", "PostgreSQL ops/s, 2 processes / 1 process",
                              two[0] / one[0], "ratio", "same load, same run"))
        figures.append(Figure("service", "PostgreSQL 1 process / SQLite 1 process ops/s",
                              one[0] / sqlite[0], "ratio"))
        figures += _decisions_per_s("PostgreSQL, 2 processes, catch-up (lease 10, sync 10)",
                                    two_catch_up)
    return figures
