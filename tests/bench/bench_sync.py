"""Draining an outbox of 10,000 decisions to a local service (its own process, SQLite):
decisions per second through the batch endpoint (POST /v1/sync) and with one request per
decision (POST /v1/cases/{id}/decisions + Idempotency-Key), and their ratio.

Both runs use the same client core; only the drain mode differs. Deciding (the local
commits) happens before the clock starts. `BENCH_SYNC_DECISIONS` shrinks the run."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

from reviewer_app import domain
from reviewer_app.client.credentials import RefreshTokenVault
from reviewer_app.client.session import ReviewSession
from reviewer_app.config import ClientConfig
from reviewer_app.service.seed import add_cases, seed_demo
from tests.bench.run_all import Figure
from tests.bench.service_process import service_process

DECISIONS = int(os.environ.get("BENCH_SYNC_DECISIONS", "10000"))


def _drain(url: str, data_dir: Path, account: tuple[str, str], per_item: bool) -> float:
    """Decide DECISIONS leased cases locally, then time the drain; decisions per second."""
    config = ClientConfig(server_url=url, data_dir=data_dir,
                          keyring_service=f"bench-sync-{uuid.uuid4().hex[:8]}")
    session = ReviewSession(config)
    try:
        session.login(*account)
        decided = 0
        while decided < DECISIONS:
            leased = session.lease(min(50, DECISIONS - decided))
            if not leased:
                raise RuntimeError("the queue ran dry")
            for case in leased:
                session.decide(case.id, domain.Action.KEEP, handle_ms=1)
                decided += 1
        session._drainer.per_item = per_item
        started = time.perf_counter()
        report = session.sync()
        elapsed = time.perf_counter() - started
        if report.remaining or report.applied != DECISIONS:
            raise RuntimeError(f"drain incomplete: {report}")
        session.logout()
        return DECISIONS / elapsed
    finally:
        session.close()
        RefreshTokenVault(config.keyring_service, config.server_url).clear()


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        root = Path(tmp)
        db_url = f"sqlite:///{root / 'service.db'}"
        accounts = seed_demo(db_url, cases=0)
        add_cases(db_url, 2 * DECISIONS, migrate=False, seed=5, decidable_as_is=True)
        with service_process(db_url, root / "service.log") as url:
            batch = _drain(url, root / "batch", accounts.specialist, per_item=False)
            single = _drain(url, root / "single", accounts.specialist, per_item=True)
    n = f"{DECISIONS} decisions, service in its own process on loopback (SQLite)"
    return [
        Figure("sync", "drain via POST /v1/sync (batches of up to 500)", batch, "dec/s", n),
        Figure("sync", "drain with one request per decision", single, "dec/s", n),
        Figure("sync", "batch / one-per-request", batch / single, "x", "same run"),
    ]


if __name__ == "__main__":
    for figure in run():
        print(f"{figure.name:<50} {figure.value:>10.1f} {figure.unit} {figure.note}")
