"""Policy taxonomy versions and appeals over real HTTP: a published version's retired code
is refused, every decision records the version it was accepted under, a reviewer sees each
change note once and can list it again, and an appeal runs end to end (never to the original
reviewer; uphold keeps the outcome, overturn changes it; the appeal shows the version the
appealed decision was made under)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from reviewer_app.contract import IDEMPOTENCY_HEADER
from reviewer_app.service.accounts import add_user
from reviewer_app.service.db import Database
from reviewer_app.service.models import DecisionRow
from reviewer_app.service.policy_versions import BUILTIN
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api


def _login(live: LiveService, who: tuple[str, str]) -> Api:
    api = Api(live.url)
    assert api.login(*who).status_code == 200
    return api


def _rules(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The built-in rules with `changes` per code (a code not built in is added)."""
    rules = {r.code: r.model_dump(mode="json") for r in BUILTIN}
    for code, fields in changes.items():
        rules[code.replace("_", "-")] = {**rules.get(code.replace("_", "-"), {}), **fields}
    return list(rules.values())


NEW_RULE = {"code": "CS-SPAM-1", "area": "community_standards", "title": "Spam: bulk posting",
            "guideline": "Remove repeated identical posts."}


def _publish(admin: Api, base: int, rules: list[dict[str, Any]], note: str) -> Any:
    return admin.call("POST", "/policy/versions",
                      json={"base_version": base, "rules": rules, "change_note": note})


def _decisions(db_url: str, case_id: str) -> list[DecisionRow]:
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as s:
            rows = s.scalars(select(DecisionRow).where(DecisionRow.case_id == case_id)
                             .order_by(DecisionRow.id)).all()
            s.expunge_all()
            return list(rows)
    finally:
        db.dispose()


def test_a_retired_code_is_refused_and_every_decision_records_its_version(
    live_service: LiveService,
) -> None:
    demo = _login(live_service, live_service.accounts.specialist)
    admin = _login(live_service, live_service.accounts.admin)
    lease = demo.lease(3).json()
    first, second, third = (c["id"] for c in lease["cases"])
    assert demo.decide(first, lease["lease_id"], policy_refs=["CS-VIO-2"]).status_code == 201

    taxonomy = demo.call("GET", "/policy/taxonomy")
    assert taxonomy.json()["version"] == 1
    assert taxonomy.headers["ETag"] == '"policy-v1"'
    rules = _rules(CS_VIO_2={"retired": True}, CS_VIO_1={"title": "Graphic violence: gore"},
                   CS_SPAM_1=NEW_RULE)
    published = _publish(admin, 1, rules, "Retire CS-VIO-2; spam gets its own rule.")
    assert published.status_code == 201, published.text
    assert published.json()["version"] == 2
    assert _publish(admin, 1, rules, "again").status_code == 409  # 2 is in force now
    dropped = _publish(admin, 2, rules[1:], "drop one")
    assert dropped.status_code == 422
    assert BUILTIN[0].code in dropped.json()["detail"]

    now = demo.call("GET", "/policy/taxonomy")
    assert now.json()["version"] == 2
    assert {r["code"] for r in now.json()["rules"] if r["retired"]} == {"CS-VIO-2"}
    etag = now.headers["ETag"]
    assert demo.call("GET", "/policy/taxonomy", headers={"If-None-Match": etag}).status_code \
        == 304

    refused = demo.decide(second, lease["lease_id"], policy_refs=["CS-VIO-2"])
    assert refused.status_code == 422
    assert "CS-VIO-2" in refused.json()["detail"]
    via_sync = demo.sync([Api.decision_body(third, lease["lease_id"],
                                            policy_refs=["CS-VIO-1", "CS-VIO-2"])]).json()
    assert via_sync["results"][0]["status"] == "invalid"
    assert "CS-VIO-2" in via_sync["results"][0]["problem"]["detail"]
    assert demo.decide(second, lease["lease_id"], policy_refs=["CS-SPAM-1"]).status_code == 201
    applied = demo.sync([Api.decision_body(third, lease["lease_id"])]).json()
    assert applied["results"][0]["status"] == "applied"

    versions = {c: [d.policy_version for d in _decisions(live_service.db_url, c)]
                for c in (first, second, third)}
    assert versions == {first: [1], second: [2], third: [2]}
    events = admin.call("GET", "/audit?action=policy_publish").json()["events"]
    assert [(e["actor"], e["detail"]["retired"], e["detail"]["added"]) for e in events] == [
        ("admin", ["CS-VIO-2"], ["CS-SPAM-1"])]


def test_a_reviewer_sees_each_change_note_once_and_can_list_them_again(
    live_service: LiveService,
) -> None:
    demo = _login(live_service, live_service.accounts.specialist)
    lead = _login(live_service, live_service.accounts.lead)
    admin = _login(live_service, live_service.accounts.admin)
    assert demo.call("GET", "/policy/changes/unseen").json() == {"notes": []}
    assert _publish(admin, 1, _rules(CS_SPAM_1=NEW_RULE), "A rule for spam.").status_code == 201
    assert _publish(admin, 2, _rules(CS_SPAM_1={**NEW_RULE, "retired": True}),
                    "Spam is back under the general rules.").status_code == 201

    unseen = demo.call("GET", "/policy/changes/unseen").json()["notes"]
    assert [(n["version"], n["note"]) for n in unseen] == [
        (3, "Spam is back under the general rules."), (2, "A rule for spam.")]
    assert unseen[0]["retired"] == ["CS-SPAM-1"]
    assert unseen[1]["added"] == ["CS-SPAM-1"]
    for version in (3, 2, 2):  # marking twice changes nothing
        assert demo.call("POST", f"/policy/changes/{version}/seen").status_code == 204
    assert demo.call("GET", "/policy/changes/unseen").json() == {"notes": []}
    assert demo.call("POST", "/policy/changes/9/seen").status_code == 404
    everything = demo.call("GET", "/policy/changes").json()["notes"]
    assert [n["version"] for n in everything] == [3, 2]
    assert [n["version"] for n in lead.call("GET", "/policy/changes/unseen").json()["notes"]] \
        == [3, 2]  # seen is per person


def _decide_appeal(api: Api, appeal_id: str, lease_id: str, outcome: str,
                   client_id: str | None = None, **extra: Any) -> Any:
    cid = client_id or str(uuid.uuid4())
    body = {"client_id": cid, "lease_id": lease_id, "outcome": outcome,
            "reason": f"appeal {outcome}", **extra}
    return api.call("POST", f"/appeals/{appeal_id}/decision", json=body,
                    headers={IDEMPOTENCY_HEADER: cid})


def test_an_appeal_runs_end_to_end(live_service: LiveService) -> None:
    live = live_service
    demo = _login(live, live.accounts.specialist)
    admin = _login(live, live.accounts.admin)
    add_user(live.db_url, "second", "second-specialist-pw", "specialist", live.accounts.team)
    add_user(live.db_url, "partner", "partner-system-pw", "integration", "partners")
    second = _login(live, ("second", "second-specialist-pw"))
    partner = _login(live, ("partner", "partner-system-pw"))

    lease = demo.lease(3).json()
    upheld, overturned, undecided = (c["id"] for c in lease["cases"])
    for case_id in (upheld, overturned):
        assert demo.decide(case_id, lease["lease_id"]).status_code == 201
    assert _publish(admin, 1, _rules(CS_SPAM_1=NEW_RULE), "A rule for spam.").status_code == 201

    statement = {"appellant": "user", "statement": "My post was news reporting."}
    assert admin.call("POST", f"/cases/{undecided}/appeals", json=statement).status_code == 409
    filed = admin.call("POST", f"/cases/{upheld}/appeals", json=statement)
    assert filed.status_code == 201, filed.text
    assert filed.json()["queue"].startswith("appeals-")
    by_partner = partner.call("POST", f"/cases/{overturned}/appeals",
                              json={"appellant": "rights_holder", "statement": "Not a copy."})
    assert by_partner.status_code == 201
    assert admin.call("POST", f"/cases/{upheld}/appeals", json=statement).status_code == 409

    mine = demo.lease(50).json()["cases"]
    assert not {upheld, overturned} & {c["id"] for c in mine}  # never to the original reviewer
    assert _decide_appeal(demo, filed.json()["id"], lease["lease_id"], "uphold").status_code \
        == 403
    theirs = second.lease(50).json()
    assert {upheld, overturned} <= {c["id"] for c in theirs["cases"]}

    appeal = second.call("GET", f"/cases/{upheld}/appeal").json()
    assert appeal["statement"] == "My post was news reporting."
    assert appeal["original"]["action"] == "remove"
    assert appeal["original"]["policy_refs"] == ["CS-VIO-1"]
    assert appeal["original"]["policy_version"] == 1  # version 2 is in force now
    plain = second.decide(upheld, theirs["lease_id"], action="keep")
    assert plain.status_code == 409  # an appeal is upheld or overturned, not re-decided

    key = str(uuid.uuid4())
    done = _decide_appeal(second, appeal["id"], theirs["lease_id"], "uphold", key)
    assert done.status_code == 201, done.text
    assert (done.json()["status"], done.json()["decided_by"]) == ("upheld", "second")
    again = _decide_appeal(second, appeal["id"], theirs["lease_id"], "uphold", key)
    assert again.json() == done.json()
    assert _decide_appeal(second, by_partner.json()["id"], theirs["lease_id"], "overturn",
                          action="keep", policy_refs=["CS-VIO-1", "CS-OLD-9"]).status_code \
        == 422
    over = _decide_appeal(second, by_partner.json()["id"], theirs["lease_id"], "overturn",
                          action="keep", policy_refs=["CS-SPAM-1"])
    assert over.status_code == 201, over.text
    assert over.json()["status"] == "overturned"
    assert over.json()["new_decision"]["action"] == "keep"
    assert over.json()["new_decision"]["policy_version"] == 2
    assert over.json()["original"]["policy_version"] == 1

    outcomes = {c: [d.action for d in _decisions(live.db_url, c)] for c in (upheld, overturned)}
    assert outcomes == {upheld: ["remove"], overturned: ["remove", "keep"]}
    case = second.call("GET", f"/cases/{upheld}").json()
    assert case["status"] == "decided"
    assert [h["kind"] for h in case["history"]][-2:] == ["appeal", "appeal"]
    events = admin.call("GET", "/audit?action=appeal_decision").json()["events"]
    assert sorted(e["detail"]["outcome"] for e in events) == ["overturn", "uphold"]
    filings = admin.call("GET", "/audit?action=appeal").json()["events"]
    assert sorted(e["actor"] for e in filings) == ["admin", "partner"]
