"""Exposure enforcement on the service: caps, breaks, team policy with ETag/If-Match."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from reviewer_app.contract import ExposureStatus, TeamPolicy
from reviewer_app.domain import HarmCategory, Severity
from tests.helpers.cases import add_urgent_case
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api
from tests.integration.service.conftest import ClockedService


def _login(live: LiveService, who: tuple[str, str]) -> Api:
    api = Api(live.url)
    assert api.login(*who).status_code == 200
    return api


def _set_policy(live: LiveService, **changes: Any) -> dict[str, Any]:
    lead = _login(live, live.accounts.lead)
    current = lead.call("GET", f"/teams/{live.accounts.team}/policy")
    policy = {**current.json()["policy"], **changes}
    resp = lead.call("PUT", f"/teams/{live.accounts.team}/policy",
                     json={"policy": policy, "reason": "test"},
                     headers={"If-Match": current.headers["ETag"]})
    assert resp.status_code == 200, resp.text
    return dict(resp.json()["policy"])


def held_case(api: Api, live: LiveService, category: str = "graphic_violence",
              severity: int = 4) -> dict[str, Any]:
    """Lease a fresh synthetic case of this kind (it heads the queue) and read it."""
    case_id = add_urgent_case(live.db_url, HarmCategory(category), Severity(severity))
    lease = api.lease(1)
    assert lease.status_code == 201, lease.text
    assert [c["id"] for c in lease.json()["cases"]] == [case_id]
    case = api.call("GET", f"/cases/{case_id}")
    assert case.status_code == 200, case.text
    return dict(case.json())


def report(case: dict[str, Any], at: datetime, *, kind: str = "revealed", ms: int = 2000,
           **claims: Any) -> dict[str, Any]:
    """An exposure report for the case's first media item, as the client sends it."""
    return {"client_id": str(uuid.uuid4()), "case_id": case["id"],
            "media_id": case["media"][0]["id"], "harm_category": case["harm_category"],
            "severity": case["severity"], "kind": kind, "duration_ms": ms,
            "at": at.isoformat(), **claims}


def _reveals(api: Api, live: ClockedService, case: dict[str, Any], count: int) -> None:
    events = [report(case, live.clock() - timedelta(seconds=count - i)) for i in range(count)]
    resp = api.call("POST", "/sync", json={"exposure_events": events})
    assert resp.status_code == 200
    assert [r["status"] for r in resp.json()["results"]] == ["applied"] * count


_CAP = {"min_severity": 4, "window": "hour", "measure": "revealed", "limit": 3}
_NO_MICRO = {"work_interval_minutes": 480, "micro_break_seconds": 0}


def test_after_the_caps_worth_of_severe_reveals_leasing_is_refused(
    clocked_service: ClockedService,
) -> None:
    _set_policy(clocked_service, caps=[_CAP], breaks=_NO_MICRO)
    api = _login(clocked_service, clocked_service.accounts.specialist)
    case = held_case(api, clocked_service)
    _reveals(api, clocked_service, case, 2)
    assert api.lease(1).status_code == 201
    _reveals(api, clocked_service, case, 1)
    refused = api.lease(1)
    assert refused.status_code == 423
    assert refused.json()["code"] == "cap_reached"
    assert int(refused.headers["Retry-After"]) >= 1
    status = ExposureStatus.model_validate(api.call("GET", "/me/exposure").json())
    severe = [c for c in status.counters if c.window == "hour" and c.severity == 4]
    assert sum(c.revealed for c in severe) == 3
    clocked_service.clock.advance(minutes=61)
    again = api.lease(1)
    assert again.status_code == 201, again.text


def test_a_cap_on_one_category_skips_it_when_leasing(clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, caps=[{**_CAP, "categories": ["graphic_violence"]}],
                breaks=_NO_MICRO)
    api = _login(clocked_service, clocked_service.accounts.specialist)
    _reveals(api, clocked_service, held_case(api, clocked_service), 3)
    lease = api.lease(20)
    assert lease.status_code == 201
    categories = {c["harm_category"] for c in lease.json()["cases"]}
    assert categories
    assert "graphic_violence" not in categories


def test_during_a_break_every_lease_is_refused(clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, breaks={"work_interval_minutes": 30, "break_minutes": 10})
    api = _login(clocked_service, clocked_service.accounts.specialist)
    assert api.lease(1).status_code == 201
    clocked_service.clock.advance(minutes=31)
    for _ in range(3):
        refused = api.lease(1)
        assert refused.status_code == 423
        assert refused.json()["code"] == "on_break"
        assert 1 <= int(refused.headers["Retry-After"]) <= 10 * 60
        clocked_service.clock.advance(minutes=3)
    clocked_service.clock.advance(minutes=2)
    assert api.lease(1).status_code == 201


def test_idle_time_is_not_work(clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, breaks={"work_interval_minutes": 30, "break_minutes": 10})
    api = _login(clocked_service, clocked_service.accounts.specialist)
    lease = api.lease(1).json()
    assert api.decide(lease["cases"][0]["id"], lease["lease_id"]).status_code == 201
    clocked_service.clock.advance(hours=3)
    assert api.lease(1).status_code == 201


def test_team_policy_needs_a_fresh_etag(live_service: LiveService) -> None:
    lead = _login(live_service, live_service.accounts.lead)
    path = f"/teams/{live_service.accounts.team}/policy"
    current = lead.call("GET", path)
    etag = current.headers["ETag"]
    body = {"policy": current.json()["policy"], "reason": "quieter week"}
    missing = lead.call("PUT", path, json=body)
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"
    saved = lead.call("PUT", path, json=body, headers={"If-Match": etag})
    assert saved.status_code == 200
    assert TeamPolicy.model_validate(saved.json()).version == current.json()["version"] + 1
    assert saved.headers["ETag"] != etag
    stale = lead.call("PUT", path, json=body, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    bad = lead.call("PUT", path, json={"policy": {"name": ""}, "reason": "x"},
                    headers={"If-Match": saved.headers["ETag"]})
    assert bad.status_code == 422
    mine = _login(live_service, live_service.accounts.specialist).call("GET", "/me/policy")
    assert mine.headers["ETag"] == saved.headers["ETag"]
    admin = _login(live_service, live_service.accounts.admin)
    changes = admin.call("GET", "/audit?action=policy_change").json()["events"]
    assert [e["detail"]["reason"] for e in changes] == ["quieter week"]
    assert changes[0]["actor"] == "lead"


def test_lead_sees_team_counters_but_not_single_moods(clocked_service: ClockedService) -> None:
    api = _login(clocked_service, clocked_service.accounts.specialist)
    _reveals(api, clocked_service, held_case(api, clocked_service, severity=3), 2)
    at = clocked_service.clock().isoformat()
    brk = {"client_id": str(uuid.uuid4()), "kind": "self_initiated", "started_at": at,
           "ended_at": at, "checkin_mood": 2}
    assert api.call("POST", "/sync", json={"break_events": [brk]}).json()["results"][0][
        "status"] == "applied"
    lead = _login(clocked_service, clocked_service.accounts.lead)
    team = lead.call("GET", f"/teams/{clocked_service.accounts.team}/exposure").json()
    demo = next(m for m in team["members"] if m["username"] == "demo")
    assert sum(c["revealed"] for c in demo["counters"] if c["window"] == "day") == 2
    # Moods count over the last completed calendar week only: this week's check-in is not in it.
    assert team["checkin_people"] == 0
    assert team["checkin_mean_mood"] is None


def test_a_fresh_client_is_refused_just_the_same(clocked_service: ClockedService) -> None:
    """Enforcement lives on the service: a new login with no local state changes nothing."""
    _set_policy(clocked_service, caps=[_CAP], breaks=_NO_MICRO)
    api = _login(clocked_service, clocked_service.accounts.specialist)
    _reveals(api, clocked_service, held_case(api, clocked_service), 3)
    fresh = _login(clocked_service, clocked_service.accounts.specialist)
    refused = fresh.lease(1)
    assert refused.status_code == 423
    assert refused.json()["code"] == "cap_reached"


def test_a_lead_may_end_a_break_with_a_reason(clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, breaks={"work_interval_minutes": 30, "break_minutes": 10})
    api = _login(clocked_service, clocked_service.accounts.specialist)
    assert api.lease(1).status_code == 201
    clocked_service.clock.advance(minutes=31)
    assert api.lease(1).status_code == 423
    team = clocked_service.accounts.team
    specialist_try = api.call("POST", f"/teams/{team}/members/demo/break-override",
                              json={"reason": "I feel fine"})
    assert specialist_try.status_code == 403
    lead = _login(clocked_service, clocked_service.accounts.lead)
    ended = lead.call("POST", f"/teams/{team}/members/demo/break-override",
                      json={"reason": "urgent regulator deadline, agreed with demo"})
    assert ended.status_code == 200
    assert ended.json()["break_state"]["state"] == "reviewing"
    assert api.lease(1).status_code == 201
    admin = _login(clocked_service, clocked_service.accounts.admin)
    overrides = admin.call("GET", "/audit?action=break_override").json()["events"]
    assert [(e["actor"], e["subject_id"]) for e in overrides] == [("lead", "demo")]


def test_past_the_daily_graphic_limit_only_non_graphic_work_is_leased(
    clocked_service: ClockedService,
) -> None:
    policy = _set_policy(clocked_service, breaks={"work_interval_minutes": 480,
                                                  "graphic_daily_limit_minutes": 1})
    graphic = set(policy["breaks"]["graphic_categories"])
    api = _login(clocked_service, clocked_service.accounts.specialist)
    case = held_case(api, clocked_service, severity=2)
    clocked_service.clock.advance(seconds=90)  # on screen for a minute and a half
    shown = [report(case, clocked_service.clock(), kind="shown", ms=61_000)]
    assert api.call("POST", "/sync", json={"exposure_events": shown}).status_code == 200
    status = api.call("GET", "/me/exposure").json()
    assert set(status["detail"]["blocked_categories"]) == graphic
    lease = api.lease(30).json()
    assert lease["cases"]
    assert not {c["harm_category"] for c in lease["cases"]} & graphic


def test_when_every_category_is_past_the_limit_leasing_is_shift_limit(
    clocked_service: ClockedService,
) -> None:
    every = ["graphic_violence", "child_safety", "self_harm", "animal_welfare",
             "sexual_content", "hate_harassment", "violent_extremism", "scams_fraud",
             "intellectual_property", "other"]
    _set_policy(clocked_service, breaks={"work_interval_minutes": 480,
                                         "graphic_daily_limit_minutes": 1,
                                         "graphic_categories": every})
    api = _login(clocked_service, clocked_service.accounts.specialist)
    case = held_case(api, clocked_service, category="scams_fraud", severity=1)
    clocked_service.clock.advance(seconds=90)
    shown = [report(case, clocked_service.clock(), kind="shown", ms=61_000)]
    assert api.call("POST", "/sync", json={"exposure_events": shown}).status_code == 200
    refused = api.lease(5)
    assert refused.status_code == 423
    assert refused.json()["code"] == "shift_limit"
    assert int(refused.headers["Retry-After"]) >= 1
