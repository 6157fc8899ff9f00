"""A lead's one-off overrides for one reviewer, over HTTP against the real service on a
clock the test moves: each kind takes effect on the service itself (leases, cases, media),
expires by itself at the service's time, can be revoked, is audited with its reason, and
is only for the team's lead or an admin. None of them touches the team policy's ETag."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from argon2 import PasswordHasher

from reviewer_app.contract import MemberOverride, TeamDashboard
from reviewer_app.service.accounts import add_user
from tests.integration.service.api import Api
from tests.integration.service.conftest import ClockedService
from tests.integration.service.test_exposure import _login, _set_policy, held_case, report

_HASHER = PasswordHasher(time_cost=1, memory_cost=1024)
_QUIET = {"work_interval_minutes": 480, "micro_break_seconds": 0}
GRAPHIC = {"graphic_violence", "child_safety", "self_harm", "animal_welfare",
           "violent_extremism"}
WEEK_CAP = {"categories": ["graphic_violence"], "window": "week", "measure": "revealed",
            "limit": 2}
WEEK_CAP_KEY = "graphic_violence:sev0+:week:revealed"


def _reviewer(live: ClockedService, name: str = "rev", team: str | None = None) -> Api:
    add_user(live.db_url, name, f"{name}-password", "specialist", team or live.accounts.team,
             migrate=False, hasher=_HASHER)
    return _login(live, (name, f"{name}-password"))


def _grant(lead: Api, team: str, who: str, **body: Any) -> MemberOverride:
    reply = lead.call("POST", f"/teams/{team}/members/{who}/overrides", json=body)
    assert reply.status_code == 201, reply.text
    return MemberOverride.model_validate(reply.json())


def _active(lead: Api, team: str) -> list[dict[str, Any]]:
    reply = lead.call("GET", f"/teams/{team}/overrides")
    assert reply.status_code == 200, reply.text
    return list(reply.json())


def _audit(live: ClockedService, action: str) -> list[dict[str, Any]]:
    admin = _login(live, live.accounts.admin)
    return list(admin.call("GET", f"/audit?action={action}&limit=1000").json()["events"])


def _at_wednesday_noon(live: ClockedService) -> None:
    """Service time on a Wednesday at noon UTC, before anyone signs in: the next service day
    is in the same service week."""
    today = live.clock.at.date()
    live.clock.at = datetime.combine(today + timedelta(days=(2 - today.weekday()) % 7),
                                     time(12), UTC)


def _next_day(live: ClockedService) -> None:
    tomorrow = live.clock.at.date() + timedelta(days=1)
    live.clock.at = datetime.combine(tomorrow, time(0, 5), UTC)


def _categories(api: Api, count: int = 30) -> set[str]:
    lease = api.lease(count)
    assert lease.status_code == 201, lease.text
    return {c["harm_category"] for c in lease.json()["cases"]}


def test_an_added_break_is_enforced_now_and_ends_by_itself(
    clocked_service: ClockedService,
) -> None:
    live = clocked_service
    team = live.accounts.team
    _set_policy(live, breaks=_QUIET)
    api = _reviewer(live)
    lead = _login(live, live.accounts.lead)
    etag = lead.call("GET", f"/teams/{team}/policy").headers["ETag"]
    granted = _grant(lead, team, "rev", kind="add_break", minutes=5,
                     reason="a hard case just now; take five")
    assert granted.expires_at == live.clock() + timedelta(minutes=5)
    assert (granted.granted_by, granted.username, granted.minutes) == ("lead", "rev", 5)
    refused = api.lease(1)
    assert refused.status_code == 423
    assert refused.json()["code"] == "on_break"
    assert 1 <= int(refused.headers["Retry-After"]) <= 300
    state = api.call("GET", "/me/exposure").json()["break_state"]  # what the client imposes
    assert state["state"] == "scheduled_break"
    assert datetime.fromisoformat(state["until"]) == granted.expires_at
    assert [o["id"] for o in _active(lead, team)] == [granted.id]
    assert lead.call("GET", f"/teams/{team}/policy").headers["ETag"] == etag

    live.clock.advance(minutes=6)
    assert api.lease(1).status_code == 201
    assert _active(lead, team) == []
    (event,) = _audit(live, "member_override")
    assert (event["actor"], event["subject_id"]) == ("lead", "rev")
    assert event["detail"]["kind"] == "add_break"
    assert event["detail"]["reason"] == "a hard case just now; take five"


def test_ending_the_graphic_shift_refuses_graphic_work_until_the_day_ends(
    clocked_service: ClockedService,
) -> None:
    live = clocked_service
    team = live.accounts.team
    _at_wednesday_noon(live)
    _set_policy(live, breaks=_QUIET)
    api = _reviewer(live)
    case = held_case(api, live, "graphic_violence", 2)
    lead = _login(live, live.accounts.lead)
    granted = _grant(lead, team, "rev", kind="end_graphic_shift",
                     reason="third severe escalation today; graphic work ends here")
    assert granted.expires_at == datetime.combine(live.clock.at.date() + timedelta(days=1),
                                                  time(0), UTC)
    for path in (f"/cases/{case['id']}", f"/media/{case['media'][0]['id']}"):
        refused = api.call("GET", path)
        assert refused.status_code == 423, path
        assert refused.json()["code"] == "shift_limit"
    assert api.call("GET", "/me/exposure").json()["graphic_shift_over"] is True
    leased = _categories(api)
    assert leased
    assert not leased & GRAPHIC  # non-graphic work goes on

    _next_day(live)
    assert _active(lead, team) == []
    assert api.call("GET", "/me/exposure").json()["graphic_shift_over"] is False
    assert _categories(api) & GRAPHIC


def test_a_lifted_cap_is_leasable_again_for_the_day_only(clocked_service: ClockedService) -> None:
    live = clocked_service
    team = live.accounts.team
    _at_wednesday_noon(live)
    _set_policy(live, caps=[WEEK_CAP], breaks=_QUIET)
    api = _reviewer(live)
    case = held_case(api, live, "graphic_violence", 2)
    live.clock.advance(seconds=30)
    reveals = [report(case, live.clock() - timedelta(seconds=s)) for s in (2, 1)]
    assert api.call("POST", "/sync", json={"exposure_events": reveals}).status_code == 200
    assert api.call("GET", f"/cases/{case['id']}").json()["code"] == "cap_reached"
    assert "graphic_violence" not in _categories(api)

    lead = _login(live, live.accounts.lead)
    etag = lead.call("GET", f"/teams/{team}/policy").headers["ETag"]
    granted = _grant(lead, team, "rev", kind="lift_cap", cap=WEEK_CAP_KEY, limit=10,
                     reason="backlog of partner escalations; agreed with rev")
    assert lead.call("GET", f"/teams/{team}/policy").headers["ETag"] == etag
    assert api.call("GET", f"/cases/{case['id']}").status_code == 200
    lifted = held_case(api, live, "graphic_violence", 2)  # a new one is leased and read
    mine = api.call("GET", "/me/policy").json()  # the client's gate lifts it too
    assert [(o["cap"], o["limit"], o["reviewer"]) for o in mine["overrides"]] == [
        (WEEK_CAP_KEY, 10, "rev")]
    board = TeamDashboard.model_validate(
        lead.call("GET", f"/teams/{team}/dashboard").json())
    person = next(p for p in board.people if p.username == "rev")
    use = next(c for c in person.caps if c.key == WEEK_CAP_KEY)
    assert (use.used, use.limit, use.overridden) == (2, 10, True)
    assert [o.id for o in person.overrides] == [granted.id]

    _next_day(live)  # same service week, so the cap is still reached; the lift is over
    assert api.call("GET", f"/cases/{lifted['id']}").json()["code"] == "cap_reached"
    assert api.call("GET", "/me/policy").json()["overrides"] == []
    assert "graphic_violence" not in _categories(api)


def test_lifting_the_daily_graphic_limit_opens_graphic_work_again(
    clocked_service: ClockedService,
) -> None:
    live = clocked_service
    team = live.accounts.team
    _at_wednesday_noon(live)
    _set_policy(live, breaks={**_QUIET, "graphic_daily_limit_minutes": 1})
    api = _reviewer(live)
    case = held_case(api, live, "self_harm", 1)
    live.clock.advance(seconds=90)
    shown = [report(case, live.clock(), kind="shown", ms=61_000)]
    assert api.call("POST", "/sync", json={"exposure_events": shown}).status_code == 200
    assert api.call("GET", "/me/exposure").json()["graphic_shift_over"] is True
    assert not _categories(api) & GRAPHIC
    lead = _login(live, live.accounts.lead)
    _grant(lead, team, "rev", kind="lift_cap", cap="graphic_daily_limit", limit=2 * 3600,
           reason="the team is short today; agreed with rev")  # seconds, as in CapUse
    assert api.call("GET", "/me/exposure").json()["graphic_shift_over"] is False
    assert api.call("GET", f"/cases/{case['id']}").status_code == 200
    assert _categories(api) & GRAPHIC
    minutes = api.call("GET", "/me/policy").json()["overrides"][0]["limit"]
    assert minutes == 120  # the engine keeps the daily limit in minutes


def test_a_revoked_override_is_over_and_audited(clocked_service: ClockedService) -> None:
    live = clocked_service
    team = live.accounts.team
    _at_wednesday_noon(live)
    _set_policy(live, breaks=_QUIET)
    api = _reviewer(live)
    lead = _login(live, live.accounts.lead)
    granted = _grant(lead, team, "rev", kind="end_graphic_shift", reason="a rough morning")
    assert not _categories(api) & GRAPHIC
    assert lead.call("DELETE", f"/teams/{team}/overrides/{granted.id}").status_code == 204
    assert _categories(api) & GRAPHIC
    again = lead.call("DELETE", f"/teams/{team}/overrides/{granted.id}")
    assert again.status_code == 409
    assert "revoked already by lead" in again.json()["detail"]
    (event,) = _audit(live, "member_override_revoked")
    assert (event["actor"], event["subject_id"], event["detail"]["id"]) == (
        "lead", "rev", granted.id)

    brk = _grant(lead, team, "rev", kind="add_break", minutes=30, reason="take a walk")
    assert api.lease(1).status_code == 423
    assert lead.call("DELETE", f"/teams/{team}/overrides/{brk.id}").status_code == 204
    assert api.lease(1).status_code == 201


def test_an_override_needs_a_reason_a_reviewer_of_the_team_and_the_right_role(
    clocked_service: ClockedService,
) -> None:
    live = clocked_service
    team = live.accounts.team
    api = _reviewer(live)
    _reviewer(live, "outsider", team="graphic")
    lead = _login(live, live.accounts.lead)
    path = f"/teams/{team}/members/rev/overrides"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"kind": "add_break", "minutes": 10, "reason": "ok"}, "reason"),
        ({"kind": "add_break", "minutes": 10}, "reason"),
        ({"kind": "add_break", "reason": "needs a rest"}, "minutes"),
        ({"kind": "lift_cap", "cap": "no-such-cap", "limit": 5, "reason": "more please"},
         "unknown cap 'no-such-cap'"),
        ({"kind": "lift_cap", "cap": "*:sev3+:hour:revealed", "limit": 3,
          "reason": "fewer please"}, "not above the limit in force"),
        ({"kind": "end_graphic_shift", "minutes": 5, "reason": "done for today"}, "minutes"),
    ]
    for body, why in cases:
        reply = lead.call("POST", path, json=body)
        assert reply.status_code == 422, (body, reply.text)
        assert why in reply.text, (body, reply.text)
    unknown = lead.call("POST", path, json={"kind": "lift_cap", "cap": "x", "limit": 5,
                                            "reason": "more please"})
    assert "*:sev3+:hour:revealed" in unknown.json()["detail"]  # it lists the caps there are
    stranger = lead.call("POST", f"/teams/{team}/members/outsider/overrides",
                         json={"kind": "add_break", "minutes": 5, "reason": "looks tired"})
    assert stranger.status_code == 404
    assert lead.call("DELETE", f"/teams/{team}/overrides/999").status_code == 404

    body = {"kind": "add_break", "minutes": 5, "reason": "I would like a break"}
    for who in (api, _login(live, live.accounts.specialist)):
        assert who.call("POST", path, json=body).status_code == 403
        assert who.call("GET", f"/teams/{team}/overrides").status_code == 403
        assert who.call("DELETE", f"/teams/{team}/overrides/1").status_code == 403
    other_lead_team = "graphic"
    add_user(live.db_url, "graphic-lead", "graphic-lead-pw", "wellness_lead", other_lead_team,
             migrate=False, hasher=_HASHER)
    other_lead = _login(live, ("graphic-lead", "graphic-lead-pw"))
    assert other_lead.call("POST", path, json=body).status_code == 403
    assert _audit(live, "member_override") == []
    assert api.lease(1).status_code == 201  # nothing was granted
