"""The clock the client core runs on: the safeguards' Clock protocol (monotonic + aware UTC
now), reused so the UI hands one clock to both. Nothing in the core reads time on its own."""

from __future__ import annotations

from safeguards.clock import Clock, ManualClock, SystemClock

__all__ = ["Clock", "ManualClock", "SystemClock"]
