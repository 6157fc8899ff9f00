"""Review service throughput: lease+decide operations per second and latency percentiles, on
SQLite with one process and on PostgreSQL with one and two processes (same run, same load).

One operation = lease one case + decide it (two HTTP calls); one more figure leases five
cases at a time, as the desktop client does, and counts decisions per second. Clients are
threads in this process, so on a 2-core machine they compete with the service for CPU: the
figures are for comparing configurations, not a capacity promise.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def _client(url: str, user: tuple[str, str], batch: int) -> list[float]:
    """Leases `batch` cases at a time and decides them; one latency per decided case
    (its share of the lease call plus its decision)."""
    api = Api(url)
    assert api.login(*user).status_code == 200
    latencies: list[float] = []
    done = 0
    while done < WARMUP_OPS + OPS_PER_CLIENT:
        started = time.perf_counter()
        lease = api.lease(batch).json()
        lease_share = (time.perf_counter() - started) / max(1, len(lease["cases"]))
        for case in lease["cases"]:
            t0 = time.perf_counter()
            resp = api.decide(case["id"], lease["lease_id"], action="keep")
            assert resp.status_code == 201, resp.text
            if done >= WARMUP_OPS:
                latencies.append(lease_share + time.perf_counter() - t0)
            done += 1
    return latencies


def _measure(db_url: str, processes: int, workdir: Path,
             batch: int = 1) -> tuple[float, float, float]:
    """(decided cases/s, p50 ms, p99 ms) for `processes` service instances on `db_url`."""
    users = _prepare(db_url)
    procs = [ServiceProcess(db_url=db_url, port=free_port(), log_path=workdir / f"svc{i}.log")
             for i in range(processes)]
    try:
        for p in procs:
            p.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            started = time.perf_counter()
            futures = [pool.submit(_client, procs[i % processes].url, users[i], batch)
                       for i in range(CLIENTS)]
            latencies = [lat for f in futures for lat in f.result()]
            elapsed = time.perf_counter() - started
    finally:
        for p in procs:
            p.stop()
    latencies.sort()
    total_ops = CLIENTS * (OPS_PER_CLIENT + WARMUP_OPS)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return total_ops / elapsed, statistics.median(latencies) * 1000, p99 * 1000


def _figures(label: str, result: tuple[float, float, float]) -> list[Figure]:
    ops, p50, p99 = result
    return [
        Figure("service", f"{label}: lease+decide ops/s ({CLIENTS} clients)", ops, "ops/s"),
        Figure("service", f"{label}: lease+decide p50", p50, "ms"),
        Figure("service", f"{label}: lease+decide p99", p99, "ms"),
    ]


def run() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        work = Path(tmp)
        sqlite = _measure(f"sqlite:///{work / 'bench.db'}", 1, work)
        figures += _figures("SQLite, 1 process", sqlite)
        batched = _measure(f"sqlite:///{work / 'bench-batch.db'}", 1, work, batch=5)
        figures.append(Figure("service", "SQLite, 1 process: decisions/s, leases of 5 cases",
                              batched[0], "dec/s", f"{CLIENTS} clients"))
        if find_pg_bin() is None:
            figures.append(Figure("service", "PostgreSQL figures", 0.0, "-",
                                  "skipped: PostgreSQL server binaries not found"))
            return figures
        with postgres_cluster() as pg:
            one = _measure(pg.create_database("bench1"), 1, work)
            two = _measure(pg.create_database("bench2"), 2, work)
        figures += _figures("PostgreSQL, 1 process", one)
        figures += _figures("PostgreSQL, 2 processes", two)
        figures.append(Figure("service", "PostgreSQL ops/s, 2 processes / 1 process",
                              two[0] / one[0], "ratio", "same load, same run"))
        figures.append(Figure("service", "PostgreSQL 1 process / SQLite 1 process ops/s",
                              one[0] / sqlite[0], "ratio"))
    return figures
