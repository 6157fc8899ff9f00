"""Secrets and media at rest: after login, refresh and logout, no token, password or media
byte is in any file the app wrote (store, its WAL, backups, logs, settings, temp dirs)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reviewer_app import domain
from reviewer_app.client.clock import ManualClock
from reviewer_app.client.credentials import RefreshTokenVault
from reviewer_app.client.session import ReviewSession

pytestmark = pytest.mark.keyring


def _files(*roots: Path) -> list[Path]:
    return [p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()]


def _leaks(secrets: dict[str, bytes], roots: list[Path]) -> list[str]:
    found = []
    files = _files(*roots)
    assert files, "the app wrote no file at all: the scan would prove nothing"
    for path in files:
        data = path.read_bytes()
        found += [f"{name} in {path}" for name, secret in secrets.items() if secret in data]
    return found


def test_no_token_or_media_in_files_the_session_wrote(
        live_service: Any, make_client_config: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    log_file = tmp_path / "logs" / "app.log"
    log_file.parent.mkdir()
    handler = logging.FileHandler(log_file)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # urllib3, sqlalchemy and ours, at their chattiest
    clock = ManualClock(start=datetime.now(UTC))
    config = make_client_config(live_service.url)
    vault = RefreshTokenVault(config.keyring_service, config.server_url)
    user, password = live_service.accounts.specialist
    secrets: dict[str, bytes] = {"password": password.encode()}
    try:
        session = ReviewSession(config, clock=clock)
        session.login(user, password)
        secrets["access 1"] = (session._api._access or "").encode()
        secrets["refresh 1"] = (vault.load() or "").encode()
        case = session.case(session.lease(2)[0].id)
        for i, ref in enumerate(case.media):
            data = session.media(ref)
            secrets[f"media {i}"] = data[len(data) // 2: len(data) // 2 + 64]
        session.decide(case.id, domain.Action.REMOVE, reason="hygiene")
        clock.advance(3600)  # the access token expires: the next call refreshes
        assert session.sync().applied == 1
        secrets["access 2"] = (session._api._access or "").encode()
        secrets["refresh 2"] = (vault.load() or "").encode()
        assert secrets["refresh 2"] != secrets["refresh 1"]
        session.logout()
        session.close()
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(old_level)
    assert all(len(v) >= 8 for v in secrets.values()), secrets.keys()
    assert log_file.stat().st_size > 0
    assert not _leaks(secrets, [config.data_dir, log_file.parent, temp])


def test_no_token_in_files_the_cli_wrote(live_service: Any, tmp_path: Path,
                                         keyring_service_name: str) -> None:
    xdg = {name: tmp_path / name.lower() for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME",
                                                      "XDG_CACHE_HOME", "XDG_STATE_HOME",
                                                      "TMPDIR")}
    for path in xdg.values():
        path.mkdir()
    env = {**os.environ, **{k: str(v) for k, v in xdg.items()}}
    common = ["--server", live_service.url, "--keyring-service", keyring_service_name]
    user, password = live_service.accounts.specialist

    def cli(*args: str, stdin: str = "") -> None:
        done = subprocess.run([sys.executable, "-m", "reviewer_app.cli", *args, *common],
                              input=stdin, env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr

    vault = RefreshTokenVault(keyring_service_name, live_service.url)
    cli("login", "-u", user, "--password-stdin", stdin=password + "\n")
    first = vault.load() or ""
    cli("lease", "--max", "1")
    second = vault.load() or ""
    cli("status")
    cli("logout")
    assert vault.load() is None
    secrets = {"password": password.encode(), "refresh 1": first.encode(),
               "refresh 2": second.encode()}
    assert first != second
    assert not _leaks(secrets, list(xdg.values()))
