"""The two .deb files: one version number, the files where a Debian user and an IT person look
for them, the Depends the installs need (proven by apt in scripts/test-package.sh), a hardened
unit, a settings conffile the service accepts, and a service that carries no Qt."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import pytest

import reviewer_app
from reviewer_app.service.settings import read_settings_file
from tests.package.conftest import control, depends, tar_names

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def test_one_version_number(app_deb: Path, service_deb: Path, unpacked: dict[str, Path]) -> None:
    version = reviewer_app.__version__
    assert control(app_deb)["Version"] == control(service_deb)["Version"] == f"{version}-1"
    metainfo = next((unpacked["reviewer-app"] / "files/usr/share/metainfo").glob("*.xml"))
    assert f'<release version="{version}"' in metainfo.read_text()
    wheel = next((unpacked["reviewer-service"] / "files/opt/reviewer-service/wheels")
                 .glob("reviewer_service-*.whl"))
    assert wheel.name.startswith(f"reviewer_service-{version}-")


def test_the_desktop_package_files(app_deb: Path) -> None:
    names = tar_names(app_deb)
    expected = {
        "/opt/reviewer-app/reviewer-app", "/opt/reviewer-app/reviewer-cli",
        "/usr/bin/reviewer-app", "/usr/bin/reviewer-cli",
        "/usr/share/applications/reviewer-app.desktop",
        "/usr/share/metainfo/org.reviewer.Workstation.metainfo.xml",
        "/usr/share/icons/hicolor/scalable/apps/reviewer-app.svg",
        "/etc/reviewer-app/reviewer-app.conf",
        *(f"/usr/share/icons/hicolor/{s}x{s}/apps/reviewer-app.png" for s in ICON_SIZES),
    }
    assert expected - names == set()
    assert [n for n in names if "reviewer_app/service" in n] == []


def test_the_desktop_depends_name_system_libraries_and_a_secret_service(app_deb: Path) -> None:
    deps = depends(app_deb)
    names = {d.split()[0] for d in deps}
    assert {"libxcb1", "libxcb-cursor0", "libxkbcommon-x11-0", "libegl1", "libfontconfig1",
            "libdbus-1-3", "libssl3", "fontconfig"} <= names
    assert any(d.startswith("gnome-keyring | keepassxc") for d in deps)
    assert not [d for d in deps if "qt6" in d.lower() or "pyside" in d.lower()]


def test_the_service_package_files_and_depends(service_deb: Path) -> None:
    names = tar_names(service_deb)
    assert {"/lib/systemd/system/reviewer-service.service", "/usr/bin/reviewer-service",
            "/etc/reviewer-service/reviewer-service.toml",
            "/opt/reviewer-service/requirement.txt"} <= names
    wheels = [n for n in names if n.endswith(".whl")]
    assert any("/fastapi-" in w for w in wheels)
    assert any("/uvicorn-" in w for w in wheels)
    assert [w for w in wheels if "pyside6" in w.lower() or "shiboken6" in w.lower()] == []
    names_only = {d.split()[0] for d in depends(service_deb)}
    assert {"python3", "python3-venv", "adduser", "init-system-helpers"} <= names_only


def test_the_service_wheel_carries_no_desktop_code(unpacked: dict[str, Path]) -> None:
    wheel = next((unpacked["reviewer-service"] / "files/opt/reviewer-service/wheels")
                 .glob("reviewer_service-*.whl"))
    files = zipfile.ZipFile(wheel).namelist()
    assert "reviewer_app/service/migrations/env.py" in files
    assert "resources/policies/standard.toml" in files
    assert [f for f in files if f.startswith("ui/")] == []
    metadata = next(f for f in files if f.endswith("METADATA"))
    requires = [line for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines()
                if line.startswith("Requires-Dist:")]
    assert requires
    assert not [r for r in requires if "pyside6" in r.lower()]


def test_the_unit_is_hardened_and_runs_as_its_own_user(unpacked: dict[str, Path]) -> None:
    unit = (unpacked["reviewer-service"]
            / "files/lib/systemd/system/reviewer-service.service").read_text()
    lines = set(unit.splitlines())
    assert {"User=reviewer-service", "ProtectSystem=strict", "NoNewPrivileges=true",
            "PrivateTmp=true", "ProtectHome=true", "ReadWritePaths=/var/lib/reviewer-service",
            "CapabilityBoundingSet="} <= lines
    exec_start = next(line for line in lines if line.startswith("ExecStart="))
    assert "--config /etc/reviewer-service/reviewer-service.toml" in exec_start


def test_the_settings_conffile_is_accepted_by_the_service(unpacked: dict[str, Path]) -> None:
    root = unpacked["reviewer-service"]
    assert (root / "DEBIAN/conffiles").read_text().split() == [
        "/etc/reviewer-service/reviewer-service.toml"]
    config = read_settings_file(root / "files/etc/reviewer-service/reviewer-service.toml")
    assert config.settings.db_url.startswith("sqlite:////var/lib/reviewer-service/")
    assert config.host == "127.0.0.1"
    text = (root / "files/etc/reviewer-service/reviewer-service.toml").read_text()
    assert "postgresql+psycopg://" in text  # the documented way to PostgreSQL
    postinst = (root / "DEBIAN/postinst").read_text()
    assert "migrate --config" in postinst
    assert "adduser --system" in postinst


def test_root_distribution_split() -> None:
    """pip install of the service (the root project's `service` extra) pulls no Qt; only the
    `desktop` extra does."""
    project = tomllib.loads(Path("pyproject.toml").read_text())["project"]
    qt = ("pyside6", "shiboken6")
    assert not [d for d in project["dependencies"] if d.lower().startswith(qt)]
    assert not [d for d in project["optional-dependencies"]["service"]
                if d.lower().startswith(qt)]
    assert [d for d in project["optional-dependencies"]["desktop"] if d.lower().startswith(qt)]


@pytest.mark.parametrize("tool", ["desktop-file-validate", "appstreamcli"])
def test_desktop_entry_and_metainfo_validate(unpacked: dict[str, Path], tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (scripts/setup.sh installs it)")
    share = unpacked["reviewer-app"] / "files/usr/share"
    target = (share / "applications/reviewer-app.desktop" if tool == "desktop-file-validate"
              else next((share / "metainfo").glob("*.xml")))
    args = [tool, str(target)] if tool == "desktop-file-validate" else [
        tool, "validate", "--no-net", str(target)]
    result = subprocess.run(args, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
