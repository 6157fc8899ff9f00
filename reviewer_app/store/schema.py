"""Tables of the local store. Times are stored as fixed-width UTC text (see `utc_text`) so
that SQLite orders them correctly and no timezone is lost on the way through."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utc_text(value: datetime) -> str:
    """Fixed-width, sortable UTC text for a timestamp."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_utc_text(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class CachedCase(Base):
    """A case leased to this reviewer: its summary always, the full case once fetched."""

    __tablename__ = "cached_case"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    lease_id: Mapped[str] = mapped_column(String(64), index=True)
    priority: Mapped[int] = mapped_column(Integer)
    sla_due_at: Mapped[str] = mapped_column(String(32))
    summary_json: Mapped[str] = mapped_column(Text)
    case_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided: Mapped[bool] = mapped_column(Boolean, default=False)
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    leased_at: Mapped[str] = mapped_column(String(32))

    __table_args__ = (Index("ix_cached_case_queue", "decided", "released", "priority",
                            "sla_due_at"),)


class LeaseRow(Base):
    """A lease the service granted; renewed while any of its cases is undecided."""

    __tablename__ = "lease"

    lease_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[str] = mapped_column(String(32))
    ended: Mapped[bool] = mapped_column(Boolean, default=False)


class OutboxItem(Base):
    """One write for the service, committed locally with the action that made it.

    `state` is pending until the service answers for its `client_id`: synced (applied or
    duplicate), conflict or invalid. Conflicts and invalid items are kept for the reviewer."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    result: Mapped[str | None] = mapped_column(String(16), nullable=True)
    problem_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[str] = mapped_column(String(32))
    settled_at: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (Index("ix_outbox_state_seq", "state", "seq"),)


class ExposureLedgerRow(Base):
    """The reviewer's own record of exposures, kept locally as well as synced."""

    __tablename__ = "exposure_ledger"

    client_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    media_id: Mapped[str] = mapped_column(String(64))
    harm_category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    duration_ms: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(32), index=True)


class SafeguardRecord(Base):
    """One named safeguards record (JSON): `scheduler`, the client's break scheduler state;
    `service_status`, the service's last ExposureStatus (counters, break state, ledger);
    `policy`, the team policy in force with its ETag. Times are service time."""

    __tablename__ = "safeguard_record"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(200), nullable=True)
    saved_at: Mapped[str] = mapped_column(String(32))
