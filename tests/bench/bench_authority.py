"""What being the authority costs the service: the reviewer's ledger is loaded, checked and
saved on every content call and every decision, and sent whole to the client after each sync
pass. Measured with an empty ledger and with a week of one reviewer's exposure behind it (the
service's clock is stepped through seven working days, so every event is filed where a real
one would be), in the same run, as ratios.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from reviewer_app.service.accounts import add_user
from reviewer_app.service.server import start_in_thread
from reviewer_app.service.settings import ServiceSettings
from tests.bench.run_all import Figure
from tests.helpers.service_fixtures import FAST_HASHING, seed_specialists_and_cases
from tests.integration.service.api import Api
from tests.integration.service.conftest import SteppedClock

DAYS = 7
HOURS_A_DAY = 8
EVENTS_AN_HOUR = 20
SAMPLES = 40
QUIET = {"work_interval_minutes": 480, "micro_break_seconds": 0,
         "graphic_daily_limit_minutes": 1440}


def _p50_ms(call: Any) -> float:
    times = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _quiet_policy(api: Api, team: str) -> None:
    current = api.call("GET", f"/teams/{team}/policy")
    policy = {**current.json()["policy"], "breaks": QUIET, "caps": []}
    put = api.call("PUT", f"/teams/{team}/policy", json={"policy": policy, "reason": "bench"},
                   headers={"If-Match": current.headers["ETag"]})
    assert put.status_code == 200, put.text


def _measure(api: Api) -> tuple[float, float, int]:
    """p50 of GET /v1/me/exposure, p50 of lease one + decide it through /v1/sync, and the
    size of the exposure reply."""
    size = len(api.call("GET", "/me/exposure").content)
    reading = _p50_ms(lambda: api.call("GET", "/me/exposure"))

    def lease_and_decide() -> None:
        lease = api.lease(1).json()
        (case,) = lease["cases"]
        reply = api.sync([Api.decision_body(case["id"], lease["lease_id"], action="keep")])
        assert reply.json()["results"][0]["status"] == "applied", reply.text

    return reading, _p50_ms(lease_and_decide), size


def _a_week_of_exposure(api: Api, clock: SteppedClock) -> int:
    """Seven working days of reveals and showings, each inside the lease that held its case."""
    sent = 0
    for _day in range(DAYS):
        for _hour in range(HOURS_A_DAY):
            lease = api.lease(1).json()
            (summary,) = lease["cases"]
            case = api.call("GET", f"/cases/{summary['id']}").json()
            for i in range(EVENTS_AN_HOUR):
                clock.advance(minutes=60 / EVENTS_AN_HOUR)
                event = {"client_id": str(uuid.uuid4()), "case_id": case["id"],
                         "media_id": case["media"][0]["id"],
                         "harm_category": case["harm_category"], "severity": case["severity"],
                         "kind": "revealed" if i % 2 else "shown", "duration_ms": 3000,
                         "at": clock().isoformat()}
                reply = api.call("POST", "/sync", json={"exposure_events": [event]})
                assert reply.json()["results"][0]["status"] == "applied", reply.text
                sent += 1
            api.call("DELETE", f"/leases/{lease['lease_id']}")
        clock.advance(hours=24 - HOURS_A_DAY)
    return sent


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-authority-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'service.db'}"
        [(user, password)] = seed_specialists_and_cases(db_url, 1, 200 + DAYS * HOURS_A_DAY,
                                                        prefix="auth")
        add_user(db_url, "bench-lead", "bench-lead-pw", "wellness_lead", "escalations",
                 migrate=False)
        settings = ServiceSettings(db_url=db_url, lease_ttl_s=7 * 24 * 3600,
                                   access_token_ttl_s=30 * 24 * 3600, **FAST_HASHING)
        clock = SteppedClock()
        clock.at -= timedelta(days=DAYS)
        with start_in_thread(settings, clock=clock) as running:
            lead = Api(running.url)
            assert lead.login("bench-lead", "bench-lead-pw").status_code == 200
            _quiet_policy(lead, "escalations")
            api = Api(running.url)
            assert api.login(user, password).status_code == 200
            empty_read, empty_decide, empty_size = _measure(api)
            events = _a_week_of_exposure(api, clock)
            week_read, week_decide, week_size = _measure(api)
    note = f"{events} events over {DAYS} days"
    return [
        Figure("authority", "GET /v1/me/exposure p50, empty ledger", empty_read, "ms"),
        Figure("authority", "GET /v1/me/exposure p50, a week's ledger", week_read, "ms", note),
        Figure("authority", "  ratio week/empty", week_read / empty_read, "x"),
        Figure("authority", "exposure reply, a week's ledger", week_size / 1024, "KiB",
               f"empty: {empty_size / 1024:.1f} KiB"),
        Figure("authority", "lease 1 + decide via /v1/sync p50, empty ledger", empty_decide,
               "ms"),
        Figure("authority", "lease 1 + decide via /v1/sync p50, a week's ledger", week_decide,
               "ms", note),
        Figure("authority", "  ratio week/empty", week_decide / empty_decide, "x"),
    ]
