"""Read-only looks into the service's own database, to count what it really holds."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path


def sqlite_path(db_url: str) -> Path:
    assert db_url.startswith("sqlite:///"), db_url
    return Path(db_url.removeprefix("sqlite:///"))


def service_decisions(db_url: str) -> list[tuple[str, str]]:
    """(client_id, case_id) of every decision the service stored."""
    conn = sqlite3.connect(f"file:{sqlite_path(db_url)}?mode=ro", uri=True)
    try:
        return [(str(c), str(k)) for c, k in conn.execute(
            "SELECT client_id, case_id FROM decisions")]
    finally:
        conn.close()


def duplicates(values: list[str]) -> list[str]:
    return [v for v, n in Counter(values).items() if n > 1]
