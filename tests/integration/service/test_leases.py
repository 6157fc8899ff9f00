"""Leases and the Idempotency-Key semantics of CONTRACT.md, over real HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from reviewer_app.contract import IDEMPOTENCY_HEADER
from reviewer_app.domain import Action, Decision
from reviewer_app.service.accounts import add_user
from reviewer_app.service.idempotency import request_fingerprint
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api
from tests.integration.service.conftest import ClockedService


def _login(live: LiveService, who: tuple[str, str]) -> Api:
    api = Api(live.url)
    assert api.login(*who).status_code == 200
    return api


def test_expired_lease_goes_back_and_a_late_decision_is_lease_lost(
    clocked_service: ClockedService,
) -> None:
    add_user(clocked_service.db_url, "second", "second-specialist", "specialist", "escalations")
    first = _login(clocked_service, clocked_service.accounts.specialist)
    second = _login(clocked_service, ("second", "second-specialist"))
    lease = first.lease(50).json()
    held = {c["id"] for c in lease["cases"]}
    assert len(held) == 30
    assert second.lease(5).json()["cases"] == []

    clocked_service.clock.advance(seconds=clocked_service.settings.lease_ttl_s + 1)
    taken = second.lease(2).json()
    assert {c["id"] for c in taken["cases"]} <= held
    late = first.decide(taken["cases"][0]["id"], lease["lease_id"])
    assert late.status_code == 409
    assert late.json()["code"] == "lease_lost"
    still_mine = next(iter(held - {c["id"] for c in taken["cases"]}))
    assert first.decide(still_mine, lease["lease_id"]).status_code == 201


def test_renew_and_release(live_service: LiveService) -> None:
    api = _login(live_service, live_service.accounts.specialist)
    lease = api.lease(3).json()
    renewed = api.call("POST", f"/leases/{lease['lease_id']}/renew")
    assert renewed.status_code == 200
    assert renewed.json()["expires_at"] >= lease["expires_at"]
    assert api.call("DELETE", f"/leases/{lease['lease_id']}").status_code == 204
    again = api.lease(3).json()
    assert {c["id"] for c in again["cases"]} == {c["id"] for c in lease["cases"]}
    lost = api.decide(lease["cases"][0]["id"], lease["lease_id"])
    assert lost.status_code == 409
    assert api.call("POST", f"/leases/{lease['lease_id']}/renew").status_code == 409


def test_idempotency_key_rules(live_service: LiveService) -> None:
    api = _login(live_service, live_service.accounts.specialist)
    lease = api.lease(2).json()
    case_id = lease["cases"][0]["id"]
    missing = api.decide(case_id, lease["lease_id"], key=None)
    assert missing.status_code == 400
    assert missing.json()["code"] == "idempotency_key_missing"

    cid = str(uuid.uuid4())
    at = datetime.now(UTC).isoformat()
    assert api.decide(case_id, lease["lease_id"], client_id=cid, decided_at=at).status_code == 201
    other_body = api.decide(case_id, lease["lease_id"], client_id=cid, decided_at=at,
                            action="keep")
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"
    second_decision = api.decide(case_id, lease["lease_id"])
    assert second_decision.status_code == 409
    assert second_decision.json()["code"] == "already_decided"


def test_a_key_still_in_flight_gives_409(live_service: LiveService) -> None:
    api = _login(live_service, live_service.accounts.specialist)
    lease = api.lease(1).json()
    case_id = lease["cases"][0]["id"]
    cid = str(uuid.uuid4())
    at = datetime.now(UTC).isoformat()
    decision = Decision(client_id=uuid.UUID(cid), case_id=case_id, lease_id=lease["lease_id"],
                        action=Action.REMOVE, policy_refs=["CS-VIO-1"], reason="test",
                        decided_at=datetime.fromisoformat(at), handle_ms=1500)
    fingerprint = request_fingerprint("POST", f"/v1/cases/{case_id}/decisions",
                                      decision.model_dump(mode="json"))
    engine = create_engine(live_service.db_url)
    with engine.begin() as conn:  # the claim that a request still running holds
        user_id = conn.execute(text("SELECT id FROM users WHERE username='demo'")).scalar_one()
        now = datetime.now(UTC).replace(tzinfo=None)
        conn.execute(text("INSERT INTO idempotency_keys (user_id, key, request_hash, state, "
                          "created_at, updated_at) VALUES (:u, :k, :h, 'in_flight', :n, :n)"),
                     {"u": user_id, "k": cid, "h": fingerprint, "n": now})
    engine.dispose()
    resp = api.decide(case_id, lease["lease_id"], client_id=cid, decided_at=at)
    assert resp.status_code == 409
    assert resp.json()["code"] == "idempotency_in_flight"
    assert int(resp.headers["Retry-After"]) >= 1


def test_keys_are_scoped_per_user(live_service: LiveService) -> None:
    add_user(live_service.db_url, "second", "second-specialist", "specialist", "escalations")
    first = _login(live_service, live_service.accounts.specialist)
    second = _login(live_service, ("second", "second-specialist"))
    mine, theirs = first.lease(1).json(), second.lease(1).json()
    key = str(uuid.uuid4())
    note = {"client_id": key, "body": "same key, two people"}
    a = first.call("POST", f"/cases/{mine['cases'][0]['id']}/notes", json=note,
                   headers={IDEMPOTENCY_HEADER: key})
    b = second.call("POST", f"/cases/{theirs['cases'][0]['id']}/notes",
                    json={"client_id": str(uuid.uuid4()), "body": "other"},
                    headers={IDEMPOTENCY_HEADER: key})
    assert a.status_code == 201
    assert b.status_code == 400  # the key must be the note's own client_id


def test_sync_applies_each_item_once(live_service: LiveService) -> None:
    api = _login(live_service, live_service.accounts.specialist)
    lease = api.lease(3).json()
    now = datetime.now(UTC).isoformat()
    decisions = [{"client_id": str(uuid.uuid4()), "case_id": c["id"],
                  "lease_id": lease["lease_id"], "action": "keep", "decided_at": now,
                  "handle_ms": 10} for c in lease["cases"]]
    decisions.append({**decisions[0], "client_id": str(uuid.uuid4())})
    notes = [{"client_id": str(uuid.uuid4()), "case_id": lease["cases"][0]["id"],
              "body": "context", "written_at": now}]
    first = api.call("POST", "/sync", json={"decisions": decisions, "notes": notes}).json()
    assert [r["status"] for r in first["results"]] == ["applied"] * 3 + ["conflict", "applied"]
    assert first["results"][3]["problem"]["code"] == "already_decided"
    again = api.call("POST", "/sync", json={"decisions": decisions[:3], "notes": notes}).json()
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 4
    posted = api.decide(lease["cases"][1]["id"], lease["lease_id"],
                        client_id=decisions[1]["client_id"], action="keep",
                        decided_at=now, policy_refs=[], reason="", handle_ms=10)
    assert posted.status_code == 200
    assert posted.json()["status"] == "duplicate"


def test_oversized_bodies_get_413(live_service: LiveService) -> None:
    api = _login(live_service, live_service.accounts.specialist)
    huge = "x" * (live_service.settings.max_body_bytes + 10)
    resp = api.call("POST", "/sync", json={"notes": [], "padding": huge})
    assert resp.status_code == 413
    assert resp.json()["code"] == "too_large"


def test_chunked_oversized_bodies_get_413(live_service: LiveService) -> None:
    api = _login(live_service, live_service.accounts.specialist)
    chunk = b"x" * 65536

    def body() -> Iterator[bytes]:
        for _ in range(live_service.settings.max_body_bytes // len(chunk) + 2):
            yield chunk

    resp = api.http.post(f"{api.base}/sync", data=body(), timeout=30,
                         headers={"Authorization": f"Bearer {api.token}",
                                  "Content-Type": "application/json"})
    assert resp.status_code == 413
