"""The gate: never a case of a capped category; the same state gives the same verdict."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer_app.domain import ExposureKind, HarmCategory, ProblemCode, Severity
from safeguards.breaks import BreakScheduler, ReviewerState
from safeguards.clock import ManualClock
from safeguards.display import PersonalSettings
from safeguards.exposure import ExposureLedger
from safeguards.gate import Verdict, gate, refusal
from safeguards.policy import BreakRules, Cap, ExposurePolicy, Measure, Window
from tests.unit.safeguards.factories import exposure, rescan

CATS = [HarmCategory.GRAPHIC_VIOLENCE, HarmCategory.CHILD_SAFETY, HarmCategory.SCAMS_FRAUD]
QUIET = BreakRules(work_interval_minutes=480, break_minutes=10, micro_break_seconds=0,
                   graphic_daily_limit_minutes=None)


def _setup(policy: ExposurePolicy) -> tuple[ManualClock, ExposureLedger, BreakScheduler]:
    clock = ManualClock()
    return clock, ExposureLedger(policy.service_day_utc_offset_minutes), \
        BreakScheduler(policy.breaks, clock)


def _comparable(v: Verdict) -> tuple[object, ...]:
    return (v.allowed, v.state, v.reason, v.until, v.retry_after_seconds, v.display,
            v.blocked_categories, v.warnings, v.reached, v.interstitial)


def test_a_fresh_reviewer_may_start_with_the_team_display() -> None:
    policy = ExposurePolicy(name="team")
    clock, ledger, scheduler = _setup(policy)
    verdict = gate(policy, ledger, scheduler, next_case=(HarmCategory.OTHER, Severity.LOW))
    assert verdict.allowed
    assert verdict.state is ReviewerState.REVIEWING
    assert verdict.display == policy.display
    assert (verdict.blocked_categories, verdict.warnings, verdict.reason) == (frozenset(), (), None)
    assert not verdict.interstitial
    assert gate(policy, ledger, scheduler,
                next_case=(HarmCategory.OTHER, Severity.HIGH)).interstitial
    assert refusal(verdict) is None


def test_a_cap_over_every_category_stops_all_work_and_says_until_when() -> None:
    policy = ExposurePolicy(name="t", breaks=QUIET, caps=(
        Cap(window=Window.HOUR, measure=Measure.REVEALED, limit=2),))
    clock, ledger, scheduler = _setup(policy)
    ledger.record(exposure(clock.now()))
    clock.advance(600)
    ledger.record(exposure(clock.now()))
    verdict = gate(policy, ledger, scheduler)
    assert not verdict.allowed
    assert verdict.reason is ProblemCode.CAP_REACHED
    assert verdict.until == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert verdict.retry_after_seconds == 50 * 60
    assert refusal(verdict) == (423, "cap_reached", 3000, refusal(verdict).detail)  # type: ignore[union-attr]


def test_a_warning_comes_at_eighty_percent_of_a_cap() -> None:
    cap = Cap(categories=(HarmCategory.SELF_HARM,), window=Window.DAY,
              measure=Measure.SECONDS_REVEALED, limit=100)
    policy = ExposurePolicy(name="t", breaks=QUIET, caps=(cap,))
    clock, ledger, scheduler = _setup(policy)
    ledger.record(exposure(clock.now(), category=HarmCategory.SELF_HARM, ms=79_000))
    assert gate(policy, ledger, scheduler).warnings == ()
    ledger.record(exposure(clock.now(), category=HarmCategory.SELF_HARM, ms=1_000))
    (warning,) = gate(policy, ledger, scheduler).warnings
    assert (warning.cap, warning.used, warning.limit, warning.fraction) == (cap.key, 80, 100, 0.8)


def test_a_self_break_refuses_new_cases_but_the_reviewer_may_end_it() -> None:
    policy = ExposurePolicy(name="t")
    clock, ledger, scheduler = _setup(policy)
    scheduler.start_self_break()
    verdict = gate(policy, ledger, scheduler)
    assert (verdict.allowed, verdict.reason, verdict.can_end_break) == \
        (False, ProblemCode.ON_BREAK, True)
    assert verdict.retry_after_seconds == 0
    assert refusal(verdict) is not None
    scheduler.end_break()
    assert gate(policy, ledger, scheduler).allowed


def test_personal_settings_reach_the_verdict_safer_only() -> None:
    policy = ExposurePolicy(name="t")
    clock, ledger, scheduler = _setup(policy)
    verdict = gate(policy, ledger, scheduler,
                   personal=PersonalSettings(blur_strength=10, grayscale=False))
    assert verdict.display.blur_strength == 10
    assert verdict.display.grayscale


def test_a_personal_daily_graphic_limit_is_stricter_than_the_team() -> None:
    policy = ExposurePolicy(name="t")
    clock, ledger, scheduler = _setup(policy)
    ledger.record(exposure(clock.now(), kind=ExposureKind.SHOWN, ms=61 * 60_000))
    case = (HarmCategory.GRAPHIC_VIOLENCE, Severity.HIGH)
    assert gate(policy, ledger, scheduler, next_case=case).allowed
    mine = gate(policy, ledger, scheduler, next_case=case,
                personal=PersonalSettings(graphic_daily_limit_minutes=60))
    assert mine.reason is ProblemCode.SHIFT_LIMIT


def test_client_and_service_reach_the_same_verdict_from_the_same_state() -> None:
    policy = ExposurePolicy.model_validate({"name": "t", "caps": [
        {"categories": ["child_safety"], "window": "day", "measure": "revealed", "limit": 2},
        {"window": "hour", "measure": "seconds_revealed", "limit": 100},
    ]})
    clock, ledger, scheduler = _setup(policy)
    events = []
    for i in range(6):
        events.append(exposure(clock.now(), category=CATS[i % 3], ms=15_000))
        ledger.record(events[-1])
        clock.advance(300)
    client = gate(policy, ledger, scheduler, next_case=(HarmCategory.CHILD_SAFETY, Severity.LOW))
    restored = ExposureLedger.from_state(json.loads(json.dumps(ledger.to_state())))
    rebuilt = ExposureLedger.from_events(reversed(events), now=clock.now())
    again = BreakScheduler.from_state(json.loads(json.dumps(scheduler.to_state())),
                                      policy.breaks, clock)
    for other in (restored, rebuilt):
        service = gate(ExposurePolicy.from_json(policy.to_json()), other, again,
                       next_case=(HarmCategory.CHILD_SAFETY, Severity.LOW))
        assert _comparable(service) == _comparable(client)
    assert client.warnings  # 90 of 100 seconds revealed this hour
    assert not client.allowed


# ---------------------------------------------------------------- property

caps_st = st.builds(
    Cap,
    categories=st.lists(st.sampled_from(CATS), max_size=2, unique=True).map(tuple),
    min_severity=st.sampled_from(list(Severity)),
    window=st.sampled_from(list(Window)),
    measure=st.sampled_from(list(Measure)),
    limit=st.integers(0, 6),
)
events_st = st.lists(st.tuples(
    st.integers(0, 3 * 24 * 60), st.sampled_from(CATS), st.sampled_from(list(Severity)),
    st.sampled_from(list(ExposureKind)), st.integers(0, 4000)), max_size=30)


def _unique_keys(caps: list[Cap]) -> list[Cap]:
    seen: dict[str, Cap] = {}
    for cap in caps:
        seen.setdefault(cap.key, cap)
    return list(seen.values())


@settings(max_examples=200, deadline=None)
@given(
    caps=st.lists(caps_st, min_size=1, max_size=4).map(_unique_keys),
    events=events_st,
    next_case=st.tuples(st.sampled_from(CATS), st.sampled_from(list(Severity))),
    action=st.sampled_from(["stop_category", "force_break", "end_graphic_shift"]),
    personal=st.none() | st.builds(PersonalSettings, blur_strength=st.integers(1, 10),
                                   graphic_daily_limit_minutes=st.floats(1, 120)),
)
def test_the_gate_never_allows_a_case_of_a_capped_category(
    caps: list[Cap], events: list[tuple[int, HarmCategory, Severity, ExposureKind, int]],
    next_case: tuple[HarmCategory, Severity], action: str, personal: PersonalSettings | None,
) -> None:
    policy = ExposurePolicy(name="p", caps=tuple(caps), breaks=BreakRules.model_validate(
        {**QUIET.model_dump(), "action_at_cap": action}))
    clock = ManualClock()
    ledger = ExposureLedger()
    scheduler = BreakScheduler(policy.breaks, clock)
    recorded = []
    for minute, cat, sev, kind, ms in sorted(events):
        clock.set_wall(datetime(2026, 3, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=minute))
        recorded.append(exposure(clock.now(), category=cat, severity=sev, kind=kind, ms=ms))
        ledger.record(recorded[-1])
        verdict = gate(policy, ledger, scheduler, next_case=next_case, personal=personal)
        plain = gate(policy, ledger, scheduler, next_case=next_case)
        assert verdict.blocked_categories >= plain.blocked_categories
        assert plain.allowed or not verdict.allowed
        for cap in caps:
            used = rescan(recorded, clock.now(), cap.window, cap.measure,
                          categories=cap.categories, min_severity=cap.min_severity)
            if used >= cap.limit and cap.covers(next_case[0]):
                assert not verdict.allowed
                assert verdict.blocks(next_case[0])
                assert verdict.reason in {ProblemCode.CAP_REACHED, ProblemCode.ON_BREAK,
                                          ProblemCode.SHIFT_LIMIT}
                assert refusal(verdict) is not None


def test_a_closed_category_reads_as_fully_used_not_infinite() -> None:
    policy = ExposurePolicy(name="t", breaks=QUIET, caps=(
        Cap(categories=(HarmCategory.CHILD_SAFETY,), window=Window.WEEK,
            measure=Measure.SHOWN, limit=0),))
    clock, ledger, scheduler = _setup(policy)
    verdict = gate(policy, ledger, scheduler, next_case=(HarmCategory.CHILD_SAFETY, Severity.LOW))
    assert verdict.reason is ProblemCode.CAP_REACHED
    (reached,) = verdict.reached
    assert reached.fraction == 1.0
    assert verdict.until == datetime(2026, 3, 9, 0, 0, tzinfo=UTC)
    json.dumps(reached.fraction, allow_nan=False)


def test_the_gate_applies_the_policy_breaks_made_stricter_by_personal_wishes() -> None:
    policy = ExposurePolicy(name="t", breaks=BreakRules(work_interval_minutes=50))
    clock, ledger, scheduler = _setup(ExposurePolicy(name="older",
                                                     breaks=BreakRules(work_interval_minutes=90)))
    mine = PersonalSettings(work_interval_minutes=30, break_minutes=15)
    assert gate(policy, ledger, scheduler, personal=mine).allowed
    clock.advance(30 * 60)
    verdict = gate(policy, ledger, scheduler, personal=mine)
    assert verdict.state is ReviewerState.SCHEDULED_BREAK
    assert verdict.retry_after_seconds == 15 * 60
    loose = PersonalSettings(work_interval_minutes=120, break_minutes=2)
    assert gate(policy, ledger, scheduler, personal=loose).retry_after_seconds == 15 * 60
    assert scheduler.rules == policy.breaks
