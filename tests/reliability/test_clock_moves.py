"""A moved clock: the real workstation runs in a child process under libfaketime, its wall
clock set back a week, an hour, two minutes, or forward hours (the monotonic clock is left
alone, as `date -s` leaves it). It reveals a severe case through the keyboard and decides it.
Counters, caps and breaks must come out the same on both sides as with a true clock: the
event and the decision carry service time, the micro-break starts, the reveal counts in the
hour, day and week on the client and on the service."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reviewer_app.contract import ExposureStatus
from reviewer_app.domain import HarmCategory, Severity
from tests.helpers.cases import add_urgent_case
from tests.helpers.keyring_daemon import PrivateKeyring
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api
from tests.integration.service.test_exposure import _set_policy
from tests.reliability.test_breaks_survive_kill import Child

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
pytestmark = [
    pytest.mark.slow, pytest.mark.keyring,
    pytest.mark.skipif(not LIBFAKETIME.exists(), reason="libfaketime is not installed "
                       "(apt install faketime; scripts/setup.sh does)"),
]
CLOSE = timedelta(seconds=30)
"""How near service time a stamp must be; the shifts below are all far larger."""


@pytest.fixture(scope="module")
def keyring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateKeyring]:
    with PrivateKeyring(tmp_path_factory.mktemp("keyring")) as ring:
        yield ring


def _outbox_decision(data_dir: Path) -> dict[str, Any]:
    """The decision as the workstation wrote it to its outbox (it writes off the GUI thread)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with sqlite3.connect(data_dir / "reviewer.sqlite3") as db:
            row = db.execute("SELECT payload FROM outbox WHERE kind = 'decision'").fetchone()
        if row is not None:
            return dict(json.loads(row[0]))
        time.sleep(0.2)
    raise AssertionError("no decision reached the outbox")


@pytest.mark.parametrize("shift", ["-7d", "-1h", "-2m", "+3h"])
def test_a_moved_clock_changes_nothing(shift: str, live_service: LiveService,
                                       keyring: PrivateKeyring, tmp_path: Path) -> None:
    _set_policy(live_service, breaks={"work_interval_minutes": 480, "micro_break_seconds": 3,
                                      "micro_break_from_severity": 4})
    case_id = add_urgent_case(live_service.db_url, HarmCategory.CHILD_SAFETY, Severity.SEVERE)
    keyring.ensure()
    env = {**keyring.env, "LD_PRELOAD": str(LIBFAKETIME), "FAKETIME": shift,
           "FAKETIME_DONT_FAKE_MONOTONIC": "1", "FAKETIME_NO_CACHE": "1",
           "DRIVER_USER": live_service.accounts.specialist[0],
           "DRIVER_PASSWORD": live_service.accounts.specialist[1]}
    env.pop("DISPLAY", None)
    data_dir = tmp_path / "client"
    child = Child(["--server", live_service.url, "--data-dir", str(data_dir),
                   "--keyring-service", f"clock-{shift}-{os.getpid()}", "--reveal", "--decide"],
                  env, tmp_path / "workstation.log")
    try:
        revealed = child.wait_for(lambda line: line["kind"] == "revealed", "the reveal")
        assert revealed["case_id"] == case_id
        assert abs(datetime.fromisoformat(revealed["at"]) - datetime.now(UTC)) < CLOSE
        child.wait_for(lambda line: line["kind"] == "state" and line["state"] == "micro_break",
                       "the micro-break after a severe reveal")
        counted = child.wait_for(lambda line: line["kind"] == "state"
                                 and line["revealed_this_hour"] >= 1, "the reveal counted")
        assert counted["revealed_this_hour"] == 1
        child.wait_for(lambda line: line["kind"] == "decided", "the decision")
        decision = _outbox_decision(data_dir)
        assert decision["case_id"] == case_id
        assert abs(datetime.fromisoformat(decision["decided_at"]) - datetime.now(UTC)) < CLOSE

        api = Api(live_service.url)
        assert api.login(*live_service.accounts.specialist).status_code == 200
        deadline = time.monotonic() + 60
        windows: dict[str, int] = {}
        while time.monotonic() < deadline:
            status = ExposureStatus.model_validate(api.call("GET", "/me/exposure").json())
            windows = {w: sum(c.revealed for c in status.counters
                              if c.window == w and c.harm_category == "child_safety")
                       for w in ("hour", "day", "week")}
            if windows["hour"] and _decided_on_service(live_service, case_id):
                break
            time.sleep(0.5)
        assert windows == {"hour": 1, "day": 1, "week": 1}
        decided_at = _decided_on_service(live_service, case_id)
        assert decided_at is not None
        assert abs(decided_at - datetime.now(UTC)) < CLOSE
    finally:
        child.kill()


def _decided_on_service(live: LiveService, case_id: str) -> datetime | None:
    admin = Api(live.url)
    assert admin.login(*live.accounts.admin).status_code == 200
    history = admin.call("GET", f"/cases/{case_id}").json()["history"]
    stamps = [h["at"] for h in history if h["kind"] == "decision"]
    return datetime.fromisoformat(stamps[0]) if stamps else None
