"""The local store: durable pragmas, migrations with backups, the outbox's promises."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from reviewer_app import contract, domain
from reviewer_app.store import cases, outbox
from reviewer_app.store.database import MIGRATIONS_DIR, SCHEMA_HEAD
from reviewer_app.store.local import LocalStore
from reviewer_app.store.outbox import ItemState, Settlement

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _summary(case_id: str, priority: int, due_h: int) -> domain.CaseSummary:
    return domain.CaseSummary(
        id=case_id, source=domain.Source.USER_REPORT,
        policy_area=domain.PolicyArea.COMMUNITY_STANDARDS,
        harm_category=domain.HarmCategory.GRAPHIC_VIOLENCE, severity=domain.Severity.HIGH,
        priority=priority, received_at=NOW, sla_due_at=NOW + timedelta(hours=due_h))


def _lease(store: LocalStore, *summaries: domain.CaseSummary, lease_id: str = "L1") -> None:
    with store.write() as db:
        cases.save_lease(db, contract.Lease(lease_id=lease_id, expires_at=NOW + timedelta(
            minutes=10), cases=list(summaries)), NOW)


def _decision(case_id: str) -> domain.Decision:
    return domain.Decision(client_id=uuid.uuid4(), case_id=case_id, lease_id="L1",
                           action=domain.Action.REMOVE, decided_at=NOW, handle_ms=5)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    s = LocalStore(tmp_path / "store.sqlite3")
    yield s
    s.close()


def test_store_runs_in_wal_with_full_sync(store: LocalStore) -> None:
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    assert store.integrity_ok()


def test_schema_head_matches_alembic_head(store: LocalStore) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD


def test_migration_backs_up_the_file_first(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # a store from before migrations, holding data
        conn.execute("CREATE TABLE legacy (v TEXT)")
        conn.execute("INSERT INTO legacy VALUES ('keep me')")
    conn.close()
    LocalStore(path).close()
    backup = tmp_path / f"old.sqlite3.before-{SCHEMA_HEAD}.bak"
    assert backup.exists()
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT v FROM legacy").fetchone() == ("keep me",)
    conn.close()


def test_fresh_store_needs_no_backup(tmp_path: Path) -> None:
    LocalStore(tmp_path / "new.sqlite3").close()
    assert not list(tmp_path.glob("*.bak"))


def test_open_cases_order_by_priority_then_sla(store: LocalStore) -> None:
    _lease(store, _summary("c-low", 10, 1), _summary("c-late", 90, 5), _summary("c-soon", 90, 2))
    with store.read() as db:
        assert [c.id for c in cases.open_cases(db)] == ["c-soon", "c-late", "c-low"]


def test_decision_and_case_state_commit_together(store: LocalStore) -> None:
    _lease(store, _summary("c1", 50, 1))
    def crash_before_commit() -> None:
        with store.write() as db:
            outbox.add_decision(db, _decision("c1"), NOW)
            cases.mark_decided(db, "c1")
            raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        crash_before_commit()
    with store.read() as db:
        assert outbox.counts(db).pending == 0
        assert [c.id for c in cases.open_cases(db)] == ["c1"]
    with store.write() as db:
        outbox.add_decision(db, _decision("c1"), NOW)
        cases.mark_decided(db, "c1")
    with store.read() as db:
        assert outbox.counts(db).pending == 1
        assert cases.open_cases(db) == []
        assert outbox.has_decision(db, "c1")


def test_settlements_keep_conflicts_and_invalid_items(store: LocalStore) -> None:
    items = [_decision(f"c{i}") for i in range(4)]
    with store.write() as db:
        for d in items:
            outbox.add_decision(db, d, NOW)
    statuses = [domain.SyncStatus.APPLIED, domain.SyncStatus.DUPLICATE,
                domain.SyncStatus.CONFLICT, domain.SyncStatus.INVALID]
    with store.write() as db:
        outbox.settle(db, [Settlement(str(d.client_id), s, "lease_lost" if i == 2 else None,
                                      f"why {i}") for i, (d, s) in enumerate(zip(items, statuses,
                                                                                 strict=True))],
                      NOW)
    with store.read() as db:
        assert outbox.counts(db) == outbox.OutboxCounts(pending=0, synced=2, conflicts=1,
                                                        invalid=1)
        surfaced = outbox.conflicts(db)
    assert [(c.case_id, c.status, c.reason) for c in surfaced] == [
        ("c2", ItemState.CONFLICT.value, "why 2"), ("c3", ItemState.INVALID.value, "why 3")]
    assert surfaced[0].code == "lease_lost"


def test_a_late_answer_never_changes_a_settled_item(store: LocalStore) -> None:
    d = _decision("c1")
    with store.write() as db:
        outbox.add_decision(db, d, NOW)
        outbox.settle(db, [Settlement(str(d.client_id), domain.SyncStatus.CONFLICT)], NOW)
        outbox.settle(db, [Settlement(str(d.client_id), domain.SyncStatus.APPLIED)], NOW)
    with store.read() as db:
        assert outbox.counts(db).conflicts == 1


def test_pending_is_oldest_first_and_exposure_goes_to_the_ledger(store: LocalStore) -> None:
    event = domain.ExposureEvent(
        client_id=uuid.uuid4(), case_id="c1", media_id="m1",
        harm_category=domain.HarmCategory.SELF_HARM, severity=domain.Severity.SEVERE,
        kind=domain.ExposureKind.REVEALED, duration_ms=1200, at=NOW)
    brk = domain.BreakEvent(client_id=uuid.uuid4(), kind=domain.BreakKind.MICRO,
                            started_at=NOW, ended_at=NOW + timedelta(minutes=1))
    first = _decision("c1")
    with store.write() as db:
        outbox.add_decision(db, first, NOW)
        outbox.add_exposure(db, event, NOW)
        outbox.add_break(db, brk, NOW)
    with store.read() as db:
        kinds = [i.kind.value for i in outbox.pending(db, 10)]
        ledger = db.execute(text("SELECT case_id, duration_ms FROM exposure_ledger")).all()
    assert kinds == ["decision", "exposure", "break"]
    assert ledger == [("c1", 1200)]


def test_leases_to_renew_only_while_cases_are_open(store: LocalStore) -> None:
    _lease(store, _summary("c1", 50, 1))
    soon = NOW + timedelta(minutes=9)
    with store.read() as db:
        assert cases.leases_to_renew(db, NOW, 120) == []
        assert cases.leases_to_renew(db, soon, 120) == ["L1"]
    with store.write() as db:
        cases.mark_decided(db, "c1")
    with store.read() as db:
        assert cases.leases_to_renew(db, soon, 120) == []
        assert cases.open_lease_ids(db) == []
