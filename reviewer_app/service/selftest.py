"""`reviewer-service selftest`: can this service start and serve here? Settings valid, the
database reachable, its schema at this code's head, the media directory there and writable,
the port free (or held by a running reviewer-service). The package runs it after
`reviewer-service migrate` on install.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from reviewer_app import __version__
from reviewer_app.selftest import Check, report
from reviewer_app.service.health import (
    MEDIA_FIX,
    MIGRATE,
    SERVICE_NAME,
    probe_engine,
    schema_reading,
)
from reviewer_app.service.settings import ServiceSettings
from reviewer_app.service.storage import MediaDirRequired, store_for

_MIGRATE = "run `reviewer-service migrate --db URL` (the package does it on install)"


def _shown(db_url: str) -> str:
    """The URL as it may be printed: without its password."""
    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparsable URL)"


def check_settings(options: dict[str, Any]) -> tuple[Check, ServiceSettings | None]:
    try:
        settings = ServiceSettings(**options)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors()[:3])
        return Check.fail("settings", problems, "correct the options or the settings file"), None
    return Check.ok("settings", f"valid (metrics_access={settings.metrics_access}, "
                                f"log_format={settings.log_format})"), settings


def check_database(db_url: str) -> Iterator[Check]:
    """The database answers on a fresh connection, then its schema revision."""
    try:
        url = make_url(db_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = Path(url.database or "")
            if not path.exists():
                yield Check.fail("database", f"no database file at {path}", _MIGRATE)
                return
        engine = probe_engine(db_url)
    except (ArgumentError, ValueError) as exc:
        yield Check.fail("database", f"{_shown(db_url)} cannot be used: {exc}",
                         "give a sqlite:///FILE or postgresql+psycopg://... URL")
        return
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            yield Check.ok("database", f"{_shown(db_url)} answers")
            reading = schema_reading(conn)
    except SQLAlchemyError as exc:
        original = getattr(exc, "orig", None) or exc
        reason = (str(original).strip().splitlines() or [type(original).__name__])[0][:200]
        yield Check.fail("database", f"{_shown(db_url)} does not answer ({reason})",
                         "start the database server, or check the URL, its user and password")
        return
    finally:
        engine.dispose()
    if reading.ready:
        yield Check.ok("schema", f"at revision {reading.revision}, this service's head")
    else:
        yield Check.fail("schema", reading.reason,
                         _MIGRATE if reading.fix == MIGRATE else reading.fix)


def check_media_dir(settings: ServiceSettings) -> Check:
    """The media directory exists and this user can write in it, or (as the service creates
    a missing one when it starts) it can be created here."""
    try:
        store = store_for(settings.db_url, settings.media_dir)
    except MediaDirRequired as exc:
        return Check.fail("media", str(exc), "set media_dir in the settings file")
    if not store.root.exists():
        parent = next((p for p in store.root.parents if p.exists()), None)
        if parent is not None and parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
            return Check.ok("media", f"{store.root} will be created when the service starts")
        return Check.fail("media", f"the media directory {store.root} does not exist and "
                                   "cannot be created by this user", MEDIA_FIX)
    problem = store.problem()
    if problem is not None:
        return Check.fail("media", problem, MEDIA_FIX)
    return Check.ok("media", f"{store.root} is writable")


def _running_service(host: str, port: int) -> str | None:
    """The version of a reviewer-service answering /healthz on host:port, if one does."""
    shown = f"[{host}]" if ":" in host else host
    try:
        with urllib.request.urlopen(f"http://{shown}:{port}/healthz", timeout=3) as resp:
            body = json.loads(resp.read(4096))
    except (OSError, ValueError, urllib.error.URLError):
        return None
    if isinstance(body, dict) and body.get("service") == SERVICE_NAME:
        return str(body.get("version", "?"))
    return None


def check_port(host: str, port: int) -> Check:
    """Free to bind (as the server binds: SO_REUSEADDR), or held by a reviewer-service."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    where = f"{host}:{port}"
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                running = _running_service(host, port)
                if running is not None:
                    return Check.ok("port", f"{where} is in use by a running reviewer-service "
                                            f"{running}")
                return Check.fail("port", f"{where} is in use by another program",
                                  "stop it, or serve on another --port")
            if exc.errno == errno.EACCES:
                return Check.fail("port", f"not allowed to listen on {where}",
                                  "use a port above 1024, or grant CAP_NET_BIND_SERVICE")
            return Check.fail("port", f"cannot listen on {where} ({exc.strerror})",
                              "check --host: it must be an address of this machine")
    return Check.ok("port", f"{where} is free")


def _checks(options: dict[str, Any], host: str, port: int) -> Iterator[Check]:
    settings_check, settings = check_settings(options)
    yield settings_check
    db_url = settings.db_url if settings is not None else str(options.get("db_url", ""))
    yield from check_database(db_url)
    if settings is not None:
        yield check_media_dir(settings)
    yield check_port(host, port)


def run_selftest(options: dict[str, Any], *, host: str, port: int) -> int:
    """Print the report; 0 when every check passed, 1 otherwise."""
    return report(f"reviewer-service {__version__} self-test", _checks(options, host, port))
