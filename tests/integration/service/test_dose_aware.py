"""Dose-aware assignment on the real service over HTTP: four reviewers with unequal severe
exposure today (made real: each leased a severe case and reported reveals of it), a seeded
queue of severe and non-severe cases in one priority band. With the team option on, the
severe cases go to the least exposed; with it off, the order of the queue decides. A severe
case near its SLA, or of a higher priority band, is never held back."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher

from reviewer_app.domain import HarmCategory, Severity
from reviewer_app.service.accounts import add_user
from reviewer_app.service.seed import add_case, demo_case
from tests.integration.service.api import Api
from tests.integration.service.conftest import ClockedService
from tests.integration.service.test_exposure import _login, _set_policy, held_case, report

SEVERE_REVEALS = {"rev-a": 0, "rev-b": 2, "rev-c": 4, "rev-d": 6}
"""Severe reveals today before the queue is seeded; the team's median is 3."""
_HASHER = PasswordHasher(time_cost=1, memory_cost=1024)
_QUIET = {"work_interval_minutes": 480, "micro_break_seconds": 0}
_DOSE_AWARE = {"dose_aware": True, "severe_from_severity": 3}


def _queued(db_url: str, severity: int, sla_in: timedelta, *, priority: int = 100,
            category: HarmCategory = HarmCategory.GRAPHIC_VIOLENCE) -> str:
    """A synthetic case at the head of the queue (demo cases have priority 90 at most), due
    `sla_in` from now."""
    now = datetime.now(UTC)
    base = demo_case(0, random.Random(1), now, media_px=(64, 48))
    return add_case(db_url, dataclasses.replace(
        base, harm_category=category, severity=Severity(severity), priority=priority,
        received_at=now - timedelta(hours=1), sla_due_at=now + sla_in))


def _exposed_reviewers(live: ClockedService) -> dict[str, Api]:
    """The four reviewers, each with a lease today and their severe reveals counted."""
    apis = {}
    for name, reveals in SEVERE_REVEALS.items():
        add_user(live.db_url, name, f"{name}-password", "specialist", live.accounts.team,
                 migrate=False, hasher=_HASHER)
        api = apis[name] = _login(live, (name, f"{name}-password"))
        case = held_case(api, live, severity=3)
        events = [report(case, live.clock() - timedelta(seconds=reveals - i))
                  for i in range(reveals)]
        if events:
            reply = api.call("POST", "/sync", json={"exposure_events": events})
            assert [r["status"] for r in reply.json()["results"]] == ["applied"] * reveals
    return apis


def _lease_one_each(apis: dict[str, Api], order: list[str]) -> dict[str, str]:
    taken = {}
    for name in order:
        lease = apis[name].lease(1)
        assert lease.status_code == 201, lease.text
        (case,) = lease.json()["cases"]
        taken[case["id"]] = name
    return taken


def _queue_of_one_band(db_url: str) -> tuple[set[str], set[str]]:
    """Two severe and two non-severe cases of priority 100, due in turn (a non-severe case
    first): in queue order, whoever leases second gets a severe case."""
    n1 = _queued(db_url, 1, timedelta(hours=10))
    s1 = _queued(db_url, 3, timedelta(hours=11))
    n2 = _queued(db_url, 1, timedelta(hours=12))
    s2 = _queued(db_url, 4, timedelta(hours=13))
    return {s1, s2}, {n1, n2}


def test_with_the_option_on_severe_cases_go_to_the_least_exposed(
    clocked_service: ClockedService,
) -> None:
    _set_policy(clocked_service, breaks=_QUIET, assignment=_DOSE_AWARE)
    apis = _exposed_reviewers(clocked_service)
    severe, _plain = _queue_of_one_band(clocked_service.db_url)
    taken = _lease_one_each(apis, ["rev-d", "rev-c", "rev-b", "rev-a"])  # most exposed first
    assert {taken[c] for c in severe} == {"rev-a", "rev-b"}
    admin = _login(clocked_service, clocked_service.accounts.admin)
    leases = admin.call("GET", "/audit?action=lease&limit=1000").json()["events"]
    last = {e["actor"]: e["detail"] for e in leases}
    assert last["rev-d"]["severe_order"] == "last"
    assert last["rev-d"]["severe_dose"] == 6
    assert last["rev-d"]["team_median_dose"] == 3
    assert last["rev-a"]["severe_order"] == "first"


def test_with_the_option_off_the_queue_order_decides(clocked_service: ClockedService) -> None:
    _set_policy(clocked_service, breaks=_QUIET)
    apis = _exposed_reviewers(clocked_service)
    severe, _plain = _queue_of_one_band(clocked_service.db_url)
    taken = _lease_one_each(apis, ["rev-d", "rev-c", "rev-b", "rev-a"])
    assert {taken[c] for c in severe} == {"rev-c", "rev-a"}  # second and fourth in line


def test_a_severe_case_near_its_sla_or_of_a_higher_band_is_not_held_back(
    clocked_service: ClockedService,
) -> None:
    _set_policy(clocked_service, breaks=_QUIET, assignment=_DOSE_AWARE)
    apis = _exposed_reviewers(clocked_service)
    db = clocked_service.db_url
    higher_band = _queued(db, 4, timedelta(hours=20), priority=100)
    overdue = _queued(db, 3, timedelta(minutes=-10), priority=95)
    due_soon = _queued(db, 4, timedelta(minutes=30), priority=95)
    later_severe = _queued(db, 3, timedelta(hours=3), priority=95)
    plain = _queued(db, 1, timedelta(hours=5), priority=95)
    most_exposed = apis["rev-d"]
    first = most_exposed.lease(3)
    assert first.status_code == 201, first.text
    assert [c["id"] for c in first.json()["cases"]] == [higher_band, overdue, due_soon]
    then = most_exposed.lease(1).json()["cases"]
    assert [c["id"] for c in then] == [plain]  # the severe case due in 3 h waits for others
    assert [c["id"] for c in apis["rev-a"].lease(1).json()["cases"]] == [later_severe]
