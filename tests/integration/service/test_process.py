"""The service as its own process: the CLI, a restart, and nothing lost across it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers.service_fixtures import ServiceProcessFactory
from tests.integration.service.api import Api


def test_decision_survives_a_killed_service(service_process: ServiceProcessFactory) -> None:
    svc = service_process()
    api = Api(svc.url)
    assert api.login(*svc.accounts.specialist).status_code == 200
    lease = api.lease(2).json()
    first = api.decide(lease["cases"][0]["id"], lease["lease_id"])
    assert first.status_code == 201
    svc.restart(kill=True)
    again = api.call("GET", f"/cases/{lease['cases'][0]['id']}")
    assert again.json()["status"] == "decided"
    second = api.decide(lease["cases"][1]["id"], lease["lease_id"])
    assert second.status_code == 201


def test_cli_user_add_reads_the_password_from_stdin(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    cmd = [sys.executable, "-m", "reviewer_app.service", "user", "add", "alice",
           "--role", "wellness_lead", "--team", "graphic", "--db", db]
    done = subprocess.run(cmd, input=b"correct horse battery\n", capture_output=True, check=False)
    assert done.returncode == 0, done.stderr
    assert b"correct horse" not in done.stdout + done.stderr
    dup = subprocess.run(cmd, input=b"another password\n", capture_output=True, check=False)
    assert dup.returncode == 2
    assert b"exists" in dup.stderr
