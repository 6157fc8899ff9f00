"""The lead console's half of the dashboard: from a TeamDashboard reply (its JSON bytes, as the
service sends them) for a team of 500 people with a month of history, to the charts drawn on
screen: parse through the contract (on the console's worker in use), fill the people table,
build the three charts and paint the one in view (on the GUI thread). p50 and p95 over
repeated refreshes; parsing alone is the baseline.

The reply is made here from the contract's own models (the service's answer time for such a
team is bench_dashboard.py's figure); offscreen, like the other UI benchmarks.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from reviewer_app import contract
from reviewer_app.domain import HarmCategory
from tests.bench.run_all import Figure
from ui.app import qt_environment

PEOPLE = 500
WEEKS_OF_HISTORY = 5
"""A month of events: the last five service weeks of the trend carry figures."""
REFRESHES = 30


def _figures(rng: random.Random, scale: int) -> list[dict[str, Any]]:
    picked = rng.sample(list(HarmCategory), rng.randrange(2, 7))
    return [{"harm_category": str(c), "shown": rng.randrange(0, 40 * scale),
             "revealed": rng.randrange(0, 12 * scale),
             "revealed_seconds": round(rng.uniform(0, 300 * scale), 1),
             "severe_revealed": rng.randrange(0, 4 * scale)} for c in picked]


def _cap(key: str, label: str, window: str, measure: str, limit: float,
         rng: random.Random) -> dict[str, Any]:
    used = round(rng.uniform(0, limit * 1.05), 1)
    return {"key": key, "label": label, "window": window, "measure": measure, "used": used,
            "limit": limit, "fraction": used / limit, "overridden": rng.random() < 0.02}


def _person(i: int, rng: random.Random, now: datetime) -> dict[str, Any]:
    caps = [_cap("*:sev3+:hour:revealed", "all categories sev>=3 revealed/hour", "hour",
                 "revealed", 30, rng),
            _cap("*:sev3+:day:seconds_revealed", "all categories sev>=3 seconds revealed/day",
                 "day", "seconds_revealed", 3600, rng),
            _cap("child_safety:sev4+:week:revealed", "child_safety sev>=4 revealed/week",
                 "week", "revealed", 150, rng),
            _cap("graphic_daily_limit", "graphic categories on screen/day", "day",
                 "seconds_on_screen", 14_400, rng)]
    top = max(c["fraction"] for c in caps)
    breaks = {"due": rng.randrange(0, 6), "taken": 0, "overridden": 0}
    breaks["taken"] = rng.randrange(0, breaks["due"] + 1)
    return {
        "username": f"reviewer{i:03d}", "today": _figures(rng, 1), "week": _figures(rng, 5),
        "caps": caps, "max_fraction": top, "near_cap": top >= 0.8,
        "cap_hits_today": int(top >= 1), "cap_hits_week": rng.randrange(0, 4),
        "breaks_today": breaks, "breaks_week": {**breaks, "due": breaks["due"] * 4,
                                                "taken": breaks["taken"] * 4},
        "break_state": {"state": "reviewing", "work_seconds": rng.uniform(0, 3000)},
        "overrides": [{"id": i, "username": f"reviewer{i:03d}", "kind": "add_break",
                       "reason": "synthetic", "granted_by": "lead",
                       "granted_at": now.isoformat(),
                       "expires_at": (now + timedelta(minutes=15)).isoformat(),
                       "minutes": 15}] if i % 50 == 0 else [],
    }


def team_reply(seed: int = 0) -> bytes:
    """The JSON of a TeamDashboard for PEOPLE people with WEEKS_OF_HISTORY weeks of trend."""
    rng = random.Random(seed)
    now = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
    monday = date(2026, 3, 2)
    people = sorted((_person(i, rng, now) for i in range(PEOPLE)),
                    key=lambda p: -p["max_fraction"])
    trend = []
    for k in range(8):
        week = monday - timedelta(weeks=7 - k)
        active = k >= 8 - WEEKS_OF_HISTORY
        trend.append({"week_start": week.isoformat(),
                      "shown": rng.randrange(20_000, 60_000) if active else 0,
                      "revealed": rng.randrange(5_000, 20_000) if active else 0,
                      "revealed_seconds": rng.uniform(1e5, 5e5) if active else 0.0,
                      "cap_hits": rng.randrange(0, 80) if active else 0,
                      "severe_revealed": rng.randrange(500, 3_000) if active else 0,
                      "severe_top_share": rng.uniform(0.01, 0.2) if active else None,
                      "dose_aware": k >= 6})
    mood = [{"week_start": (monday - timedelta(weeks=4 - k)).isoformat(), "people": 40 + k,
             "mean_mood": 3.4} for k in range(4)]
    dashboard = contract.TeamDashboard.model_validate({
        "team": "escalations", "generated_at": now, "day_start": now.replace(hour=0, minute=0),
        "week_start": datetime.combine(monday, datetime.min.time(), UTC), "dose_aware": True,
        "severe_from_severity": 3, "people": people,
        "spread_today": {"per_person": {p["username"]: rng.randrange(0, 5) for p in people},
                         "top_share": 0.02},
        "trend": trend, "mood": mood})
    return dashboard.model_dump_json().encode()


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def run() -> list[Figure]:
    qt_environment()  # as the app runs
    app = QApplication.instance() or QApplication([])
    from ui.console.dashboard import TeamDashboardView

    class NoService:
        """The view is fed its reply directly: nothing here may call out."""

        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the benchmark view called the client ({name})")

    view = TeamDashboardView(NoService(), workers=None)  # type: ignore[arg-type]
    view.resize(1600, 1000)
    view.show()
    body = team_reply()
    parse_ms: list[float] = []
    drawn_ms: list[float] = []
    chart_ms: list[float] = []
    gui_ms: list[float] = []
    for _ in range(REFRESHES + 2):
        t0 = time.perf_counter()
        dashboard = contract.TeamDashboard.model_validate_json(body)
        t1 = time.perf_counter()
        view.show_dashboard(dashboard, [])
        t2 = time.perf_counter()
        view.views["today"].grab()  # paints the chart in view, as the screen would
        QCoreApplication.processEvents()
        t3 = time.perf_counter()
        parse_ms.append((t1 - t0) * 1000)
        drawn_ms.append((t3 - t0) * 1000)
        chart_ms.append((t3 - t2) * 1000)
        gui_ms.append((t3 - t1) * 1000)
    parse_ms, drawn_ms, chart_ms, gui_ms = (parse_ms[2:], drawn_ms[2:], chart_ms[2:],
                                            gui_ms[2:])  # without the warm-up
    view.close()
    view.deleteLater()
    QCoreApplication.processEvents()
    assert app is not None
    p50, p95 = _percentiles(drawn_ms)
    parse50, parse95 = _percentiles(parse_ms)
    paint50, paint95 = _percentiles(chart_ms)
    gui50, gui95 = _percentiles(gui_ms)
    size = f"{len(body) / 1024:.0f} KiB reply, {PEOPLE} people, {REFRESHES} refreshes"
    return [
        Figure("console", "reply to drawn chart p50 (500 people, a month)", p50, "ms", size),
        Figure("console", "reply to drawn chart p95 (500 people, a month)", p95, "ms", size),
        Figure("console", "parse the reply (contract) p50", parse50, "ms",
               f"baseline; p95 {parse95:.1f} ms"),
        Figure("console", "reply to drawn chart / parse alone (p50)", p50 / parse50, "x",
               "the console's own work on top of reading the reply"),
        Figure("console", "on the GUI thread (table, charts, paint) p50", gui50, "ms",
               f"p95 {gui95:.1f} ms; the parse runs on the worker"),
        Figure("console", "paint the chart in view p50", paint50, "ms",
               f"p95 {paint95:.1f} ms"),
    ]


if __name__ == "__main__":
    for figure in run():
        print(f"{figure.name:<58} {figure.value:>10.2f} {figure.unit:<4} {figure.note}")
