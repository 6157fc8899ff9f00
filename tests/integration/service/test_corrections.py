"""Corrections against the real service over HTTP: a synced decision is superseded by a new
one (both rows kept, the old marked), audited `decision_corrected`, and the decision in force
is the correction; a replay with the same key is idempotent; nobody but the reviewer who made
the decision may correct it, a corrected decision is not corrected twice, a reason is
required, after the window a correction is refused, and a correction meets what its case's
source needs like any decision."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from reviewer_app.contract import CORRECTION_WINDOW_HOURS, IDEMPOTENCY_HEADER
from reviewer_app.service.accounts import add_user
from reviewer_app.service.db import Database
from reviewer_app.service.matching import _decision_of
from reviewer_app.service.models import AuditRow, DecisionRow
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api
from tests.integration.service.conftest import ClockedService
from tests.integration.service.test_sources import _leased, _regulator


def _correction(supersedes: str, **extra: Any) -> dict[str, Any]:
    return {"client_id": str(uuid.uuid4()), "supersedes": supersedes,
            "correction_reason": "picked remove by mistake", "action": "keep",
            "policy_refs": [], "reason": "not a violation after all",
            "decided_at": datetime.now(UTC).isoformat(), "handle_ms": 900, **extra}


def _post(api: Api, case_id: str, body: dict[str, Any]) -> Any:
    return api.call("POST", f"/cases/{case_id}/corrections", json=body,
                    headers={IDEMPOTENCY_HEADER: body["client_id"]})


def test_a_correction_supersedes_a_synced_decision(clocked_service: ClockedService) -> None:
    live = clocked_service
    api = Api(live.url)
    assert api.login(*live.accounts.specialist).status_code == 200
    lease = api.lease(2).json()
    case_id, late_case = (c["id"] for c in lease["cases"])
    first = api.decision_body(case_id, lease["lease_id"], action="remove")
    assert api.call("POST", f"/cases/{case_id}/decisions", json=first,
                    headers={IDEMPOTENCY_HEADER: first["client_id"]}).status_code == 201
    late = api.decide(late_case, lease["lease_id"])
    assert late.status_code == 201

    add_user(live.db_url, "colleague", "colleague-pw-1", "specialist", "escalations")
    colleague = Api(live.url)
    assert colleague.login("colleague", "colleague-pw-1").status_code == 200
    theirs = _post(colleague, case_id, _correction(first["client_id"]))
    assert theirs.status_code == 404, theirs.text  # not theirs: not shown to exist

    no_reason = _post(api, case_id, _correction(first["client_id"], correction_reason=" "))
    assert no_reason.status_code == 422, no_reason.text

    body = _correction(first["client_id"])
    done = _post(api, case_id, body)
    assert done.status_code == 201, done.text
    assert done.json()["status"] == "applied"
    replay = _post(api, case_id, body)
    assert replay.status_code == 201
    assert replay.json() == done.json()
    again = _post(api, case_id, _correction(first["client_id"]))
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "already_decided"

    live.clock.advance(hours=CORRECTION_WINDOW_HOURS, minutes=1)
    closed = _post(api, late_case, _correction(late.json()["client_id"]))
    assert closed.status_code == 403, closed.text

    db = Database(live.db_url, pool_size=1)
    try:
        with db.read() as s:
            rows = list(s.scalars(select(DecisionRow).where(DecisionRow.case_id == case_id)
                                  .order_by(DecisionRow.id)))
            assert [(r.client_id, r.action) for r in rows] == [
                (first["client_id"], "remove"), (body["client_id"], "keep")]
            assert rows[0].superseded_by == body["client_id"]
            assert rows[1].supersedes == first["client_id"]
            assert rows[1].superseded_by is None
            assert rows[1].correction_reason == "picked remove by mistake"
            in_force = _decision_of(s, case_id)
            assert in_force is not None
            assert in_force.action.value == "keep"
            events = [json.loads(a.detail_json) for a in s.scalars(
                select(AuditRow).where(AuditRow.action == "decision_corrected"))]
            assert events == [{"client_id": body["client_id"],
                               "supersedes": first["client_id"], "action": "keep",
                               "previous_action": "remove",
                               "correction_reason": "picked remove by mistake"}]
            late_rows = s.scalars(select(DecisionRow).where(DecisionRow.case_id == late_case))
            assert [r.superseded_by for r in late_rows] == [None]
    finally:
        db.dispose()
    history = api.call("GET", f"/cases/{case_id}").json()["history"]
    assert any(h["body"].startswith("Correction of the decision to remove") for h in history)


def test_a_correction_meets_its_sources_rules(live_service: LiveService) -> None:
    case_id = _regulator(live_service.db_url)
    api, lease_id = _leased(live_service, case_id)
    kept = api.decide(case_id, lease_id, action="keep", policy_refs=[])
    assert kept.status_code == 201, kept.text
    bare = _post(api, case_id, _correction(kept.json()["client_id"], action="remove",
                                           policy_refs=["REG-DSA-16"]))
    assert bare.status_code == 422, bare.text
    assert bare.json()["detail"].startswith("legal_ground:")
    ground = {"code": "illegal_content", "explanation": "Illegal in EU-DE (simulated)"}
    grounded = _post(api, case_id, _correction(kept.json()["client_id"], action="remove",
                                               policy_refs=["REG-DSA-16"],
                                               legal_ground=ground))
    assert grounded.status_code == 201, grounded.text
