"""The dashboard as CSV: one row per person x harm category x period (today, this week), with
the person's cap and break figures of that period beside. Qt-free; the figures are the
service's, written as they came (seconds also as h:mm:ss)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reviewer_app.contract import CategoryFigures, PersonDashboard, TeamDashboard
from ui.console.wording import clock_text

CSV_COLUMNS = (
    "team", "generated_at", "username", "period", "period_start", "harm_category", "shown",
    "revealed", "revealed_seconds", "revealed_hms", "severe_revealed", "near_cap",
    "max_cap_fraction", "cap_hits", "breaks_due", "breaks_taken", "breaks_overridden",
    "exposure_avoided",
)


def _figures(person: PersonDashboard, period: str) -> dict[str, CategoryFigures]:
    return {f.harm_category: f for f in (person.today if period == "today" else person.week)}


def csv_rows(dashboard: TeamDashboard) -> Iterator[dict[str, Any]]:
    """Every person x category x period; a category the person met in only one period has a
    row of zeros in the other, so each person has the same categories in both."""
    for person in dashboard.people:
        by_period = {p: _figures(person, p) for p in ("today", "week")}
        categories = sorted(set(by_period["today"]) | set(by_period["week"]))
        for period, start, hits, breaks in (
                ("today", dashboard.day_start, person.cap_hits_today, person.breaks_today),
                ("week", dashboard.week_start, person.cap_hits_week, person.breaks_week)):
            for category in categories:
                figures = by_period[period].get(category) or CategoryFigures(
                    harm_category=category)
                yield {
                    "team": dashboard.team,
                    "generated_at": dashboard.generated_at.isoformat(),
                    "username": person.username,
                    "period": period,
                    "period_start": start.isoformat(),
                    "harm_category": category,
                    "shown": figures.shown,
                    "revealed": figures.revealed,
                    "revealed_seconds": round(figures.revealed_seconds, 3),
                    "revealed_hms": clock_text(figures.revealed_seconds),
                    "severe_revealed": figures.severe_revealed,
                    "near_cap": int(person.near_cap),
                    "max_cap_fraction": round(person.max_fraction, 4),
                    "cap_hits": hits,
                    "breaks_due": breaks.due,
                    "breaks_taken": breaks.taken,
                    "breaks_overridden": breaks.overridden,
                    "exposure_avoided": (person.exposure_avoided.today if period == "today"
                                         else person.exposure_avoided.week),
                }


def write_csv(dashboard: TeamDashboard, path: Path) -> int:
    """Write the CSV; the number of data rows written."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in csv_rows(dashboard):
            writer.writerow(row)
            count += 1
    return count
