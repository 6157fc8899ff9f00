"""The walking skeleton over real HTTP: login, lease, case, media, decide, replay."""

from __future__ import annotations

import hashlib
import uuid

from reviewer_app.contract import PROBLEM_CONTENT_TYPE, SHA256_HEADER, Lease, TokenPair
from reviewer_app.domain import Case
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api


def _logged_in(live: LiveService) -> Api:
    api = Api(live.url)
    resp = api.login(*live.accounts.specialist)
    assert resp.status_code == 200, resp.text
    TokenPair.model_validate(resp.json())
    return api


def test_login_lease_case_media_decide(live_service: LiveService) -> None:
    api = _logged_in(live_service)
    me = api.call("GET", "/me").json()
    assert me == {"username": "demo", "role": "specialist", "team": "escalations"}

    lease = Lease.model_validate(api.lease(3).json())
    assert len(lease.cases) == 3
    order = [(-c.priority, c.sla_due_at) for c in lease.cases]
    assert order == sorted(order)

    case = Case.model_validate(api.call("GET", f"/cases/{lease.cases[0].id}").json())
    assert case.reporter.statement
    assert case.media
    ref = case.media[0]
    media = api.call("GET", f"/media/{ref.id}")
    assert media.status_code == 200
    assert media.headers["Content-Type"] == ref.content_type
    assert int(media.headers["Content-Length"]) == ref.size == len(media.content)
    assert media.headers[SHA256_HEADER] == hashlib.sha256(media.content).hexdigest() == ref.sha256

    part = api.call("GET", f"/media/{ref.id}", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == media.content[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{ref.size}"

    resp = api.decide(case.id, lease.lease_id)
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "applied"
    assert Case.model_validate(api.call("GET", f"/cases/{case.id}").json()).status == "decided"


def test_same_decision_twice_is_applied_once(live_service: LiveService) -> None:
    api = _logged_in(live_service)
    lease = api.lease(1).json()
    case_id = lease["cases"][0]["id"]
    client_id = str(uuid.uuid4())
    at = "2026-01-01T10:00:00+00:00"
    first = api.decide(case_id, lease["lease_id"], client_id=client_id, decided_at=at)
    again = api.decide(case_id, lease["lease_id"], client_id=client_id, decided_at=at)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    history = api.call("GET", f"/cases/{case_id}").json()["history"]
    assert [h["actor"] for h in history if h["kind"] == "decision"].count("demo") == 1


def test_errors_are_problem_json(live_service: LiveService) -> None:
    api = Api(live_service.url)
    for resp, status in (
        (api.call("GET", "/no-such-route"), 404),
        (api.call("GET", "/me"), 401),
        (api.call("POST", "/auth/login", json={"username": ""}), 422),
    ):
        assert resp.status_code == status
        assert resp.headers["Content-Type"] == PROBLEM_CONTENT_TYPE
        assert resp.json()["status"] == status
        assert resp.json()["code"]
