"""Two service processes on one database, 8 clients leasing and deciding 2,000 cases: every
case decided exactly once, no case handed to two leases (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from reviewer_app.service.models import CaseRow, DecisionRow
from tests.helpers.service_fixtures import ServiceProcessFactory, seed_specialists_and_cases
from tests.integration.service.api import Api

CASES = 2000
CLIENTS = 8


def _prepare(db_url: str) -> list[tuple[str, str]]:
    return seed_specialists_and_cases(db_url, CLIENTS, CASES)


def _work(url: str, user: tuple[str, str]) -> tuple[list[str], list[str]]:
    """Lease and decide until the queue is empty; returns (leased ids, decided ids)."""
    api = Api(url)
    assert api.login(*user).status_code == 200
    leased: list[str] = []
    decided: list[str] = []
    while True:
        resp = api.lease(5)
        assert resp.status_code == 201, resp.text
        lease = resp.json()
        if not lease["cases"]:
            return leased, decided
        for case in lease["cases"]:
            leased.append(case["id"])
            done = api.decide(case["id"], lease["lease_id"], action="keep")
            assert done.status_code == 201, done.text
            decided.append(case["id"])


def _run(db_url: str, service_process: ServiceProcessFactory) -> None:
    users = _prepare(db_url)
    procs = [service_process(db_url, seed=False) for _ in range(2)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(_work, procs[i % 2].url, users[i]) for i in range(CLIENTS)]
        results = [f.result() for f in futures]
    leased = Counter(cid for got, _ in results for cid in got)
    decided = Counter(cid for _, got in results for cid in got)
    assert max(leased.values()) == 1, "a case was handed to two leases"
    assert len(leased) == CASES
    assert decided == leased
    assert all(len(got) > 0 for got, _ in results), "every client got work"
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(DecisionRow)) == CASES
        assert conn.scalar(select(func.count(func.distinct(DecisionRow.case_id)))) == CASES
        assert conn.scalar(select(func.count()).where(CaseRow.status != "decided")) == 0
    engine.dispose()


@pytest.mark.slow
def test_two_processes_on_sqlite(tmp_path: Path, service_process: ServiceProcessFactory) -> None:
    _run(f"sqlite:///{tmp_path / 'shared.db'}", service_process)


@pytest.mark.slow
@pytest.mark.postgres
def test_two_processes_on_postgresql(
    pg_db_url: str, service_process: ServiceProcessFactory
) -> None:
    _run(pg_db_url, service_process)
