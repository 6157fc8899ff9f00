"""The team dashboard's service answer time for a team of 500 reviewers with a month of
exposure behind them (and, in the same run, a team of 50, for the ratio): every service row
the dashboard reads is seeded directly with SQL, as the service writes it (the raw exposure
events of the month, the daily and weekly totals, the enforced breaks, check-in moods, cap
hits, each reviewer's safeguards state with a ledger of realistic size, some held leases),
then `GET /v1/teams/{team}/dashboard` is timed over HTTP on a service whose clock stands on a
working Wednesday afternoon.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reviewer_app.domain import ExposureEvent, ExposureKind, HarmCategory, Severity
from reviewer_app.service.accounts import add_user
from reviewer_app.service.db import upgrade_head
from reviewer_app.service.safeguard_state import ServiceTime, default_policy
from reviewer_app.service.server import start_in_thread
from reviewer_app.service.settings import ServiceSettings
from safeguards import BreakScheduler, ExposureLedger
from tests.bench.run_all import Figure
from tests.helpers.service_fixtures import FAST_HASHING
from tests.integration.service.api import Api
from tests.integration.service.conftest import SteppedClock

BIG, SMALL = 500, 50
DAYS = 30
CASES_A_DAY = 45
"""Cases per reviewer and working day; each is served (shown), about half revealed."""
SAMPLES = 30
_CATEGORIES = [c.value for c in HarmCategory]


def _ts(at: datetime) -> str:
    """A time as SQLAlchemy stores it in SQLite (naive UTC)."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _now() -> datetime:
    """The latest Wednesday 14:00 UTC: a working day, well into the week."""
    today = datetime.now(UTC).date()
    wednesday = today - timedelta(days=(today.weekday() - 2) % 7)
    return datetime(wednesday.year, wednesday.month, wednesday.day, 14, tzinfo=UTC)


def _ledger_json(now: datetime, rng: random.Random) -> str:
    """One real ledger of a week's exposure, as big as a reviewer's is."""
    events = []
    for day in range(7):
        for i in range(CASES_A_DAY * 2):
            events.append(ExposureEvent(
                client_id=uuid.UUID(int=rng.getrandbits(128)), case_id="C1", media_id="M1",
                harm_category=HarmCategory(rng.choice(_CATEGORIES)),
                severity=Severity(rng.randrange(5)),
                kind=ExposureKind.REVEALED if i % 2 else ExposureKind.SHOWN,
                duration_ms=rng.randint(500, 6000),
                at=now - timedelta(days=day, minutes=rng.randrange(8 * 60))))
    ledger = ExposureLedger.from_events(events, now=now)
    return json.dumps(ledger.to_state(), separators=(",", ":"))


def _team(db: sqlite3.Connection, team: str, size: int, now: datetime, rng: random.Random,
          ledger_json: str) -> None:
    """`size` reviewers of `team` and every row the dashboard reads, for a month."""
    first_id = (db.execute("SELECT COALESCE(MAX(id), 0) FROM users").fetchone()[0]) + 1
    ids = list(range(first_id, first_id + size))
    db.executemany("INSERT INTO users (id, username, password_hash, role, team, disabled, "
                   "created_at) VALUES (?, ?, 'x', 'specialist', ?, 0, ?)",
                   [(i, f"{team}-{i}", team, _ts(now - timedelta(days=60))) for i in ids])
    events, days, weeks, breaks, moods, hits = [], {}, {}, [], [], []

    def add(sums: dict[Any, list[int]], key: Any, vec: tuple[int, int, int, int]) -> None:
        have = sums.setdefault(key, [0, 0, 0, 0])
        for k, v in enumerate(vec):
            have[k] += v

    for back in range(DAYS, -1, -1):
        day_start = datetime.combine((now - timedelta(days=back)).date(), datetime.min.time(),
                                     UTC)
        if day_start.weekday() >= 5:
            continue
        shift = day_start + timedelta(hours=8)
        for uid in ids:
            for n in range(CASES_A_DAY):
                at = shift + timedelta(seconds=n * 600 + rng.randrange(300))
                if at >= now:
                    break
                category, severity = rng.choice(_CATEGORIES), rng.randrange(5)
                kinds = [("shown", 0)]
                if rng.random() < 0.5:
                    kinds.append(("revealed", rng.randint(500, 8000)))
                for kind, ms in kinds:
                    events.append((f"{rng.getrandbits(128):032x}", uid, category,
                                   severity, kind, ms, _ts(at)))
                    vec = (0, 1, 0, ms) if kind == "revealed" else (1, 0, ms, 0)
                    d = at.date()
                    add(days, (uid, d, category, severity), vec)
                    add(weeks, (uid, d - timedelta(days=d.weekday()), severity), vec)
            for b in range(7):
                start = shift + timedelta(minutes=50 + b * 60)
                if start + timedelta(minutes=10) < now:
                    early = rng.random() < 0.03
                    breaks.append((uid, "scheduled", _ts(start),
                                   _ts(start + timedelta(minutes=4 if early else 10)),
                                   "lead" if early else None))
            if rng.random() < 0.4:
                end = shift + timedelta(hours=3)
                if end < now:
                    moods.append((uuid.uuid4().hex, uid, _ts(end - timedelta(minutes=10)),
                                  _ts(end), rng.randint(1, 5), _ts(end)))
            if rng.random() < 0.02:
                hits.append((_ts(shift + timedelta(hours=5)), f"{team}-{uid}"))
    db.executemany("INSERT INTO exposure_events (client_id, user_id, case_id, media_id, "
                   "harm_category, severity, kind, duration_ms, at, received_at, status, "
                   "reason, origin, lease_id) VALUES (?, ?, 'C', 'M', ?, ?, ?, ?, ?, ?, "
                   "'counted', '', 'service', NULL)",
                   [(*e[:6], e[6], e[6]) for e in events])
    db.executemany("INSERT INTO exposure_days VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   [(u, d.isoformat(), c, s, *v) for (u, d, c, s), v in days.items()])
    db.executemany("INSERT INTO exposure_weeks VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [(u, w.isoformat(), s, *v) for (u, w, s), v in weeks.items()])
    db.executemany("INSERT INTO service_breaks (user_id, kind, started_at, ended_at, "
                   "ended_early_by) VALUES (?, ?, ?, ?, ?)", breaks)
    db.executemany("INSERT INTO break_events (client_id, user_id, kind, started_at, ended_at, "
                   "checkin_mood, received_at, status, reason) "
                   "VALUES (?, ?, 'scheduled', ?, ?, ?, ?, 'accepted', '')", moods)
    db.executemany("INSERT INTO audit_events (at, actor, action, subject_type, subject_id, "
                   "client, detail_json) VALUES (?, 'service', 'cap_reached', 'user', ?, '', "
                   "'{}')", hits)
    policy = default_policy()
    states = []
    for uid in ids:
        working = rng.random() < 0.2  # a fifth of the team is mid-shift, not idle
        scheduler = BreakScheduler(policy.breaks, ServiceTime(now - timedelta(minutes=5)))
        scheduler.set_idle(not working)
        states.append((uid, ledger_json, json.dumps(scheduler.to_state(), default=str),
                       _ts(now - timedelta(minutes=5))))
    db.executemany("INSERT INTO reviewer_safeguards (user_id, ledger_json, scheduler_json, "
                   "updated_at, enforcement_json) VALUES (?, ?, ?, ?, '{}')", states)
    db.commit()


def _timed(api: Api, team: str) -> tuple[list[float], int]:
    times = []
    size = 0
    for _ in range(SAMPLES):
        started = time.perf_counter()
        reply = api.call("GET", f"/teams/{team}/dashboard")
        times.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200, reply.text
        size = len(reply.content)
    return times, size


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def run() -> list[Figure]:
    now = _now()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        path = Path(tmp) / "service.db"
        db_url = f"sqlite:///{path}"
        upgrade_head(db_url)
        add_user(db_url, "bench-admin", "bench-admin-pw", "admin", "ops", migrate=False)
        seeding = time.perf_counter()
        db = sqlite3.connect(path)
        # A bulk load: the event table's secondary indexes are built once, afterwards.
        db.executescript("DROP INDEX ix_exposure_user_received; DROP INDEX ix_exposure_user_at")
        ledger_json = _ledger_json(now, rng)
        _team(db, "big", BIG, now, rng, ledger_json)
        _team(db, "small", SMALL, now, rng, ledger_json)
        db.executescript(
            "CREATE INDEX ix_exposure_user_received ON exposure_events (user_id, received_at);"
            "CREATE INDEX ix_exposure_user_at ON exposure_events (user_id, at); ANALYZE")
        events = db.execute("SELECT COUNT(*) FROM exposure_events").fetchone()[0]
        db.close()
        seeded_s = time.perf_counter() - seeding
        clock = SteppedClock()
        clock.at = now
        settings = ServiceSettings(db_url=db_url, access_token_ttl_s=24 * 3600, **FAST_HASHING)
        with start_in_thread(settings, clock=clock) as running:
            api = Api(running.url)
            assert api.login("bench-admin", "bench-admin-pw").status_code == 200
            started = time.perf_counter()
            first = api.call("GET", "/teams/big/dashboard")
            cold = (time.perf_counter() - started) * 1000
            assert first.status_code == 200, first.text
            people = len(first.json()["people"])
            assert people == BIG
            small, small_size = _timed(api, "small")
            big, big_size = _timed(api, "big")
    note = f"{people} people, {events:,} exposure events over {DAYS} days (seeded in " \
           f"{seeded_s:.0f} s)"
    big_p50, small_p50 = statistics.median(big), statistics.median(small)
    return [
        Figure("dashboard", f"GET dashboard p50, team of {BIG}", big_p50, "ms", note),
        Figure("dashboard", f"GET dashboard p95, team of {BIG}", _p95(big), "ms"),
        Figure("dashboard", f"GET dashboard first read, team of {BIG}", cold, "ms",
               "fixes the 4 completed weeks' moods"),
        Figure("dashboard", f"GET dashboard p50, team of {SMALL}", small_p50, "ms"),
        Figure("dashboard", f"GET dashboard p95, team of {SMALL}", _p95(small), "ms"),
        Figure("dashboard", f"  ratio {BIG}/{SMALL} people", big_p50 / small_p50, "x"),
        Figure("dashboard", f"dashboard reply, team of {BIG}", big_size / 1024, "KiB",
               f"team of {SMALL}: {small_size / 1024:.0f} KiB"),
    ]


if __name__ == "__main__":
    for figure in run():
        print(f"{figure.name:<50} {figure.value:>10.1f} {figure.unit:<4} {figure.note}")
