"""Service tests that move time: the service runs with a clock the test advances."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from reviewer_app.service.seed import seed_demo
from reviewer_app.service.server import start_in_thread
from reviewer_app.service.settings import ServiceSettings
from tests.helpers.service_fixtures import LiveService


class SteppedClock:
    """Service time that only moves when the test says so."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass
class ClockedService(LiveService):
    clock: SteppedClock


@pytest.fixture
def clocked_service(service_settings: ServiceSettings) -> Iterator[ClockedService]:
    """The demo service on a stepped clock, with 2-hour leases (so time passing does not
    expire them unless a test wants it)."""
    settings = service_settings.model_copy(
        update={"lease_ttl_s": 7200, "access_token_ttl_s": 7 * 24 * 3600})
    accounts = seed_demo(settings.db_url, cases=30, decidable_as_is=True)
    clock = SteppedClock()
    running = start_in_thread(settings, clock=clock)
    try:
        yield ClockedService(url=running.url, accounts=accounts, db_url=settings.db_url,
                             settings=settings, running=running, clock=clock)
    finally:
        running.stop()
