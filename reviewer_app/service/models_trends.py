"""Escalation rollups: cases received per hour, per dimension (source, queue, policy area,
harm category, jurisdiction, reporter organisation) and key, kept up to date at ingest in
the case's own transaction, so trend reads never scan the case table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reviewer_app.service.models import Base, UTCDateTime


class EscalationRollupRow(Base):
    __tablename__ = "escalation_rollups"
    __table_args__ = (Index("ix_escalation_rollups_dimension_hour", "dimension", "hour"),)

    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    """The hour's start, UTC."""
    count: Mapped[int] = mapped_column(Integer, default=0)
