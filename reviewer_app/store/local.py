"""The local store as one object: an engine shared by the UI's serial worker and the sync
thread, short sessions per operation, and one lock so SQLite never sees two writers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from reviewer_app.store.database import migrate, open_engine


class LocalStore:
    """Opens (and migrates) the SQLite file at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.engine = open_engine(path)
        migrate(self.engine, path)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = threading.RLock()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction that commits on success; writers take turns."""
        with self._write_lock, self._sessions() as db, db.begin():
            yield db

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as db:
            yield db

    def integrity_ok(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"

    def close(self) -> None:
        self.engine.dispose()
