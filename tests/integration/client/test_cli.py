"""reviewer-cli as a user runs it: a real process, the real keyring, the real service."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reviewer_app.client.credentials import RefreshTokenVault

pytestmark = pytest.mark.keyring


def _cli(*args: str, stdin: str = "", expect: int = 0) -> Any:
    done = subprocess.run([sys.executable, "-m", "reviewer_app.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == expect, done.stdout + done.stderr
    return json.loads(done.stdout) if "--json" in args and done.stdout.strip() else done.stdout


def test_cli_login_lease_decide_sync_status_logout(live_service: Any, tmp_path: Path,
                                                   keyring_service_name: str) -> None:
    common = ["--server", live_service.url, "--data-dir", str(tmp_path / "cli"),
              "--keyring-service", keyring_service_name, "--json"]
    user, password = live_service.accounts.specialist
    try:
        me = _cli("login", "-u", user, "--password-stdin", *common, stdin=password + "\n")
        assert me["username"] == user
        cases = _cli("lease", "--max", "2", *common)
        assert len(cases) == 2
        out = _cli("decide", cases[0]["id"], "remove", "--policy", "CS-VIO-1", "--reason",
                   "gratuitous", "--no-sync", *common)
        assert out["saved"] is True
        _cli("note", cases[0]["id"], "Reporter's link checked.", "--no-sync", *common)
        status = _cli("status", *common)
        assert status["outbox"]["pending"] == 2
        assert [c["id"] for c in status["leased_cases"]] == [cases[1]["id"]]
        report = _cli("sync", *common)
        assert (report["applied"], report["remaining"]) == (2, 0)
        refused = _cli("decide", cases[0]["id"], "keep", *common, expect=1)
        assert refused["error"] == "AlreadyDecided"
        _cli("logout", *common)
        assert RefreshTokenVault(keyring_service_name, live_service.url).load() is None
        assert _cli("lease", *common, expect=3)["error"] == "LoginRequired"
    finally:
        RefreshTokenVault(keyring_service_name, live_service.url).clear()


def test_cli_refuses_plain_http_to_a_remote_host(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "reviewer_app.cli", "status", "--server",
                           "http://review.example.org", "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "https" in done.stderr
    assert not list(tmp_path.iterdir())


def test_cli_wrong_password_exit_code(live_service: Any, tmp_path: Path,
                                      keyring_service_name: str) -> None:
    out = _cli("login", "-u", "demo", "--password-stdin", "--server", live_service.url,
               "--data-dir", str(tmp_path), "--keyring-service", keyring_service_name, "--json",
               stdin="wrong\n", expect=3)
    assert out["error"] == "AuthFailed"


def test_cli_without_a_secure_keyring_says_what_to_install(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    done = subprocess.run([sys.executable, "-m", "reviewer_app.cli", "status", "--server",
                           "http://127.0.0.1:9", "--data-dir", str(tmp_path / "d"), "--json"],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["error"] == "InsecureKeyring"
    assert "gnome-keyring" in done.stderr
    assert not (tmp_path / "d").exists()
