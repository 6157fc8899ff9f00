"""Exposure enforcement at lease time (filled in with the safeguards engine)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from reviewer_app.service.auth import CurrentUser
from reviewer_app.service.context import ServiceContext


def lease_gate(session: Session, ctx: ServiceContext, user: CurrentUser) -> frozenset[str]:
    """Harm categories to skip for this reviewer; raises 423 when no lease may be given."""
    return frozenset()
