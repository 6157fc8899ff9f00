"""`reviewer-service seed --demo` adds accounts with published passwords: it must never add
them to a service that already has users (a team's installed service)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer_app.service.__main__ import main
from reviewer_app.service.accounts import add_user
from reviewer_app.service.db import upgrade_head


def test_demo_seed_runs_on_an_empty_database(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main(["seed", "--db", db, "--demo", "--cases", "2"]) == 0


def test_demo_seed_refuses_a_database_with_users(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'team.db'}"
    upgrade_head(db)
    add_user(db, "alice", "a-real-password-1", "specialist", "escalations", migrate=False)
    assert main(["seed", "--db", db, "--demo"]) == 2
    assert "published" in capsys.readouterr().err
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.connect() as conn:
        names = [r[0] for r in conn.execute(text("SELECT username FROM users"))]
    engine.dispose()
    assert names == ["alice"]
