"""The demo's quality history: blind second reviews of the colleagues' decisions on the
trend burst (seed_trends), so the lead console's Quality and KPIs tabs have agreement to
show and one disagreement to resolve, and one second review waiting for the demo
specialist (Ctrl+Alt+L pulls it).

Recorded as the service records them (quality.py): a task per first decision, a review by
another colleague, `agrees` when the actions are the same. The team's sample share is set
to 10 % (a lead changes it in the Quality tab). Every case and decision is synthetic."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer_app.domain import Action, Role
from reviewer_app.service.db import Database
from reviewer_app.service.models import CaseRow, DecisionRow, User
from reviewer_app.service.models_quality import QaConfigRow, QaReviewRow, QaTaskRow
from reviewer_app.service.quality import QUEUED, REVIEWED

SHARE_PERCENT = 10
REVIEWED_TASKS = 6
DISAGREEING = 1
"""Of the reviewed: the last one's second reviewer restricts what the first removed."""


def add_quality_history(db_url: str, case_ids: list[str], team: str, now: datetime, *,
                        signing_in: str) -> int:
    """Second reviews of the decisions on `case_ids` (the burst's, decided by colleagues):
    the first `REVIEWED_TASKS` reviewed by another of the team's specialists (never
    `signing_in`, whose record the demo leaves empty) when there is one, the next queued.
    Returns the number of tasks made (none when the team has a share set already)."""
    db = Database(db_url, pool_size=1)
    try:
        with db.write() as s:
            if s.get(QaConfigRow, team) is not None:
                return 0
            s.add(QaConfigRow(team=team, share_percent=SHARE_PERCENT, updated_by="demo seed",
                              updated_at=now, reason="The demo's sample of second reviews"))
            firsts = list(s.execute(
                select(DecisionRow, CaseRow.queue).join(CaseRow, CaseRow.id == DecisionRow.case_id)
                .where(DecisionRow.case_id.in_(case_ids)).order_by(DecisionRow.decided_at)))
            reviewers = list(s.scalars(select(User.id).where(
                User.team == team, User.role == Role.SPECIALIST.value,
                User.username != signing_in).order_by(User.id)))
            made = 0
            for n, (first, queue) in enumerate(firsts[:REVIEWED_TASKS + 1]):
                if n == REVIEWED_TASKS:
                    _task(s, first, queue, team, QUEUED)  # for the demo specialist
                    made += 1
                    continue
                others = [p for p in reviewers if p != first.user_id]
                if not others:  # one colleague only: no second reviewer on record
                    continue
                task = _task(s, first, queue, team, REVIEWED)
                _review(s, task, first, others[n % len(others)],
                        disagree=n >= REVIEWED_TASKS - DISAGREEING)
                made += 1
            return made
    finally:
        db.dispose()


def _task(s: Session, first: DecisionRow, queue: str, team: str, status: str) -> QaTaskRow:
    task = QaTaskRow(
        id="T" + hashlib.sha256(f"demo-qa:{first.client_id}".encode()).hexdigest()[:24],
        case_id=first.case_id, team=team, queue=queue,
        first_decision_client_id=first.client_id, first_user_id=first.user_id, status=status,
        created_at=first.received_at)
    s.add(task)
    s.flush()  # before its review, which refers to it
    return task


def _review(s: Session, task: QaTaskRow, first: DecisionRow, reviewer: int,
            disagree: bool) -> None:
    action = Action.RESTRICT.value if disagree else first.action
    at = first.received_at + timedelta(minutes=40)
    reason = ("A restriction is enough: the advert may run in other markets. (simulated)"
              if disagree else "Agree. (simulated)")
    s.add(QaReviewRow(
        client_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-qa-review:{first.client_id}")),
        task_id=task.id, case_id=first.case_id, user_id=reviewer, action=action,
        policy_refs=first.policy_refs if not disagree else json.dumps(["AD-SCAM-1"]),
        reason=reason, decided_at=at, received_at=at, body_hash="demo",
        agrees=action == first.action))
