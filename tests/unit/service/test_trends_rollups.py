"""The rollups: migration 0013 fills them from the cases already held, and every ingest
after it counts its case into them in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from reviewer_app.domain import HarmCategory, PolicyArea, ReporterType, Severity, Source
from reviewer_app.service.db import MIGRATIONS_DIR, Database
from reviewer_app.service.ingest import NewCase, add_case_rows
from reviewer_app.service.models import CaseRow
from reviewer_app.service.models_trends import EscalationRollupRow
from reviewer_app.service.storage import DirectoryStore


def _alembic(db_url: str) -> Config:
    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db_url)
    return cfg


def _rollups(db: Database) -> dict[tuple[str, str, datetime], int]:
    with db.read() as s:
        return {(r.dimension, r.key, r.hour): r.count
                for r in s.scalars(select(EscalationRollupRow))}


def test_the_migration_backfills_and_ingest_keeps_counting(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    command.upgrade(_alembic(url), "0012")
    db = Database(url, pool_size=1)
    at = datetime(2026, 11, 30, 14, 25, tzinfo=UTC)
    with db.write() as s:
        s.add(CaseRow(id="OLD1", queue="general", source="user_report",
                      policy_area="community_standards", harm_category="hate_harassment",
                      severity=2, priority=50, received_at=at, sla_due_at=at + timedelta(days=1),
                      jurisdiction="EU-DE", reporter_type="user", reporter_statement="",
                      subject_text="", status="queued"))
    db.dispose()
    command.upgrade(_alembic(url), "head")
    db = Database(url, pool_size=1)
    hour = at.replace(minute=0)
    counts = _rollups(db)
    assert counts[("source", "user_report", hour)] == 1
    assert counts[("queue", "general", hour)] == 1
    assert counts[("jurisdiction", "EU-DE", hour)] == 1
    assert not any(d == "reporter_organisation" for d, _, _ in counts)  # none held

    store = DirectoryStore(tmp_path / "media")
    case = NewCase(source=Source.TRUSTED_FLAGGER, policy_area=PolicyArea.COMMUNITY_STANDARDS,
                   harm_category=HarmCategory.HATE_HARASSMENT, severity=Severity.MODERATE,
                   priority=50, received_at=at + timedelta(minutes=20),
                   reporter_type=ReporterType.TRUSTED_FLAGGER,
                   reporter_organisation="Flaggers United (fictional)")
    with db.write() as s:
        add_case_rows(s, case, store)
    counts = _rollups(db)
    assert counts[("harm_category", "hate_harassment", hour)] == 2
    assert counts[("source", "trusted_flagger", hour)] == 1
    assert counts[("reporter_organisation", "Flaggers United (fictional)", hour)] == 1
    db.dispose()
