"""A reviewer's safeguards on the service: the team policy, exposure ledger and break
scheduler from the `safeguards` engine, restored per request and saved in the same
transaction, so every service instance enforces the same counters.

The service's wall clock is trusted (it *is* service time), so the engine's monotonic clock
is derived from it, and time passed between requests is credited (`credit_elapsed`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, insert, select, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reviewer_app.domain import CaseStatus, HarmCategory, Severity
from reviewer_app.service.auth import CurrentUser
from reviewer_app.service.context import ServiceContext
from reviewer_app.service.models import (
    CaseRow,
    DecisionRow,
    LeaseRow,
    SafeguardStateRow,
    TeamPolicyRow,
    UTCDateTime,
    table,
)
from safeguards import (
    BreakScheduler,
    ExposureLedger,
    ExposurePolicy,
    Refusal,
    Verdict,
    gate,
    load_profile,
    refusal,
)

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
    """The team's policy and its row (for the ETag and the editor); the shipped default when
    the team has none."""
    row = s.get(TeamPolicyRow, team)
    if row is None:
        return default_policy(), None
    return _parse(row.policy_json), row


_POLICY_JSON = select(TeamPolicyRow.policy_json).where(TeamPolicyRow.team == bindparam("team"))


def _team_policy_only(s: Session, team: str) -> ExposurePolicy:
    """The policy alone, as one indexed column read (every lease and sync asks for it)."""
    policy_json = s.connection().scalar(_POLICY_JSON, {"team": team})
    return default_policy() if policy_json is None else _parse(policy_json)


def policy_etag(policy: ExposurePolicy) -> str:
    return f'"{policy.etag()}"'


@dataclass
class Safeguards:
    policy: ExposurePolicy
    ledger: ExposureLedger
    scheduler: BreakScheduler
    clock: ServiceTime
    stored: bool  # whether the reviewer's row exists: save() updates it, else inserts it
    blocked_since: dict[str, datetime] = field(default_factory=dict)
    loaded_revision: int = 0
    """The ledger's revision as loaded: unchanged, its state need not be written again (time
    passing is replayed the same way on the next load)."""
    """Since when each blocked category has been blocked (first noticed by the service)."""

    def verdict(self, next_case: tuple[HarmCategory, Severity] | None = None) -> Verdict:
        """The gate at service time; also keeps `blocked_since` up to date."""
        verdict = gate(self.policy, self.ledger, self.scheduler, next_case=next_case)
        now = self.clock.now()
        blocked = {c.value for c in verdict.blocked_categories}
        for category in blocked - self.blocked_since.keys():
            self.blocked_since[category] = now
        for category in set(self.blocked_since) - blocked:
            del self.blocked_since[category]
        return verdict

    def refusal_for(self, category: HarmCategory, severity: Severity) -> Refusal | None:
        """Whether content of this category may be served now: None, or the 423 to answer
        (an enforced break, or the category capped or past the day's graphic limit)."""
        return refusal(self.verdict(next_case=(category, severity)))

    def held_back(self, category: HarmCategory, severity: Severity,
                  made_at: datetime) -> Refusal | None:
        """A decision or note made at `made_at` on a case of this category: None when it may
        be applied now; the 423 when it was made during the enforced break or cap in force
        (what was made before the break or cap began still syncs)."""
        verdict = self.verdict(next_case=(category, severity))
        refused = refusal(verdict)
        if refused is None:
            return None
        brk = verdict.current_break
        since = (brk.started_at if brk is not None
                 else self.blocked_since.get(category.value, self.clock.now()))
        return refused if made_at >= since else None


def _idle_query() -> Select[tuple[Any, Any, Any]]:
    user_id, now = bindparam("user_id", type_=Integer), bindparam("now", type_=UTCDateTime)
    held = (select(CaseRow.id)
            .where(CaseRow.leased_by == user_id, CaseRow.status == CaseStatus.LEASED.value,
                   CaseRow.lease_expires_at > now)
            .limit(1).scalar_subquery())
    last_decision = (select(func.max(DecisionRow.received_at))
                     .where(DecisionRow.user_id == user_id).scalar_subquery())
    last_lease_end = (select(func.coalesce(LeaseRow.released_at, LeaseRow.expires_at,
                                           type_=UTCDateTime))
                      .where(LeaseRow.user_id == user_id)
                      .order_by(LeaseRow.created_at.desc()).limit(1).scalar_subquery())
    return select(held.label("held"),
                  type_coerce(last_decision, UTCDateTime).label("last_decision"),
                  type_coerce(last_lease_end, UTCDateTime).label("last_lease_end"))


_IDLE = _idle_query()


def _idle_since(
    s: Session, ctx: ServiceContext, user_id: int, saved_at: datetime
) -> datetime | None:
    """None while the reviewer holds a live lease; otherwise when they last stopped holding
    cases (their last decision, or the end of their last lease, released or expired), never
    before the state was saved. One statement: this runs on every lease."""
    now = ctx.now()
    row = s.connection().execute(_IDLE, {"user_id": user_id, "now": now}).one()
    if row.held is not None:
        return None
    candidates = [saved_at]
    if row.last_decision is not None:
        candidates.append(row.last_decision)
    if row.last_lease_end is not None and row.last_lease_end <= now:
        candidates.append(row.last_lease_end)
    return min(max(candidates), now)


_STATE = table(SafeguardStateRow)
_STATE_READ = (select(_STATE.c.ledger_json, _STATE.c.scheduler_json, _STATE.c.enforcement_json)
               .where(_STATE.c.user_id == bindparam("user_id")))
_STATE_FOR_UPDATE = _STATE_READ.with_for_update()
_STATE_UPDATE = update(_STATE).where(_STATE.c.user_id == bindparam("uid"))
_STATE_UPDATE_NO_LEDGER = (update(_STATE).where(_STATE.c.user_id == bindparam("uid"))
                           .values(scheduler_json=bindparam("scheduler_json"),
                                   enforcement_json=bindparam("enforcement_json"),
                                   updated_at=bindparam("updated_at")))
_STATE_INSERT = insert(_STATE)


def load(s: Session, ctx: ServiceContext, user: CurrentUser, *, lock: bool = True) -> Safeguards:
    """Restores the reviewer's ledger and scheduler at service time (row-locked for writes)."""
    policy = _team_policy_only(s, user.team).for_reviewer(user.username)
    now = ctx.now()
    clock = ServiceTime(now)
    conn = s.connection()
    query = _STATE_FOR_UPDATE if lock else _STATE_READ
    row = conn.execute(query, {"user_id": user.id}).first()
    if row is None:
        ledger = ExposureLedger(policy.service_day_utc_offset_minutes)
        scheduler = BreakScheduler(policy.breaks, clock)
        scheduler.set_idle(True)
        if not lock:
            return Safeguards(policy, ledger, scheduler, clock, stored=False)
        # First write for this reviewer: create the row race-free, then lock it.
        _insert_if_missing(s, user.id, ledger, scheduler, now)
        row = conn.execute(query, {"user_id": user.id}).first()
        assert row is not None
    ledger = ExposureLedger.from_state(json.loads(row.ledger_json))
    enforcement = json.loads(row.enforcement_json or "{}")
    blocked_since = {c: datetime.fromisoformat(at)
                     for c, at in enforcement.get("blocked_since", {}).items()}
    state = json.loads(row.scheduler_json)
    saved_at = datetime.fromisoformat(state["saved_at"])
    idle_since = None if state.get("idle") else _idle_since(s, ctx, user.id, saved_at)
    if idle_since is not None:
        # Replay the moment the reviewer stopped holding cases: idle time is not work.
        clock.set(max(saved_at, idle_since))
        scheduler = BreakScheduler.from_state(state, policy.breaks, clock, credit_elapsed=True)
        scheduler.set_idle(True)
        clock.set(now)
        scheduler.update()
    else:
        scheduler = BreakScheduler.from_state(state, policy.breaks, clock, credit_elapsed=True)
    return Safeguards(policy, ledger, scheduler, clock, stored=True, blocked_since=blocked_since)


def _insert_if_missing(s: Session, user_id: int, ledger: ExposureLedger,
                       scheduler: BreakScheduler, now: datetime) -> None:
    values = {"user_id": user_id, "updated_at": now,
              "ledger_json": json.dumps(ledger.to_state(), separators=(",", ":")),
              "scheduler_json": json.dumps(scheduler.to_state(), separators=(",", ":"),
                                           default=str)}
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(insert(SafeguardStateRow).values(**values).on_conflict_do_nothing())


def save(s: Session, ctx: ServiceContext, user: CurrentUser, sg: Safeguards) -> None:
    sg.scheduler.take_break_events()  # breaks the service saw end are its record already
    enforcement = {"blocked_since": {c: at.isoformat() for c, at in sg.blocked_since.items()}}
    values = {"scheduler_json": json.dumps(sg.scheduler.to_state(), separators=(",", ":"),
                                           default=str),
              "enforcement_json": json.dumps(enforcement, separators=(",", ":")),
              "updated_at": ctx.now()}
    if sg.stored and sg.ledger.revision == sg.loaded_revision:
        s.connection().execute(_STATE_UPDATE_NO_LEDGER, {"uid": user.id, **values})
        return
    values["ledger_json"] = json.dumps(sg.ledger.to_state(), separators=(",", ":"))
    sg.loaded_revision = sg.ledger.revision
    if sg.stored:
        s.connection().execute(_STATE_UPDATE, {"uid": user.id, **values})
    else:
        s.connection().execute(_STATE_INSERT, {"user_id": user.id, **values})
        sg.stored = True


def content_refusal(s: Session, ctx: ServiceContext, user: CurrentUser,
                    category: HarmCategory, severity: Severity) -> Refusal | None:
    """May this specialist be served content of this kind now? The 423 to answer during an
    enforced break or for a capped category, else None; the state is saved either way."""
    sg = load(s, ctx, user)
    refused = sg.refusal_for(category, severity)
    save(s, ctx, user, sg)
    return refused
