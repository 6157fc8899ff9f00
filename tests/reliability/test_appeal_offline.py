"""An appeal decided while the service is down is not lost: the uphold is written to the
outbox with the case marked decided, survives the app closing and opening again, and
reaches the service once it is back, exactly once however often the sync is retried. The
adversary is a service killed (SIGKILL) before the decision, and an app that quits."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer_app import contract
from reviewer_app.client.session import ReviewSession
from reviewer_app.service.accounts import add_user
from tests.integration.service.api import Api

pytestmark = [pytest.mark.keyring]


def test_an_appeal_upheld_offline_reaches_the_service_once_it_is_back(
        service_process: Any, make_client_config: Any) -> None:
    service = service_process()
    team = service.accounts.team
    add_user(service.db_url, "first", "first-specialist-pw", "specialist", team)
    first = Api(service.url)
    assert first.login("first", "first-specialist-pw").status_code == 200
    lease = first.lease(1).json()
    case_id = lease["cases"][0]["id"]
    assert first.decide(case_id, lease["lease_id"]).status_code == 201
    assert first.call("DELETE", f"/leases/{lease['lease_id']}").status_code == 204
    admin = Api(service.url)
    assert admin.login(*service.accounts.admin).status_code == 200
    assert admin.call("POST", f"/cases/{case_id}/appeals", json={
        "appellant": "user", "statement": "synthetic appeal"}).status_code == 201

    config = make_client_config(service.url)
    session = ReviewSession(config)
    try:
        session.login(*service.accounts.specialist)
        assert case_id in {c.id for c in session.lease(5)}
        appeal = session.appeal(case_id)
        assert appeal is not None
        service.kill()
        body = session.decide_appeal(appeal, contract.AppealOutcome.UPHOLD, reason="offline")
        report = session.sync()
        assert not report.online
        assert session.outbox_counts().pending == 1
    finally:
        session.close()  # the app quits with the uphold unsent

    service.start()
    session = ReviewSession(config)
    try:
        assert session.outbox_counts().pending == 1
        for _ in range(2):  # a second pass finds nothing left to send
            session.sync()
        assert session.outbox_counts().pending == 0
        assert session.outbox_counts().synced >= 1
    finally:
        session.close()
    got = admin.call("GET", f"/cases/{case_id}/appeal")
    assert got.status_code == 200, got.text
    assert got.json()["status"] == "upheld"
    assert got.json()["decided_by"] == service.accounts.specialist[0]
    assert got.json()["outcome_reason"] == "offline"
    # a retry of the same item (its client_id the Idempotency-Key) decides nothing again
    demo = Api(service.url)
    assert demo.login(*service.accounts.specialist).status_code == 200
    replay = demo.call("POST", f"/appeals/{appeal.id}/decision",
                       json=body.model_dump(mode="json"),
                       headers={contract.IDEMPOTENCY_HEADER: str(body.client_id)})
    assert replay.status_code == 201, replay.text
    assert replay.json()["decided_at"] == got.json()["decided_at"]
