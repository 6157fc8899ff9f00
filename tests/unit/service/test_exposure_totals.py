"""The daily and weekly exposure totals the dashboard reads: they cut service days exactly
where the reviewer's ledger does (at any UTC offset), and migration 0004 fills them from the
counted exposure already stored (refused reports left out)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select

from reviewer_app.domain import ExposureEvent, ExposureKind, HarmCategory, Severity
from reviewer_app.service.db import MIGRATIONS_DIR, Database, upgrade_head
from reviewer_app.service.exposure_totals import add_totals
from reviewer_app.service.models import (
    ExposureDayRow,
    ExposureRow,
    ExposureWeekRow,
    TeamPolicyRow,
    User,
    table,
)
from reviewer_app.service.periods import service_date, week_of
from safeguards import ExposureLedger, Window

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday


def _events(count: int, seed: int) -> list[ExposureEvent]:
    rng = random.Random(seed)
    return [ExposureEvent(
        client_id=uuid.UUID(int=rng.getrandbits(128)), case_id="C1", media_id="M1",
        harm_category=rng.choice([HarmCategory.GRAPHIC_VIOLENCE, HarmCategory.SCAMS_FRAUD]),
        severity=Severity(rng.randrange(5)),
        kind=rng.choice([ExposureKind.SHOWN, ExposureKind.REVEALED]),
        duration_ms=rng.randint(0, 9000),
        at=NOW - timedelta(minutes=rng.randrange(6 * 24 * 60)))
        for _ in range(count)]


def _user(db: Database, team: str = "t") -> int:
    with db.write() as s:
        user = User(username=f"u-{uuid.uuid4().hex[:6]}", password_hash="x",
                    role="specialist", team=team, disabled=False, created_at=NOW)
        s.add(user)
        s.flush()
        return user.id


def test_the_daily_totals_are_the_ledgers_days_at_any_offset(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    upgrade_head(url)
    db = Database(url, pool_size=1)
    offset = 330  # UTC+5:30: days that begin on the half hour
    events = _events(400, seed=3)
    user_id = _user(db)
    with db.write() as s:
        add_totals(s, user_id, offset, [(e, e.at) for e in events[:250]])
        add_totals(s, user_id, offset, [(e, e.at) for e in events[250:]])  # adds up
    ledger = ExposureLedger.from_events(events, utc_offset_minutes=offset, now=NOW)
    today = service_date(NOW, offset)
    with db.read() as s:
        rows = s.execute(select(ExposureDayRow).where(ExposureDayRow.day == today)).scalars()
        stored = {(r.harm_category, r.severity): (r.shown, r.revealed, r.shown_ms,
                                                  r.revealed_ms) for r in rows}
        week = s.execute(select(ExposureWeekRow).where(
            ExposureWeekRow.week == week_of(today))).scalars().all()
    counted = {(row.category.value, int(row.severity)): (
        row.tally.shown, row.tally.revealed, round(row.tally.seconds_shown * 1000),
        round(row.tally.seconds_revealed * 1000))
        for row in ledger.rows(NOW) if row.window is Window.DAY}
    assert stored == counted
    assert sum(r.revealed for r in week) == ledger.tally(Window.WEEK, now=NOW).revealed
    assert week_of(today) == date(2026, 3, 2)
    db.dispose()


def test_migration_0004_fills_the_totals_from_counted_exposure(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "0003")
    db = Database(url, pool_size=1)
    user_id = _user(db, team="west")
    at = datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0)
    with db.write() as s:
        s.add(TeamPolicyRow(team="west", version=1, updated_by="t", updated_at=at,
                            policy_json='{"service_day_utc_offset_minutes": -300}'))
        base = {"user_id": user_id, "case_id": "C1", "media_id": "M1",
                "harm_category": "self_harm", "severity": 4, "kind": "revealed",
                "duration_ms": 1500, "at": at, "received_at": at, "origin": "client",
                "reason": ""}
        s.execute(insert(table(ExposureRow)), [
            {**base, "client_id": str(uuid.uuid4()), "status": "counted"},
            {**base, "client_id": str(uuid.uuid4()), "status": "counted"},
            {**base, "client_id": str(uuid.uuid4()), "status": "invalid"},
            {**base, "client_id": str(uuid.uuid4()), "status": "merged"},
        ])
    db.dispose()
    upgrade_head(url)
    db = Database(url, pool_size=1)
    with db.read() as s:
        (day,) = s.execute(select(ExposureDayRow)).scalars().all()
        (week,) = s.execute(select(ExposureWeekRow)).scalars().all()
    # 02:00 UTC is the evening before at UTC-5: the team's service day, not UTC's.
    assert day.day == (at - timedelta(hours=5)).date()
    assert (day.harm_category, day.severity, day.revealed, day.revealed_ms) == (
        "self_harm", 4, 2, 3000)
    assert (week.week, week.revealed) == (week_of(day.day), 2)
    db.dispose()
