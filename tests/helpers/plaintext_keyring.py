"""A stand-in for keyrings.alt's plaintext file backend (not installed here), importable by
name so a child process can be given it with PYTHON_KEYRING_BACKEND. It keeps nothing and
fails loudly if anything tries to store a secret in it."""

from __future__ import annotations

from keyring.backend import KeyringBackend

DOTTED_NAME = "tests.helpers.plaintext_keyring.PlaintextKeyring"


class PlaintextKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("a plaintext keyring must never be written")

    def delete_password(self, service: str, username: str) -> None:
        return None
