"""`reviewer-app --selftest`: can the workstation run on this computer? Installers run it
after installing; a person can run it when something does not work.

Checks, one report line each (reviewer_app/selftest.py): the Qt platform plugin loads (tried
in a child process, since a plugin that cannot load aborts the process), the allowed picture
formats decode through the viewer's own safeguarded decoder, QtMultimedia loads with a
backend, the OS keyring is a secure one and answers within 10 s, and the configured review
service answers `/healthz` over verified TLS (the failure says which step: DNS, TCP, the TLS
certificate, the HTTP status). No window is shown and nobody signs in; the service's code is
never imported. Nothing here runs on a GUI event loop: there is none while it runs.
"""

from __future__ import annotations

import base64
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import requests
from pydantic import ValidationError
from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLoggingCategory, QSize
from PySide6.QtGui import QGuiApplication, QImageReader

from reviewer_app import __version__
from reviewer_app.client.credentials import secure_backend, within_deadline
from reviewer_app.client.errors import InsecureKeyring, KeyringUnavailable
from reviewer_app.config import ClientConfig, is_loopback_host
from reviewer_app.domain import IMAGE_CONTENT_TYPES
from reviewer_app.selftest import PLATFORM_PROBE_FLAG, Check, report
from ui.imaging import RevealStep, render

PLATFORM_PROBE_TIMEOUT_S = 30.0
KEYRING_DEADLINE_S = 10.0
PROBE_KEYRING_SERVICE = "reviewer-app-selftest"
"""A keyring entry that is only ever read, never written: the probe stores nothing."""

_SAMPLES: dict[str, str] = {
    # 8x8 synthetic colour gradients (no content), one per allowed format.
    "image/jpeg": (
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUf"
        "GhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgo"
        "KCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAIAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEB"
        "AQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKB"
        "kaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1"
        "dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl"
        "5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcF"
        "BAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5"
        "OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0"
        "tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDM8J/Dv7n7"
        "n9KKKK8vG5tifav3jo4ZzzGfUY+8f//Z"),
    "image/png": (
        "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAGUlEQVR4nGNkYGhQYGDARCwMCgxYweCUAABo"
        "bwJe4J3LcgAAAABJRU5ErkJggg=="),
    "image/gif": (
        "R0lGODdhCAAIAIUAAODggMDggODAgMDAgKDggKDAgOCggMCggKCggIDggGDggIDAgGDAgICggGCggEDggCDg"
        "gEDAgCDAgADggADAgECggCCggACggOCAgMCAgOBggMBggKCAgKBggICAgGCAgIBggGBggECAgCCAgEBggCBg"
        "gACAgABggOBAgMBAgOAggMAggKBAgKAggOAAgMAAgKAAgIBAgGBAgIAggGAggIAAgGAAgEBAgCBAgEAggCAg"
        "gABAgAAggEAAgCAAgAAAgCwAAAAACAAIAAAISwB/+OhhowaMFy546MhBY0aLFSp24LghIwaLFChOlCARAkSH"
        "DRpMjBDxwQOHDBguWKjgoAGCAwYoSIjAYEGBAQImQHigIAGBAAACAgA7"),
    "image/webp": "UklGRi4AAABXRUJQVlA4TCIAAAAvB8ABALkyRPQ/dhHR/wBhtlFRzp9zryMYkAGMCaB6oP8A",
}


def _format_name(content_type: str) -> str:
    """"image/webp" -> "WEBP": the name Qt's reader plugin goes by, upper-cased to read."""
    return content_type.removeprefix("image/").upper()


# ---------------------------------------------------------------- Qt platform


def platform_probe() -> int:
    """In the child: open the configured platform (Qt aborts the process if it cannot)."""
    app = QGuiApplication(sys.argv[:1])  # QT_QPA_PLATFORM, if set, chooses the plugin
    sys.stdout.write(f"platform={app.platformName()}\n")
    sys.stdout.flush()
    return 0


def _probe_command() -> list[str]:
    if getattr(sys, "frozen", False):  # the PyInstaller build: the executable is the app
        return [sys.executable, PLATFORM_PROBE_FLAG]
    return [sys.executable, "-m", "reviewer_app", PLATFORM_PROBE_FLAG]


def _plugin_names(kind: str) -> list[str]:
    """The plugins of one kind ("platforms", "multimedia") in Qt's plugin folders."""
    folders = [*QCoreApplication.libraryPaths(),
               QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)]
    names: set[str] = set()
    for folder in folders:
        directory = Path(folder) / kind
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            if entry.suffix not in (".so", ".dll", ".dylib"):
                continue
            stem = entry.name.split(".")[0].removeprefix("lib")
            stem = stem.removeprefix("q") if kind == "platforms" else stem
            names.add(stem.removesuffix("mediaplugin"))
    return sorted(names)


def _no_display() -> bool:
    return (sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY"))


def check_platform() -> Check:
    available = ", ".join(_plugin_names("platforms")) or "none found"
    configured = os.environ.get("QT_QPA_PLATFORM", "")
    try:
        child = subprocess.run(_probe_command(), capture_output=True, text=True,
                               timeout=PLATFORM_PROBE_TIMEOUT_S, env=dict(os.environ))
    except subprocess.TimeoutExpired:
        return Check.fail("Qt platform", f"{configured or 'the default platform'} did not open "
                          f"within {PLATFORM_PROBE_TIMEOUT_S:g} s (available: {available})",
                          "check the display server, or set QT_QPA_PLATFORM=offscreen")
    loaded = [line.split("=", 1)[1] for line in child.stdout.splitlines()
              if line.startswith("platform=")]
    if child.returncode == 0 and loaded:
        return Check.ok("Qt platform", f"{loaded[0]} loads (available: {available})")
    said = [line.strip() for line in child.stderr.splitlines()
            if line.startswith(("qt.qpa", "Could not"))
            and "xcb-cursor0" not in line]  # Qt's hint, printed whatever the real reason
    reason = "; ".join(said[:3]) or f"the probe exited with {child.returncode}"
    if "could not connect to display" in child.stderr or (
            _no_display() and configured in ("", "xcb", "wayland")):
        fix = ("run it in a desktop session, or set QT_QPA_PLATFORM=offscreen to check "
               "everything but the screen")
    elif "xcb-cursor0" in child.stderr:
        fix = "install libxcb-cursor0 (the reviewer-app package depends on it)"
    else:
        fix = "install the libraries the plugin needs, or choose another with QT_QPA_PLATFORM"
    return Check.fail("Qt platform", f"{configured or 'the default platform'} does not load: "
                      f"{reason} (available: {available})", fix)


# ---------------------------------------------------------------- pictures and multimedia


def check_image_formats() -> Check:
    """Every allowed format is offered by Qt and decodes through the viewer's decoder."""
    offered = {bytes(f.data()).decode("ascii", "replace").lower()
               for f in QImageReader.supportedImageFormats()}
    names = [_format_name(ct) for ct in IMAGE_CONTENT_TYPES]
    missing = [n for n in names if n.lower() not in offered]
    if missing:
        return Check.fail("picture formats", f"Qt cannot read {', '.join(missing)}",
                          "reinstall the app: its Qt image plugins are incomplete")
    broken = []
    for content_type in IMAGE_CONTENT_TYPES:
        rendering = render(base64.b64decode(_SAMPLES[content_type]), RevealStep.COLOUR,
                           QSize(16, 16))
        if rendering.placeholder:
            broken.append(f"{_format_name(content_type)} ({rendering.problem})")
    if broken:
        return Check.fail("picture formats", f"do not decode: {'; '.join(broken)}",
                          "reinstall the app: its Qt image plugins are damaged")
    return Check.ok("picture formats", f"{', '.join(names)} decode (the only ones shown)")


def check_multimedia() -> Check:
    # What FFmpeg's loader says about optional libraries (VA-API, PipeWire) is no problem.
    QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver=false\n"
                                    "qt.multimedia.ffmpeg=false")
    try:
        from PySide6.QtMultimedia import QMediaFormat, QMediaPlayer
    except ImportError as exc:
        return Check.fail("multimedia", f"QtMultimedia does not load ({exc})",
                          "install the multimedia libraries the package depends on "
                          "(libpulse0 and friends)")
    backends = _plugin_names("multimedia")
    player = QMediaPlayer()
    try:
        usable = player.isAvailable()
    finally:
        player.deleteLater()
    if not backends or not usable:
        return Check.fail("multimedia", "no multimedia backend "
                          f"({'found: ' + ', '.join(backends) if backends else 'none found'}, "
                          f"player {'ready' if usable else 'not available'})",
                          "reinstall the app: its multimedia plugin is missing")
    decodes = QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)
    return Check.ok("multimedia", f"backend {', '.join(backends)}, "
                                  f"{len(decodes)} container formats decode")


# ---------------------------------------------------------------- keyring


def check_keyring(deadline_s: float = KEYRING_DEADLINE_S) -> Check:
    """A secure backend, found and answering a read within `deadline_s` in all."""
    started = time.monotonic()
    try:
        backend = secure_backend(deadline_s=deadline_s)
        left = max(0.5, deadline_s - (time.monotonic() - started))
        within_deadline(lambda: backend.get_password(PROBE_KEYRING_SERVICE, "probe"), left)
    except InsecureKeyring as exc:
        return Check.fail("keyring", f"no secure keyring (found {exc.backend}): the sign-in "
                          "would be kept in a plain file or not at all",
                          "install and unlock gnome-keyring or another Secret Service "
                          "(KWallet on KDE); unset PYTHON_KEYRING_BACKEND if it is set")
    except KeyringUnavailable as exc:
        return Check.fail("keyring", f"the keyring {exc.problem}",
                          "unlock it, or restart it (log out and in)")
    except Exception as exc:  # the D-Bus library's own failures
        return Check.fail("keyring", f"the keyring failed ({type(exc).__name__})",
                          "unlock it, or restart it (log out and in)")
    cls = type(backend)
    return Check.ok("keyring", f"{cls.__module__}.{cls.__qualname__} answers "
                               f"({time.monotonic() - started:.1f} s)")


# ---------------------------------------------------------------- the review service


def _ca_file(ca_bundle: Path | None) -> str:
    """The CAs the client trusts: its bundle, else requests' own (the same as the app)."""
    return str(ca_bundle) if ca_bundle else requests.utils.DEFAULT_CA_BUNDLE_PATH


def check_server(server_url: str | None, ca_bundle: Path | None) -> Check:
    """GET /healthz, step by step, so a failure names the step: DNS, TCP, TLS, HTTP."""
    if not server_url:
        return Check.skip("server", "no server given (--server URL or $REVIEWER_SERVER_URL)")
    try:
        config = ClientConfig(server_url=server_url, ca_bundle=ca_bundle)
    except ValidationError as exc:
        return Check.fail("server", str(exc.errors()[0]["msg"]).removeprefix("Value error, "),
                          "give the service's https:// address")
    parts = urlsplit(config.server_url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    timeout = config.connect_timeout_s
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return Check.fail("server", f"DNS: {host} does not resolve ({exc.strerror})",
                          "check the server name, and this computer's network and DNS")
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except TimeoutError:
        return Check.fail("server", f"TCP: no answer from {host}:{port} within {timeout:g} s",
                          "check that the service runs and no firewall blocks the port")
    except OSError as exc:
        return Check.fail("server", f"TCP: cannot connect to {host}:{port} ({exc.strerror})",
                          "check that the service runs and listens on that port")
    with sock:
        if https:
            failed = _tls_handshake(sock, host, ca_bundle)
            if failed is not None:
                return failed
    return _http_health(config, https)


def _tls_handshake(sock: socket.socket, host: str, ca_bundle: Path | None) -> Check | None:
    context = ssl.create_default_context(cafile=_ca_file(ca_bundle))
    try:
        with context.wrap_socket(sock, server_hostname=host):
            return None
    except ssl.SSLCertVerificationError as exc:
        return Check.fail("server", f"TLS certificate not trusted: {exc.verify_message}",
                          "give the CA that signed the service's certificate with "
                          "--ca-bundle, or have the certificate fixed")
    except (ssl.SSLError, OSError) as exc:
        return Check.fail("server", f"TLS handshake failed ({exc})",
                          "check that the port serves HTTPS")


def _http_health(config: ClientConfig, https: bool) -> Check:
    with requests.Session() as http:
        http.trust_env = False  # as the app: no proxies or netrc from the environment
        try:
            reply = http.get(f"{config.server_url}/healthz", timeout=(config.connect_timeout_s,
                                                                     config.read_timeout_s),
                             verify=_ca_file(config.ca_bundle), allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            return Check.fail("server", f"TLS: {type(exc).__name__}",
                              "give the CA with --ca-bundle, or have the certificate fixed")
        except requests.RequestException as exc:
            return Check.fail("server", f"HTTP: no reply to GET /healthz ({type(exc).__name__})",
                              "check the service's log")
    if reply.status_code != 200:
        return Check.fail("server", f"HTTP status {reply.status_code} from GET /healthz",
                          "the address may not be the review service, or it is not healthy: "
                          "check the URL and the service's log")
    try:
        version = str(reply.json().get("version", "?"))
    except (ValueError, AttributeError):
        version = "?"
    how = "verified TLS" if https else (
        "plain http to this machine" if is_loopback_host(urlsplit(config.server_url).hostname
                                                         or "") else "plain http")
    return Check.ok("server", f"{config.server_url} answers over {how} (service {version})")


# ---------------------------------------------------------------- all of it


def _checks(server_url: str | None, ca_bundle: Path | None) -> Iterator[Check]:
    platform = check_platform()
    yield platform
    # In this process only Qt's core: the platform was tried in the child, and a plugin
    # that cannot load would abort this process, and with it the rest of the report.
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    yield check_image_formats()
    yield check_multimedia()
    yield check_keyring()
    yield check_server(server_url, ca_bundle)
    del app


def run_selftest(server_url: str | None, ca_bundle: Path | None) -> int:
    """Print the report; 0 when nothing failed, 1 otherwise."""
    return report(f"reviewer-app {__version__} self-test", _checks(server_url, ca_bundle))
