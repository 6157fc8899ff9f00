"""The local cache of leased cases: what the queue shows when the network is gone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reviewer_app import contract, domain
from reviewer_app.store.schema import CachedCase, LeaseRow, from_utc_text, utc_text


def save_lease(db: Session, lease: contract.Lease, now: datetime) -> None:
    """Cache the lease and its cases (a re-lease of a known case takes the new lease)."""
    db.merge(LeaseRow(lease_id=lease.lease_id, expires_at=utc_text(lease.expires_at),
                      granted_at=utc_text(now), ended=False))
    for summary in lease.cases:
        row = db.get(CachedCase, summary.id)
        if row is None:
            row = CachedCase(id=summary.id, decided=False, case_json=None)
            db.add(row)
        row.lease_id = lease.lease_id
        row.priority = summary.priority
        row.sla_due_at = utc_text(summary.sla_due_at)
        row.summary_json = summary.model_dump_json()
        row.leased_at = utc_text(now)
        row.released = False


def open_cases(db: Session) -> list[domain.CaseSummary]:
    """Undecided, unreleased cases: highest priority first, then the earliest SLA."""
    rows = db.scalars(
        select(CachedCase)
        .where(CachedCase.decided.is_(False), CachedCase.released.is_(False))
        .order_by(CachedCase.priority.desc(), CachedCase.sla_due_at, CachedCase.id)
    )
    return [domain.CaseSummary.model_validate_json(r.summary_json) for r in rows]


def get_case(db: Session, case_id: str) -> domain.Case | None:
    row = db.get(CachedCase, case_id)
    if row is None or row.case_json is None:
        return None
    return domain.Case.model_validate_json(row.case_json)


def lease_of(db: Session, case_id: str) -> CachedCase | None:
    return db.get(CachedCase, case_id)


def save_case(db: Session, case: domain.Case) -> None:
    """Keep the full case for offline reading; only cases leased here are cached."""
    row = db.get(CachedCase, case.id)
    if row is not None:
        row.case_json = case.model_dump_json()


def mark_decided(db: Session, case_id: str) -> None:
    db.execute(update(CachedCase).where(CachedCase.id == case_id).values(decided=True))


def mark_undecided(db: Session, case_id: str) -> None:
    """Its decision was undone before it was sent (client/undo.py): in the queue again."""
    db.execute(update(CachedCase).where(CachedCase.id == case_id).values(decided=False))


def leases_to_renew(db: Session, now: datetime, margin_s: float) -> list[str]:
    """Leases that still hold an open case and expire within `margin_s`."""
    rows = db.execute(
        select(LeaseRow.lease_id, LeaseRow.expires_at)
        .where(LeaseRow.ended.is_(False))
        .where(LeaseRow.lease_id.in_(
            select(CachedCase.lease_id).where(CachedCase.decided.is_(False),
                                              CachedCase.released.is_(False))))
    ).all()
    return [lid for lid, exp in rows
            if (from_utc_text(exp) - now).total_seconds() <= margin_s]


def renewed(db: Session, lease_id: str, expires_at: datetime, kept: list[str]) -> None:
    """The lease runs on for the cases in `kept`; its other undecided cases went back to
    the queue (e.g. a capped category) and leave the local queue."""
    db.execute(update(LeaseRow).where(LeaseRow.lease_id == lease_id)
               .values(expires_at=utc_text(expires_at)))
    db.execute(update(CachedCase)
               .where(CachedCase.lease_id == lease_id, CachedCase.decided.is_(False),
                      CachedCase.id.not_in(kept))
               .values(released=True))


def lease_ended(db: Session, lease_id: str) -> None:
    """The lease is gone (released or lost): its undecided cases leave the local queue."""
    db.execute(update(LeaseRow).where(LeaseRow.lease_id == lease_id).values(ended=True))
    db.execute(update(CachedCase)
               .where(CachedCase.lease_id == lease_id, CachedCase.decided.is_(False))
               .values(released=True))


def open_lease_ids(db: Session) -> list[str]:
    """Leases with undecided cases (released on quit)."""
    return list(db.scalars(
        select(LeaseRow.lease_id).where(LeaseRow.ended.is_(False)).where(
            LeaseRow.lease_id.in_(select(CachedCase.lease_id).where(
                CachedCase.decided.is_(False), CachedCase.released.is_(False))))
    ))
