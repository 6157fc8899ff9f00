"""The frozen desktop build carries the workstation and nothing else: no review service (so no
service migrations, no demo seeder and its fixed demo passwords), no test or dev tools, no
QtWebEngine, and exactly the Qt plugins packaging/reviewer-app.spec allows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PyInstaller.archive.readers import CArchiveReader

FORBIDDEN_MODULES = (
    "reviewer_app.service", "fastapi", "starlette", "uvicorn", "argon2", "psycopg", "PIL",
    "prometheus_client", "pytest", "_pytest", "pytestqt", "hypothesis", "schemathesis", "mypy",
    "PyInstaller", "keyrings", "tests", "PySide6.QtWebEngineCore", "PySide6.QtQml",
    "PySide6.QtQuick", "PySide6.Qt3DCore",
)

LINUX_PLUGINS = {
    "platforms/libqxcb.so", "platforms/libqwayland.so", "platforms/libqoffscreen.so",
    "imageformats/libqjpeg.so", "imageformats/libqgif.so", "imageformats/libqwebp.so",
    "multimedia/libffmpegmediaplugin.so",
    "xcbglintegrations/libqxcb-egl-integration.so",
    "xcbglintegrations/libqxcb-glx-integration.so",
    "platformthemes/libqxdgdesktopportal.so",
    "platforminputcontexts/libcomposeplatforminputcontextplugin.so",
    "platforminputcontexts/libibusplatforminputcontextplugin.so",
    "wayland-shell-integration/libxdg-shell.so",
    "wayland-decoration-client/libadwaita.so", "wayland-decoration-client/libbradient.so",
    "wayland-graphics-integration-client/libqt-plugin-wayland-egl.so",
}


def modules(executable: Path) -> set[str]:
    """Every Python module frozen into one executable's PYZ archive."""
    archive = CArchiveReader(str(executable))
    (pyz_name,) = [name for name in archive.toc if name.endswith(".pyz")]
    return set(archive.open_embedded_archive(pyz_name).toc)


def carried(names: set[str], prefix: str) -> list[str]:
    return sorted(n for n in names if n == prefix or n.startswith(prefix + "."))


@pytest.mark.parametrize("executable", ["reviewer-app", "reviewer-cli"])
def test_no_service_test_or_dev_code_is_frozen(frozen: Path, executable: str) -> None:
    names = modules(frozen / executable)
    assert "reviewer_app.client.session" in names  # the core is there...
    found = {prefix: carried(names, prefix) for prefix in FORBIDDEN_MODULES}
    assert {p: f for p, f in found.items() if f} == {}  # ...and none of these


def test_the_cli_is_frozen_without_qt(frozen: Path) -> None:
    names = modules(frozen / "reviewer-cli")
    assert "reviewer_app.cli" in names
    assert carried(names, "PySide6") == []
    assert carried(names, "ui") == []


def test_no_service_files_migrations_or_seed_in_the_folder(frozen: Path) -> None:
    files = [p.relative_to(frozen).as_posix() for p in frozen.rglob("*")]
    assert [f for f in files if "reviewer_app/service" in f or "seed" in f.lower()] == []
    assert [f for f in files if "WebEngine" in f or "Qt63D" in f or "Qt6Pdf" in f] == []
    # what the desktop does need at run time, as files
    internal = frozen / "_internal"
    assert sorted(p.name for p in (internal / "resources" / "policies").glob("*.toml"))
    assert (internal / "reviewer_app" / "store" / "migrations" / "env.py").is_file()


def test_exactly_the_allowed_qt_plugins(frozen: Path) -> None:
    plugins = frozen / "_internal" / "PySide6" / "Qt" / "plugins"
    found = {p.relative_to(plugins).as_posix() for p in plugins.rglob("*") if p.is_file()}
    assert found == LINUX_PLUGINS


def test_no_library_of_the_build_machine_is_bundled(frozen: Path) -> None:
    """System libraries come from Debian (the .deb's Depends), not copied from this machine;
    the bundle has Python, Qt and the wheels' own libraries only."""
    internal = frozen / "_internal"
    top_level = sorted(p.name for p in internal.iterdir()
                       if ".so" in p.name and not p.is_symlink())
    unexpected = [n for n in top_level
                  if not n.startswith(("libpython3", "_cffi_backend"))]
    assert unexpected == []
    assert not any(internal.rglob("libxkbcommon*"))
    assert not any(internal.rglob("libssl*"))


def test_no_dangling_links(frozen: Path) -> None:
    assert [p.name for p in frozen.rglob("*") if p.is_symlink() and not p.exists()] == []


def source_modules(package: str) -> set[str]:
    root = Path(__file__).resolve().parents[2]
    return {".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
            for p in (root / package).rglob("*.py") if "migrations" not in p.parts}


def qt_modules_imported_by_ui() -> set[str]:
    root = Path(__file__).resolve().parents[2] / "ui"
    found = set()
    for path in root.rglob("*.py"):
        found |= set(re.findall(r"\bPySide6\.Qt[A-Za-z0-9]+", path.read_text()))
    return found


SERVICE_RULES = {"reviewer_app.clusters", "reviewer_app.spikes"}
"""Pure rules of the core that only the service runs (the workstation shows their results
from the API); PyInstaller rightly leaves out what nothing imports."""


def test_the_service_rules_are_not_the_workstations() -> None:
    """The exemption above holds only while no workstation code imports them."""
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"^\s*(from|import)\s+(" + "|".join(
        re.escape(m) for m in SERVICE_RULES) + r")\b|from reviewer_app import .*\b(clusters|"
        r"spikes)\b", re.MULTILINE)
    importers = [str(p.relative_to(root)) for package in ("ui", "reviewer_app")
                 for p in (root / package).rglob("*.py")
                 if "service" not in p.relative_to(root).parts[:2]
                 and p.stem not in ("clusters", "spikes") and pattern.search(p.read_text())]
    assert importers == []


def test_everything_the_workstation_imports_is_frozen(frozen: Path) -> None:
    """An exclude that hits a module the workstation uses breaks it only when that code
    runs (the lead console's charts, say); so every module of ui/ and of the core, and every
    Qt module ui/ names, must be in the build."""
    names = modules(frozen / "reviewer-app") | modules(frozen / "reviewer-cli")
    core = {m for m in source_modules("reviewer_app")
            if not m.startswith("reviewer_app.service") and m not in SERVICE_RULES}
    wanted = source_modules("ui") | source_modules("safeguards") | core
    assert sorted(wanted - names) == []
    extensions = {f"PySide6.{p.name.split('.')[0]}"
                  for p in (frozen / "_internal" / "PySide6").glob("Qt*.so")}
    assert sorted(qt_modules_imported_by_ui() - extensions) == []
