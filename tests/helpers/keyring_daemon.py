"""The real OS keyring for tests: gnome-keyring's Secret Service, kept alive and unlocked.

gnome-keyring-daemon can die when its clients are SIGKILLed in the middle of a D-Bus call (the
crash test does that hundreds of times). D-Bus then starts a fresh, *locked* daemon that waits
for a password prompt no one can answer, and every later keyring call fails. `ensure_unlocked`
puts an unlocked daemon back (the keyring file on disk keeps its items), and `PrivateKeyring`
gives a test its own bus and daemon so its violence cannot reach the rest of the suite.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
from pathlib import Path

PASSWORD_ENV = "TEST_KEYRING_PASSWORD"
"""Set by scripts/test.sh to the password it unlocked the suite's keyring with."""


def control_socket(env: dict[str, str]) -> Path | None:
    runtime = env.get("XDG_RUNTIME_DIR")
    return Path(runtime) / "keyring" / "control" if runtime else None


def is_alive(env: dict[str, str]) -> bool:
    """True when a gnome-keyring daemon answers on this environment's control socket."""
    path = control_socket(env)
    if path is None or not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def ensure_unlocked(env: dict[str, str], password: str) -> bool:
    """Start (or replace a locked stand-in with) an unlocked daemon; True if one was started."""
    if is_alive(env) or shutil.which("gnome-keyring-daemon") is None:
        return False
    subprocess.run(["gnome-keyring-daemon", "--replace", "--unlock", "--components=secrets"],
                   input=password.encode(), env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False, timeout=30)
    return True


class PrivateKeyring:
    """A session bus and an unlocked gnome-keyring of one test's own, under `root`."""

    def __init__(self, root: Path, password: str = "private-test-keyring") -> None:
        self.password = password
        run = root / "run"
        run.mkdir(parents=True, exist_ok=True)
        run.chmod(0o700)
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(run),
                    "XDG_DATA_HOME": str(root / "data"), "XDG_CONFIG_HOME": str(root / "config")}
        self._bus_pid: int | None = None
        self._lock = threading.Lock()

    def start(self) -> PrivateKeyring:
        out = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1",
                              "--print-pid=1"], capture_output=True, text=True, check=True,
                             env=self.env, timeout=30).stdout.split()
        self.env["DBUS_SESSION_BUS_ADDRESS"] = out[0]
        self._bus_pid = int(out[1])
        self.ensure()
        return self

    def ensure(self) -> None:
        """Before each use: an unlocked daemon on this bus (one restart at a time)."""
        with self._lock:
            ensure_unlocked(self.env, self.password)

    def __enter__(self) -> PrivateKeyring:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """End the bus; the keyring daemon leaves with it."""
        if self._bus_pid is not None:
            try:
                os.kill(self._bus_pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self._bus_pid = None
