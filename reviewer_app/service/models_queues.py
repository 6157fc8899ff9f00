"""Tables of team queues, routing, hand-offs and SLA breaches (migration 0007), on the same
`Base` as models.py.

Routing rules and SLA targets are one versioned JSON document each (`QueueSettingRow`): an
admin replaces them whole, and a case reads them whole at ingest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewer_app.service.models import Base, UTCDateTime


class QueueSettingRow(Base):
    """A service-side configuration document: `routing` or `sla`. Absent: the defaults."""

    __tablename__ = "queue_settings"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")


class TeamQueuesRow(Base):
    """The queues a team works, as an admin set them (a JSON list of queue names). A team
    without a row works its defaults (routing.team_queues)."""

    __tablename__ = "team_queues"

    team: Mapped[str] = mapped_column(String(64), primary_key=True)
    queues_json: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HandoffRow(Base):
    """An escalation that moved a case from one queue to another team's, by whom and why;
    the case history carries the same as a `handoff` entry."""

    __tablename__ = "case_handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_queue: Mapped[str] = mapped_column(String(64))
    to_queue: Mapped[str] = mapped_column(String(64))
    to_team: Mapped[str] = mapped_column(String(64))
    by_user: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(Integer)
    decision_client_id: Mapped[str] = mapped_column(String(36))


class SlaBreachRow(Base):
    """A case that passed its SLA due time undecided: at most one row per case, so a breach
    is counted once, whichever instance saw it first and however often it restarts."""

    __tablename__ = "sla_breaches"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    queue: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_sla_breaches_queue", "queue"),)
