"""The refresh token's only home: the OS keyring. Backends that would keep it in clear text
(keyrings.alt files), that cannot keep it (fail, null), or a chain that would fall through to
those, are refused with a message that says what to install.

Every keyring call (finding the backend, get, set, delete) runs on a worker thread with a
deadline: a Secret Service daemon that is stopped or hung, or an unlock prompt nobody answers,
would otherwise block the app and the CLI forever. A call that misses the deadline is given up
on (its daemon thread is left to finish or not), and until it does return, later calls fail
at once rather than pile up more stuck threads."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from reviewer_app.client.errors import ClientError, InsecureKeyring, KeyringUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

KEYRING_DEADLINE_S = 5.0
"""How long one keyring call may take before it is given up on. Small enough that the reviewer
hears about a silent keyring within 10 s, large enough for a slow but working daemon."""

_INSECURE_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")
_INSECURE_NAMES = frozenset({"PlaintextKeyring", "EncryptedKeyring", "UncryptedFileKeyring"})

_stuck_lock = threading.Lock()
_stuck: list[threading.Thread] = []
"""Keyring calls that missed their deadline and have not returned yet (process-wide: they all
wait on the same daemon)."""


def _name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def is_insecure(backend: object) -> bool:
    cls = type(backend)
    return cls.__module__.startswith(_INSECURE_MODULES) or cls.__name__ in _INSECURE_NAMES


def _silent(deadline_s: float) -> KeyringUnavailable:
    return KeyringUnavailable(f"did not answer within {deadline_s:g} s", silent=True)


def within_deadline(call: Callable[[], T], deadline_s: float = KEYRING_DEADLINE_S) -> T:
    """`call()` on a worker thread: its result or its exception, or KeyringUnavailable when
    it has not returned within `deadline_s` (or an earlier call is still stuck)."""
    with _stuck_lock:
        _stuck[:] = [t for t in _stuck if t.is_alive()]
        if _stuck:
            raise _silent(deadline_s)
    outcome: list[Any] = []

    def work() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # handed to the caller, or dropped if it gave up
            outcome.append((False, exc))

    thread = threading.Thread(target=work, name="keyring-call", daemon=True)
    thread.start()
    thread.join(deadline_s)
    if thread.is_alive():
        with _stuck_lock:
            _stuck.append(thread)
        log.info("the OS keyring did not answer within %g s; giving up on it", deadline_s)
        raise _silent(deadline_s)
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def _choose(backend: KeyringBackend | None) -> KeyringBackend:
    chosen: Any = backend if backend is not None else keyring.get_keyring()
    candidates: list[KeyringBackend] = [chosen]
    if type(chosen).__name__ == "ChainerBackend":
        candidates = list(chosen.backends)
    for candidate in candidates:
        if not is_insecure(candidate):
            return candidate
    raise InsecureKeyring(", ".join(_name(c) for c in candidates) or _name(chosen))


def secure_backend(backend: KeyringBackend | None = None, *,
                   deadline_s: float = KEYRING_DEADLINE_S) -> KeyringBackend:
    """The keyring backend to use: the given or default one, or the best secure member of a
    chain. Raises InsecureKeyring when there is none, KeyringUnavailable when finding it
    takes longer than `deadline_s` (a bus that does not answer)."""
    return within_deadline(lambda: _choose(backend), deadline_s)


def _unusable(exc: BaseException) -> KeyringUnavailable:
    """A secure backend's failure, as a sentence (only the type: messages may carry paths)."""
    log.info("the OS keyring failed: %s", type(exc).__name__)
    if isinstance(exc, keyring.errors.KeyringLocked) or "dismissed" in str(exc).lower():
        return KeyringUnavailable("is locked, and the prompt to unlock it was dismissed or "
                                  "could not be shown")
    return KeyringUnavailable(f"could not be used ({type(exc).__name__})")


class RefreshTokenVault:
    """Keeps one refresh token per service URL under the configured keyring service name.

    Every method answers within about `deadline_s` (twice that on the very first call, which
    also finds the backend), or raises KeyringUnavailable."""

    def __init__(self, service_name: str, server_url: str,
                 backend: KeyringBackend | None = None, *,
                 deadline_s: float = KEYRING_DEADLINE_S) -> None:
        self._service = service_name
        self._account = f"refresh-token@{server_url}"
        self._explicit = backend
        self._backend: KeyringBackend | None = None
        self._deadline_s = deadline_s

    @property
    def backend(self) -> KeyringBackend:
        if self._backend is None:
            self._backend = secure_backend(self._explicit, deadline_s=self._deadline_s)
        return self._backend

    def _call(self, call: Callable[[KeyringBackend], T]) -> T:
        backend = self.backend
        try:
            return within_deadline(lambda: call(backend), self._deadline_s)
        except (ClientError, keyring.errors.PasswordDeleteError):
            raise
        except Exception as exc:  # KeyringError, or the D-Bus library's own errors
            raise _unusable(exc) from None

    def load(self) -> str | None:
        return self._call(lambda b: b.get_password(self._service, self._account))

    def save(self, token: str) -> None:
        self._call(lambda b: b.set_password(self._service, self._account, token))

    def clear(self) -> None:
        """Forget the token. A keyring that fails the delete is logged (the token is revoked
        on the service anyway); one that does not answer raises KeyringUnavailable."""
        try:
            self._call(lambda b: b.delete_password(self._service, self._account))
        except keyring.errors.PasswordDeleteError:
            pass
        except KeyringUnavailable as exc:
            if exc.silent:
                raise
            log.warning("could not remove the refresh token from the keyring: %s", exc.problem)
