"""Test-wide setup. Qt must never abort the run for want of a display, and no test may
read or write the developer's real home: scripts/test.sh gives each run a throwaway HOME."""

from __future__ import annotations

import os

import pytest

from tests.helpers.keyring_daemon import PASSWORD_ENV, ensure_unlocked
from ui.app import qt_environment

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false")
qt_environment()  # the Qt settings the app runs with

@pytest.fixture(autouse=True)
def _keyring_still_unlocked() -> None:
    """Heal the suite's keyring if an earlier test's SIGKILLs took gnome-keyring down, so one
    daemon death cannot fail every later test (see tests/helpers/keyring_daemon.py)."""
    password = os.environ.get(PASSWORD_ENV)
    if password:
        ensure_unlocked(dict(os.environ), password)


pytest_plugins = [
    "tests.helpers.service_fixtures",
    "tests.helpers.client_fixtures",
]
