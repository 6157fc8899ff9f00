"""reviewer-cli export-sor end to end: the seeded demo service, a specialist's restricting
decisions, and an admin exporting them as the Transparency Database takes them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reviewer_app.client.credentials import RefreshTokenVault
from reviewer_app.sor import BATCH_LIMIT, check_statement
from tests.integration.service.api import Api

pytestmark = pytest.mark.keyring


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reviewer_app.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


def test_export_sor_writes_valid_batches_and_names_the_missing_field(
        live_service: Any, tmp_path: Path, keyring_service_name: str) -> None:
    specialist = Api(live_service.url)
    assert specialist.login(*live_service.accounts.specialist).status_code == 200
    lease = specialist.lease(4).json()
    cases = [c["id"] for c in lease["cases"]]
    assert len(cases) == 4
    actions = ["remove", "restrict", "keep"]
    for case_id, action in zip(cases, actions, strict=False):
        reply = specialist.decide(case_id, lease["lease_id"], action=action,
                                  reason="Synthetic test: depicts gratuitous violence.")
        assert reply.status_code in (200, 201), reply.text
    # A label with neither a reason nor a cited rule: no statement can explain it.
    reply = specialist.decide(cases[3], lease["lease_id"], action="label", reason="",
                              policy_refs=[])
    assert reply.status_code in (200, 201), reply.text

    common = ["--server", live_service.url, "--data-dir", str(tmp_path / "cli"),
              "--keyring-service", keyring_service_name]
    out = tmp_path / "sor.jsonl"
    try:
        user, password = live_service.accounts.admin
        assert _cli("login", "-u", user, "--password-stdin", *common,
                    stdin=password + "\n").returncode == 0
        done = _cli("export-sor", "--since", "2020-01-01", "--out", str(out), *common)
    finally:
        RefreshTokenVault(keyring_service_name, live_service.url).clear()

    assert done.returncode == 1, done.stdout + done.stderr  # one decision refused
    assert "decision_facts" in done.stderr
    assert ("incompatible_content_explanation is required when decision_ground is "
            "DECISION_GROUND_INCOMPATIBLE_CONTENT") in done.stderr
    assert f"case {cases[3]}" in done.stderr
    batches = [json.loads(line) for line in out.read_text().splitlines()]
    statements = [s for batch in batches for s in batch["statements"]]
    assert all(1 <= len(batch["statements"]) <= BATCH_LIMIT for batch in batches)
    # The remove and the restrict, not the keep nor the refused label.
    assert sorted(s["decision_visibility"][0] for s in statements) == [
        "DECISION_VISIBILITY_CONTENT_DISABLED", "DECISION_VISIBILITY_CONTENT_REMOVED"]
    for statement in statements:
        assert check_statement(statement)[1] == []
        assert statement["decision_facts"].startswith("Synthetic test")
