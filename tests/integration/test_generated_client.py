"""Tried as an integrator would: generate a client with openapi-python-client from the running
service's /openapi.json, and run login, lease, read, decide, note and sync through it.

Nothing of ours is imported for the calls: if the document lies (a required header marked
optional, an undocumented reply), the generated client fails here as it would for a partner.
"""

from __future__ import annotations

import importlib
import inspect
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from tests.helpers.service_fixtures import LiveService

PACKAGE = "generated_reviewer_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def client_package(live_service: LiveService, tmp_path: Path) -> Iterator[ModuleType]:
    """The client generated from the live document, importable as PACKAGE."""
    if not GENERATOR.exists():
        pytest.fail(f"{GENERATOR} is missing: `make setup` installs openapi-python-client")
    document = tmp_path / "openapi.json"
    document.write_bytes(requests.get(f"{live_service.url}/openapi.json", timeout=30).content)
    out = tmp_path / PACKAGE
    done = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(document), "--output-path", str(out),
         "--meta", "none"],
        capture_output=True, text=True, timeout=180, check=False,
        env={"PATH": f"{GENERATOR.parent}:/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # A warning means a part of the document could not be turned into code.
    assert "Warning" not in done.stdout, done.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]
        shutil.rmtree(out, ignore_errors=True)


def _op(package: ModuleType, tag: str, name: str) -> Any:
    """An operation module, found where the short id and tag put it: api/<tag>/<id>.py."""
    return importlib.import_module(f"{package.__name__}.api.{tag}.{name}")


def _model(package: ModuleType, name: str) -> Any:
    return getattr(importlib.import_module(f"{package.__name__}.models"), name)


def test_a_generated_client_signs_in_leases_decides_notes_and_syncs(
    client_package: ModuleType, live_service: LiveService
) -> None:
    pkg = client_package
    username, password = live_service.accounts.specialist
    with pkg.Client(base_url=live_service.url, raise_on_unexpected_status=True) as anonymous:
        login = _op(pkg, "auth", "login").sync_detailed(
            client=anonymous,
            body=_model(pkg, "LoginRequest")(username=username, password=password))
    assert login.status_code == 200, login.content
    with pkg.AuthenticatedClient(base_url=live_service.url, token=login.parsed.access_token,
                                 raise_on_unexpected_status=True) as client:
        _work_a_case(pkg, client, live_service, login.parsed.access_token)


def _work_a_case(pkg: ModuleType, client: Any, live_service: LiveService, token: str) -> None:

    lease = _op(pkg, "queue", "create_lease").sync_detailed(
        client=client, body=_model(pkg, "LeaseRequest")(max_cases=3))
    assert lease.status_code == 201, lease.content
    cases = lease.parsed.cases
    assert len(cases) == 3
    first, second, third = (c.id for c in cases)

    case = _op(pkg, "cases", "get_case").sync_detailed(case_id=first, client=client)
    assert case.status_code == 200, case.content
    assert case.parsed.id == first

    # The header is required in the generated signature, and its rule is written down.
    decide = _op(pkg, "cases", "post_decision")
    key_param = inspect.signature(decide.sync_detailed).parameters["idempotency_key"]
    assert key_param.default is inspect.Parameter.empty
    decision_model = _model(pkg, "Decision")
    now = datetime.now(UTC)

    def decision(case_id: str) -> Any:
        return decision_model(
            client_id=uuid.uuid4(), case_id=case_id, lease_id=lease.parsed.lease_id,
            action=_model(pkg, "Action")("keep"), policy_refs=["CS-VIO-1"],
            reason="generated client", decided_at=now, handle_ms=1200)

    body = decision(first)
    applied = decide.sync_detailed(case_id=first, client=client, body=body,
                                   idempotency_key=str(body.client_id))
    assert applied.status_code == 201, applied.content
    assert applied.parsed.status == "applied"
    again = decide.sync_detailed(case_id=first, client=client, body=body,
                                 idempotency_key=str(body.client_id))
    assert again.status_code in (200, 201), again.content  # the first answer, replayed

    # The key rule as the document states it: a different key is refused with 400.
    other = decision(second)
    refused = decide.sync_detailed(case_id=second, client=client, body=other,
                                   idempotency_key=str(uuid.uuid4()))
    assert refused.status_code == 400
    assert refused.parsed.code == "bad_request"

    note_body = _model(pkg, "NoteBody")(client_id=uuid.uuid4(), body="checked the context")
    note = _op(pkg, "cases", "post_note").sync_detailed(
        case_id=first, client=client, body=note_body, idempotency_key=str(note_body.client_id))
    assert note.status_code == 201, note.content

    synced = _op(pkg, "sync", "sync").sync_detailed(
        client=client, body=_model(pkg, "SyncRequest")(decisions=[other, decision(third)]))
    assert synced.status_code == 200, synced.content
    assert [r.status for r in synced.parsed.results] == ["applied", "applied"]

    # What the generated client did is what the service holds.
    history = requests.get(f"{live_service.url}/v1/cases/{second}",
                           headers={"Authorization": f"Bearer {token}"},
                           timeout=30)
    assert history.status_code == 200
    assert history.json()["status"] == "decided"


def test_every_operation_has_a_short_id_and_a_tag(live_service: LiveService) -> None:
    doc = requests.get(f"{live_service.url}/openapi.json", timeout=30).json()
    operations = [op for item in doc["paths"].values() for op in item.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert all("_v1_" not in i and len(i) <= 30 for i in ids), ids
    assert all(len(op.get("tags", [])) == 1 for op in operations)
    keyed = {op["operationId"]: p for op in operations for p in op.get("parameters", [])
             if p["name"] == "Idempotency-Key"}
    # Required, with the client_id rule, where the handler refuses a write without it...
    for name in ("post_decision", "post_note"):
        assert keyed[name]["required"]
        assert "client_id" in keyed[name]["description"]
    # ...and as the handler declares it elsewhere (an override's retry key is optional).
    assert not keyed["grant_override"].get("required", False)
    assert "x-idempotency-key" not in str(doc)
