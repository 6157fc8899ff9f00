"""Synthetic cases of a chosen kind at the head of the queue, for tests whose point depends
on what is leased (the service counts a case's own category and severity, never a report's)."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime

from reviewer_app.domain import HarmCategory, Severity
from reviewer_app.service.seed import add_case, demo_case


def add_urgent_case(db_url: str, category: HarmCategory = HarmCategory.GRAPHIC_VIOLENCE,
                    severity: Severity = Severity.SEVERE, *, priority: int = 100) -> str:
    """A synthetic case (shapes and SIMULATED CONTENT text) that the next lease takes first
    (demo cases have priority 90 at most); returns its id."""
    base = demo_case(0, random.Random(1), datetime.now(UTC), media_px=(64, 48))
    return add_case(db_url, dataclasses.replace(base, harm_category=category, severity=severity,
                                                priority=priority))
