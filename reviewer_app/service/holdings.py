"""Who held which case, and when: the record against which the service checks what a client
reports. A holding begins when a lease takes the case and ends when the case is decided or
released, or when the lease expires (renewals move that). Core statements on the session's
connection: leasing and deciding are the hottest paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from reviewer_app.service.models import LeaseCaseRow, LeaseRow, UTCDateTime, table

_HELD = table(LeaseCaseRow)
_LEASES = table(LeaseRow)
_START = insert(_HELD)
_END_CASE = (update(_HELD)
             .where(_HELD.c.lease_id == bindparam("lid"), _HELD.c.case_id == bindparam("cid"),
                    _HELD.c.held_until.is_(None))
             .values(held_until=bindparam("now", type_=UTCDateTime)))
_END_LEASE = (update(_HELD)
              .where(_HELD.c.lease_id == bindparam("lid"), _HELD.c.held_until.is_(None))
              .values(held_until=bindparam("now", type_=UTCDateTime)))
_OF_CASE = (select(_HELD.c.lease_id, _HELD.c.held_from,
                   func.coalesce(_HELD.c.held_until, _LEASES.c.expires_at,
                                 type_=UTCDateTime).label("held_until"))
            .join(_LEASES, _LEASES.c.id == _HELD.c.lease_id)
            .where(_HELD.c.user_id == bindparam("uid"), _HELD.c.case_id == bindparam("cid"))
            .order_by(_HELD.c.held_from))


@dataclass(frozen=True)
class Holding:
    lease_id: str
    held_from: datetime
    held_until: datetime

    def bound(self, at: datetime, now: datetime) -> datetime:
        """`at` moved inside this holding (and never past `now`)."""
        return max(self.held_from, min(at, self.held_until, now))

    def seconds(self, now: datetime) -> float:
        return max(0.0, (min(self.held_until, now) - self.held_from).total_seconds())


def start(s: Session, lease_id: str, case_ids: Sequence[str], user_id: int,
          now: datetime) -> None:
    if case_ids:
        s.connection().execute(_START, [
            {"lease_id": lease_id, "case_id": cid, "user_id": user_id, "held_from": now,
             "held_until": None} for cid in case_ids])


def end_case(s: Session, lease_id: str, case_id: str, now: datetime) -> None:
    s.connection().execute(_END_CASE, {"lid": lease_id, "cid": case_id, "now": now})


def end_cases(s: Session, lease_id: str, case_ids: Sequence[str], now: datetime) -> None:
    if case_ids:
        s.connection().execute(_END_CASE, [{"lid": lease_id, "cid": cid, "now": now}
                                           for cid in case_ids])


def end_lease(s: Session, lease_id: str, now: datetime) -> None:
    """Every case the lease still holds is given back now."""
    s.connection().execute(_END_LEASE, {"lid": lease_id, "now": now})


def of_case(s: Session, user_id: int, case_id: str) -> list[Holding]:
    """Every holding of this case by this reviewer, oldest first."""
    rows = s.connection().execute(_OF_CASE, {"uid": user_id, "cid": case_id}).all()
    return [Holding(r.lease_id, r.held_from, r.held_until) for r in rows]


def which(holdings: Sequence[Holding], at: datetime, now: datetime) -> Holding | None:
    """The holding an event at `at` belongs to: the one containing it, else the latest one
    that had begun by `now` (a back-dated or a late report is filed inside it)."""
    begun = [h for h in holdings if h.held_from <= now]
    for holding in reversed(begun):
        if holding.held_from <= at <= holding.held_until:
            return holding
    return begun[-1] if begun else None
