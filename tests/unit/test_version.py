"""One version number: reviewer_app.__version__, read by the package metadata, the three
programs' --version, the service's /healthz and OpenAPI document, and the About box."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from reviewer_app import __version__

REPO = Path(__file__).resolve().parents[2]


def test_the_package_reads_its_version_from_the_code() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    if "version" in project["project"]:
        assert project["project"]["version"] == __version__
    else:
        assert "version" in project["project"]["dynamic"]
        attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
        assert attr == "reviewer_app.__version__"


@pytest.mark.parametrize(("module", "program"), [
    ("reviewer_app", "reviewer-app"),
    ("reviewer_app.cli", "reviewer-cli"),
    ("reviewer_app.service", "reviewer-service"),
])
def test_every_program_says_the_same_version(module: str, program: str) -> None:
    done = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout.strip() == f"{program} {__version__}"
