"""`reviewer-cli kpis` against the real service: the lead writes the team's KPIs as CSV, with
the specialist's synced decision in its person row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from reviewer_app.client.credentials import RefreshTokenVault
from tests.integration.client.test_export_sor import _cli
from tests.integration.service.api import Api

pytestmark = pytest.mark.keyring


def test_kpis_writes_the_team_csv(live_service: Any, tmp_path: Path,
                                  keyring_service_name: str) -> None:
    specialist = Api(live_service.url)
    assert specialist.login(*live_service.accounts.specialist).status_code == 200
    team = specialist.call("GET", "/me").json()["team"]
    lease = specialist.lease(1).json()
    [case_id] = [c["id"] for c in lease["cases"]]
    reply = specialist.decide(case_id, lease["lease_id"], action="keep", handle_ms=9_000)
    assert reply.status_code == 201, reply.text

    common = ["--server", live_service.url, "--data-dir", str(tmp_path / "cli"),
              "--keyring-service", keyring_service_name]
    out = tmp_path / "kpis.csv"
    since = f"{datetime.now(UTC) - timedelta(days=1):%Y-%m-%d}"
    try:
        user, password = live_service.accounts.lead
        assert _cli("login", "-u", user, "--password-stdin", *common,
                    stdin=password + "\n").returncode == 0
        done = _cli("kpis", "--team", team, "--since", since, "--out", str(out), *common)
    finally:
        RefreshTokenVault(keyring_service_name, live_service.url).clear()

    assert done.returncode == 0, done.stdout + done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("scope,key,decisions,")
    assert lines[1].startswith("team,all,1,1,1,9000,9000,")
    who = live_service.accounts.specialist[0]
    assert any(line.startswith(f"person,{who},1,1,1,9000,9000,") for line in lines)
