"""A reviewer's safeguards on the service: the team policy, exposure ledger and break
scheduler from the `safeguards` engine, restored per request and saved in the same
transaction, so every service instance enforces the same counters.

The service's wall clock is trusted (it *is* service time), so the engine's monotonic clock
is derived from it, and time passed between requests is credited (`credit_elapsed`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reviewer_app.domain import CaseStatus
from reviewer_app.service.auth import CurrentUser
from reviewer_app.service.context import ServiceContext
from reviewer_app.service.models import (
    CaseRow,
    DecisionRow,
    LeaseRow,
    SafeguardStateRow,
    TeamPolicyRow,
)
from safeguards import BreakScheduler, ExposureLedger, ExposurePolicy, Verdict, gate, load_profile

DEFAULT_PROFILE = "standard"


class ServiceTime:
    """The safeguards Clock protocol over service time; `monotonic` follows the wall clock."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._now.timestamp()

    def set(self, now: datetime) -> None:
        self._now = now


@lru_cache(maxsize=1)
def default_policy() -> ExposurePolicy:
    """The shipped `standard` profile; the engine's defaults if the profiles are not installed."""
    try:
        return load_profile(DEFAULT_PROFILE)
    except (FileNotFoundError, OSError):
        return ExposurePolicy(name=DEFAULT_PROFILE)


@lru_cache(maxsize=256)
def _parse(policy_json: str) -> ExposurePolicy:
    return ExposurePolicy.from_json(policy_json)


def team_policy(s: Session, team: str) -> tuple[ExposurePolicy, TeamPolicyRow | None]:
    row = s.get(TeamPolicyRow, team)
    if row is None:
        return default_policy(), None
    return _parse(row.policy_json), row


def policy_etag(policy: ExposurePolicy) -> str:
    return f'"{policy.etag()}"'


@dataclass
class Safeguards:
    policy: ExposurePolicy
    ledger: ExposureLedger
    scheduler: BreakScheduler
    clock: ServiceTime
    row: SafeguardStateRow | None

    def verdict(self) -> Verdict:
        return gate(self.policy, self.ledger, self.scheduler)


def _holds_cases(s: Session, ctx: ServiceContext, user_id: int) -> bool:
    held = s.scalar(
        select(CaseRow.id).where(
            CaseRow.leased_by == user_id, CaseRow.status == CaseStatus.LEASED.value,
            CaseRow.lease_expires_at > ctx.now(),
        ).limit(1)
    )
    return held is not None


def _idle_since(s: Session, ctx: ServiceContext, user_id: int, saved_at: datetime) -> datetime:
    """When the reviewer last stopped holding cases: their last decision, or the end of their
    last lease (released or expired), never before the state was saved."""
    now = ctx.now()
    candidates = [saved_at]
    last_decision = s.scalar(
        select(func.max(DecisionRow.received_at)).where(DecisionRow.user_id == user_id)
    )
    if last_decision is not None:
        candidates.append(last_decision)
    lease = s.scalars(
        select(LeaseRow).where(LeaseRow.user_id == user_id)
        .order_by(LeaseRow.created_at.desc()).limit(1)
    ).first()
    if lease is not None:
        end = lease.released_at or lease.expires_at
        if end <= now:
            candidates.append(end)
    return min(max(candidates), now)


def load(s: Session, ctx: ServiceContext, user: CurrentUser, *, lock: bool = True) -> Safeguards:
    """Restores the reviewer's ledger and scheduler at service time (row-locked for writes)."""
    policy = team_policy(s, user.team)[0].for_reviewer(user.username)
    now = ctx.now()
    clock = ServiceTime(now)
    row = s.get(SafeguardStateRow, user.id, with_for_update=lock)
    if row is None:
        ledger = ExposureLedger(policy.service_day_utc_offset_minutes)
        scheduler = BreakScheduler(policy.breaks, clock)
        scheduler.set_idle(True)
        if not lock:
            return Safeguards(policy, ledger, scheduler, clock, None)
        # First write for this reviewer: create the row race-free, then lock it.
        _insert_if_missing(s, user.id, ledger, scheduler, now)
        row = s.get(SafeguardStateRow, user.id, with_for_update=True, populate_existing=True)
        assert row is not None
    ledger = ExposureLedger.from_state(json.loads(row.ledger_json))
    state = json.loads(row.scheduler_json)
    if not state.get("idle") and not _holds_cases(s, ctx, user.id):
        # Replay the moment the reviewer stopped holding cases: idle time is not work.
        saved_at = datetime.fromisoformat(state["saved_at"])
        clock.set(max(saved_at, _idle_since(s, ctx, user.id, saved_at)))
        scheduler = BreakScheduler.from_state(state, policy.breaks, clock, credit_elapsed=True)
        scheduler.set_idle(True)
        clock.set(now)
        scheduler.update()
    else:
        scheduler = BreakScheduler.from_state(state, policy.breaks, clock, credit_elapsed=True)
    return Safeguards(policy, ledger, scheduler, clock, row)


def _insert_if_missing(s: Session, user_id: int, ledger: ExposureLedger,
                       scheduler: BreakScheduler, now: datetime) -> None:
    values = {"user_id": user_id, "updated_at": now,
              "ledger_json": json.dumps(ledger.to_state(), separators=(",", ":")),
              "scheduler_json": json.dumps(scheduler.to_state(), separators=(",", ":"),
                                           default=str)}
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(insert(SafeguardStateRow).values(**values).on_conflict_do_nothing())


def save(s: Session, ctx: ServiceContext, user: CurrentUser, sg: Safeguards) -> None:
    ledger_json = json.dumps(sg.ledger.to_state(), separators=(",", ":"))
    scheduler_json = json.dumps(sg.scheduler.to_state(), separators=(",", ":"), default=str)
    if sg.row is None:
        sg.row = SafeguardStateRow(user_id=user.id, ledger_json=ledger_json,
                                   scheduler_json=scheduler_json, updated_at=ctx.now())
        s.add(sg.row)
    else:
        sg.row.ledger_json = ledger_json
        sg.row.scheduler_json = scheduler_json
        sg.row.updated_at = ctx.now()
