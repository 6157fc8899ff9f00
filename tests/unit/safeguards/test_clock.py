"""Clocks: the safeguards read time only through these, and the client's ignores the wall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from safeguards.clock import ManualClock, ServiceClock, SystemClock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_system_clock_gives_aware_utc_and_a_monotonic_reading() -> None:
    clock = SystemClock()
    first = clock.monotonic()
    assert clock.now().tzinfo is UTC
    assert clock.monotonic() >= first


def test_the_service_clock_ignores_the_machine_wall_clock() -> None:
    machine = ManualClock(start=T0)
    service = ServiceClock(machine, anchor=T0 + timedelta(seconds=30))
    machine.jump_wall(-86_400)
    machine.advance(10)
    assert service.now() == T0 + timedelta(seconds=40)
    machine.jump_wall(7 * 86_400)
    assert service.now() == T0 + timedelta(seconds=40)
    service.resync(T0 + timedelta(minutes=5))
    machine.advance(1)
    assert service.now() == T0 + timedelta(minutes=5, seconds=1)
    assert service.monotonic() == machine.monotonic()


def test_the_manual_clock_moves_its_readings_together_or_apart() -> None:
    clock = ManualClock(start=T0, monotonic=5.0)
    clock.advance(60)
    assert (clock.monotonic(), clock.now()) == (65.0, T0 + timedelta(minutes=1))
    clock.jump_wall(-3600)
    clock.advance_monotonic(5)
    assert (clock.monotonic(), clock.now()) == (70.0, T0 - timedelta(minutes=59))
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance_monotonic(-1)
    with pytest.raises(ValueError, match="aware"):
        clock.set_wall(datetime(2026, 3, 2, 9, 0))


def test_the_service_clock_keeps_its_anchor_within_a_dates_resolution() -> None:
    """`Date` headers carry whole seconds: re-anchoring on each would make now() jitter."""
    machine = ManualClock(start=T0)
    service = ServiceClock(machine)
    assert not service.anchored
    assert service.now() == machine.now()  # before the service answered: the machine's
    assert service.resync(T0 + timedelta(hours=3)) is True
    machine.advance(10.6)
    assert service.resync(T0 + timedelta(hours=3, seconds=10)) is False  # truncated, kept
    assert service.now() == T0 + timedelta(hours=3, seconds=10.6)
    assert service.resync(T0 + timedelta(hours=3, seconds=20)) is True  # really off: re-anchor
    assert service.now() == T0 + timedelta(hours=3, seconds=20)
