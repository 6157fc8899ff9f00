"""Fixtures for the client core against the real service: a per-test keyring service name in
the real OS keyring, a client config on a tmp data dir, and a signed-in ReviewSession."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewer_app.client.credentials import RefreshTokenVault, is_insecure, secure_backend
from reviewer_app.client.errors import InsecureKeyring
from reviewer_app.client.session import ReviewSession
from reviewer_app.config import ClientConfig


@pytest.fixture
def secure_keyring() -> None:
    """The real OS keyring must be there; under `make test` its absence is a failure."""
    try:
        backend = secure_backend()
    except InsecureKeyring as exc:
        if os.environ.get("REVIEWER_APP_TESTING") == "1":
            pytest.fail(f"the OS keyring is missing under make test: {exc}")
        pytest.skip("needs the OS keyring (run under scripts/test.sh's dbus-run-session)")
    assert not is_insecure(backend)


@pytest.fixture
def keyring_service_name(secure_keyring: None) -> str:
    """A keyring service name of this test alone, so tests never see each other's tokens."""
    return f"reviewer-test-{uuid.uuid4().hex[:16]}"


ConfigFactory = Callable[..., ClientConfig]


@pytest.fixture
def make_client_config(tmp_path: Path, keyring_service_name: str) -> Iterator[ConfigFactory]:
    """Factory: `make_client_config(url, **overrides)`; clears the keyring entries afterwards."""
    made: list[ClientConfig] = []

    def make(server_url: str, **overrides: Any) -> ClientConfig:
        settings: dict[str, Any] = {
            "server_url": server_url, "data_dir": tmp_path / f"client-{len(made)}",
            "keyring_service": keyring_service_name, "connect_timeout_s": 5.0,
            "read_timeout_s": 20.0,
        }
        settings.update(overrides)
        config = ClientConfig(**settings)
        made.append(config)
        return config

    yield make
    for config in made:
        RefreshTokenVault(config.keyring_service, config.server_url).clear()


@pytest.fixture
def client_config(live_service: Any, make_client_config: ConfigFactory) -> ClientConfig:
    return make_client_config(live_service.url)


@pytest.fixture
def review_session(client_config: ClientConfig, live_service: Any) -> Iterator[ReviewSession]:
    """A ReviewSession signed in as the demo specialist; closed afterwards."""
    session = ReviewSession(client_config)
    session.login(*live_service.accounts.specialist)
    try:
        yield session
    finally:
        session.close()
