"""PostgreSQL specifics: the schema and its guards, and in-flight Idempotency-Keys seen
across instances through an advisory lock."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from reviewer_app.service.db import MIGRATIONS_DIR
from reviewer_app.service.seed import seed_demo
from reviewer_app.service.server import start_in_thread
from reviewer_app.service.settings import ServiceSettings
from tests.helpers.service_fixtures import FAST_HASHING, LiveService
from tests.integration.service.api import Api

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_service(pg_db_url: str) -> Iterator[LiveService]:
    settings = ServiceSettings(db_url=pg_db_url, **FAST_HASHING)
    accounts = seed_demo(pg_db_url, decidable_as_is=True)
    running = start_in_thread(settings)
    try:
        yield LiveService(url=running.url, accounts=accounts, db_url=pg_db_url,
                          settings=settings, running=running)
    finally:
        running.stop()


def _connect(db_url: str) -> psycopg.Connection:
    url = make_url(db_url)
    return psycopg.connect(host=url.host, port=url.port, user=url.username,
                           dbname=url.database)


def test_audit_log_is_append_only_on_postgresql(pg_service: LiveService) -> None:
    Api(pg_service.url).login(*pg_service.accounts.specialist)
    with _connect(pg_service.db_url) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("DELETE FROM audit_events")
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM audit_events").fetchone()[0] >= 1


def test_a_key_in_flight_elsewhere_gives_409(pg_service: LiveService) -> None:
    api = Api(pg_service.url)
    api.login(*pg_service.accounts.specialist)
    lease = api.lease(1).json()
    key = str(uuid.uuid4())
    with _connect(pg_service.db_url) as conn:
        user_id = conn.execute("SELECT id FROM users WHERE username = 'demo'").fetchone()[0]
        lock_id = int.from_bytes(hashlib.sha256(f"{user_id}:{key}".encode()).digest()[:8],
                                 "big", signed=True)
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id,))  # "another instance"
        busy = api.decide(lease["cases"][0]["id"], lease["lease_id"], client_id=key)
        assert busy.status_code == 409
        assert busy.json()["code"] == "idempotency_in_flight"
        conn.rollback()
    done = api.decide(lease["cases"][0]["id"], lease["lease_id"], client_id=key)
    assert done.status_code == 201


def test_instances_migrating_at_once_take_turns(pg_db_url: str) -> None:
    """Several instances starting together on a fresh database: one migrates, the rest wait
    (advisory lock) and find the schema current."""
    cmd = [sys.executable, "-m", "reviewer_app.service", "migrate", "--db", pg_db_url]
    runs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            for _ in range(3)]
    outputs = [p.communicate(timeout=120)[0] for p in runs]
    assert [p.returncode for p in runs] == [0, 0, 0], outputs
    with _connect(pg_db_url) as conn:
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert version == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
