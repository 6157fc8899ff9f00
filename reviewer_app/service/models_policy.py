"""Tables of policy taxonomy versions, who has seen their change notes, and appeals
(migration 0011), on the same `Base` as models.py.

Version 1 is the built-in taxonomy (policy_versions.BUILTIN) and has no row: a row per
version an admin published after it, each the whole taxonomy as JSON.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewer_app.service.models import Base, UTCDateTime


class PolicyVersionRow(Base):
    __tablename__ = "policy_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rules_json: Mapped[str] = mapped_column(Text)
    """The whole taxonomy of this version: a JSON list of `contract.PolicyRule`."""
    change_note: Mapped[str] = mapped_column(Text)
    changes_json: Mapped[str] = mapped_column(Text)
    """{"added": [...], "reworded": [...], "retired": [...]} against the version before."""
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PolicyNoteSeenRow(Base):
    """A reviewer closed the change note of this version (shown once, then only on asking)."""

    __tablename__ = "policy_notes_seen"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    version: Mapped[int] = mapped_column(ForeignKey("policy_versions.version"),
                                         primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppealRow(Base):
    """An appeal of a decided case: open while the case waits in (or is leased from) its
    appeals queue, then upheld or overturned by a specialist other than the original one."""

    __tablename__ = "appeals"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    """The decision appealed: the case's outcome when the appeal was filed."""
    original_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    appellant: Mapped[str] = mapped_column(String(32))
    statement: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_queue: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True, nullable=True)
    """The appeal decision's client-made id, once decided."""
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    new_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"),
                                                        nullable=True)

    __table_args__ = (Index("ix_appeals_case_status", "case_id", "status"),)
