"""Service days and weeks: a day begins at midnight at the team policy's fixed UTC offset, a
week on its Monday (ISO). The ledger, the daily and weekly totals, the dashboard and
dose-aware assignment all number days this way, so the same minute is the same day for each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


def service_date(at: datetime, utc_offset_minutes: int) -> date:
    """The service day holding `at` (days begin at midnight at the policy's UTC offset), as
    the ledger numbers it: the same day for the same minute."""
    return (at.astimezone(UTC) + timedelta(minutes=utc_offset_minutes)).date()


def week_of(day: date) -> date:
    """The Monday of the ISO service week holding `day`."""
    return day - timedelta(days=day.weekday())


def day_start(day: date, utc_offset_minutes: int) -> datetime:
    """When service day `day` begins, in UTC."""
    return datetime.combine(day, time(0), UTC) - timedelta(minutes=utc_offset_minutes)


@dataclass(frozen=True)
class ServicePeriods:
    """Today and this week at `now`, for a policy's UTC offset."""

    now: datetime
    offset: int
    today: date
    week: date

    @classmethod
    def at(cls, now: datetime, utc_offset_minutes: int) -> ServicePeriods:
        today = service_date(now, utc_offset_minutes)
        return cls(now, utc_offset_minutes, today, week_of(today))

    @property
    def day_start(self) -> datetime:
        return day_start(self.today, self.offset)

    @property
    def day_end(self) -> datetime:
        return day_start(self.today + timedelta(days=1), self.offset)

    @property
    def week_start(self) -> datetime:
        return day_start(self.week, self.offset)
