"""Group decisions and exposure avoided against the real service over HTTP: a group decided
after viewing one case reaches every case of the group it may exactly once (also on a retry
with the same key), never a case of another team's queue or held by someone else; a match
applied without a reveal, and a bank match decided without one, count as exposure avoided
on the service, and a reveal takes that away."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from reviewer_app.contract import IDEMPOTENCY_HEADER, group_client_id
from reviewer_app.service import pdq
from reviewer_app.service.accounts import add_user
from reviewer_app.service.db import Database
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.models import CaseRow, DecisionRow
from reviewer_app.service.seed import add_case
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api
from tests.integration.service.test_matching import _altered, _case


def _login(live: LiveService, who: tuple[str, str]) -> Api:
    api = Api(live.url)
    assert api.login(*who).status_code == 200
    return api


def _specialist(live: LiveService, name: str, team: str) -> Api:
    add_user(live.db_url, name, f"{name}-specialist-pw", "specialist", team)
    return _login(live, (name, f"{name}-specialist-pw"))


def _add(live: LiveService, picture: bytes, content_type: str, priority: int,
         queue: str | None = None) -> str:
    return add_case(live.db_url, dataclasses.replace(_case(picture, content_type, priority),
                                                     queue=queue))


def _decisions(db_url: str) -> dict[str, list[tuple[str, str, str]]]:
    """case id: [(client_id, action, reason)] of every decision on the service."""
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as s:
            out: dict[str, list[tuple[str, str, str]]] = {}
            for row in s.query(DecisionRow).order_by(DecisionRow.id):
                out.setdefault(row.case_id, []).append((row.client_id, row.action, row.reason))
            return out
    finally:
        db.dispose()


def _status(db_url: str, case_id: str) -> str:
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as s:
            row = s.get(CaseRow, case_id)
            assert row is not None
            return row.status
    finally:
        db.dispose()


def _group_request(api: Api, case_id: str, lease_id: str, **extra: Any) -> dict[str, Any]:
    return {"decision": api.decision_body(case_id, lease_id, action="remove",
                                          reason="same picture (simulated)", **extra)}


def _post_group(api: Api, body: dict[str, Any]) -> Any:
    decision = body["decision"]
    return api.call("POST", f"/cases/{decision['case_id']}/group-decisions", json=body,
                    headers={IDEMPOTENCY_HEADER: decision["client_id"]})


def _avoided(api: Api) -> dict[str, int]:
    resp = api.call("GET", "/me/exposure-avoided")
    assert resp.status_code == 200, resp.text
    return resp.json()


def _reveal(api: Api, case_id: str, media_id: str) -> None:
    event = {"client_id": str(uuid.uuid4()), "case_id": case_id, "media_id": media_id,
             "harm_category": "graphic_violence", "severity": 1, "kind": "revealed",
             "duration_ms": 1500, "at": datetime.now(UTC).isoformat()}
    resp = api.call("POST", "/sync", json={"exposure_events": [event]})
    assert resp.status_code == 200, resp.text


def test_a_group_decision_reaches_every_case_it_may_exactly_once(
    live_service: LiveService,
) -> None:
    picture = synthetic_image(2024, width=1280, height=720, fmt="PNG")
    viewed = _add(live_service, picture, "image/png", 100)
    queued = _add(live_service, _altered(picture), "image/jpeg", 10)
    queued_too = _add(live_service, picture, "image/png", 10)
    held_by_other = _add(live_service, _altered(picture, crop=False), "image/jpeg", 99)
    other_team = _add(live_service, picture, "image/png", 100, queue="legal")
    unrelated = _add(live_service, synthetic_image(5, width=1280, height=720), "image/png", 10)

    specialist = _login(live_service, live_service.accounts.specialist)
    colleague = _specialist(live_service, "ines", live_service.accounts.team)
    lease = specialist.lease(1).json()
    assert [c["id"] for c in lease["cases"]] == [viewed]
    assert [c["id"] for c in colleague.lease(1).json()["cases"]] == [held_by_other]

    body = _group_request(specialist, viewed, lease["lease_id"])
    first = _post_group(specialist, body)
    assert first.status_code == 201, first.text
    result = first.json()
    assert result["viewed"]["status"] == "applied"
    assert {r["case_id"] for r in result["decided"]} == {queued, queued_too}
    assert all(r["status"] == "applied" for r in result["decided"])
    assert result["skipped"][held_by_other] == "held by someone else"
    assert "does not work" in result["skipped"][other_team]
    assert result["exposure_avoided"] == 2

    again = _post_group(specialist, body)  # the same request retried
    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == result

    decisions = _decisions(live_service.db_url)
    cid = uuid.UUID(body["decision"]["client_id"])
    for case_id in (queued, queued_too):
        [(client_id, action, reason)] = decisions[case_id]
        assert client_id == str(group_client_id(cid, case_id))
        assert action == "remove"
        assert viewed in reason
        assert "Group decision" in reason
        assert _status(live_service.db_url, case_id) == "decided"
    assert len(decisions[viewed]) == 1
    for left in (held_by_other, other_team, unrelated):
        assert left not in decisions
    assert _status(live_service.db_url, held_by_other) == "leased"
    assert _status(live_service.db_url, other_team) == "queued"

    # the case history of a group member cites the case viewed
    admin = _login(live_service, live_service.accounts.admin)
    history = admin.call("GET", f"/cases/{queued}").json()["history"]
    assert any(h["kind"] == "decision" and viewed in h["body"] for h in history)

    # the outbox's copy of the viewed decision, arriving after, is a duplicate
    late = specialist.sync([body["decision"]])
    assert late.json()["results"][0]["status"] == "duplicate"
    # the two cases never shown count as exposure avoided, the one viewed does not
    assert _avoided(specialist)["total"] == 2
    lead = _login(live_service, live_service.accounts.lead)
    team = lead.call("GET", f"/teams/{live_service.accounts.team}/exposure-avoided").json()
    by_name = {p["username"]: p["total"] for p in team["people"]}
    assert by_name[live_service.accounts.specialist[0]] == 2
    assert team["total"]["total"] == 2
    # and the lead's dashboard carries the same figure on the person's row
    board = lead.call("GET", f"/teams/{live_service.accounts.team}/dashboard").json()
    row = next(p for p in board["people"] if p["username"] == live_service.accounts.specialist[0])
    assert row["exposure_avoided"] == {"today": 2, "week": 2, "total": 2}


def test_a_case_in_no_group_is_refused_and_only_a_specialist_decides_groups(
    live_service: LiveService,
) -> None:
    lone = _add(live_service, synthetic_image(71, width=1280, height=720), "image/png", 100)
    specialist = _login(live_service, live_service.accounts.specialist)
    lease = specialist.lease(1).json()
    assert [c["id"] for c in lease["cases"]] == [lone]
    refused = _post_group(specialist, _group_request(specialist, lone, lease["lease_id"]))
    assert refused.status_code == 409
    assert lone not in _decisions(live_service.db_url)
    lead = _login(live_service, live_service.accounts.lead)
    assert _post_group(lead, _group_request(lead, lone, lease["lease_id"])).status_code == 403
    assert lead.call("GET", "/me/exposure-avoided").status_code == 403
    assert specialist.call(
        "GET", f"/teams/{live_service.accounts.team}/exposure-avoided").status_code == 403


def test_a_match_applied_without_a_reveal_counts_as_exposure_avoided(
    live_service: LiveService,
) -> None:
    picture = synthetic_image(777, width=1280, height=720, fmt="PNG")
    earlier = _add(live_service, picture, "image/png", 100)
    specialist = _login(live_service, live_service.accounts.specialist)
    lease = specialist.lease(1).json()
    assert specialist.decide(earlier, lease["lease_id"]).status_code == 201
    assert _avoided(specialist)["total"] == 0  # decided by looking: nothing avoided

    later = _add(live_service, _altered(picture), "image/jpeg", 100)
    revealed_one = _add(live_service, picture, "image/png", 99)
    lease = specialist.lease(2).json()
    assert [c["id"] for c in lease["cases"]] == [later, revealed_one]
    [match] = specialist.call("GET", f"/cases/{later}/matches").json()["near_duplicates"][:1]
    assert match["case_id"] == earlier
    assert match["decision"]["action"] == "remove"
    applied = specialist.sync([specialist.decision_body(
        later, lease["lease_id"], reason=f"Applied without revealing: matches case {earlier}")])
    assert applied.json()["results"][0]["status"] == "applied"
    assert _avoided(specialist) == {"today": 1, "week": 1, "total": 1}

    # the same decision made after a reveal avoided nothing
    media_id = specialist.call("GET", f"/cases/{revealed_one}").json()["media"][0]["id"]
    _reveal(specialist, revealed_one, media_id)
    assert specialist.decide(revealed_one, lease["lease_id"]).status_code == 201
    assert _avoided(specialist)["total"] == 1


def test_a_bank_match_is_decided_without_a_reveal_and_counted(
    live_service: LiveService,
) -> None:
    admin = _login(live_service, live_service.accounts.admin)
    picture = synthetic_image(4243, width=1280, height=720, fmt="PNG")
    assert admin.call("POST", "/hash-banks", json={"name": "known-violating"}).status_code == 201
    assert admin.call("POST", "/hash-banks/known-violating/entries",
                      json={"hashes": [pdq.hash_image(picture)[0].hex]}).status_code == 200
    flagged = _add(live_service, _altered(picture, crop=False), "image/jpeg", 100)
    specialist = _login(live_service, live_service.accounts.specialist)
    lease = specialist.lease(1).json()
    assert [c["id"] for c in lease["cases"]] == [flagged]
    assert specialist.call("GET", f"/cases/{flagged}/matches").json()["bank_match"] == \
        "known-violating"
    assert specialist.decide(flagged, lease["lease_id"]).status_code == 201
    assert _avoided(specialist)["total"] == 1
