"""The service is the authority: a lying client over plain HTTP, with a valid token, changes
nothing the service can check. Each test plays one lie against the real service and reads the
service's own counters (or its answers) to prove it was refused or counted as the truth."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from reviewer_app.contract import ExposureStatus
from reviewer_app.domain import HarmCategory, Severity
from tests.helpers.cases import add_urgent_case
from tests.integration.service.api import Api
from tests.integration.service.conftest import ClockedService
from tests.integration.service.test_exposure import _login, _set_policy, held_case, report

NO_MICRO = {"work_interval_minutes": 480, "micro_break_seconds": 0}
SHORT_SHIFTS = {"work_interval_minutes": 30, "break_minutes": 10, "micro_break_seconds": 0}


def status_of(api: Api) -> ExposureStatus:
    reply = api.call("GET", "/me/exposure")
    assert reply.status_code == 200, reply.text
    return ExposureStatus.model_validate(reply.json())


def counted(api: Api, *, window: str = "hour", category: str | None = None,
            severity: int | None = None, field: str = "revealed") -> int:
    return sum(getattr(c, field) for c in status_of(api).counters
               if c.window == window and (category is None or c.harm_category == category)
               and (severity is None or c.severity == severity))


def sync(api: Api, **lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    reply = api.call("POST", "/sync", json=lists)
    assert reply.status_code == 200, reply.text
    return list(reply.json()["results"])


def specialist(live: ClockedService) -> Api:
    return _login(live, live.accounts.specialist)


def test_a_wrong_category_or_severity_is_counted_as_the_case_says(
        clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, breaks=NO_MICRO)
    api = specialist(clocked_service)
    case = held_case(api, clocked_service, category="child_safety", severity=4)
    clocked_service.clock.advance(seconds=5)
    lie = report(case, clocked_service.clock(), harm_category="other", severity=0)
    assert [r["status"] for r in sync(api, exposure_events=[lie])] == ["applied"]
    assert counted(api, category="child_safety", severity=4) == 1
    assert counted(api, category="other") == 0
    admin = _login(clocked_service, clocked_service.accounts.admin)
    [audited] = admin.call("GET", "/audit?action=reveal").json()["events"]
    assert audited["detail"]["harm_category"] == "child_safety"
    assert audited["detail"]["reported"] == {"harm_category": "other", "severity": 0}


def test_reports_for_a_case_never_leased_are_kept_as_not_counted(
        clocked_service: ClockedService) -> None:
    api = specialist(clocked_service)
    mine = held_case(api, clocked_service)
    elsewhere = add_urgent_case(clocked_service.db_url, priority=1)  # never leased to anyone
    admin = _login(clocked_service, clocked_service.accounts.admin)
    other = admin.call("GET", f"/cases/{elsewhere}").json()
    now = clocked_service.clock()
    never_held = report(other, now)
    foreign_media = {**report(mine, now), "media_id": other["media"][0]["id"]}
    results = sync(api, exposure_events=[never_held, foreign_media])
    assert [r["status"] for r in results] == ["invalid", "invalid"]
    assert [r["problem"]["code"] for r in results] == ["not_counted", "not_counted"]
    assert "never held" in results[0]["problem"]["detail"]
    assert "not part of that case" in results[1]["problem"]["detail"]
    assert counted(api, window="week") == 0
    again = sync(api, exposure_events=[never_held])  # kept, not dropped: a retry is a duplicate
    assert again[0]["status"] == "duplicate"
    refused = admin.call("GET", "/audit?action=exposure_not_counted").json()["events"]
    assert {e["detail"]["client_id"] for e in refused} == {never_held["client_id"],
                                                           foreign_media["client_id"]}


def test_a_report_dated_hours_or_days_back_counts_inside_the_lease(
        clocked_service: ClockedService) -> None:
    """A moved client clock cannot take a reveal out of the hour, day or week."""
    _set_policy(clocked_service, breaks=NO_MICRO, caps=[
        {"min_severity": 0, "window": "hour", "measure": "revealed", "limit": 2}])
    api = specialist(clocked_service)
    case = held_case(api, clocked_service)
    clocked_service.clock.advance(minutes=5)
    now = clocked_service.clock()
    back = [report(case, now - timedelta(hours=3)), report(case, now - timedelta(days=8))]
    assert [r["status"] for r in sync(api, exposure_events=back)] == ["applied", "applied"]
    assert counted(api, window="hour") == 2
    refused = api.lease(1)
    assert refused.status_code == 423
    assert refused.json()["code"] == "cap_reached"


def test_a_report_dated_in_the_future_counts_when_it_arrived(
        clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, breaks=NO_MICRO, caps=[
        {"min_severity": 0, "window": "hour", "measure": "revealed", "limit": 1}])
    api = specialist(clocked_service)
    case = held_case(api, clocked_service)
    ahead = report(case, clocked_service.clock() + timedelta(hours=2))
    assert sync(api, exposure_events=[ahead])[0]["status"] == "applied"
    assert api.lease(1).status_code == 423
    clocked_service.clock.advance(minutes=61)  # counted at arrival, so it has left the hour
    assert api.lease(1).status_code == 201


def test_a_reveal_lasts_no_longer_than_the_lease_held_the_case(
        clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, breaks=NO_MICRO)
    api = specialist(clocked_service)
    case = held_case(api, clocked_service)
    clocked_service.clock.advance(seconds=30)
    ten_hours = report(case, clocked_service.clock(), ms=10 * 3600 * 1000)
    assert sync(api, exposure_events=[ten_hours])[0]["status"] == "applied"
    assert counted(api, field="revealed_ms") == 30_000


def test_a_break_claimed_while_working_is_not_counted(clocked_service: ClockedService) -> None:
    """Ten minutes 'on a break' during which the reviewer fetched media and decided: the
    work interval is not reset, and the scheduled break comes when it was due."""
    _set_policy(clocked_service, breaks=SHORT_SHIFTS)
    api = specialist(clocked_service)
    start = clocked_service.clock()
    case = held_case(api, clocked_service)
    other = api.lease(1).json()
    clocked_service.clock.advance(minutes=5)
    assert api.call("GET", f"/media/{case['media'][0]['id']}").status_code == 200
    clocked_service.clock.advance(minutes=1)
    assert api.decide(other["cases"][0]["id"], other["lease_id"]).status_code == 201
    clocked_service.clock.advance(minutes=6)
    claim = {"client_id": str(uuid.uuid4()), "kind": "scheduled",
             "started_at": (start + timedelta(minutes=1)).isoformat(),
             "ended_at": (start + timedelta(minutes=11)).isoformat()}
    [result] = sync(api, break_events=[claim])
    assert result["status"] == "invalid"
    assert result["problem"]["code"] == "not_counted"
    assert "during it" in result["problem"]["detail"]
    assert status_of(api).break_state.work_seconds >= 11 * 60
    clocked_service.clock.advance(minutes=19)  # 31 minutes of holding cases
    refused = api.lease(1)
    assert refused.status_code == 423
    assert refused.json()["code"] == "on_break"


def test_a_real_break_resets_the_work_interval(clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, breaks=SHORT_SHIFTS)
    api = specialist(clocked_service)
    start = clocked_service.clock()
    held_case(api, clocked_service)
    clocked_service.clock.advance(minutes=20)
    rest = {"client_id": str(uuid.uuid4()), "kind": "self_initiated",
            "started_at": (start + timedelta(minutes=8)).isoformat(),
            "ended_at": (start + timedelta(minutes=19)).isoformat()}
    assert sync(api, break_events=[rest])[0]["status"] == "applied"
    clocked_service.clock.advance(minutes=25)  # 26 min of work since the break: not yet due
    assert api.lease(1).status_code == 201


def _decision(api: Api, case_id: str, lease_id: str, at: datetime) -> dict[str, Any]:
    return api.decision_body(case_id, lease_id, decided_at=at.isoformat())


def test_during_an_enforced_break_every_content_call_is_refused(
        clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, breaks=SHORT_SHIFTS)
    api = specialist(clocked_service)
    case = held_case(api, clocked_service)
    lease = api.lease(3).json()
    lease_id, [first, second, third, *_] = lease["lease_id"], [c["id"] for c in lease["cases"]]
    start = clocked_service.clock()
    clocked_service.clock.advance(minutes=31)  # the scheduled break began at minute 30
    before = start + timedelta(minutes=29)
    during = clocked_service.clock()
    media = case["media"][0]["id"]
    for method, path in (("POST", f"/leases/{lease_id}/renew"), ("GET", f"/cases/{case['id']}"),
                         ("GET", f"/media/{media}"), ("POST", "/leases")):
        refused = api.call(method, path, json={"max_cases": 1} if path == "/leases" else None)
        assert refused.status_code == 423, (path, refused.text)
        assert refused.json()["code"] == "on_break"
        assert 1 <= int(refused.headers["Retry-After"]) <= 9 * 60
    made_during = _decision(api, first, lease_id, during)
    refused = api.call("POST", f"/cases/{first}/decisions", json=made_during,
                       headers={"Idempotency-Key": made_during["client_id"]})
    assert refused.status_code == 423
    assert int(refused.headers["Retry-After"]) >= 1
    made_before = _decision(api, second, lease_id, before)
    assert api.call("POST", f"/cases/{second}/decisions", json=made_before,
                    headers={"Idempotency-Key": made_before["client_id"]}).status_code == 201
    note = {"client_id": str(uuid.uuid4()), "case_id": third, "body": "written during",
            "written_at": during.isoformat()}
    synced = sync(api, decisions=[made_during], notes=[note])
    assert [r["status"] for r in synced] == ["deferred", "deferred"]
    assert synced[0]["problem"]["retry_after_s"] >= 1
    clocked_service.clock.advance(minutes=10)  # the break is over: the held-back work lands
    assert [r["status"] for r in sync(api, decisions=[made_during], notes=[note])] == [
        "applied", "applied"]


def test_a_severe_reveal_starts_a_micro_break_on_the_service_too(
        clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, breaks={"work_interval_minutes": 480, "micro_break_seconds": 60,
                                         "micro_break_from_severity": 4})
    api = specialist(clocked_service)
    case = held_case(api, clocked_service, severity=4)
    revealed_at = clocked_service.clock()
    assert sync(api, exposure_events=[report(case, revealed_at)])[0]["status"] == "applied"
    state = status_of(api).break_state
    assert state.state == "micro_break"
    assert state.until == revealed_at + timedelta(seconds=60)
    assert api.lease(1).status_code == 423
    assert api.call("GET", f"/media/{case['media'][0]['id']}").status_code == 423
    clocked_service.clock.advance(seconds=61)
    assert api.lease(1).status_code == 201


def test_serving_media_counts_it_as_shown_once(clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, breaks=NO_MICRO)
    api = specialist(clocked_service)
    case = held_case(api, clocked_service)
    media = case["media"][0]["id"]
    assert counted(api, field="shown") == 0
    assert api.call("GET", f"/media/{media}").status_code == 200
    ranged = api.call("GET", f"/media/{media}", headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206
    assert counted(api, field="shown") == 1
    own = report(case, clocked_service.clock(), kind="shown", ms=0)
    assert sync(api, exposure_events=[own])[0]["status"] == "applied"
    assert counted(api, field="shown") == 1  # the same showing, counted once
    ledger = status_of(api).ledger
    assert ledger is not None
    seen = {i for minute in ledger["minutes"] for i in minute["ids"]}
    assert uuid.UUID(own["client_id"]).hex in seen  # a client rebuilding from it skips it


def test_at_a_cap_capped_cases_go_back_and_later_work_on_them_waits(
        clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, breaks=NO_MICRO, caps=[{
        "categories": ["graphic_violence"], "min_severity": 0, "window": "hour",
        "measure": "revealed", "limit": 1, "action": "stop_category"}])
    api = specialist(clocked_service)
    violent = add_urgent_case(clocked_service.db_url, HarmCategory.GRAPHIC_VIOLENCE,
                              Severity.HIGH, priority=100)
    scam = add_urgent_case(clocked_service.db_url, HarmCategory.SCAMS_FRAUD, Severity.LOW,
                           priority=99)
    lease = api.lease(2).json()
    assert [c["id"] for c in lease["cases"]] == [violent, scam]
    case = api.call("GET", f"/cases/{violent}").json()
    assert sync(api, exposure_events=[report(case, clocked_service.clock())])[0][
        "status"] == "applied"
    refused = api.call("GET", f"/cases/{violent}")
    assert refused.status_code == 423
    assert refused.json()["code"] == "cap_reached"
    late = _decision(api, violent, lease["lease_id"], clocked_service.clock())
    assert sync(api, decisions=[late])[0]["status"] == "deferred"
    renewed = api.call("POST", f"/leases/{lease['lease_id']}/renew")
    assert renewed.status_code == 200, renewed.text
    assert [c["id"] for c in renewed.json()["cases"]] == [scam]
    admin = _login(clocked_service, clocked_service.accounts.admin)
    assert admin.call("GET", f"/cases/{violent}").json()["status"] == "queued"
    more = api.lease(10).json()["cases"]
    assert violent not in [c["id"] for c in more]
