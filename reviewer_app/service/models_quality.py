"""Tables of quality review (migration 0010), on the same `Base` as models.py: each team's
sampling share, the blind second-review tasks, and the second reviews themselves (with a
lead's resolution when the two reviewers disagreed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewer_app.service.models import Base, UTCDateTime


class QaConfigRow(Base):
    """A team's share of closing decisions that get a second review. No row: 0 %."""

    __tablename__ = "qa_config"

    team: Mapped[str] = mapped_column(String(64), primary_key=True)
    share_percent: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")


class QaTaskRow(Base):
    """A sampled decision waiting for (or given) its second review in its team's QA queue.
    Leased like a case: `lease_id` (a QA lease, quality.QA_LEASE_PREFIX), `leased_by`,
    `lease_expires_at`; `status` queued, leased or reviewed."""

    __tablename__ = "qa_tasks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    team: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    first_decision_client_id: Mapped[str] = mapped_column(String(36), unique=True)
    first_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16))
    lease_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    leased_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_qa_tasks_team_status", "team", "status"),)


class QaReviewRow(Base):
    """The second reviewer's decision on a task; it never changes the case's outcome.
    `agrees`: the same action as the first decision. A disagreement stays open until a lead
    of the team resolves it with a note."""

    __tablename__ = "qa_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("qa_tasks.id"), unique=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    policy_refs: Mapped[str] = mapped_column(Text, default="[]")
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    body_hash: Mapped[str] = mapped_column(String(64))
    agrees: Mapped[bool] = mapped_column(Boolean)
    resolved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution_note: Mapped[str | None] = mapped_column(Text, nullable=True)
