"""Engines and transactions for SQLite and PostgreSQL, and the Alembic upgrade.

SQLite serialises writers: a write transaction starts with BEGIN IMMEDIATE so two service
processes on one file queue on the lock (busy timeout) instead of failing mid-transaction.
PostgreSQL uses row locks (SELECT ... FOR UPDATE SKIP LOCKED) where it matters.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_SQLITE_BUSY_TIMEOUT_S = 30.0


def is_sqlite(db_url: str) -> bool:
    return make_url(db_url).get_backend_name() == "sqlite"


def make_engine(db_url: str, *, pool_size: int = 8) -> Engine:
    """An engine configured for concurrent service use on either backend."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        connect_args = {"check_same_thread": False, "timeout": _SQLITE_BUSY_TIMEOUT_S}
        if url.database in (None, "", ":memory:"):
            engine = create_engine(url, connect_args=connect_args, poolclass=StaticPool)
        else:
            engine = create_engine(url, connect_args=connect_args, pool_size=pool_size,
                                   max_overflow=pool_size)
        _configure_sqlite(engine)
        return engine
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported database backend: {url.get_backend_name()}")
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(_SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """One engine per service instance; `write()` and `read()` are the transactions."""

    def __init__(self, db_url: str, *, pool_size: int = 8) -> None:
        self.url = db_url
        self.engine = make_engine(db_url, pool_size=pool_size)
        self.sqlite = self.engine.dialect.name == "sqlite"
        self._write_engine = (
            self.engine.execution_options(sqlite_immediate=True) if self.sqlite else self.engine
        )
        self._write_lock = threading.Lock() if self.sqlite else None

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that will write: committed on success, rolled back on any error.
        On SQLite, this process's writers queue on a lock first: SQLite's own busy handler
        waits by sleeping in growing steps, which stalls requests for hundreds of ms."""
        if self._write_lock is None:
            with Session(self._write_engine, expire_on_commit=False) as session, \
                    session.begin():
                yield session
            return
        with self._write_lock, Session(self._write_engine, expire_on_commit=False) as session, \
                session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A read-only Core connection, for the per-request reads that need no ORM session
        (the bearer-token check)."""
        with self.engine.connect() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()


_migrate_lock = threading.Lock()


def upgrade_head(db_url: str) -> None:
    """Bring the schema to the newest Alembic revision (safe to run on every start)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db_url.replace("%", "%%"))
    with _migrate_lock:
        engine = make_engine(db_url, pool_size=1)
        try:
            with engine.execution_options(sqlite_immediate=True).connect() as conn:
                if engine.dialect.name == "postgresql":
                    # Several instances may start at once: one migrates, the rest wait.
                    conn.execute(text("SELECT pg_advisory_lock(727274001)"))
                    conn.commit()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_unlock(727274001)"))
                    conn.commit()
        finally:
            engine.dispose()
