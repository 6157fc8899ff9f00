"""Operating the service: /metrics (who may read it, what it counts, that it names nobody),
/healthz and /readyz against a real SQLite file, and JSON logs without secrets."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from alembic import command
from alembic.config import Config
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from reviewer_app import __version__
from reviewer_app.config import ClientConfig
from reviewer_app.contract import OUTBOX_AGE_HEADER
from reviewer_app.domain import Action
from reviewer_app.service.db import MIGRATIONS_DIR
from reviewer_app.service.health import schema_heads
from reviewer_app.service.seed import seed_demo
from reviewer_app.service.server import start_in_thread
from reviewer_app.service.settings import ServiceSettings
from tests.helpers.client_fixtures import ConfigFactory
from tests.helpers.service_fixtures import LiveService, ServiceProcessFactory
from tests.integration.service.api import Api
from tests.integration.service.conftest import ClockedService
from tests.integration.service.test_exposure import _login, _set_policy

HEAD = ",".join(sorted(schema_heads()))
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(live: LiveService, api: Api | None = None) -> tuple[str, Samples]:
    """The exposition as an admin reads it, and its samples by (name, labels)."""
    admin = api or _login(live, live.accounts.admin)
    resp = requests.get(f"{live.url}/metrics", timeout=30,
                        headers={"Authorization": f"Bearer {admin.token}"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(resp.text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return resp.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def label_values(samples: Samples) -> set[str]:
    return {v for _name, labels in samples for _k, v in labels}


# ---------------------------------------------------------------- who may read /metrics


def test_metrics_need_an_admin_token_by_default(live_service: LiveService) -> None:
    url = f"{live_service.url}/metrics"
    anonymous = requests.get(url, timeout=30)
    assert anonymous.status_code == 401
    assert anonymous.headers["Content-Type"] == "application/problem+json"
    for who in (live_service.accounts.specialist, live_service.accounts.lead):
        api = _login(live_service, who)
        refused = requests.get(url, headers={"Authorization": f"Bearer {api.token}"}, timeout=30)
        assert refused.status_code == 403, who
        assert refused.json()["code"] == "forbidden"
        assert "reviewer_http_requests" not in refused.text
    text_, _samples = scrape(live_service)
    assert "reviewer_http_requests_total" in text_


def _outward_address() -> str | None:
    """An address of this machine that is not loopback (the one its default route uses); no
    packet is sent."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: a route lookup, nothing sent
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_localhost_metrics_refuse_other_peers_and_forwarded_requests(
        service_settings: ServiceSettings) -> None:
    settings = service_settings.model_copy(update={"metrics_access": "localhost"})
    seed_demo(settings.db_url, decidable_as_is=True)
    with start_in_thread(settings) as local:
        ok = requests.get(f"{local.url}/metrics", timeout=30)
        assert ok.status_code == 200
        assert "reviewer_queue_depth" in ok.text
        forwarded = requests.get(f"{local.url}/metrics", timeout=30,
                                 headers={"X-Forwarded-For": "203.0.113.7"})
        assert forwarded.status_code == 403
        assert forwarded.json()["code"] == "forbidden"
    outward = _outward_address()
    if outward is None:
        pytest.skip("this machine has no non-loopback address to be a remote peer from")
    with start_in_thread(settings, host=outward) as exposed:
        remote = requests.get(f"http://{outward}:{exposed.port}/metrics", timeout=30)
        assert remote.status_code == 403
        assert "this machine only" in remote.json()["detail"]


# ---------------------------------------------------------------- what is counted


def _queued_and_leased(db_url: str) -> tuple[int, int]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            queued = conn.execute(text("SELECT count(*) FROM cases WHERE status='queued'"))
            leased = conn.execute(text("SELECT count(*) FROM cases WHERE status='leased'"))
            return int(queued.scalar_one()), int(leased.scalar_one())
    finally:
        engine.dispose()


def test_lease_sync_and_a_423_are_counted_under_route_templates_naming_nobody(
        clocked_service: ClockedService) -> None:
    live = clocked_service
    _set_policy(live, breaks={"work_interval_minutes": 30, "break_minutes": 10})
    api = _login(live, live.accounts.specialist)
    lease = api.lease(2).json()
    case_id = lease["cases"][0]["id"]
    assert api.call("GET", f"/cases/{case_id}").status_code == 200
    decision = Api.decision_body(case_id, lease["lease_id"])
    synced = api.call("POST", "/sync", json={"decisions": [decision]},
                      headers={OUTBOX_AGE_HEADER: "42"})
    assert synced.status_code == 200, synced.text
    for junk in ("nan", "-5", "1e12", "soon"):  # never observed: not an age
        assert api.call("POST", "/sync", json={},
                        headers={OUTBOX_AGE_HEADER: junk}).status_code == 200
    anonymous = requests.post(f"{live.url}/v1/sync", json={}, timeout=30,
                              headers={OUTBOX_AGE_HEADER: "7"})
    assert anonymous.status_code == 401  # nor is anyone's who is not signed in
    live.clock.advance(minutes=31)
    refused = api.lease(1)
    assert refused.status_code == 423
    assert refused.json()["code"] == "on_break"

    text_, samples = scrape(live)
    requests_total = "reviewer_http_requests_total"
    assert value(samples, requests_total, method="POST", route="/v1/leases", status="201") == 1
    assert value(samples, requests_total, method="POST", route="/v1/leases", status="423") == 1
    assert value(samples, requests_total, method="POST", route="/v1/sync", status="200") == 5
    assert value(samples, requests_total, method="POST", route="/v1/sync", status="401") == 1
    assert value(samples, requests_total, method="GET", route="/v1/cases/{case_id}",
                 status="200") == 1
    assert value(samples, "reviewer_http_request_duration_seconds_count", method="GET",
                 route="/v1/cases/{case_id}") == 1
    assert value(samples, "reviewer_lease_duration_seconds_count", operation="create") == 2
    assert value(samples, "reviewer_sync_duration_seconds_count") == 6
    assert value(samples, "reviewer_refusals_total", reason="on_break") == 1
    assert value(samples, "reviewer_refusals_total", reason="cap_reached") == 0
    assert value(samples, "reviewer_client_outbox_lag_seconds_count") == 1
    assert value(samples, "reviewer_client_outbox_lag_seconds_sum") == 42
    assert value(samples, "reviewer_client_outbox_lag_seconds_bucket", le="60.0") == 1
    assert value(samples, "reviewer_client_outbox_lag_seconds_bucket", le="15.0") == 0
    queued, leased = _queued_and_leased(live.db_url)
    depth = sum(v for (name, _), v in samples.items() if name == "reviewer_queue_depth")
    assert depth == queued  # the demo's cases are routed to several queues
    assert value(samples, "reviewer_cases_leased", team=live.accounts.team) == leased == 1
    assert value(samples, "reviewer_database_up") == 1

    labels = label_values(samples)
    usernames = {live.accounts.specialist[0], live.accounts.lead[0], live.accounts.admin[0]}
    assert not labels & usernames
    assert all(not v.startswith(("/v1/cases/C", "/v1/leases/L")) for v in labels)
    for secret_id in (case_id, lease["lease_id"], *(c["id"] for c in lease["cases"])):
        assert secret_id not in text_


def test_an_old_outbox_item_is_reported_by_the_real_client(
        live_service: LiveService, make_client_config: ConfigFactory) -> None:
    from reviewer_app.client.session import ReviewSession

    config: ClientConfig = make_client_config(live_service.url)
    session = ReviewSession(config)
    try:
        session.login(*live_service.accounts.specialist)
        case = session.lease(1)[0]
        session.decide(case.id, Action.KEEP, policy_refs=["CS-VIO-1"], reason="test")
        # The decision waited 90 minutes unsent (an offline laptop): its row says so.
        with session.store.write() as db:
            db.execute(text("UPDATE outbox SET created_at = :at WHERE state = 'pending'"),
                       {"at": _hours_ago(session, 1.5)})
        report = session.sync()
        assert report.applied == 1
    finally:
        session.close()
    _text, samples = scrape(live_service)
    assert value(samples, "reviewer_client_outbox_lag_seconds_count") == 1
    lag = value(samples, "reviewer_client_outbox_lag_seconds_sum")
    assert 5400 <= lag < 5400 + 600
    assert value(samples, "reviewer_client_outbox_lag_seconds_bucket", le="3600.0") == 0
    assert value(samples, "reviewer_client_outbox_lag_seconds_bucket", le="14400.0") == 1


def _hours_ago(session: Any, hours: float) -> str:
    from datetime import timedelta

    from reviewer_app.store.schema import utc_text

    return utc_text(session.clock.now() - timedelta(hours=hours))


# ---------------------------------------------------------------- health and readiness


def test_healthz_gives_the_version_and_readyz_the_schema(live_service: LiveService) -> None:
    health = requests.get(f"{live_service.url}/healthz", timeout=30)
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "service": "reviewer-service",
                             "version": __version__}
    ready = requests.get(f"{live_service.url}/readyz", timeout=30)
    assert ready.status_code == 200
    assert ready.json()["schema_revision"] == HEAD
    assert ready.json()["version"] == __version__
    openapi = requests.get(f"{live_service.url}/openapi.json", timeout=30).json()
    assert openapi["info"]["version"] == __version__
    assert not {"/healthz", "/readyz", "/metrics"} & set(openapi["paths"])


def _migrate_to(db_url: str, revision: str) -> None:
    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db_url)
    command.upgrade(cfg, revision)


def test_readyz_refuses_a_schema_behind_this_code(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'old.db'}"
    _migrate_to(db_url, "0002")
    settings = ServiceSettings(db_url=db_url, migrate_on_start=False)
    with start_in_thread(settings) as running:
        assert requests.get(f"{running.url}/healthz", timeout=30).status_code == 200
        behind = requests.get(f"{running.url}/readyz", timeout=30)
        assert behind.status_code == 503
        assert behind.headers["Content-Type"] == "application/problem+json"
        problem = behind.json()
        assert problem["code"] == "unavailable"
        assert "revision 0002" in problem["detail"]
        assert f"needs {HEAD}" in problem["detail"]
        assert "reviewer-service migrate" in problem["detail"]
        _migrate_to(db_url, "head")
        assert requests.get(f"{running.url}/readyz", timeout=30).status_code == 200


def test_readyz_refuses_when_the_database_file_is_gone(live_service: LiveService,
                                                       tmp_path: Path) -> None:
    """The pool would go on answering from the moved file; the probe's fresh connection
    does not, and liveness stays green (the process itself is fine)."""
    db_file = Path(live_service.db_url.removeprefix("sqlite:///"))
    assert requests.get(f"{live_service.url}/readyz", timeout=30).status_code == 200
    moved = tmp_path / "elsewhere.db"
    db_file.rename(moved)
    try:
        gone = requests.get(f"{live_service.url}/readyz", timeout=30)
        assert gone.status_code == 503
        assert "does not answer" in gone.json()["detail"]
        assert requests.get(f"{live_service.url}/healthz", timeout=30).status_code == 200
        assert not db_file.exists()  # the probe did not create an empty file in its place
    finally:
        moved.rename(db_file)
    assert requests.get(f"{live_service.url}/readyz", timeout=30).status_code == 200


# ---------------------------------------------------------------- JSON logs


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            line = json.loads(raw)  # every line is one JSON object, or this fails
            assert isinstance(line, dict)
            assert {"time", "level", "logger", "message"} <= set(line)
            yield line


def test_json_logs_are_one_object_a_line_and_hold_no_secret(
        service_process: ServiceProcessFactory) -> None:
    sp = service_process(extra_args=("--log-format", "json"))
    api = Api(sp.url)
    user, password = sp.accounts.specialist
    assert api.login(user, password).status_code == 200
    tokens = [api.token, api.refresh_token]
    again = api.call("POST", "/auth/refresh", json={"refresh_token": api.refresh_token})
    assert again.status_code == 200
    tokens += [again.json()["access_token"], again.json()["refresh_token"]]
    wrong = "wrong-password-in-the-log?"
    assert Api(sp.url).login(user, wrong).status_code == 401
    bad_body = Api(sp.url).call("POST", "/auth/login",
                                json={"username": 5, "password": "pw-in-a-bad-body"})
    assert bad_body.status_code == 422
    assert api.call("GET", "/me", headers={"X-Request-ID": "trace-123"}).status_code == 200
    sp.stop()

    log_text = sp.log_path.read_text(encoding="utf-8")
    for secret in (password, wrong, "pw-in-a-bad-body", *tokens):
        assert secret
        assert secret not in log_text
    lines = list(_json_lines(sp.log_path))
    access = [line for line in lines if line["logger"] == "reviewer_app.service.access"]
    logins = [a for a in access if a["route"] == "/v1/auth/login"]
    assert sorted(a["status"] for a in logins) == [200, 401, 422]
    assert all(a["method"] == "POST" and a["duration_ms"] >= 0 and a["request_id"]
               for a in logins)
    me = [a for a in access if a["route"] == "/v1/me"]
    assert [a["request_id"] for a in me] == ["trace-123"]
    assert any("serving on" in line["message"] and __version__ in line["message"]
               for line in lines)


def test_the_log_format_can_come_from_the_environment(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'env.db'}"
    env = {"REVIEWER_SERVICE_LOG_FORMAT": "json", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "reviewer_app.service", "migrate", "--db",
                           db_url], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(raw) for raw in done.stderr.splitlines() if raw.strip()]
    assert any(line["logger"].startswith("alembic") for line in lines)
    bad = subprocess.run([sys.executable, "-m", "reviewer_app.service", "migrate", "--db",
                          db_url], capture_output=True, text=True, timeout=120,
                         env={**env, "REVIEWER_SERVICE_LOG_FORMAT": "xml"})
    assert bad.returncode == 2
    assert "REVIEWER_SERVICE_LOG_FORMAT must be text or json" in bad.stderr
