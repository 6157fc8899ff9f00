"""Small builders and an independent, rescanning model of the counters the ledger keeps."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from reviewer_app.domain import ExposureEvent, ExposureKind, HarmCategory, Severity
from safeguards.policy import Measure, Window


def exposure(
    at: datetime,
    *,
    category: HarmCategory = HarmCategory.GRAPHIC_VIOLENCE,
    severity: Severity = Severity.SEVERE,
    kind: ExposureKind = ExposureKind.REVEALED,
    ms: int = 5_000,
    client_id: uuid.UUID | None = None,
) -> ExposureEvent:
    return ExposureEvent(
        client_id=client_id or uuid.uuid4(), case_id="case-1", media_id="media-1",
        harm_category=category, severity=severity, kind=kind, duration_ms=ms, at=at,
    )


def _floor_minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def in_window(at: datetime, now: datetime, window: Window, offset_minutes: int = 0) -> bool:
    """Rescan rule, written from the definitions rather than the ledger's arithmetic."""
    if window is Window.HOUR:
        return _floor_minute(at) > _floor_minute(now) - timedelta(minutes=60)
    shift = timedelta(minutes=offset_minutes)
    local_at, local_now = (at + shift).date(), (now + shift).date()
    if window is Window.DAY:
        return local_at == local_now
    return local_at.isocalendar()[:2] == local_now.isocalendar()[:2]


def rescan(
    events: Iterable[ExposureEvent],
    now: datetime,
    window: Window,
    measure: Measure,
    *,
    categories: Iterable[HarmCategory] = (),
    min_severity: Severity = Severity.NONE,
    offset_minutes: int = 0,
) -> float:
    wanted = frozenset(categories)
    total = 0
    for e in events:
        if e.severity < min_severity or (wanted and e.harm_category not in wanted):
            continue
        if not in_window(e.at, now, window, offset_minutes):
            continue
        if measure is Measure.SHOWN and e.kind is ExposureKind.SHOWN:
            total += 1
        elif measure is Measure.REVEALED and e.kind is ExposureKind.REVEALED:
            total += 1
        elif measure is Measure.SECONDS_REVEALED and e.kind is ExposureKind.REVEALED:
            total += e.duration_ms
    return total / 1000 if measure is Measure.SECONDS_REVEALED else total
