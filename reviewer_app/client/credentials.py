"""The refresh token's only home: the OS keyring. Backends that would keep it in clear text
(keyrings.alt files), that cannot keep it (fail, null), or a chain that would fall through to
those, are refused with a message that says what to install."""

from __future__ import annotations

import logging
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from reviewer_app.client.errors import InsecureKeyring

log = logging.getLogger(__name__)

_INSECURE_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")
_INSECURE_NAMES = frozenset({"PlaintextKeyring", "EncryptedKeyring", "UncryptedFileKeyring"})


def _name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def is_insecure(backend: object) -> bool:
    cls = type(backend)
    return cls.__module__.startswith(_INSECURE_MODULES) or cls.__name__ in _INSECURE_NAMES


def secure_backend(backend: KeyringBackend | None = None) -> KeyringBackend:
    """The keyring backend to use: the given or default one, or the best secure member of a
    chain. Raises InsecureKeyring when there is none."""
    chosen: Any = backend if backend is not None else keyring.get_keyring()
    candidates: list[KeyringBackend] = [chosen]
    if type(chosen).__name__ == "ChainerBackend":
        candidates = list(chosen.backends)
    for candidate in candidates:
        if not is_insecure(candidate):
            return candidate
    raise InsecureKeyring(", ".join(_name(c) for c in candidates) or _name(chosen))


class RefreshTokenVault:
    """Keeps one refresh token per service URL under the configured keyring service name."""

    def __init__(self, service_name: str, server_url: str,
                 backend: KeyringBackend | None = None) -> None:
        self._service = service_name
        self._account = f"refresh-token@{server_url}"
        self._explicit = backend
        self._backend: KeyringBackend | None = None

    @property
    def backend(self) -> KeyringBackend:
        if self._backend is None:
            self._backend = secure_backend(self._explicit)
        return self._backend

    def load(self) -> str | None:
        try:
            return self.backend.get_password(self._service, self._account)
        except keyring.errors.KeyringError as exc:
            raise InsecureKeyring(f"{_name(self.backend)} ({type(exc).__name__})") from None

    def save(self, token: str) -> None:
        try:
            self.backend.set_password(self._service, self._account, token)
        except keyring.errors.KeyringError as exc:
            raise InsecureKeyring(f"{_name(self.backend)} ({type(exc).__name__})") from None

    def clear(self) -> None:
        try:
            self.backend.delete_password(self._service, self._account)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            log.warning("could not remove the refresh token from the keyring: %s",
                        type(exc).__name__)
