"""Fixtures that run the real review service on a loopback port: in a thread of the test
process (`live_service`) or as a child process that tests may kill and restart
(`service_process`). Every fixture stops what it starts."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from reviewer_app.service.accounts import add_user
from reviewer_app.service.db import upgrade_head
from reviewer_app.service.seed import DemoAccounts, add_cases, seed_demo
from reviewer_app.service.server import RunningService, start_in_thread
from reviewer_app.service.settings import ServiceSettings
from reviewer_app.service.storage import MEDIA_DIR_ENV
from tests.helpers.postgres import (
    SKIP_REASON,
    PostgresCluster,
    find_pg_bin,
    free_port,
    postgres_cluster,
)

FAST_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 1024}
"""Tests log in often; a cheap argon2 keeps them quick (production uses the defaults)."""


def seed_specialists_and_cases(db_url: str, specialists: int, cases: int,
                               prefix: str = "load") -> list[tuple[str, str]]:
    """Schema, `specialists` reviewers in team escalations (cheap argon2), and `cases` small
    synthetic cases: the setup of every load test and benchmark."""
    upgrade_head(db_url)
    hasher = PasswordHasher(time_cost=1, memory_cost=1024)
    users = [(f"{prefix}{i}", f"{prefix}-password-{i}") for i in range(specialists)]
    for name, password in users:
        add_user(db_url, name, password, "specialist", "escalations", migrate=False,
                 hasher=hasher)
    add_cases(db_url, cases, migrate=False, decidable_as_is=True)
    return users


@dataclass
class LiveService:
    url: str
    accounts: DemoAccounts
    db_url: str
    settings: ServiceSettings
    running: RunningService

    @property
    def port(self) -> int:
        return self.running.port


@pytest.fixture
def service_settings(tmp_path: Path) -> ServiceSettings:
    """Settings for a service on a SQLite file in this test's tmp_path."""
    return ServiceSettings(db_url=f"sqlite:///{tmp_path / 'service.db'}", **FAST_HASHING)


@contextlib.contextmanager
def serving(settings: ServiceSettings, accounts: DemoAccounts) -> Iterator[LiveService]:
    """The service on `settings`' database (seeded by the caller), in a thread on 127.0.0.1
    (random port), stopped afterwards."""
    running = start_in_thread(settings)
    try:
        yield LiveService(url=running.url, accounts=accounts, db_url=settings.db_url,
                          settings=settings, running=running)
    finally:
        running.stop()


@pytest.fixture
def live_service(service_settings: ServiceSettings) -> Iterator[LiveService]:
    """The seeded demo service, serving in a thread on 127.0.0.1 (random port)."""
    with serving(service_settings, seed_demo(service_settings.db_url,
                                             decidable_as_is=True)) as live:
        yield live


def wait_until_serving(url: str, proc: subprocess.Popen[bytes] | None = None,
                       timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the service process exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the service at {url} did not start")
        time.sleep(0.05)


@dataclass
class ServiceProcess:
    """`python -m reviewer_app.service serve` as a child process on a fixed port."""

    db_url: str
    port: int
    log_path: Path
    accounts: DemoAccounts = field(default_factory=DemoAccounts)
    extra_args: tuple[str, ...] = ()
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cmd = [sys.executable, "-m", "reviewer_app.service", "serve", "--db", self.db_url,
               "--host", "127.0.0.1", "--port", str(self.port), "--no-migrate",
               *self.extra_args]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        wait_until_serving(self.url, self.proc)

    def stop(self) -> None:
        """SIGTERM and wait (uvicorn finishes in-flight requests)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: the process dies mid-request, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(15)
        self.proc = None

    def restart(self, *, kill: bool = False) -> None:
        self.kill() if kill else self.stop()
        self.start()


ServiceProcessFactory = Callable[..., ServiceProcess]


@pytest.fixture
def service_process(tmp_path: Path) -> Iterator[ServiceProcessFactory]:
    """Factory: `service_process(db_url=None, *, port=None, seed=True, extra_args=())` starts a
    service child process (SQLite in tmp_path unless `db_url`); all are stopped afterwards."""
    started: list[ServiceProcess] = []

    def make(db_url: str | None = None, *, port: int | None = None, seed: bool = True,
             extra_args: tuple[str, ...] = ()) -> ServiceProcess:
        url = db_url or f"sqlite:///{tmp_path / 'service-proc.db'}"
        accounts = seed_demo(url, decidable_as_is=True) if seed else DemoAccounts()
        if not seed:
            from reviewer_app.service.db import upgrade_head

            upgrade_head(url)
        sp = ServiceProcess(db_url=url, port=port or free_port(),
                            log_path=tmp_path / f"service-{len(started)}.log",
                            accounts=accounts, extra_args=extra_args)
        started.append(sp)
        sp.start()
        return sp

    try:
        yield make
    finally:
        for sp in started:
            sp.stop()


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL cluster for the session; skipped without the binaries. Its
    services and seeds share one media directory, named the way tools that only get a
    database URL learn it ($REVIEWER_MEDIA_DIR: PostgreSQL implies none)."""
    if find_pg_bin() is None:
        pytest.skip(SKIP_REASON)
    with pytest.MonkeyPatch.context() as env, postgres_cluster() as cluster:
        env.setenv(MEDIA_DIR_ENV, str(tmp_path_factory.mktemp("pg-media")))
        yield cluster


@pytest.fixture
def pg_db_url(pg_cluster: PostgresCluster, request: pytest.FixtureRequest) -> str:
    """A fresh empty database in the session's cluster."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:50].lower()
    return pg_cluster.create_database(name)
