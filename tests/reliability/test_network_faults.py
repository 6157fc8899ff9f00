"""Network faults between client and service (resets, stalls, latency, replies dropped after
the service committed) and a crash-restart of the service mid-run. After healing: nothing
lost, nothing applied twice, the outbox drained."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from reviewer_app import domain
from reviewer_app.client.session import ReviewSession
from reviewer_app.service.seed import add_cases
from tests.reliability.fault_proxy import Fault, FaultPlan, FaultProxy
from tests.reliability.service_checks import duplicates, service_decisions, sqlite_path

pytestmark = [pytest.mark.slow, pytest.mark.keyring]

CASES = 150


def _service_notes(db_url: str) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(f"file:{sqlite_path(db_url)}?mode=ro", uri=True)
    try:
        return [str(r[0]) for r in conn.execute("SELECT client_id FROM notes")]
    finally:
        conn.close()


def test_faults_and_a_service_restart_lose_and_duplicate_nothing(
        service_process: Any, make_client_config: Any, tmp_path: Any) -> None:
    db_url = f"sqlite:///{tmp_path / 'faults.db'}"
    add_cases(db_url, CASES, seed=9, decidable_as_is=True)
    service = service_process(db_url)
    with FaultProxy(service.port, seed=7, stall_s=3.0) as proxy:
        config = make_client_config(proxy.url, read_timeout_s=2.0, connect_timeout_s=2.0)
        session = ReviewSession(config)
        try:
            session.login(*service.accounts.specialist)
            leased = [c for _ in range(CASES // 50) for c in session.lease(50)]
            assert len(leased) == CASES
            decisions = {str(session.decide(c.id, domain.Action.REMOVE if i % 2 else
                                            domain.Action.KEEP, reason=f"r{i}").client_id)
                         for i, c in enumerate(leased)}
            notes = {str(session.add_note(c.id, f"note {i}").client_id)
                     for i, c in enumerate(leased[:40])}
            for c in leased[:20]:
                session.record_exposure(domain.ExposureEvent(
                    client_id=uuid.uuid4(), case_id=c.id, media_id=session.case(c.id).media[0].id,
                    harm_category=c.harm_category, severity=c.severity,
                    kind=domain.ExposureKind.SHOWN, duration_ms=500, at=session.clock.now()))

            proxy.plan = FaultPlan(latency=0.2, reset=0.15, stall=0.05, drop_reply=0.25)
            session._drainer.batch_items = 8
            resent = 0
            for round_no in range(30):
                session._drainer.per_item = round_no % 3 == 1  # Idempotency-Key path too
                if round_no == 12:
                    service.restart(kill=True)  # the service dies mid-run and comes back
                resent += session.sync().duplicate

            proxy.heal()
            session._drainer.per_item = False
            for _ in range(20):
                report = session.sync()
                resent += report.duplicate
                if report.remaining == 0:
                    break
            counts = session.outbox_counts()
            conflicts = session.conflicts()
        finally:
            session.close()
    assert all(proxy.injected[f] > 0 for f in Fault), proxy.injected
    assert resent > 0, "no reply was lost after a commit: the nasty case never happened"
    assert (counts.pending, counts.conflicts, counts.invalid) == (0, 0, 0), conflicts
    on_service = service_decisions(db_url)
    ids = [c for c, _ in on_service]
    assert not duplicates(ids)
    assert not duplicates([case for _, case in on_service])
    assert decisions <= set(ids), f"lost {len(decisions - set(ids))} decisions"
    service_notes = _service_notes(db_url)
    assert not duplicates(service_notes)
    assert notes <= set(service_notes), f"lost {len(notes - set(service_notes))} notes"
