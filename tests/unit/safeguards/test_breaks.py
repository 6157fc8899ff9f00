"""BreakScheduler: enforced breaks last their full length on the monotonic clock, whatever
happens to the wall clock, a restart, or the reviewer's wishes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reviewer_app.domain import BreakEvent, BreakKind, ExposureKind, Severity, new_client_id
from safeguards.breaks import BreakNotOver, BreakScheduler, ReviewerState
from safeguards.clock import ManualClock
from safeguards.policy import BreakRules
from tests.unit.safeguards.factories import exposure

RULES = BreakRules(work_interval_minutes=50, break_minutes=10, micro_break_seconds=60,
                   micro_break_from_severity=4)


def _restart(scheduler: BreakScheduler, clock: ManualClock, *, credit: bool = False,
             rules: BreakRules = RULES) -> BreakScheduler:
    state = json.loads(json.dumps(scheduler.to_state()))
    return BreakScheduler.from_state(state, rules, clock, credit_elapsed=credit)


def test_fifty_minutes_of_review_bring_a_ten_minute_break_that_cannot_be_cut_short() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    clock.advance(49 * 60)
    assert scheduler.state is ReviewerState.REVIEWING
    assert scheduler.seconds_until_scheduled_break() == 60
    clock.advance(60)
    assert scheduler.state is ReviewerState.SCHEDULED_BREAK
    started = clock.now()
    clock.advance(9 * 60 + 59)
    with pytest.raises(BreakNotOver) as refused:
        scheduler.end_break()
    assert refused.value.remaining_seconds == pytest.approx(1)
    assert scheduler.on_break
    clock.advance(1)
    assert scheduler.state is ReviewerState.REVIEWING
    assert scheduler.work_seconds == 0
    (event,) = scheduler.take_break_events()
    assert event.kind is BreakKind.SCHEDULED
    assert (event.started_at, event.ended_at) == (started, started + timedelta(minutes=10))
    assert scheduler.take_break_events() == []


def test_a_severe_reveal_brings_a_micro_break_and_a_milder_one_does_not() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    assert not scheduler.observe(exposure(clock.now(), severity=Severity.HIGH))
    assert not scheduler.observe(exposure(clock.now(), kind=ExposureKind.SHOWN))
    assert scheduler.observe(exposure(clock.now(), severity=Severity.SEVERE))
    info = scheduler.current_break
    assert info is not None
    assert (info.kind, info.enforced, info.length_seconds) == (BreakKind.MICRO, True, 60)
    clock.advance(59)
    assert scheduler.state is ReviewerState.MICRO_BREAK
    clock.advance(1)
    assert scheduler.state is ReviewerState.REVIEWING


def test_a_reveal_synced_long_after_it_happened_starts_no_micro_break() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    assert not scheduler.observe(exposure(clock.now() - timedelta(minutes=5)))
    assert scheduler.state is ReviewerState.REVIEWING


def test_a_self_initiated_break_ends_when_the_reviewer_wants() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    clock.advance(30 * 60)
    scheduler.start_self_break()
    assert scheduler.state is ReviewerState.SELF_BREAK
    clock.advance(120)
    short = scheduler.end_break()
    assert short is not None
    assert short.kind is BreakKind.SELF_INITIATED
    assert scheduler.work_seconds == 30 * 60  # a short rest does not restart the interval
    scheduler.start_self_break()
    clock.advance(10 * 60)
    assert scheduler.state is ReviewerState.SELF_BREAK  # never ends by itself
    scheduler.end_break()
    assert scheduler.work_seconds == 0  # a full-length one counts as the scheduled break
    assert scheduler.end_break() is None


def test_idle_time_is_not_work_and_a_long_idle_stretch_is_a_rest() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    clock.advance(40 * 60)
    scheduler.set_idle(True)
    clock.advance(5 * 60)
    assert scheduler.work_seconds == 40 * 60
    clock.advance(5 * 60)
    assert scheduler.work_seconds == 0
    scheduler.set_idle(False)
    clock.advance(49 * 60)
    assert scheduler.state is ReviewerState.REVIEWING


@pytest.mark.parametrize("jump", [-86_400, -600, 600, 86_400])
def test_moving_the_wall_clock_neither_ends_nor_lengthens_a_break(jump: float) -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    clock.advance(50 * 60)
    assert scheduler.state is ReviewerState.SCHEDULED_BREAK
    clock.jump_wall(jump)
    clock.advance(9 * 60)
    assert scheduler.state is ReviewerState.SCHEDULED_BREAK
    clock.advance(60)
    assert scheduler.state is ReviewerState.REVIEWING
    (event,) = scheduler.take_break_events()
    assert event.ended_at - event.started_at == timedelta(minutes=10)


def test_a_restart_resumes_a_break_with_the_time_it_had_left() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    clock.advance(50 * 60)
    assert scheduler.state is ReviewerState.SCHEDULED_BREAK
    clock.advance(4 * 60)
    # a new process: a fresh monotonic origin, and a wall clock someone moved a day ahead
    later = ManualClock(start=clock.now() + timedelta(days=1), monotonic=5.0)
    restored = _restart(scheduler, later)
    info = restored.current_break
    assert info is not None
    assert info.remaining_seconds == pytest.approx(6 * 60)
    with pytest.raises(BreakNotOver):
        restored.end_break()
    later.advance(6 * 60 - 1)
    assert restored.on_break
    later.advance(1)
    assert not restored.on_break


def test_the_service_credits_real_time_since_saving_but_never_a_clock_behind() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    clock.advance(50 * 60)
    saved = json.loads(json.dumps(scheduler.to_state()))
    ahead = ManualClock(start=clock.now() + timedelta(minutes=4), monotonic=0.0)
    resumed = BreakScheduler.from_state(saved, RULES, ahead, credit_elapsed=True)
    info = resumed.current_break
    assert info is not None
    assert info.remaining_seconds == pytest.approx(6 * 60)
    behind = ManualClock(start=clock.now() - timedelta(hours=3), monotonic=0.0)
    resumed = BreakScheduler.from_state(saved, RULES, behind, credit_elapsed=True)
    info = resumed.current_break
    assert info is not None
    assert info.remaining_seconds == pytest.approx(10 * 60)


def test_unsynced_break_events_survive_a_restart() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    scheduler.observe(exposure(clock.now()))
    clock.advance(61)
    restored = _restart(scheduler, clock)
    (event,) = restored.take_break_events()
    assert event.kind is BreakKind.MICRO


def test_a_new_policy_never_shortens_the_break_in_progress() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    clock.advance(50 * 60)
    scheduler.set_rules(BreakRules(work_interval_minutes=50, break_minutes=2,
                                   micro_break_seconds=30))
    clock.advance(5 * 60)
    assert scheduler.state is ReviewerState.SCHEDULED_BREAK


def test_a_cap_break_during_a_micro_break_takes_over_and_runs_its_full_length() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    scheduler.observe(exposure(clock.now()))
    clock.advance(30)
    assert scheduler.force_cap_break("cap-a")
    assert not scheduler.force_cap_break("cap-a")  # once per crossing
    assert scheduler.state is ReviewerState.CAP_REACHED
    clock.advance(10 * 60 - 1)
    assert scheduler.on_break
    clock.advance(1)
    assert not scheduler.on_break
    assert [e.kind for e in scheduler.take_break_events()] == [BreakKind.CAP]
    scheduler.release_cap("cap-a")
    assert scheduler.force_cap_break("cap-a")


def test_a_self_break_gives_way_to_an_enforced_one() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    scheduler.start_self_break()
    scheduler.observe(exposure(clock.now()))
    assert scheduler.state is ReviewerState.MICRO_BREAK
    with pytest.raises(BreakNotOver):
        scheduler.end_break()


def test_a_full_break_taken_on_the_client_restarts_the_service_work_interval() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    clock.advance(45 * 60)
    start = clock.now() - timedelta(minutes=14)
    scheduler.record_break(BreakEvent(client_id=new_client_id(), kind=BreakKind.SELF_INITIATED,
                                      started_at=start, ended_at=start + timedelta(minutes=10)))
    assert scheduler.work_seconds == 4 * 60
    short = BreakEvent(client_id=new_client_id(), kind=BreakKind.MICRO, started_at=start,
                       ended_at=start + timedelta(minutes=1))
    clock.advance(60)
    scheduler.record_break(short)
    assert scheduler.work_seconds == 5 * 60
    future = clock.now() + timedelta(hours=1)
    scheduler.record_break(BreakEvent(client_id=new_client_id(), kind=BreakKind.SELF_INITIATED,
                                      started_at=future, ended_at=future + timedelta(minutes=30)))
    assert scheduler.work_seconds == 5 * 60  # a break cannot have ended in the future


# ---------------------------------------------------------------- property

rules_st = st.builds(
    lambda work, brk, micro_frac, sev: BreakRules(
        work_interval_minutes=work, break_minutes=brk,
        micro_break_seconds=int(brk * 60 * micro_frac), micro_break_from_severity=sev),
    st.integers(5, 60), st.integers(1, 20), st.floats(0, 1), st.integers(0, 4),
)
short_or_long = st.sampled_from([1.0, 10.0, 30.0, 59.0, 60.0, 61.0, 599.0, 600.0]) | \
    st.floats(0, 4000)
op_st = st.one_of(
    st.tuples(st.just("advance"), short_or_long),
    st.tuples(st.just("advance_mono"), st.floats(0, 4000)),
    st.tuples(st.just("jump_wall"), st.floats(-200_000, 200_000)),
    st.tuples(st.just("reveal"), st.sampled_from(list(Severity))),
    st.tuples(st.just("self_break"), st.none()),
    st.tuples(st.just("end_break"), st.none()),
    st.tuples(st.just("cap"), st.sampled_from(["a", "b"])),
    st.tuples(st.just("release"), st.sampled_from(["a", "b"])),
    st.tuples(st.just("idle"), st.booleans()),
    st.tuples(st.just("restart"), st.floats(-1e6, 1e6)),
    st.tuples(st.just("near_end"), st.floats(-2, 2)),
)
ENFORCED = {ReviewerState.MICRO_BREAK, ReviewerState.SCHEDULED_BREAK, ReviewerState.CAP_REACHED}


@settings(max_examples=200, deadline=None)
@given(rules=rules_st, ops=st.lists(op_st, max_size=50))
@example(rules=RULES, ops=[("reveal", Severity.SEVERE), ("advance", 30.0), ("cap", "a"),
                          ("near_end", -0.5), ("restart", 3600.0), ("near_end", -0.5),
                          ("near_end", 0.5)])
def test_no_enforced_break_ends_before_its_length_on_the_monotonic_clock(
    rules: BreakRules, ops: list[tuple[str, object]]
) -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(rules, clock)
    nominal = {ReviewerState.MICRO_BREAK: rules.micro_break_seconds,
               ReviewerState.SCHEDULED_BREAK: rules.break_seconds,
               ReviewerState.CAP_REACHED: rules.break_seconds}
    nominal_of = {BreakKind.MICRO: rules.micro_break_seconds,
                  BreakKind.SCHEDULED: rules.break_seconds, BreakKind.CAP: rules.break_seconds}
    must_last_until: float | None = None  # monotonic reading before which it may not end
    for name, arg in ops:
        requested: ReviewerState | None = None
        if name == "advance":
            clock.advance(float(arg))  # type: ignore[arg-type]
        elif name == "near_end":  # right up to (or just past) when the break may end
            if must_last_until is not None:
                clock.advance(max(0.0, must_last_until - clock.monotonic() + float(arg)))  # type: ignore[arg-type]
        elif name == "advance_mono":
            clock.advance_monotonic(float(arg))  # type: ignore[arg-type]
        elif name == "jump_wall":
            clock.jump_wall(float(arg))  # type: ignore[arg-type]
        elif name == "reveal":
            if scheduler.observe(exposure(clock.now(), severity=arg)):  # type: ignore[arg-type]
                requested = ReviewerState.MICRO_BREAK
        elif name == "self_break":
            scheduler.start_self_break()
        elif name == "end_break":
            before = scheduler.state
            try:
                scheduler.end_break()
            except BreakNotOver:
                assert before in ENFORCED
                assert scheduler.state in ENFORCED
        elif name == "cap":
            if scheduler.force_cap_break(str(arg)):
                requested = ReviewerState.CAP_REACHED
        elif name == "release":
            scheduler.release_cap(str(arg))
        elif name == "idle":
            scheduler.set_idle(bool(arg))
        else:  # a restart in a new process: fresh monotonic origin, wall clock anywhere
            elapsed_mono = clock.monotonic()
            clock = ManualClock(start=clock.now() + timedelta(seconds=float(arg)),  # type: ignore[arg-type]
                                monotonic=0.0)
            if must_last_until is not None:
                must_last_until -= elapsed_mono
            scheduler = _restart(scheduler, clock, rules=rules)
        mono = clock.monotonic()
        state = scheduler.state
        if must_last_until is not None and mono < must_last_until - 1e-6:
            assert state in ENFORCED
        for event in scheduler.take_break_events():
            if event.kind is not BreakKind.SELF_INITIATED:
                # every enforced break lasted its full length, even one that began and ended
                # within one long stretch (a scheduled break begins when the interval ran out)
                lasted = (event.ended_at - event.started_at).total_seconds()
                assert lasted >= nominal_of[event.kind] - 1e-6
                if must_last_until is not None:
                    assert mono >= must_last_until - 1e-6
                must_last_until = None
        if state in ENFORCED:
            info = scheduler.current_break
            assert info is not None
            if must_last_until is None:
                must_last_until = mono - info.elapsed_seconds + nominal[state]
            if requested is not None:
                must_last_until = max(must_last_until, mono + nominal[requested])
        else:
            assert must_last_until is None


def test_only_a_lead_with_a_reason_can_end_an_enforced_break() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    assert scheduler.end_break_by_lead("lead.ana", "no break running") is None
    clock.advance(50 * 60)
    assert scheduler.on_break
    with pytest.raises(ValueError, match="reason"):
        scheduler.end_break_by_lead("lead.ana", " ")
    clock.advance(120)
    ended = scheduler.end_break_by_lead("lead.ana", "urgent regulator order, reviewer agreed")
    assert ended is not None
    assert (ended.kind, ended.ended_at - ended.started_at) == \
        (BreakKind.SCHEDULED, timedelta(minutes=2))
    assert scheduler.state is ReviewerState.REVIEWING
    assert scheduler.take_break_events() == [ended]
    assert scheduler.work_seconds == 0  # the work interval starts afresh
    clock.advance(49 * 60)
    assert scheduler.state is ReviewerState.REVIEWING


def test_a_micro_break_heard_of_late_ends_when_it_would_have_ended_anyway() -> None:
    """The service hears of a severe reveal after the sync: its break began at the reveal."""
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    revealed_at = clock.now()
    clock.advance(25)
    assert scheduler.observe(exposure(revealed_at, severity=Severity.SEVERE))
    info = scheduler.current_break
    assert info is not None
    assert info.started_at == revealed_at
    assert info.remaining_seconds == pytest.approx(35)
    clock.advance(35)
    assert scheduler.state is ReviewerState.REVIEWING
    assert not scheduler.observe(exposure(clock.now() - timedelta(seconds=61)))


def test_a_break_imposed_by_the_service_is_only_ever_lengthened() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    now = clock.now()
    assert not scheduler.impose(ReviewerState.MICRO_BREAK, now - timedelta(minutes=2),
                                now - timedelta(minutes=1))  # over already: nothing to do
    assert scheduler.impose(ReviewerState.MICRO_BREAK, now - timedelta(seconds=20),
                            now + timedelta(seconds=40))
    info = scheduler.current_break
    assert info is not None
    assert info.remaining_seconds == pytest.approx(40)
    assert info.started_at == now - timedelta(seconds=20)
    # a shorter claim changes nothing; a scheduled break that began earlier takes over
    assert not scheduler.impose(ReviewerState.MICRO_BREAK, now, now + timedelta(seconds=10))
    assert scheduler.impose(ReviewerState.SCHEDULED_BREAK, now - timedelta(minutes=1),
                            now + timedelta(minutes=9))
    info = scheduler.current_break
    assert info is not None
    assert info.state is ReviewerState.SCHEDULED_BREAK
    assert info.remaining_seconds == pytest.approx(9 * 60)
    clock.advance(9 * 60)
    assert scheduler.state is ReviewerState.REVIEWING
    assert scheduler.work_seconds == 0  # a full-length break: a fresh work interval
    with pytest.raises(ValueError, match="enforced"):
        scheduler.impose(ReviewerState.SELF_BREAK, now, now + timedelta(minutes=1))


def test_the_service_counting_more_work_brings_the_scheduled_break_sooner() -> None:
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    clock.advance(10 * 60)
    scheduler.raise_work(5 * 60)  # less than counted here: ignored
    assert scheduler.work_seconds == pytest.approx(10 * 60)
    scheduler.raise_work(50 * 60)
    assert scheduler.state is ReviewerState.SCHEDULED_BREAK


def test_a_scheduled_break_begins_when_the_interval_ran_out_not_when_next_asked() -> None:
    """The service is asked only now and then: a break it finds due began back then."""
    clock = ManualClock()
    scheduler = BreakScheduler(RULES, clock)
    began = clock.now() + timedelta(minutes=50)
    clock.advance(55 * 60)  # nobody asked for 55 minutes
    info = scheduler.current_break
    assert info is not None
    assert info.state is ReviewerState.SCHEDULED_BREAK
    assert info.started_at == began
    assert info.remaining_seconds == pytest.approx(5 * 60)
    clock.advance(2 * 3600)  # two more hours of holding cases, asked about once
    ended = scheduler.take_break_events()
    # 50-60 break, 60-110 work, 110-120 break, 120-170 work, 170-180 break: now is 175
    assert [e.started_at for e in ended] == [began, began + timedelta(minutes=60)]
    assert all(e.ended_at - e.started_at == timedelta(minutes=10) for e in ended)
    info = scheduler.current_break
    assert info is not None
    assert info.started_at == began + timedelta(minutes=120)
    assert info.remaining_seconds == pytest.approx(5 * 60)
