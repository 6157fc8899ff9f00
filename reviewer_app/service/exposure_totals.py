"""The reviewer's exposure totals per service day (by harm category and severity) and per
service week (by severity), which a lead's dashboard and dose-aware assignment read. `save`
adds to them what the ledger counted during the request, in the same transaction, so they
are the ledger's own sums."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reviewer_app.domain import ExposureEvent, ExposureKind
from reviewer_app.service.models import ExposureDayRow, ExposureWeekRow, table
from reviewer_app.service.periods import service_date, week_of
from safeguards import ExposureLedger


class CountingLedger(ExposureLedger):
    """The ledger, remembering what it counted during this request (`counted`: each event
    with the time it was filed at), so `save` can add exactly that to the daily and weekly
    totals in the same transaction."""

    def __init__(self, utc_offset_minutes: int = 0) -> None:
        super().__init__(utc_offset_minutes)
        self.counted: list[tuple[ExposureEvent, datetime]] = []

    def record(self, event: ExposureEvent, *, received_at: datetime | None = None) -> bool:
        if not super().record(event, received_at=received_at):
            return False
        at = event.at if received_at is None or event.at <= received_at else received_at
        self.counted.append((event, at))
        return True


_SUMS = ("shown", "revealed", "shown_ms", "revealed_ms")


def _vector(event: ExposureEvent) -> tuple[int, int, int, int]:
    if event.kind is ExposureKind.REVEALED:
        return 0, 1, 0, event.duration_ms
    return 1, 0, event.duration_ms, 0


def _accumulate(into: list[int], vec: tuple[int, int, int, int]) -> None:
    for i, v in enumerate(vec):
        into[i] += v


def _upsert_sums(s: Session, target: Table, keys: Sequence[str],
                 rows: list[dict[str, Any]]) -> None:
    """Add `rows` to the stored sums (one statement for the whole batch)."""
    if not rows:
        return
    ins = pg_insert(target) if s.get_bind().dialect.name == "postgresql" else sqlite_insert(target)
    statement = ins.on_conflict_do_update(
        index_elements=[target.c[k] for k in keys],
        set_={c: target.c[c] + ins.excluded[c] for c in _SUMS})
    s.connection().execute(statement, rows)


def add_totals(s: Session, user_id: int, utc_offset_minutes: int,
               counted: Iterable[tuple[ExposureEvent, datetime]]) -> None:
    """Add counted exposure to the reviewer's totals per service day (by category and
    severity) and per service week (by severity)."""
    days: dict[tuple[date, str, int], list[int]] = {}
    weeks: dict[tuple[date, int], list[int]] = {}
    for event, at in counted:
        day = service_date(at, utc_offset_minutes)
        vec = _vector(event)
        _accumulate(days.setdefault((day, event.harm_category.value, int(event.severity)),
                                    [0, 0, 0, 0]), vec)
        _accumulate(weeks.setdefault((week_of(day), int(event.severity)), [0, 0, 0, 0]), vec)
    _upsert_sums(s, table(ExposureDayRow), ("user_id", "day", "harm_category", "severity"), [
        {"user_id": user_id, "day": d, "harm_category": c, "severity": sev,
         **dict(zip(_SUMS, vec, strict=True))} for (d, c, sev), vec in days.items()])
    _upsert_sums(s, table(ExposureWeekRow), ("user_id", "week", "severity"), [
        {"user_id": user_id, "week": w, "severity": sev, **dict(zip(_SUMS, vec, strict=True))}
        for (w, sev), vec in weeks.items()])

