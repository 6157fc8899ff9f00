"""Checks of the built artefacts (scripts/test-package.sh runs them, after the .deb files were
installed and used in a clean Debian root). They read what `make package` built, never the
source tree's behaviour, so `make test` (which has no packages to read) does not collect them:
they run when REVIEWER_PACKAGE_DIST names the folder of the .deb files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import reviewer_app

if not os.environ.get("REVIEWER_PACKAGE_DIST"):
    collect_ignore_glob = ["test_*.py"]

DEB_REVISION = "1"


def _dpkg_arch() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture(scope="session")
def dist() -> Path:
    return Path(os.environ["REVIEWER_PACKAGE_DIST"])


@pytest.fixture(scope="session")
def frozen() -> Path:
    return Path(os.environ.get("REVIEWER_FROZEN", "build/desktop/dist/reviewer-app"))


def _deb(dist: Path, name: str) -> Path:
    path = dist / f"{name}_{reviewer_app.__version__}-{DEB_REVISION}_{_dpkg_arch()}.deb"
    assert path.is_file(), f"{path} was not built (make package)"
    return path


@pytest.fixture(scope="session")
def app_deb(dist: Path) -> Path:
    return _deb(dist, "reviewer-app")


@pytest.fixture(scope="session")
def service_deb(dist: Path) -> Path:
    return _deb(dist, "reviewer-service")


@pytest.fixture(scope="session")
def unpacked(tmp_path_factory: pytest.TempPathFactory, app_deb: Path,
             service_deb: Path) -> dict[str, Path]:
    """Each .deb's files (dpkg-deb -x) and control files (dpkg-deb -e), once per run."""
    roots = {}
    for name, deb in (("reviewer-app", app_deb), ("reviewer-service", service_deb)):
        root = tmp_path_factory.mktemp(name)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root / "files")], check=True)
        subprocess.run(["dpkg-deb", "-e", str(deb), str(root / "DEBIAN")], check=True)
        roots[name] = root
    return roots


def control(deb: Path) -> dict[str, str]:
    """The control fields of a .deb (continuation lines joined)."""
    text = subprocess.run(["dpkg-deb", "-f", str(deb)], check=True, capture_output=True,
                          text=True).stdout
    fields: dict[str, str] = {}
    key = ""
    for line in text.splitlines():
        if line[:1].isspace() and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def depends(deb: Path) -> list[str]:
    return [d.strip() for d in control(deb)["Depends"].split(",")]


def tar_names(deb: Path) -> set[str]:
    """The paths a .deb installs, as /opt/... (dpkg-deb -c; no trailing slash, no link target)."""
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], check=True, capture_output=True,
                             text=True).stdout
    names = set()
    for line in listing.splitlines():
        path = line.split(None, 5)[5].split(" -> ")[0]
        names.add("/" + path.removeprefix("./").rstrip("/"))
    return names
