"""The shipped profiles, read as the policy a wellness lead would write, played out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reviewer_app.domain import ExposureKind, HarmCategory, ProblemCode, Severity
from safeguards.breaks import BreakNotOver, BreakScheduler, ReviewerState
from safeguards.clock import ManualClock, ServiceClock
from safeguards.exposure import ExposureLedger
from safeguards.gate import gate, refusal
from safeguards.policy import ExposurePolicy, load_profile
from tests.unit.safeguards.factories import exposure

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
CHILD_SEVERE = (HarmCategory.CHILD_SAFETY, Severity.SEVERE)
SCAM = (HarmCategory.SCAMS_FRAUD, Severity.LOW)
GORE = (HarmCategory.GRAPHIC_VIOLENCE, Severity.SEVERE)


def _desk(profile: str) -> tuple[ExposurePolicy, ManualClock, ExposureLedger, BreakScheduler]:
    policy = load_profile(profile)
    clock = ManualClock(start=MONDAY_9)
    return policy, clock, ExposureLedger(), BreakScheduler(policy.breaks, clock)


def test_child_safety_after_20_severe_reveals_in_a_day_no_more_until_tomorrow() -> None:
    policy, clock, ledger, scheduler = _desk("child_safety")
    reveals = 0
    while reveals < 20:
        verdict = gate(policy, ledger, scheduler, next_case=CHILD_SEVERE)
        if not verdict.allowed:
            assert verdict.reason is ProblemCode.ON_BREAK  # only breaks until the cap
            clock.advance(verdict.retry_after_seconds or 1)
            continue
        if reveals == 16:
            assert "child_safety:sev4+:day:revealed" in {w.cap for w in verdict.warnings}
        event = exposure(clock.now(), category=HarmCategory.CHILD_SAFETY, ms=20_000)
        ledger.record(event)
        scheduler.observe(event)
        reveals += 1
        clock.advance(7 * 60)
    verdict = gate(policy, ledger, scheduler, next_case=CHILD_SEVERE)
    assert not verdict.allowed
    assert verdict.reason is ProblemCode.CAP_REACHED
    assert verdict.until == TUESDAY
    assert refusal(verdict) is not None
    assert gate(policy, ledger, scheduler, next_case=SCAM).allowed  # other queues go on
    scheduler.set_idle(True)  # home for the night
    clock.set_wall(TUESDAY)
    clock.advance_monotonic(3600)
    scheduler.set_idle(False)
    assert gate(policy, ledger, scheduler, next_case=CHILD_SEVERE).allowed


def test_child_safety_ten_high_reveals_in_an_hour_force_a_break_that_cannot_be_skipped() -> None:
    policy, clock, ledger, scheduler = _desk("child_safety")
    for _ in range(10):
        ledger.record(exposure(clock.now(), category=HarmCategory.CHILD_SAFETY,
                               severity=Severity.HIGH, ms=10_000))
        clock.advance(60)
    verdict = gate(policy, ledger, scheduler, next_case=SCAM)
    assert (verdict.allowed, verdict.state, verdict.reason) == \
        (False, ReviewerState.CAP_REACHED, ProblemCode.CAP_REACHED)
    assert verdict.retry_after_seconds == 15 * 60
    assert not verdict.can_end_break
    with pytest.raises(BreakNotOver):
        scheduler.end_break()
    clock.advance(15 * 60 - 1)
    assert not gate(policy, ledger, scheduler, next_case=SCAM).allowed
    clock.advance(1)
    assert gate(policy, ledger, scheduler, next_case=SCAM).allowed
    still = gate(policy, ledger, scheduler, next_case=CHILD_SEVERE)
    assert still.reason is ProblemCode.CAP_REACHED
    assert still.until == MONDAY_9 + timedelta(hours=1)  # when the first reveal leaves the hour
    clock.set_wall(MONDAY_9 + timedelta(hours=1))
    again = gate(policy, ledger, scheduler, next_case=CHILD_SEVERE)
    assert again.allowed
    assert again.state is ReviewerState.REVIEWING


def test_graphic_violence_half_an_hour_unblurred_severe_ends_graphic_work_for_the_day() -> None:
    policy, clock, ledger, scheduler = _desk("graphic_violence")
    for _ in range(6):
        ledger.record(exposure(clock.now(), ms=5 * 60_000))
        clock.advance(20 * 60)
        clock.advance(scheduler.current_break.remaining_seconds if scheduler.on_break else 0)
    verdict = gate(policy, ledger, scheduler, next_case=GORE)
    assert (verdict.allowed, verdict.reason, verdict.until) == \
        (False, ProblemCode.SHIFT_LIMIT, TUESDAY)
    assert verdict.state is ReviewerState.SHIFT_OVER
    assert verdict.blocks(HarmCategory.CHILD_SAFETY)  # every graphic queue, not just this one
    free = gate(policy, ledger, scheduler, next_case=SCAM)
    assert free.allowed
    assert free.state is ReviewerState.SHIFT_OVER
    assert gate(policy, ledger, scheduler).allowed  # non-graphic work may go on


def test_standard_fifty_minutes_of_review_then_the_service_refuses_for_ten() -> None:
    policy, clock, ledger, scheduler = _desk("standard")
    clock.advance(50 * 60)
    verdict = gate(policy, ledger, scheduler)
    assert verdict.state is ReviewerState.SCHEDULED_BREAK
    assert refusal(verdict) == (423, "on_break", 600, refusal(verdict).detail)  # type: ignore[union-attr]
    clock.advance(600)
    assert gate(policy, ledger, scheduler).allowed


def test_standard_a_severe_reveal_brings_a_one_minute_pause() -> None:
    policy, clock, ledger, scheduler = _desk("standard")
    event = exposure(clock.now(), category=HarmCategory.SELF_HARM)
    ledger.record(event)
    scheduler.observe(event)
    verdict = gate(policy, ledger, scheduler)
    assert (verdict.state, verdict.retry_after_seconds) == (ReviewerState.MICRO_BREAK, 60)


def test_standard_four_hours_of_graphic_media_on_screen_end_graphic_work() -> None:
    policy, clock, ledger, scheduler = _desk("standard")
    scheduler.set_idle(True)  # keep this story about the daily limit, not the work interval
    for half_hours in range(1, 9):
        ledger.record(exposure(clock.now(), kind=ExposureKind.SHOWN, severity=Severity.MODERATE,
                               ms=30 * 60_000))
        clock.advance(30 * 60)
        verdict = gate(policy, ledger, scheduler, next_case=GORE)
        if half_hours in (7,):
            assert [w.cap for w in verdict.warnings] == ["graphic_daily_limit"]
    assert verdict.reason is ProblemCode.SHIFT_LIMIT
    assert gate(policy, ledger, scheduler, next_case=SCAM).allowed


def test_standard_a_lead_raises_the_hourly_cap_for_one_reviewer_for_the_afternoon() -> None:
    base, clock, ledger, scheduler = _desk("standard")
    cap = base.caps[0]
    policy = ExposurePolicy.model_validate({**base.model_dump(), "overrides": [{
        "cap": cap.key, "limit": 40, "granted_by": "lead.ana", "reviewer": "sam",
        "reason": "regulator order due today; sam volunteered",
        "granted_at": MONDAY_9.isoformat(),
        "expires_at": (MONDAY_9 + timedelta(hours=8)).isoformat(),
    }]})
    scheduler.set_idle(True)
    for _ in range(30):
        ledger.record(exposure(clock.now(), category=HarmCategory.HATE_HARASSMENT,
                               severity=Severity.HIGH, ms=1_000))
    case = (HarmCategory.HATE_HARASSMENT, Severity.HIGH)
    assert not gate(base, ledger, scheduler, next_case=case).allowed
    assert not gate(policy.for_reviewer("kim"), ledger, scheduler, next_case=case).allowed
    assert gate(policy.for_reviewer("sam"), ledger, scheduler, next_case=case).allowed


def test_moving_the_machine_clock_to_tomorrow_does_not_reopen_a_capped_queue() -> None:
    policy = load_profile("child_safety")
    machine = ManualClock(start=MONDAY_9)
    client_clock = ServiceClock(machine, anchor=MONDAY_9)
    ledger = ExposureLedger()
    scheduler = BreakScheduler(policy.breaks, client_clock)
    scheduler.set_idle(True)
    for _ in range(20):
        ledger.record(exposure(client_clock.now(), category=HarmCategory.CHILD_SAFETY))
    assert not gate(policy, ledger, scheduler, next_case=CHILD_SEVERE).allowed
    machine.jump_wall(24 * 3600)
    assert not gate(policy, ledger, scheduler, next_case=CHILD_SEVERE).allowed
    machine.jump_wall(-3 * 24 * 3600)
    assert not gate(policy, ledger, scheduler, next_case=CHILD_SEVERE).allowed
