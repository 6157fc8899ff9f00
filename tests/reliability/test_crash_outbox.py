"""Crash: a reviewer process is SIGKILLed at random points, again and again, while it decides
and syncs. Every decision it acknowledged (after the local commit) ends up on the service
exactly once, and the local store passes SQLite's integrity check."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from reviewer_app.service.seed import add_cases, seed_demo
from reviewer_app.service.server import start_in_thread
from reviewer_app.service.settings import ServiceSettings
from reviewer_app.store.local import LocalStore
from reviewer_app.store.outbox import counts
from reviewer_app.store.schema import OutboxItem
from tests.helpers.keyring_daemon import PrivateKeyring
from tests.reliability.service_checks import duplicates, service_decisions

pytestmark = [pytest.mark.slow, pytest.mark.keyring]

DECISIONS = 1_000
KILLS = 100
STREAMS = 2
DEADLINE_S = 240.0
"""A reviewer stream stops by itself after this long; the assertions then say what fell short
(a test that hangs would hold CI until its limit instead)."""
SPARE_CASES = 4_000
"""A kill between the service granting a lease and the local commit strands up to 5 cases
until the lease expires, and a reviewer goes on deciding between its target and the kill
(more of them, the faster the service answers); spare cases keep the queue from running dry
before the kills are done."""
ACK = re.compile(r"^ACK ([0-9a-f-]{36}) (\S+)$")


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    with log.open("a") as err:
        return subprocess.Popen([sys.executable, "-m", "tests.reliability.crash_driver", *args],
                                stdout=subprocess.PIPE, stderr=err, text=True, env=env)


def _collect(lines: str | list[str], acked: dict[str, str]) -> None:
    for line in lines.splitlines() if isinstance(lines, str) else lines:
        match = ACK.match(line.strip())
        if match:
            acked[match.group(1)] = match.group(2)


def _reviewer(args: list[str], keyring: PrivateKeyring, log: Path, seed: int,
              decisions: int, kills_wanted: int, stats: dict[str, Any]) -> None:
    """One reviewer's life after life: spawn, let it decide a random few, SIGKILL, repeat."""
    rng = random.Random(seed)
    acked: dict[str, str] = stats["acked"]
    deadline = time.monotonic() + DEADLINE_S
    while (len(acked) < decisions or stats["kills"] < kills_wanted) and (
            time.monotonic() < deadline):
        keyring.ensure()  # a client killed mid-D-Bus call can take the daemon down with it
        proc = _spawn(args, keyring.env, log)
        assert proc.stdout is not None
        with proc.stdout:
            # One life in ten dies during start-up (imports, migrations, token refresh); the
            # rest after 1 to 19 acknowledged decisions. A life costs about two seconds of
            # start-up on a busy core, so a life must decide enough for the deadline to hold.
            target = 0 if rng.random() < 0.1 else rng.randint(1, 19)
            finished = False
            if target == 0:
                time.sleep(rng.uniform(0.0, 0.8))
            else:
                seen: list[str] = []
                for line in proc.stdout:
                    seen.append(line)
                    if line.startswith("DONE"):
                        finished = True
                        break
                    if sum(1 for x in seen if x.startswith("ACK")) >= target:
                        break
                _collect(seen, acked)
                time.sleep(rng.uniform(0.0, 0.03))  # land inside a commit, a sync, a lease
            if proc.poll() is None:
                proc.kill()
                stats["kills"] += 1
            _collect(proc.stdout.read(), acked)
        proc.wait()
        if proc.returncode not in (0, -signal.SIGKILL):
            stats["crashed_alone"].append(proc.returncode)
        if finished:
            return


@pytest.mark.timeout(600)  # two driver processes killed and restarted; a busy xdist core
def test_sigkill_never_loses_or_duplicates_an_acked_decision(
        tmp_path: Path, make_client_config: Any) -> None:
    settings = ServiceSettings(db_url=f"sqlite:///{tmp_path / 'service.db'}",
                               argon2_time_cost=1, argon2_memory_kib=1024)
    accounts = seed_demo(settings.db_url, cases=0)
    add_cases(settings.db_url, DECISIONS + SPARE_CASES, migrate=False, seed=4,
              decidable_as_is=True)
    streams: list[tuple[list[str], Path, dict[str, Any]]] = []
    with start_in_thread(settings) as running, PrivateKeyring(tmp_path / "keyring") as keyring:
        keyring.env.update({"CRASH_USER": accounts.specialist[0],
                            "CRASH_PASSWORD": accounts.specialist[1]})
        threads = []
        for n in range(STREAMS):  # two reviewers' machines at once: two cores busy
            config = make_client_config(running.url, keyring_service=f"crash-{n}-{os.getpid()}")
            args = ["--server", running.url, "--data-dir", str(config.data_dir),
                    "--keyring-service", config.keyring_service]
            stats: dict[str, Any] = {"acked": {}, "kills": 0, "crashed_alone": []}
            log = tmp_path / f"driver-{n}.log"
            streams.append((args, log, stats))
            threads.append(threading.Thread(daemon=True, target=_reviewer, args=(
                args, keyring, log, 1000 + n, DECISIONS // STREAMS, KILLS // STREAMS, stats)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for args, log, _ in streams:
            keyring.ensure()
            drain = _spawn([*args, "--drain"], keyring.env, log)
            out, _ = drain.communicate(timeout=120)
            assert "DRAINED 0" in out, out + log.read_text()[-3000:]
        on_service = service_decisions(settings.db_url)

    acked: dict[str, str] = {}
    for _, log, stats in streams:
        assert not stats["crashed_alone"], log.read_text()[-3000:]
        acked.update(stats["acked"])
    assert sum(stats["kills"] for _, _, stats in streams) >= KILLS
    assert len(acked) >= DECISIONS
    service_ids = [c for c, _ in on_service]
    assert not duplicates(service_ids)
    assert not duplicates([case for _, case in on_service])
    missing = set(acked) - set(service_ids)
    assert not missing, f"{len(missing)} acknowledged decisions never reached the service"
    local_ids: set[str] = set()
    for args, _, _ in streams:
        store = LocalStore(Path(args[args.index("--data-dir") + 1]) / "reviewer.sqlite3")
        try:
            assert store.integrity_ok()
            with store.read() as db:
                left = counts(db)
            assert (left.pending, left.conflicts, left.invalid) == (0, 0, 0)
            local_ids |= _local_client_ids(store)
        finally:
            store.close()
    assert set(service_ids) <= local_ids


def _local_client_ids(store: LocalStore) -> set[str]:
    with store.read() as db:
        return set(db.scalars(select(OutboxItem.client_id).where(OutboxItem.kind == "decision")))
