"""A restart: the real workstation (offscreen, in a child process) is SIGKILLed during a
micro-break, a cap break and a scheduled break, and started again. Each time the break comes
back on the next start with the time it had left, and meanwhile the service refuses content
to the reviewer over plain HTTP."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from reviewer_app.domain import HarmCategory, Severity
from reviewer_app.service.seed import seed_demo
from reviewer_app.service.server import RunningService, start_in_thread
from reviewer_app.service.settings import ServiceSettings
from tests.helpers.cases import add_urgent_case
from tests.helpers.keyring_daemon import PrivateKeyring
from tests.helpers.service_fixtures import FAST_HASHING
from tests.integration.service.api import Api
from tests.integration.service.conftest import SteppedClock
from tests.integration.service.test_exposure import _set_policy
from ui.wellness import SAVE_EVERY_S

pytestmark = [pytest.mark.slow, pytest.mark.keyring]

WAIT_S = 60.0
Line = dict[str, Any]


class Child:
    """One life of the workstation: its JSON lines arrive on a queue."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        with log.open("a") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.reliability.workstation_driver", *args],
                stdout=subprocess.PIPE, stderr=err, text=True, env=env)
        self.lines: queue.Queue[Line] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for raw in self.proc.stdout:
                try:
                    self.lines.put(json.loads(raw))
                except ValueError:
                    continue

    def wait_for(self, test: Callable[[Line], bool], what: str) -> Line:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None and self.lines.empty():
                raise AssertionError(f"the workstation exited ({self.proc.returncode}) "
                                     f"before {what}")
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if test(line):
                return line
        raise AssertionError(f"no {what} within {WAIT_S:.0f} s")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(15)
        self._reader.join(15)  # it closes the pipe at end of file


@dataclass
class Desk:
    """A reviewer's machine: its data dir and keyring, and the service it works with."""

    live: Any
    keyring: PrivateKeyring
    tmp: Path
    children: list[Child] = field(default_factory=list)

    def start(self, *extra: str) -> Child:
        args = ["--server", self.live.url, "--data-dir", str(self.tmp / "client"),
                "--keyring-service", f"kill-test-{os.getpid()}", *extra]
        self.keyring.ensure()
        child = Child(args, self.keyring.env, self.tmp / "workstation.log")
        self.children.append(child)
        child.wait_for(lambda line: line["kind"] == "ready", "start-up")
        return child

    def reviewer(self) -> Api:
        api = Api(self.live.url)
        assert api.login(*self.live.accounts.specialist).status_code == 200
        return api


@dataclass
class Live:
    url: str
    db_url: str
    accounts: Any
    running: RunningService
    clock: SteppedClock | None = None


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    settings = ServiceSettings(db_url=f"sqlite:///{tmp_path / 'service.db'}",
                               lease_ttl_s=7200, access_token_ttl_s=7 * 24 * 3600,
                               **FAST_HASHING)
    accounts = seed_demo(settings.db_url, decidable_as_is=True)
    clock = SteppedClock()
    running = start_in_thread(settings, clock=clock)
    keyring = PrivateKeyring(tmp_path / "keyring").start()
    keyring.env.update({"DRIVER_USER": accounts.specialist[0],
                        "DRIVER_PASSWORD": accounts.specialist[1]})
    keyring.env.pop("DISPLAY", None)
    desk = Desk(Live(running.url, settings.db_url, accounts, running, clock), keyring, tmp_path)
    try:
        yield desk
    finally:
        for child in desk.children:
            if child.proc.poll() is None:
                child.kill()
        keyring.stop()
        running.stop()


def _on(state: str) -> Callable[[Line], bool]:
    return lambda line: (line["kind"] == "state" and line["state"] == state
                         and line["overlay"] and line["restored"])


def _refused(api: Api, code: str) -> None:
    lease = api.lease(1)
    assert lease.status_code == 423, lease.text
    assert lease.json()["code"] == code
    assert int(lease.headers["Retry-After"]) >= 1


def _comes_back(desk: Desk, state: str, left_at_kill: float, killed_at: float) -> None:
    """After the kill: the next start shows the break again, with the time it had left
    (never less than what the service still enforces, never more than at the kill)."""
    again = desk.start()
    line = again.wait_for(_on(state), f"the {state} overlay after the restart")
    away = time.monotonic() - killed_at
    assert line["remaining_s"] is not None
    assert left_at_kill - away - 3.0 <= line["remaining_s"] <= left_at_kill + SAVE_EVERY_S + 1
    assert not line["allowed"]
    again.kill()


def test_a_micro_break_comes_back_after_a_kill(desk: Desk) -> None:
    _set_policy(desk.live, breaks={"work_interval_minutes": 480, "micro_break_seconds": 90,
                                   "micro_break_from_severity": 4})
    add_urgent_case(desk.live.db_url, HarmCategory.GRAPHIC_VIOLENCE, Severity.SEVERE)
    child = desk.start("--reveal")
    child.wait_for(lambda line: line["kind"] == "revealed" and line["severity"] == 4,
                   "the severe reveal")
    line = child.wait_for(_on("micro_break"), "the micro-break")
    _refused(desk.reviewer(), "on_break")  # the service saw the reveal: it enforces too
    child.kill()
    killed_at = time.monotonic()
    assert line["remaining_s"] is not None
    _comes_back(desk, "micro_break", line["remaining_s"], killed_at)


def test_a_cap_break_comes_back_after_a_kill(desk: Desk) -> None:
    _set_policy(desk.live, breaks={"work_interval_minutes": 480, "micro_break_seconds": 0},
                caps=[{"min_severity": 0, "window": "hour", "measure": "revealed", "limit": 1,
                       "action": "force_break"}])
    add_urgent_case(desk.live.db_url, HarmCategory.SCAMS_FRAUD, Severity.LOW)
    child = desk.start("--reveal")
    line = child.wait_for(_on("cap_reached"), "the cap break")
    api = desk.reviewer()
    deadline = time.monotonic() + WAIT_S
    while api.lease(1).status_code != 423 and time.monotonic() < deadline:
        time.sleep(0.5)  # the reveal reaches the service with the next sync
    _refused(api, "cap_reached")
    child.kill()
    killed_at = time.monotonic()
    _comes_back(desk, "cap_reached", line["remaining_s"], killed_at)


def test_a_scheduled_break_the_service_enforces_comes_back_after_a_kill(desk: Desk) -> None:
    """The service decides this one: its clock runs the work interval out while the
    workstation holds cases; the workstation takes the break from its reading."""
    assert desk.live.clock is not None
    _set_policy(desk.live, breaks={"work_interval_minutes": 30, "break_minutes": 10,
                                   "micro_break_seconds": 0})
    child = desk.start()
    child.wait_for(lambda line: line["kind"] == "state" and line["state"] == "reviewing"
                   and line["restored"], "a case under review")
    api = desk.reviewer()
    time.sleep(1.5)  # the workstation holds its lease
    desk.live.clock.advance(minutes=31)
    line = child.wait_for(_on("scheduled_break"), "the scheduled break from the service")
    assert 8 * 60 <= line["remaining_s"] <= 9 * 60 + 5
    _refused(api, "on_break")
    child.kill()
    killed_at = time.monotonic()
    _comes_back(desk, "scheduled_break", line["remaining_s"], killed_at)
