"""The client's safeguards records: its break scheduler's state, the service's last reading
(counters, break state, ledger) and the team policy, each one named JSON row; and the local
exposure events, read back so a restart counts what this machine measured."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer_app import domain
from reviewer_app.store.schema import ExposureLedgerRow, SafeguardRecord, from_utc_text, utc_text

SCHEDULER = "scheduler"
SERVICE_STATUS = "service_status"
POLICY = "policy"


def save(db: Session, name: str, body: str, now: datetime, etag: str | None = None) -> None:
    db.merge(SafeguardRecord(name=name, body=body, etag=etag, saved_at=utc_text(now)))


def load(db: Session, name: str) -> tuple[str, str | None] | None:
    """(body, etag) of the named record, or None."""
    row = db.get(SafeguardRecord, name)
    return None if row is None else (row.body, row.etag)


def exposure_events(db: Session, since: datetime) -> list[domain.ExposureEvent]:
    """Every exposure this machine recorded at or after `since`, oldest first."""
    rows = db.scalars(select(ExposureLedgerRow)
                      .where(ExposureLedgerRow.at >= utc_text(since))
                      .order_by(ExposureLedgerRow.at))
    return [domain.ExposureEvent(
        client_id=r.client_id, case_id=r.case_id, media_id=r.media_id,
        harm_category=domain.HarmCategory(r.harm_category),
        severity=domain.Severity(r.severity), kind=domain.ExposureKind(r.kind),
        duration_ms=r.duration_ms, at=from_utc_text(r.at)) for r in rows]
