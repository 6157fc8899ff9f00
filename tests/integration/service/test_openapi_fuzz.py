"""schemathesis against the generated OpenAPI: no 5xx for any input (valid or not, with or
without a token), and every response (status, content type, body) matches the document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from reviewer_app.service.app import api_router
from reviewer_app.service.seed import DemoAccounts, seed_demo
from reviewer_app.service.server import RunningService, start_in_thread
from reviewer_app.service.settings import ServiceSettings
from tests.helpers.postgres import PostgresCluster
from tests.helpers.service_fixtures import FAST_HASHING

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 12


def _start(db_url: str, cases: int) -> RunningService:
    service_settings = ServiceSettings(db_url=db_url, login_rate_limit=1_000_000, **FAST_HASHING)
    seed_demo(db_url, cases=cases)
    return start_in_thread(service_settings)


@pytest.fixture(scope="module")
def fuzzed_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    db = Path(tmp_path_factory.mktemp("fuzz")) / "fuzz.db"
    running = _start(f"sqlite:///{db}", 20)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def fuzzed_pg_service(pg_cluster: PostgresCluster) -> Iterator[RunningService]:
    running = _start(pg_cluster.create_database("fuzz"), 10)
    try:
        yield running
    finally:
        running.stop()


def _operations() -> list[str]:
    """Labels of the operations ("POST /v1/leases"), from the routes themselves."""
    app = FastAPI()
    app.include_router(api_router())
    return sorted(f"{method.upper()} {path}"
                  for path, item in app.openapi()["paths"].items() for method in item)


@pytest.mark.parametrize("label", _operations())
def test_no_server_error_and_schema_conformance(
    fuzzed_service: RunningService, label: str
) -> None:
    _fuzz(fuzzed_service.url, label, MAX_EXAMPLES)


@pytest.mark.postgres
@pytest.mark.parametrize("label", _operations())
def test_no_server_error_on_postgresql(fuzzed_pg_service: RunningService, label: str) -> None:
    """PostgreSQL refuses some values SQLite stores (NUL characters): still no 5xx."""
    _fuzz(fuzzed_pg_service.url, label, MAX_EXAMPLES // 2)


def _fuzz(base_url: str, label: str, max_examples: int) -> None:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operation = schema.find_operation_by_label(label)
    assert operation is not None
    session = requests.Session()
    # The role each route serves (docs/service.md), so the fuzzing reaches past the 403.
    admin_routes = ("teams", "audit", "metrics", "reply-templates")
    username, password = DemoAccounts.admin if any(r in label for r in admin_routes) else (
        DemoAccounts.specialist)

    def token() -> str:
        resp = session.post(f"{base_url}/v1/auth/login",
                            json={"username": username, "password": password}, timeout=30)
        assert resp.status_code == 200, resp.text
        return str(resp.json()["access_token"])

    cases = st.one_of(operation.as_strategy(),
                      operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=cases, authorised=st.booleans())
    def run(case: schemathesis.Case, authorised: bool) -> None:
        headers = {"Authorization": f"Bearer {token()}"} if authorised else {}
        case.call_and_validate(session=session, headers=headers, checks=CHECKS)

    run()
