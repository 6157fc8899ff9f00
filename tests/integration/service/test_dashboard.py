"""The team dashboard over HTTP, against the real service: its figures are the service's own
counters (what each member's `/v1/me/exposure` says, and what was reported), people near a
cap come first, it holds no case content, only the team's lead or an admin may read it, break
compliance follows the service's own breaks, and check-in moods appear only over a completed
calendar week of at least 5 people, with numbers that no later check-in changes."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher

from reviewer_app.contract import ExposureStatus, PersonDashboard, TeamDashboard
from reviewer_app.service.accounts import add_user
from tests.integration.service.api import Api
from tests.integration.service.conftest import ClockedService
from tests.integration.service.test_exposure import _login, _set_policy, held_case, report

_HASHER = PasswordHasher(time_cost=1, memory_cost=1024)
_QUIET = {"work_interval_minutes": 480, "micro_break_seconds": 0}
GV_DAY_CAP = {"categories": ["graphic_violence"], "window": "day", "measure": "revealed",
              "limit": 5}
SEVERE_HOUR_CAP = {"min_severity": 3, "window": "hour", "measure": "revealed", "limit": 30}
SEVERE_WEEK_SECONDS = {"min_severity": 4, "window": "week", "measure": "seconds_revealed",
                       "limit": 600}
CONTENT_KEYS = {"subject_text", "reporter", "statement", "media", "media_id", "case_id",
                "jurisdiction", "history"}


def _member(live: ClockedService, name: str, team: str | None = None,
            role: str = "specialist") -> Api:
    add_user(live.db_url, name, f"{name}-password", role, team or live.accounts.team,
             migrate=False, hasher=_HASHER)
    return _login(live, (name, f"{name}-password"))


def _sync(api: Api, events: list[dict[str, Any]]) -> None:
    reply = api.call("POST", "/sync", json={"exposure_events": events})
    assert reply.status_code == 200, reply.text
    assert {r["status"] for r in reply.json()["results"]} == {"applied"}, reply.text


def _reveal(api: Api, live: ClockedService, category: str, severity: int, count: int,
            ms: int, *, fetch_media: bool = True) -> dict[str, Any]:
    """Lease a case of this kind, fetch its media (the service counts that as shown), and 30 s
    later (a reveal is counted for no longer than the case was held) report `count` reveals
    of `ms` each."""
    case = held_case(api, live, category, severity)
    if fetch_media:
        assert api.call("GET", f"/media/{case['media'][0]['id']}").status_code == 200
    live.clock.advance(seconds=30)
    now = live.clock()
    if count:
        _sync(api, [report(case, now - timedelta(seconds=count - i), ms=ms)
                    for i in range(count)])
    return case


def _dashboard(api: Api, team: str) -> TeamDashboard:
    reply = api.call("GET", f"/teams/{team}/dashboard")
    assert reply.status_code == 200, reply.text
    return TeamDashboard.model_validate(reply.json())


def _counters(api: Api, window: str) -> dict[str, list[float]]:
    """The member's own counters from the service, per category: shown, revealed, seconds
    revealed."""
    status = ExposureStatus.model_validate(api.call("GET", "/me/exposure").json())
    sums: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for c in status.counters:
        if c.window == window:
            sums[c.harm_category][0] += c.shown
            sums[c.harm_category][1] += c.revealed
            sums[c.harm_category][2] += c.revealed_ms / 1000
    return dict(sums)


def _figures(person: PersonDashboard, period: str) -> dict[str, list[float]]:
    return {f.harm_category: [f.shown, f.revealed, f.revealed_seconds]
            for f in getattr(person, period)}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _morning(live: ClockedService) -> None:
    """Service time at 09:00 UTC today (the demo team's day starts at UTC midnight): what a
    test does stays inside one service day and one week, whenever it runs."""
    live.clock.at = datetime.combine(live.clock.at.date(), time(9), UTC)


def test_the_dashboard_says_what_the_service_counted(clocked_service: ClockedService) -> None:
    live = clocked_service
    _morning(live)
    _set_policy(live, caps=[GV_DAY_CAP, SEVERE_HOUR_CAP, SEVERE_WEEK_SECONDS], breaks=_QUIET)
    capped, near, mixed = (_member(live, n) for n in ("capped", "near", "mixed"))
    cases = [_reveal(capped, live, "graphic_violence", 3, 5, 2000),
             _reveal(near, live, "graphic_violence", 2, 4, 1500),
             _reveal(mixed, live, "self_harm", 4, 2, 3000)]
    shown_only = _reveal(mixed, live, "hate_harassment", 1, 0, 0, fetch_media=False)
    _sync(mixed, [report(shown_only, live.clock(), kind="shown", ms=5000)])
    cases.append(shown_only)

    lead = _login(live, live.accounts.lead)
    reply = lead.call("GET", f"/teams/{live.accounts.team}/dashboard")
    board = TeamDashboard.model_validate(reply.json())
    people = {p.username: p for p in board.people}
    assert set(people) == {"demo", "capped", "near", "mixed"}  # reviewers, not the lead
    for name, api in (("capped", capped), ("near", near), ("mixed", mixed)):
        assert _figures(people[name], "today") == _counters(api, "day"), name
        assert _figures(people[name], "week") == _counters(api, "week"), name
    # ... which is what was reported, and what the service saw itself (media it served).
    assert _figures(people["capped"], "today") == {"graphic_violence": [1, 5, 10.0]}
    assert _figures(people["mixed"], "today") == {"self_harm": [1, 2, 6.0],
                                                  "hate_harassment": [1, 0, 0.0]}
    assert people["mixed"].today[0].severe_revealed == 2

    caps = {c.key: c for c in people["capped"].caps}
    gv_day = caps["graphic_violence:sev0+:day:revealed"]
    assert (gv_day.used, gv_day.limit, gv_day.fraction) == (5, 5, 1.0)
    severe_hour = caps["*:sev3+:hour:revealed"]
    own = ExposureStatus.model_validate(capped.call("GET", "/me/exposure").json())
    assert severe_hour.used == sum(c.revealed for c in own.counters
                                   if c.window == "hour" and c.severity >= 3) == 5
    assert {r["cap"] for r in own.detail["reached"]} == {gv_day.key}
    assert people["capped"].cap_hits_today == people["capped"].cap_hits_week == 1
    assert people["near"].cap_hits_today == 0
    graphic = {c.key: c for c in people["near"].caps}["graphic_daily_limit"]
    assert graphic.used == pytest.approx(6.0)  # seconds on screen: revealed 4 x 1.5 s
    assert graphic.limit == 240 * 60

    # Near a cap first: capped (1.0), near (0.8), then the rest by their highest use.
    assert [p.username for p in board.people] == ["capped", "near", "mixed", "demo"]
    assert [p.near_cap for p in board.people] == [True, True, False, False]
    assert board.spread_today.per_person == {"capped": 5, "near": 0, "mixed": 2, "demo": 0}
    assert board.spread_today.top_share == pytest.approx(5 / 7)
    this_week = board.trend[-1]
    assert len(board.trend) == 8
    assert (this_week.revealed, this_week.severe_revealed) == (11, 7)
    assert this_week.revealed_seconds == pytest.approx(22.0)
    assert this_week.cap_hits == 1
    assert this_week.severe_top_share == pytest.approx(5 / 7)
    assert sum(p.revealed for p in board.trend[:-1]) == 0

    # Operational counters only: no content, and not one of the cases it came from.
    assert not _keys(reply.json()) & CONTENT_KEYS
    for case in cases:
        assert case["id"] not in reply.text
        assert case["subject_text"] not in reply.text


def test_only_the_teams_lead_or_an_admin_reads_it(clocked_service: ClockedService) -> None:
    live = clocked_service
    team = live.accounts.team
    specialist = _login(live, live.accounts.specialist)
    refused = specialist.call("GET", f"/teams/{team}/dashboard")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    stranger = _member(live, "other-lead", team="graphic", role="wellness_lead")
    assert stranger.call("GET", f"/teams/{team}/dashboard").status_code == 403
    assert stranger.call("GET", "/teams/graphic/dashboard").status_code == 200
    admin = _login(live, live.accounts.admin)
    assert _dashboard(admin, team).team == team


def test_break_compliance_follows_the_services_own_breaks(
    clocked_service: ClockedService,
) -> None:
    live = clocked_service
    _morning(live)
    _set_policy(live, caps=[], breaks={"work_interval_minutes": 30, "break_minutes": 10,
                                       "micro_break_seconds": 60,
                                       "micro_break_from_severity": 4})
    api = _member(live, "rested")
    lead = _login(live, live.accounts.lead)
    team = live.accounts.team
    _reveal(api, live, "graphic_violence", 4, 1, 2000)  # a severe reveal: a micro-break
    status = api.call("GET", "/me/exposure").json()
    assert status["break_state"]["state"] == "micro_break"
    live.clock.advance(minutes=2)
    assert api.call("GET", "/me/exposure").status_code == 200  # the micro-break ended
    live.clock.advance(minutes=35)  # the work interval ran out: a scheduled break
    assert api.lease(1).status_code == 423
    live.clock.advance(minutes=11)
    assert api.call("GET", "/me/exposure").json()["break_state"]["state"] == "reviewing"
    live.clock.advance(minutes=25)  # and the next one, which the lead ends early
    running = {p.username: p for p in _dashboard(lead, team).people}["rested"]
    assert running.break_state.state == "scheduled_break"
    assert (running.breaks_today.due, running.breaks_today.taken,
            running.breaks_today.overridden) == (3, 2, 0)
    ended = lead.call("POST", f"/teams/{team}/members/rested/break-override",
                      json={"reason": "agreed with rested: deadline"})
    assert ended.status_code == 200, ended.text
    person = {p.username: p for p in _dashboard(lead, team).people}["rested"]
    assert person.break_state.state == "reviewing"
    assert (person.breaks_today.due, person.breaks_today.taken,
            person.breaks_today.overridden) == (3, 2, 1)
    assert person.breaks_week == person.breaks_today


def _monday(at: datetime) -> datetime:
    return datetime.combine((at - timedelta(days=at.weekday())).date(), time(0), UTC)


def _check_in(live: ClockedService, name: str, mood: int) -> None:
    api = _login(live, (name, f"{name}-password"))
    at = live.clock().isoformat()
    brk = {"client_id": str(uuid.uuid4()), "kind": "self_initiated", "started_at": at,
           "ended_at": at, "checkin_mood": mood}
    reply = api.call("POST", "/sync", json={"break_events": [brk]})
    assert reply.json()["results"][0]["status"] == "applied", reply.text


def test_moods_only_over_five_people_and_a_completed_week_that_never_changes(
    clocked_service: ClockedService,
) -> None:
    live = clocked_service
    team = "wellbeing"
    names = [f"well{i}" for i in range(1, 6)]
    for name in [*names, "well-lead"]:
        add_user(live.db_url, name, f"{name}-password",
                 "wellness_lead" if name == "well-lead" else "specialist", team,
                 migrate=False, hasher=_HASHER)
    now = live.clock.at
    this_monday = _monday(now)
    live.clock.at = this_monday - timedelta(days=14) + timedelta(days=2, hours=12)
    for name, mood in zip(names[:4], (1, 2, 3, 4), strict=True):  # four people, two weeks ago
        _check_in(live, name, mood)
    live.clock.at = this_monday - timedelta(days=7) + timedelta(days=2, hours=12)
    for name, mood in zip(names, (2, 3, 3, 4, 5), strict=True):  # five people, last week
        _check_in(live, name, mood)
    live.clock.at = now

    lead = _login(live, ("well-lead", "well-lead-password"))
    first = _dashboard(lead, team)
    weeks = {m.week_start: m for m in first.mood}
    assert len(first.mood) == 4
    assert first.mood_min_people == 5
    two_ago, last = (this_monday - timedelta(days=n) for n in (14, 7))
    assert (weeks[two_ago.date()].people, weeks[two_ago.date()].mean_mood) == (4, None)
    assert (weeks[last.date()].people, weeks[last.date()].mean_mood) == (5, 3.4)
    exposure = lead.call("GET", f"/teams/{team}/exposure").json()
    assert (exposure["checkin_people"], exposure["checkin_mean_mood"]) == (5, 3.4)

    _check_in(live, names[0], 1)  # one more check-in, in the current week
    add_user(live.db_url, names[4], "well5-password", "specialist", "elsewhere",
             migrate=False, hasher=_HASHER, replace_password=True)  # and someone leaves
    again = _dashboard(lead, team)
    assert again.mood == first.mood
    assert lead.call("GET", f"/teams/{team}/exposure").json()["checkin_mean_mood"] == 3.4
