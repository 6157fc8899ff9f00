"""Typed errors read as sentences; insecure keyrings are refused; the core stays Qt-free."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from reviewer_app.client import errors
from reviewer_app.client.credentials import RefreshTokenVault, is_insecure, secure_backend
from tests.helpers.plaintext_keyring import PlaintextKeyring

ALL_ERRORS: list[errors.ClientError] = [
    errors.LoginRequired(), errors.AuthFailed(), errors.InsecureKeyring("x.Fail"),
    errors.ServiceUnavailable(), errors.MalformedReply("HTML"), errors.OnBreak(600),
    errors.CapReached(60, "graphic_violence"), errors.ShiftLimit(), errors.LeaseLost("c1"),
    errors.UnsafeMedia("m1", "too big"), errors.NotFound("Case c9"),
    errors.AlreadyDecided("c1"), errors.InvalidInput("reason too long"),
]


@pytest.mark.parametrize("error", ALL_ERRORS, ids=lambda e: type(e).__name__)
def test_every_error_is_a_sentence(error: errors.ClientError) -> None:
    text = str(error)
    assert isinstance(error, errors.ClientError)
    assert text[0].isupper(), text
    assert text.rstrip().endswith("."), text


def test_insecure_keyring_says_what_to_install() -> None:
    assert "gnome-keyring" in str(errors.InsecureKeyring("keyring.backends.fail.Keyring"))


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), PlaintextKeyring()],
                         ids=["fail", "null", "plaintext"])
def test_insecure_backends_are_refused(backend: KeyringBackend) -> None:
    assert is_insecure(backend)
    vault = RefreshTokenVault("reviewer-test", "http://127.0.0.1:1", backend)
    with pytest.raises(errors.InsecureKeyring, match="install"):
        vault.save("a-refresh-token")


def test_a_chain_of_only_insecure_backends_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [PlaintextKeyring(), fail.Keyring()])
    with pytest.raises(errors.InsecureKeyring):
        secure_backend(chainer.ChainerBackend())


@pytest.mark.keyring
def test_refresh_token_round_trip_in_the_os_keyring() -> None:
    vault = RefreshTokenVault(f"reviewer-test-{uuid.uuid4().hex}", "http://127.0.0.1:1")
    assert not is_insecure(vault.backend), type(vault.backend)
    assert vault.load() is None
    vault.save("rt-123")
    assert vault.load() == "rt-123"
    vault.clear()
    assert vault.load() is None
    vault.clear()  # clearing twice is fine


def test_the_client_core_never_imports_qt() -> None:
    code = ("import sys, reviewer_app.client.session, reviewer_app.cli, reviewer_app.store.local;"
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'ui'))];"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_session_refuses_an_insecure_keyring_before_touching_disk(tmp_path: Path) -> None:
    from reviewer_app.client.session import ReviewSession
    from reviewer_app.config import ClientConfig

    config = ClientConfig(server_url="http://127.0.0.1:9", data_dir=tmp_path / "data")
    with pytest.raises(errors.InsecureKeyring):
        ReviewSession(config, keyring_backend=fail.Keyring())
    assert not (tmp_path / "data").exists()
