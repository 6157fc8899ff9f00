"""SLA due times from the configuration, and breaches recorded once per case (SQLite file)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reviewer_app.contract import SlaConfig
from reviewer_app.domain import Source
from reviewer_app.service import sla
from reviewer_app.service.db import Database, upgrade_head
from reviewer_app.service.models import CaseRow
from reviewer_app.service.models_queues import QueueSettingRow, SlaBreachRow
from reviewer_app.service.seed import add_case, demo_case

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("source", "hours"), [
    (Source.REGULATOR, 24), (Source.LEGAL, 24), (Source.USER_REPORT, 48),
    (Source.BUSINESS_PARTNER, 48), (Source.TRUSTED_FLAGGER, 48), (Source.INTERNAL, 72),
])
def test_default_due_times_per_source(source: Source, hours: int) -> None:
    assert sla.due_at(source, 50, T0) == T0 + timedelta(hours=hours)


def test_urgent_priority_halves_the_time() -> None:
    assert sla.due_at(Source.USER_REPORT, 90, T0) == T0 + timedelta(hours=24)
    assert sla.due_at(Source.REGULATOR, 100, T0) == T0 + timedelta(hours=12)
    assert sla.due_at(Source.REGULATOR, 89, T0) == T0 + timedelta(hours=24)


def test_a_statutory_deadline_wins_when_it_is_earlier() -> None:
    earlier = T0 + timedelta(hours=6)
    later = T0 + timedelta(days=7)
    assert sla.due_at(Source.REGULATOR, 10, T0, earlier) == earlier
    assert sla.due_at(Source.REGULATOR, 10, T0, later) == T0 + timedelta(hours=24)


def test_the_configuration_decides() -> None:
    config = SlaConfig(hours_by_source={Source.USER_REPORT: 10}, default_hours=5,
                       urgent_from_priority=70, urgent_factor=0.25)
    assert sla.due_at(Source.USER_REPORT, 10, T0, config=config) == T0 + timedelta(hours=10)
    assert sla.due_at(Source.INTERNAL, 10, T0, config=config) == T0 + timedelta(hours=5)
    assert sla.due_at(Source.USER_REPORT, 70, T0, config=config) == T0 + timedelta(hours=2.5)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'sla.db'}"
    upgrade_head(url)
    database = Database(url, pool_size=1)
    yield database
    database.dispose()


def test_due_at_for_reads_the_stored_configuration(db: Database) -> None:
    with db.read() as s:
        assert sla.due_at_for(s, Source.USER_REPORT, 10, T0) == T0 + timedelta(hours=48)
    stored = SlaConfig(hours_by_source={Source.USER_REPORT: 3})
    with db.write() as s:
        s.add(QueueSettingRow(key=sla.SLA_KEY, value_json=stored.model_dump_json(), version=1,
                              updated_by="admin", updated_at=T0, reason="test"))
    with db.read() as s:
        assert sla.due_at_for(s, Source.USER_REPORT, 10, T0) == T0 + timedelta(hours=3)


def _case(db: Database, due: datetime, status: str = "queued") -> str:
    base = demo_case(0, random.Random(5), T0 - timedelta(days=1), media_px=(32, 24))
    case_id = add_case(db.url, dataclasses.replace(base, sla_due_at=due, queue="general"))
    with db.write() as s:
        row = s.get(CaseRow, case_id)
        assert row is not None
        row.status = status
    return case_id


def _breaches(db: Database) -> dict[str, datetime]:
    with db.read() as s:
        return {r.case_id: r.recorded_at for r in s.execute(
            select(SlaBreachRow.case_id, SlaBreachRow.recorded_at))}


def test_a_breach_is_recorded_once_per_undecided_case(db: Database) -> None:
    overdue = _case(db, T0 - timedelta(minutes=1))
    leased_overdue = _case(db, T0 - timedelta(hours=2), status="leased")
    _case(db, T0 - timedelta(hours=3), status="decided")
    due_soon = _case(db, T0 + timedelta(minutes=1))
    with db.write() as s:
        assert sla.record_breaches(s, T0) == 2
    first = _breaches(db)
    assert set(first) == {overdue, leased_overdue}
    with db.write() as s:
        assert sla.record_breaches(s, T0 + timedelta(seconds=30)) == 0
    assert _breaches(db) == first
    with db.write() as s:
        assert sla.record_breaches(s, T0 + timedelta(hours=1)) == 1
    later = _breaches(db)
    assert set(later) == {overdue, leased_overdue, due_soon}
    assert {k: later[k] for k in first} == first
    with db.write() as s:
        sla.record_late_decision(s, overdue, "general", T0 - timedelta(minutes=1),
                                 T0 + timedelta(hours=2))
        assert s.scalar(select(func.count()).select_from(SlaBreachRow)) == 3


def test_a_late_decision_records_its_breach(db: Database) -> None:
    case_id = _case(db, T0)
    with db.write() as s:
        sla.record_late_decision(s, case_id, "general", T0, T0 - timedelta(seconds=1))
    assert _breaches(db) == {}
    with db.write() as s:
        sla.record_late_decision(s, case_id, "general", T0, T0 + timedelta(seconds=1))
    assert set(_breaches(db)) == {case_id}
