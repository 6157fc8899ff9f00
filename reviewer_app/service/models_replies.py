"""Tables of reply templates (migration 0009), on the same `Base` as models.py.

Every version of a template is its own row, never edited: a decision filled from version 1
still checks after an admin made version 2, and the history of a template's wording stays.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reviewer_app.service.models import Base, UTCDateTime


class ReplyTemplateRow(Base):
    """One version of one template; the current one is the highest version of its name."""

    __tablename__ = "reply_templates"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    actions_json: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
