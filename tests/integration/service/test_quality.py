"""A blind second review end to end over real HTTP: the team's lead samples every closing
decision, a second specialist of the team leases the QA task and sees no trace of the first
decision, the first decider cannot lease it, the second review disagrees and lands in the
lead's disagreement list and agreement figures, and the lead resolves it. At 0 % nothing is
sampled."""

from __future__ import annotations

import uuid

from reviewer_app.contract import QA_QUEUE
from reviewer_app.service.accounts import add_user
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api

TEAM = "escalations"
FIRST_REASON = "first-look reason 7f3a"
FIRST_REFS = ["CS-VIO-2", "CS-ANIMAL-1"]


def _login(live: LiveService, user: str, password: str) -> Api:
    api = Api(live.url)
    assert api.login(user, password).status_code == 200
    return api


def _set_share(lead: Api, percent: int) -> None:
    resp = lead.call("PUT", f"/teams/{TEAM}/quality/config",
                     json={"share_percent": percent, "reason": f"sample {percent} %"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["share_percent"] == percent


def _decide(api: Api, case_id: str, lease_id: str, action: str, **extra: object) -> None:
    resp = api.decide(case_id, lease_id, action=action, **extra)
    assert resp.status_code == 201, resp.text


def _qa_lease(api: Api) -> dict[str, object]:
    resp = api.lease(5, queue=QA_QUEUE)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def test_a_blind_second_review_runs_end_to_end(live_service: LiveService) -> None:
    add_user(live_service.db_url, "second", "second-specialist-pw", "specialist", TEAM)
    first = _login(live_service, *live_service.accounts.specialist)
    second = _login(live_service, "second", "second-specialist-pw")
    lead = _login(live_service, *live_service.accounts.lead)
    admin = _login(live_service, *live_service.accounts.admin)

    lease = first.lease(5).json()
    cases = {c["id"]: first.call("GET", f"/cases/{c['id']}").json() for c in lease["cases"]}
    unsampled, sampled = [i for i, c in cases.items() if c["media"]][:2]

    # 0 %: a closing decision makes no QA task
    _set_share(lead, 0)
    _decide(first, unsampled, lease["lease_id"], "keep")
    assert _qa_lease(second)["cases"] == []

    # 100 %: it does; the first decider cannot lease it, the second specialist can
    _set_share(lead, 100)
    first_client_id = str(uuid.uuid4())
    _decide(first, sampled, lease["lease_id"], "remove", client_id=first_client_id,
            reason=FIRST_REASON, policy_refs=FIRST_REFS)
    assert _qa_lease(first)["cases"] == []
    qa = _qa_lease(second)
    assert [c["id"] for c in qa["cases"]] == [sampled]  # type: ignore[union-attr]
    qa_lease = str(qa["lease_id"])

    # blind: the case, its history and its matches hold no trace of the first decision
    seen = second.call("GET", f"/cases/{sampled}")
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert body["second_review"] is True
    assert body["status"] == "leased"
    assert all(h["kind"] != "decision" and h["actor"] != "demo" for h in body["history"])
    matches = second.call("GET", f"/cases/{sampled}/matches")
    assert matches.status_code == 200
    for text in (seen.text, matches.text):
        for trace in (FIRST_REASON, first_client_id, *FIRST_REFS, '"remove"'):
            assert trace not in text, trace
    full = admin.call("GET", f"/cases/{sampled}").json()  # the trace the blind view removed
    assert [h["action"] for h in full["history"] if h["kind"] == "decision"] == ["remove"]

    # the second reviewer's exposure counts as any: the media served is counted as shown
    media = second.call("GET", f"/media/{body['media'][0]['id']}")
    assert media.status_code == 200
    counters = second.call("GET", "/me/exposure").json()["counters"]
    assert sum(c["shown"] for c in counters if c["window"] == "day") >= 1

    # the second review disagrees, through /v1/sync as the workstation sends it
    review = Api.decision_body(sampled, qa_lease, action="keep", policy_refs=["CS-VIO-1"],
                               reason="looks fine to me")
    for expected in ("applied", "duplicate"):
        resp = second.sync([review])
        assert resp.status_code == 200, resp.text
        assert resp.json()["results"][0]["status"] == expected, resp.text
    after = admin.call("GET", f"/cases/{sampled}").json()  # the outcome did not change
    assert after["status"] == "decided"
    assert [h["action"] for h in after["history"] if h["kind"] == "decision"] == ["remove"]
    assert _qa_lease(second)["cases"] == []  # reviewed: not handed out again

    # the lead of the team gets it
    listed = lead.call("GET", f"/teams/{TEAM}/quality/disagreements").json()["disagreements"]
    assert [(d["case_id"], d["first_reviewer"], d["first_action"], d["first_policy_refs"],
             d["second_reviewer"], d["second_action"], d["second_policy_refs"])
            for d in listed] == [
        (sampled, "demo", "remove", FIRST_REFS, "second", "keep", ["CS-VIO-1"])]
    assert "subject_text" not in str(listed)
    assert "media" not in str(listed)
    figures = lead.call("GET", f"/teams/{TEAM}/quality/agreement").json()
    assert figures["overall"] == {"key": "all", "n": 1, "agreed": 0, "percent": 0.0,
                                  "kappa": 0.0, "kappa_undefined": None}
    assert [(f["key"], f["n"], f["agreed"]) for f in figures["by_reviewer"]] == [("demo", 1, 0)]
    assert [f["n"] for f in figures["by_policy_area"]] == [1]

    # and resolves it once, with a note (audited)
    path = f"/teams/{TEAM}/quality/disagreements/{listed[0]['review_id']}/resolution"
    resolved = lead.call("POST", path, json={"note": "talked it through: remove stands"})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["resolved_by"] == "lead"
    assert lead.call("POST", path, json={"note": "again"}).status_code == 409
    still_open = lead.call("GET", f"/teams/{TEAM}/quality/disagreements?resolved=false")
    assert still_open.json()["disagreements"] == []
    events = admin.call("GET", "/audit?limit=1000").json()["events"]
    assert {"qa_config_change", "qa_review", "qa_disagreement_resolved"} <= {
        e["action"] for e in events}
