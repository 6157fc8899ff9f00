"""The installers' self-tests, run as the installers run them: `reviewer-app --selftest`
offscreen against a real local service (plain http on loopback, and verified TLS with a CA
of the test's own), with the real OS keyring and with insecure ones; `reviewer-service
selftest` on a migrated and an unmigrated database, and with its port taken."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reviewer_app import __version__
from reviewer_app.service.app import create_app
from reviewer_app.service.db import upgrade_head
from reviewer_app.service.health import schema_heads
from reviewer_app.service.settings import ServiceSettings
from tests.helpers.plaintext_keyring import DOTTED_NAME as PLAINTEXT_KEYRING
from tests.helpers.postgres import free_port
from tests.helpers.service_fixtures import LiveService

REPO = Path(__file__).resolve().parents[2]
HEAD = ",".join(sorted(schema_heads()))


def app_selftest(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`reviewer-app --selftest ARGS` offscreen, as an installer runs it."""
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **env}
    environment.pop("REVIEWER_SERVER_URL", None)
    environment["PYTHONPATH"] = str(REPO)  # so PYTHON_KEYRING_BACKEND can name a test backend
    return subprocess.run([sys.executable, "-m", "reviewer_app", "--selftest", *args],
                          capture_output=True, text=True, env=environment, timeout=180,
                          cwd=REPO)


def line_of(out: str, name: str) -> str:
    found = [line.strip() for line in out.splitlines() if f"  {name}: " in line]
    assert len(found) == 1, out
    return found[0]


@pytest.mark.keyring
def test_app_selftest_passes_against_a_real_service(live_service: LiveService,
                                                    secure_keyring: None) -> None:
    done = app_selftest("--server", live_service.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"reviewer-app {__version__} self-test")
    assert line_of(done.stdout, "Qt platform").startswith("ok    Qt platform: offscreen loads")
    assert "JPEG, PNG, GIF, WEBP decode" in line_of(done.stdout, "picture formats")
    assert line_of(done.stdout, "multimedia").startswith("ok")
    assert line_of(done.stdout, "keyring").startswith("ok")
    assert line_of(done.stdout, "server") == (
        f"ok    server: {live_service.url} answers over plain http to this machine "
        f"(service {__version__})")
    assert done.stdout.rstrip().endswith("All checks passed.")


@pytest.mark.keyring
def test_app_selftest_names_an_unreachable_server(secure_keyring: None) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = app_selftest("--server", url)
    assert done.returncode == 1
    server = line_of(done.stdout, "server")
    assert server.startswith("FAIL  server: TCP: cannot connect to 127.0.0.1:")
    assert "What to do:" in server
    assert line_of(done.stdout, "keyring").startswith("ok")  # only the server failed
    assert "1 problem found." in done.stdout


@pytest.mark.parametrize("backend", ["keyring.backends.fail.Keyring", PLAINTEXT_KEYRING],
                         ids=["fail", "plaintext"])
def test_app_selftest_refuses_an_insecure_keyring(backend: str) -> None:
    done = app_selftest(PYTHON_KEYRING_BACKEND=backend)
    assert done.returncode == 1
    keyring_line = line_of(done.stdout, "keyring")
    assert keyring_line.startswith(f"FAIL  keyring: no secure keyring (found {backend})")
    assert "gnome-keyring" in keyring_line
    assert line_of(done.stdout, "server").startswith("skip")


def test_app_selftest_refuses_plain_http_to_another_machine() -> None:
    done = app_selftest("--server", "http://192.0.2.10:8080",
                        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    assert done.returncode == 1
    assert "refusing plain http to 192.0.2.10" in line_of(done.stdout, "server")


def test_app_selftest_says_when_the_qt_platform_cannot_load() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="xcb", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    done = subprocess.run([sys.executable, "-m", "reviewer_app", "--selftest"], env=env,
                          capture_output=True, text=True, timeout=180, cwd=REPO)
    assert done.returncode == 1
    platform = line_of(done.stdout, "Qt platform")
    assert platform.startswith("FAIL  Qt platform: xcb does not load")
    assert "offscreen" in platform  # among the available ones, and in what to do
    assert line_of(done.stdout, "picture formats").startswith("ok")  # the rest still ran


# ---------------------------------------------------------------- over TLS


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA of this test's own, and a certificate it signed for 127.0.0.1."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "selftest test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(hours=1))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                       crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False,
                                       decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_file, cert_file, key_file


@pytest.fixture
def tls_service(service_settings: ServiceSettings, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The real service behind TLS on 127.0.0.1 (uvicorn's own TLS); yields (url, CA file)."""
    ca_file, cert_file, key_file = _certificates(tmp_path)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(
        create_app(service_settings), host="127.0.0.1", port=port, log_level="warning",
        lifespan="on", ssl_certfile=str(cert_file), ssl_keyfile=str(key_file),
        log_config=None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    try:
        yield f"https://127.0.0.1:{port}", ca_file
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.mark.keyring
def test_app_selftest_verifies_the_servers_tls_certificate(
        tls_service: tuple[str, Path], secure_keyring: None) -> None:
    url, ca_file = tls_service
    untrusted = app_selftest("--server", url)
    assert untrusted.returncode == 1
    server = line_of(untrusted.stdout, "server")
    assert server.startswith("FAIL  server: TLS certificate not trusted:")
    assert "--ca-bundle" in server
    trusted = app_selftest("--server", url, "--ca-bundle", str(ca_file))
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert line_of(trusted.stdout, "server") == (
        f"ok    server: {url} answers over verified TLS (service {__version__})")


# ---------------------------------------------------------------- the service's own


def service_selftest(db_url: str, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reviewer_app.service", "selftest", "--db",
                           db_url, "--port", str(port)], capture_output=True, text=True,
                          timeout=120, cwd=REPO)


def test_service_selftest_passes_on_a_migrated_database(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'ok.db'}"
    upgrade_head(db_url)
    done = service_selftest(db_url, free_port())
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"reviewer-service {__version__} self-test")
    assert line_of(done.stdout, "schema").startswith(f"ok    schema: at revision {HEAD}")
    assert line_of(done.stdout, "port").startswith("ok")


def test_service_selftest_fails_on_an_unmigrated_database(tmp_path: Path) -> None:
    missing = service_selftest(f"sqlite:///{tmp_path / 'none.db'}", free_port())
    assert missing.returncode == 1
    assert line_of(missing.stdout, "database").startswith("FAIL  database: no database file")
    assert "reviewer-service migrate" in missing.stdout
    empty_file = tmp_path / "empty.db"
    empty_file.touch()
    empty = service_selftest(f"sqlite:///{empty_file}", free_port())
    assert empty.returncode == 1
    assert line_of(empty.stdout, "database").startswith("ok")
    assert line_of(empty.stdout, "schema").startswith("FAIL  schema: the database has no schema")


def test_service_selftest_tells_its_own_port_from_another_programs(
        live_service: LiveService) -> None:
    ours = service_selftest(live_service.db_url, live_service.port)
    assert ours.returncode == 0, ours.stdout
    assert f"in use by a running reviewer-service {__version__}" in line_of(ours.stdout, "port")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        taken = service_selftest(live_service.db_url, other.getsockname()[1])
    assert taken.returncode == 1
    assert "in use by another program" in line_of(taken.stdout, "port")


def test_service_selftest_reports_invalid_settings(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'ok.db'}"
    upgrade_head(db_url)
    done = subprocess.run([sys.executable, "-m", "reviewer_app.service", "selftest", "--db",
                           db_url, "--port", str(free_port()), "--lease-ttl", "0"],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 1
    assert line_of(done.stdout, "settings").startswith("FAIL  settings: lease_ttl_s")
