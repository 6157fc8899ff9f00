"""Test-wide setup. Qt must never abort the run for want of a display, and no test may
read or write the developer's real home: scripts/test.sh gives each run a throwaway HOME."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false")

pytest_plugins = [
    "tests.helpers.service_fixtures",
    "tests.helpers.client_fixtures",
]
