"""The core and the safeguards engine never pull in Qt (ARCHITECTURE.md's dependency rule)."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "reviewer_app", "reviewer_app.domain", "reviewer_app.contract", "reviewer_app.config",
    "reviewer_app.client.session", "reviewer_app.client.sync", "reviewer_app.store",
    "reviewer_app.cli", "reviewer_app.service.app", "safeguards", "safeguards.gate",
]


def test_importing_the_core_leaves_pyside6_out_of_sys_modules() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'ui'))\n"
        "print(','.join(qt))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_the_probe_would_see_qt_if_it_were_imported() -> None:
    """Guard against a probe that cannot fail: importing ui must show up."""
    code = "import sys, ui.imaging; print('PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "True"
