"""The clocks the client core runs on: the safeguards' Clock protocol (monotonic + aware UTC
now), reused so the UI hands one clock to both. The session wraps the machine's clocks in a
ServiceClock that every reply's `Date` header keeps on service time, and stamps decisions,
notes, exposure and breaks with it: moving the machine's wall clock changes none of them."""

from __future__ import annotations

from safeguards.clock import Clock, ManualClock, ServiceClock, SystemClock

__all__ = ["Clock", "ManualClock", "ServiceClock", "SystemClock"]
