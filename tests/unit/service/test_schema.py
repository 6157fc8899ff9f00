"""The Alembic chain and the database guarantees it installs (SQLite file)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DatabaseError

from reviewer_app.service.db import MIGRATIONS_DIR, Database, upgrade_head
from reviewer_app.service.models import AuditRow, Base


def _alembic(db_url: str) -> Config:
    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db_url)
    return cfg


def test_migrations_build_exactly_the_models_and_go_back_down(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade_head(url)
    upgrade_head(url)  # a second start changes nothing
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set(Base.metadata.tables)
    engine.dispose()
    command.downgrade(_alembic(url), "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_the_audit_log_refuses_edits(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    upgrade_head(url)
    db = Database(url, pool_size=1)
    with db.write() as s:
        s.add(AuditRow(at=datetime.now(UTC), actor="t", action="test"))
    for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"), db.write() as s:
            s.execute(text(statement))
    with db.read() as s:
        assert s.scalar(text("SELECT actor FROM audit_events")) == "t"
    db.dispose()


def test_times_come_back_aware(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    upgrade_head(url)
    db = Database(url, pool_size=1)
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    with db.write() as s:
        s.add(AuditRow(at=at, actor="t", action="test"))
    with db.read() as s:
        row = s.query(AuditRow).one()
        assert row.at == at
        assert row.at.tzinfo is not None
    db.dispose()
