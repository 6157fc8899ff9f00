"""What a blind second reviewer may see of a case: everything a first reviewer sees but the
first decision. Kept apart from quality.py so that cases.py and matching.py (which quality.py
builds on) can ask it without an import cycle.

A second reviewer reads a case through the QA task they lease (or leased): no decision entry
of its history (the first decision, and any escalation before it), nothing its first decider
wrote, and no decision of its near-duplicates (a group decided at once carries the same one).
The case says `second_review` and is shown as leased, not decided.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer_app.contract import CaseMatches
from reviewer_app.domain import Case, CaseStatus
from reviewer_app.service.models import User
from reviewer_app.service.models_quality import QaTaskRow

SHOWN_KINDS = frozenset({"note", "handoff"})
"""The history entries a second reviewer sees (when not by the first decider)."""


def second_review_of(session: Session, user_id: int, case_id: str) -> str | None:
    """The username of the first decider when this reviewer holds or held a QA task on this
    case, else None."""
    return session.scalar(
        select(User.username)
        .join(QaTaskRow, QaTaskRow.first_user_id == User.id)
        .where(QaTaskRow.case_id == case_id, QaTaskRow.leased_by == user_id)
        .limit(1))


def blind_case(case: Case, first_decider: str) -> Case:
    history = [h for h in case.history if h.kind in SHOWN_KINDS and h.actor != first_decider]
    return case.model_copy(update={"history": history, "status": CaseStatus.LEASED,
                                   "second_review": True})


def blind_matches(matches: CaseMatches) -> CaseMatches:
    return matches.model_copy(update={"near_duplicates": [
        m.model_copy(update={"decision": None}) for m in matches.near_duplicates]})
