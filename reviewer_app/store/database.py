"""Opening the local SQLite store: durable pragmas on every connection, and migrations to the
current schema with a backup of the file taken before each migration step."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text

log = logging.getLogger(__name__)

SCHEMA_HEAD = "0002"
"""The newest migration; a unit test keeps it equal to Alembic's head."""

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
    finally:
        cursor.close()


def open_engine(path: Path) -> Engine:
    """An engine on `path` that several threads may share (short sessions per operation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    return engine


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has_table = conn.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        )).first()
        if not has_table:
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return str(row[0]) if row else None


def _has_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT 1 FROM sqlite_master WHERE type='table'")).first() \
            is not None


def backup_file(path: Path, label: str) -> Path | None:
    """Copy the store with SQLite's online backup (consistent even in WAL mode)."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    target = path.with_name(f"{path.name}.before-{label}.bak")
    src = sqlite3.connect(str(path))
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def migrate(engine: Engine, path: Path) -> None:
    """Bring the store to SCHEMA_HEAD, one revision at a time, backing up an existing store
    before each step (a store made in this run has nothing to lose)."""
    current = current_revision(engine)
    if current == SCHEMA_HEAD:
        return  # the common case: no Alembic import, so start-up stays fast
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(config)
    steps = [rev.revision for rev in script.iterate_revisions("heads", current or "base")
             if rev.revision != current]
    has_data = _has_tables(engine)
    for revision in reversed(steps):
        saved = backup_file(path, revision) if has_data else None
        if saved:
            log.info("store backed up to %s before migration %s", saved.name, revision)
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
