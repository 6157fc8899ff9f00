"""The service's tables (SQLAlchemy 2). Alembic migrations in `migrations/` create them.

Times are stored as UTC; `UTCDateTime` hands back aware datetimes on every backend, so a
naive time never leaks onto the wire.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite keeps no offsets."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    team: Mapped[str] = mapped_column(String(64), index=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccessToken(Base):
    """Only the SHA-256 of a token is kept: a copy of the database holds no usable token."""

    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RefreshToken(Base):
    """One link of a rotation chain; a second use of a used link revokes its family."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginFailure(Base):
    """Failed logins, counted per (client address, username) and per address by the rate limit."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), default="default")
    source: Mapped[str] = mapped_column(String(32))
    policy_area: Mapped[str] = mapped_column(String(32))
    harm_category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sla_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    jurisdiction: Mapped[str] = mapped_column(String(64), default="")
    legal_basis: Mapped[str | None] = mapped_column(String(500), nullable=True)
    rights_holder: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reporter_type: Mapped[str] = mapped_column(String(32))
    reporter_organisation: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reporter_reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reporter_statement: Mapped[str] = mapped_column(Text, default="")
    subject_text: Mapped[str] = mapped_column(Text, default="")
    context_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The source's context (`domain.SourceContext`) as JSON; NULL before revision 0008."""
    status: Mapped[str] = mapped_column(String(16), default="queued")
    lease_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    leased_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_cases_queue_order", "status", "queue", "priority", "sla_due_at"),
        Index("ix_cases_lease_expiry", "status", "lease_expires_at"),
        Index("ix_cases_lease_id", "lease_id"),
    )


class MediaRow(Base):
    __tablename__ = "media"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    storage_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The bytes' key in the media store (storage.py); set for every row once moved."""
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    """Only rows ingested before revision 0005 until `housekeeping.move_media_to_store`
    moves them (at the service's start); NULL afterwards."""


class HistoryRow(Base):
    """Earlier decisions and notes on a case, including those made through this service."""

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str | None] = mapped_column(String(32), nullable=True)
    body: Mapped[str] = mapped_column(Text, default="")


class LeaseRow(Base):
    __tablename__ = "leases"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_leases_user_created", "user_id", "created_at"),)


class LeaseCaseRow(Base):
    """Who held which case, from when until when: the service's own record, against which
    every exposure report is checked. Open (`held_until` None) while the lease runs; its end
    is then the lease's expiry (renewals move it)."""

    __tablename__ = "lease_cases"

    lease_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    held_from: Mapped[datetime] = mapped_column(UTCDateTime)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_lease_cases_user_case", "user_id", "case_id"),)


class DecisionRow(Base):
    """One per client-made id. A case has one final decision; each escalation before it is a
    decision too (the case moved to another team's queue)."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    lease_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    policy_refs: Mapped[str] = mapped_column(Text, default="[]")
    reason: Mapped[str] = mapped_column(Text, default="")
    escalate_to: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reply_template: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reply_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    legal_ground: Mapped[str | None] = mapped_column(String(32), nullable=True)
    legal_ground_explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    claim_outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    counter_notice_possible: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handle_ms: Mapped[int] = mapped_column(BigInteger)
    body_hash: Mapped[str] = mapped_column(String(64))
    supersedes: Mapped[str | None] = mapped_column(String(36), nullable=True)
    """A correction (service/corrections.py): the client_id of the decision it replaces."""
    superseded_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    """Set once a correction replaces this decision: it no longer counts (never deleted)."""
    correction_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    policy_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The policy taxonomy version in force when the service accepted it (None before 0011)."""

    __table_args__ = (Index("ix_decisions_user_decided", "user_id", "decided_at"),
                      Index("ix_decisions_decided_at", "decided_at"))


class NoteRow(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_notes_user_written", "user_id", "written_at"),)


class IdempotencyRow(Base):
    """The stored first result of a keyed write, per user and key (IETF httpapi draft)."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    response_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExposureRow(Base):
    """One exposure: reported by the client (`origin` client) or seen by the service itself
    (`origin` service: it served the media). `status` counted: the counters include it, with
    the case's category and severity and a time inside the holding; invalid: refused, with
    `reason`, kept and shown to the reviewer as not counted; merged: the same showing is
    already counted under the service's own evidence. `reported_json` keeps what the client
    claimed when it differed from what was counted."""

    __tablename__ = "exposure_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[str] = mapped_column(String(64))
    media_id: Mapped[str] = mapped_column(String(64))
    harm_category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    duration_ms: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="counted", server_default="counted")
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    origin: Mapped[str] = mapped_column(String(16), default="client", server_default="client")
    lease_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reported_json: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_exposure_user_received", "user_id", "received_at"),
                      Index("ix_exposure_user_at", "user_id", "at"))


class BreakRow(Base):
    __tablename__ = "break_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checkin_mood: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="accepted",
                                        server_default="accepted")
    """accepted, or invalid (with `reason`): the reviewer was working during it."""
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (Index("ix_break_events_user_received", "user_id", "received_at"),)


class ServiceBreakRow(Base):
    """An enforced break the service itself required (its own break scheduler: micro,
    scheduled, cap, or one a lead added), recorded when it ended: in full, or early by a
    lead (`ended_early_by`). The record behind a team's break compliance; the client's own
    reports of its breaks stay in `break_events`."""

    __tablename__ = "service_breaks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_early_by: Mapped[str | None] = mapped_column(String(100), nullable=True)

    __table_args__ = (Index("ix_service_breaks_user_started", "user_id", "started_at"),)


class ExposureDayRow(Base):
    """A reviewer's counted exposure per service day (at the team's UTC offset when it was
    counted), harm category and severity: the same sums as the ledger's day counters,
    written in the transaction that counted them. The dashboard adds these up instead of
    scanning every exposure event of the week."""

    __tablename__ = "exposure_days"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    harm_category: Mapped[str] = mapped_column(String(32), primary_key=True)
    severity: Mapped[int] = mapped_column(Integer, primary_key=True)
    shown: Mapped[int] = mapped_column(BigInteger, default=0)
    revealed: Mapped[int] = mapped_column(BigInteger, default=0)
    shown_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    revealed_ms: Mapped[int] = mapped_column(BigInteger, default=0)


class ExposureWeekRow(Base):
    """The same per service week (`week` is its Monday) and severity, every category
    together: what the dashboard's trend over the last weeks reads."""

    __tablename__ = "exposure_weeks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    severity: Mapped[int] = mapped_column(Integer, primary_key=True)
    shown: Mapped[int] = mapped_column(BigInteger, default=0)
    revealed: Mapped[int] = mapped_column(BigInteger, default=0)
    shown_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    revealed_ms: Mapped[int] = mapped_column(BigInteger, default=0)


class MoodWeekRow(Base):
    """A team's check-in moods over one completed service week, fixed the first time it is
    read and never recomputed: later reads are the same numbers whatever happens meanwhile
    (a late report, someone moving team), so no two reads can be subtracted. The mean is
    stored only over at least 5 people; below that it is never kept at all."""

    __tablename__ = "mood_weeks"

    team: Mapped[str] = mapped_column(String(64), primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    people: Mapped[int] = mapped_column(Integer)
    mean_mood: Mapped[float | None] = mapped_column(Float, nullable=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MemberOverrideRow(Base):
    """A lead's one-off change for one reviewer (contract.OverrideKind), with its reason.
    Kept apart from the team policy, so granting one changes neither the policy's version
    nor its ETag. In force while `granted_at <= now < expires_at` and not revoked."""

    __tablename__ = "member_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    minutes: Mapped[float | None] = mapped_column(Float, nullable=True)
    cap: Mapped[str | None] = mapped_column(String(200), nullable=True)
    limit_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    granted_by: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)

    __table_args__ = (Index("ix_member_overrides_user_expires", "user_id", "expires_at"),
                      Index("ix_member_overrides_team_expires", "team", "expires_at"))


class SafeguardStateRow(Base):
    """A reviewer's exposure ledger and break scheduler (safeguards `to_state()` JSON): the
    authoritative counters and break state, shared by every service instance."""

    __tablename__ = "reviewer_safeguards"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    ledger_json: Mapped[str] = mapped_column(Text)
    scheduler_json: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    enforcement_json: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    """Since when each category has been blocked (a decision made after that is held)."""


class TeamPolicyRow(Base):
    """Versioned team ExposurePolicy; the ETag is derived from team and version."""

    __tablename__ = "team_policies"

    team: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    policy_json: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")


class AuditRow(Base):
    """Append-only: database triggers refuse UPDATE and DELETE on this table."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32), default="")
    subject_id: Mapped[str] = mapped_column(String(100), default="")
    client: Mapped[str] = mapped_column(String(300), default="")
    detail_json: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (Index("ix_audit_action_at", "action", "at"),)


def table(model: type[Base]) -> Table:
    """A model's Core table, for the hot paths (lease, decide) that write through the
    connection and skip the ORM's unit of work."""
    t = model.__table__
    assert isinstance(t, Table)
    return t


# The rows of the team queues (and, below, of near-duplicate matching) live in their own
# modules on the same Base; imported here so that Base.metadata is the whole schema.
from reviewer_app.service import models_pdq as _models_pdq  # noqa: E402,F401
from reviewer_app.service import models_policy as _models_policy  # noqa: E402,F401
from reviewer_app.service import models_quality as _models_quality  # noqa: E402,F401
from reviewer_app.service import models_queues as _models_queues  # noqa: E402,F401
from reviewer_app.service import models_replies as _models_replies  # noqa: E402,F401
from reviewer_app.service import models_trends as _models_trends  # noqa: E402,F401
