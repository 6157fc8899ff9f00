"""A reviewer's safeguards on the service: the team policy, exposure ledger and break
scheduler from the `safeguards` engine, restored per request and saved in the same
transaction, so every service instance enforces the same counters.

The service's wall clock is trusted (it *is* service time), so the engine's monotonic clock
is derived from it, and time passed between requests is credited (`credit_elapsed`).

Besides the engine's own state, `save` keeps the records a lead's dashboard reads, in the same
transaction: the exposure counted by this request added to the reviewer's daily and weekly
totals (`exposure_days`, `exposure_weeks`), the enforced breaks that ended (`service_breaks`,
in full or ended early by a lead), and a `cap_reached` audit event when a cap is newly
reached. A lead's one-off overrides for the reviewer (`member_overrides`) are applied on
every load: a lifted cap in the policy, the end of the day's graphic work in the scheduler.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    bindparam,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reviewer_app.contract import OverrideKind
from reviewer_app.domain import (
    BreakEvent,
    BreakKind,
    CaseStatus,
    HarmCategory,
    Severity,
)
from reviewer_app.service import audit
from reviewer_app.service.auth import CurrentUser
from reviewer_app.service.context import ServiceContext
from reviewer_app.service.exposure_totals import CountingLedger, add_totals
from reviewer_app.service.models import (
    CaseRow,
    DecisionRow,
    LeaseRow,
    MemberOverrideRow,
    SafeguardStateRow,
    ServiceBreakRow,
    TeamPolicyRow,
    UTCDateTime,
    table,
)
from safeguards import (
    BreakRules,
    BreakScheduler,
    CapAction,
    CapStatus,
    ExposureLedger,
    ExposurePolicy,
    LeadOverride,
    Refusal,
    Verdict,
    gate,
    load_profile,
    refusal,
)
from safeguards.policy import GRAPHIC_DAILY_LIMIT

DEFAULT_PROFILE = "standard"
ENFORCED_KINDS = frozenset({BreakKind.MICRO, BreakKind.SCHEDULED, BreakKind.CAP})
"""The breaks the service's own scheduler enforces (a self-initiated one is the client's)."""


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


# ------------------------------------------------------------------ a lead's one-off overrides


@dataclass(frozen=True)
class ActiveOverride:
    """A `member_overrides` row in force (granted, not revoked, not expired)."""

    id: int
    user_id: int
    username: str
    kind: OverrideKind
    reason: str
    granted_by: str
    granted_at: datetime
    expires_at: datetime
    minutes: float | None
    cap: str | None
    limit: float | None


_OVERRIDES = table(MemberOverrideRow)
_ACTIVE_OVERRIDES = (
    select(_OVERRIDES.c.id, _OVERRIDES.c.user_id, _OVERRIDES.c.kind, _OVERRIDES.c.reason,
           _OVERRIDES.c.granted_by, _OVERRIDES.c.granted_at, _OVERRIDES.c.expires_at,
           _OVERRIDES.c.minutes, _OVERRIDES.c.cap, _OVERRIDES.c.limit_value)
    .where(_OVERRIDES.c.user_id == bindparam("uid"),
           _OVERRIDES.c.expires_at > bindparam("now", type_=UTCDateTime),
           _OVERRIDES.c.granted_at <= bindparam("now", type_=UTCDateTime),
           _OVERRIDES.c.revoked_at.is_(None))
    .order_by(_OVERRIDES.c.granted_at, _OVERRIDES.c.id))


def override_of(row: Any, username: str) -> ActiveOverride:
    return ActiveOverride(
        id=row.id, user_id=row.user_id, username=username, kind=OverrideKind(row.kind),
        reason=row.reason, granted_by=row.granted_by, granted_at=row.granted_at,
        expires_at=row.expires_at, minutes=row.minutes, cap=row.cap, limit=row.limit_value)


def active_overrides(s: Session, user_id: int, username: str,
                     now: datetime) -> list[ActiveOverride]:
    """The overrides in force for this reviewer now, oldest first (one indexed read: it
    runs on every load)."""
    rows = s.connection().execute(_ACTIVE_OVERRIDES, {"uid": user_id, "now": now}).all()
    return [override_of(r, username) for r in rows]


def cap_keys(policy: ExposurePolicy) -> list[str]:
    """What a lift_cap override may name: every cap's key, and the daily graphic limit when
    the policy has one (CapUse keys)."""
    keys = [cap.key for cap in policy.caps]
    if policy.breaks.graphic_daily_limit_minutes is not None and policy.breaks.graphic_categories:
        keys.append(GRAPHIC_DAILY_LIMIT)
    return keys


def apply_overrides(policy: ExposurePolicy, username: str,
                    overrides: Sequence[ActiveOverride]) -> ExposurePolicy:
    """The reviewer's policy with their lifted caps as the engine's own LeadOverrides (so
    the gate on both sides applies them, and `/v1/me/policy` serves them). An override's
    `limit` is in the cap's unit, seconds for the daily graphic limit (the engine's
    LeadOverride keeps that one in minutes). A lift for a cap the team no longer has is
    left out: it has nothing to lift."""
    keys = set(cap_keys(policy))
    lifts = tuple(
        LeadOverride(cap=o.cap, limit=o.limit / 60 if o.cap == GRAPHIC_DAILY_LIMIT else o.limit,
                     granted_by=o.granted_by, reason=o.reason, granted_at=o.granted_at,
                     expires_at=o.expires_at, reviewer=username)
        for o in overrides
        if o.kind is OverrideKind.LIFT_CAP and o.cap in keys and o.limit is not None)
    if not lifts:
        return policy
    return policy.model_copy(update={"overrides": policy.overrides + lifts})


def effective_policy(s: Session, user: CurrentUser, now: datetime) -> ExposurePolicy:
    """The policy in force for this reviewer: the team's, with the team-wide overrides, the
    ones granted to them in it, and their one-off overrides (`member_overrides`)."""
    policy = _team_policy_only(s, user.team).for_reviewer(user.username)
    return apply_overrides(policy, user.username, active_overrides(s, user.id,
                                                                    user.username, now))


# ------------------------------------------------------------------ what save() keeps


_INSERT_SERVICE_BREAK = insert(table(ServiceBreakRow))


def _record_breaks(s: Session, user_id: int, ended: Sequence[BreakEvent],
                   by_lead: dict[uuid.UUID, str]) -> None:
    rows = [{"user_id": user_id, "kind": e.kind.value, "started_at": e.started_at,
             "ended_at": e.ended_at, "ended_early_by": by_lead.get(e.client_id)}
            for e in ended if e.kind in ENFORCED_KINDS]
    if rows:
        s.connection().execute(_INSERT_SERVICE_BREAK, rows)


@dataclass
class Safeguards:
    policy: ExposurePolicy
    ledger: ExposureLedger
    scheduler: BreakScheduler
    clock: ServiceTime
    stored: bool  # whether the reviewer's row exists: save() updates it, else inserts it
    blocked_since: dict[str, datetime] = field(default_factory=dict)
    """Since when each blocked category has been blocked (first noticed by the service)."""
    loaded_revision: int = 0
    """The ledger's revision as loaded: unchanged, its state need not be written again (time
    passing is replayed the same way on the next load)."""
    overrides: list[ActiveOverride] = field(default_factory=list)
    """The reviewer's one-off overrides in force (already applied to `policy`)."""
    reached_before: frozenset[str] = frozenset()
    """The caps reached at the last save: a cap reached now and not then is a new hit."""
    reached: dict[str, CapStatus] | None = None
    """The caps reached at the last verdict (None: no verdict was asked for)."""
    shift_causes: dict[str, Any] = field(default_factory=dict)
    """What ended today's graphic work: {"day": n, "causes": [cap keys, "override:<id>"]}."""
    ended_by_lead: dict[uuid.UUID, str] = field(default_factory=dict)
    """Breaks ended early by a lead in this request (the ended event's id: the lead)."""

    def verdict(self, next_case: tuple[HarmCategory, Severity] | None = None) -> Verdict:
        """The gate at service time; also keeps `blocked_since`, the caps reached and what
        ended the day's graphic work up to date."""
        verdict = gate(self.policy, self.ledger, self.scheduler, next_case=next_case)
        now = self.clock.now()
        blocked = {c.value for c in verdict.blocked_categories}
        for category in blocked - self.blocked_since.keys():
            self.blocked_since[category] = now
        for category in set(self.blocked_since) - blocked:
            del self.blocked_since[category]
        self.reached = {status.cap: status for status in verdict.reached}
        caps = {cap.key: cap for cap in self.policy.caps}
        for key in self.reached:
            cap = caps.get(key)
            if key == GRAPHIC_DAILY_LIMIT or (
                    cap is not None and self.policy.action_for(cap) is CapAction.END_GRAPHIC_SHIFT):
                self._shift_cause(key)
        return verdict

    def today(self) -> int:
        """The service day number now (ExposureLedger's numbering)."""
        return self.ledger.service_day(self.clock.now())

    def _shift_cause(self, cause: str) -> None:
        today = self.today()
        if self.shift_causes.get("day") != today:
            self.shift_causes = {"day": today, "causes": []}
        if cause not in self.shift_causes["causes"]:
            self.shift_causes["causes"].append(cause)

    def apply_shift_overrides(self) -> None:
        """An end_graphic_shift override in force ends today's graphic work, with the same
        machinery as a cap whose action is end_graphic_shift (the scheduler's shift day)."""
        for o in self.overrides:
            if o.kind is OverrideKind.END_GRAPHIC_SHIFT:
                self.scheduler.end_graphic_shift(self.today())
                self._shift_cause(f"override:{o.id}")

    def reopen_graphic_shift(self, dropped: Iterable[str]) -> bool:
        """What ended today's graphic work is no longer so (`dropped`: a revoked override,
        "override:<id>", or a lifted limit's key): when nothing else ended it today, graphic
        work opens again; the gate then ends it anew if a limit in force still says so.
        True if it opened."""
        today = self.today()
        if not self.scheduler.graphic_shift_over(today):
            return False
        gone = set(dropped)
        causes = [c for c in self.shift_causes.get("causes", [])
                  if self.shift_causes.get("day") == today and c not in gone]
        if causes:
            self.shift_causes = {"day": today, "causes": causes}
            return False
        state = self.scheduler.to_state()
        state["graphic_shift_over_day"] = None
        self.scheduler = BreakScheduler.from_state(state, self.scheduler.rules, self.clock)
        self.shift_causes = {}
        self.apply_shift_overrides()
        self.verdict()
        return not self.scheduler.graphic_shift_over(today)

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
    """Restores the reviewer's ledger and scheduler at service time (row-locked for writes),
    under the policy in force for them, one-off overrides included."""
    now = ctx.now()
    overrides = active_overrides(s, user.id, user.username, now)
    policy = apply_overrides(_team_policy_only(s, user.team).for_reviewer(user.username),
                             user.username, overrides)
    clock = ServiceTime(now)
    conn = s.connection()
    query = _STATE_FOR_UPDATE if lock else _STATE_READ
    row = conn.execute(query, {"user_id": user.id}).first()
    ledger: ExposureLedger
    if row is None:
        ledger = CountingLedger(policy.service_day_utc_offset_minutes)
        scheduler = BreakScheduler(policy.breaks, clock)
        scheduler.set_idle(True)
        if not lock:
            fresh = Safeguards(policy, ledger, scheduler, clock, stored=False,
                               overrides=overrides)
            fresh.apply_shift_overrides()
            return fresh
        # First write for this reviewer: create the row race-free, then lock it.
        _insert_if_missing(s, user.id, ledger, scheduler, now)
        row = conn.execute(query, {"user_id": user.id}).first()
        assert row is not None
    ledger = CountingLedger.from_state(json.loads(row.ledger_json))
    enforcement = json.loads(row.enforcement_json or "{}")
    blocked_since = {c: datetime.fromisoformat(at)
                     for c, at in enforcement.get("blocked_since", {}).items()}
    scheduler = restore_scheduler(s, ctx, user.id, json.loads(row.scheduler_json),
                                  policy.breaks, clock)
    sg = Safeguards(policy, ledger, scheduler, clock, stored=True, blocked_since=blocked_since,
                    overrides=overrides,
                    reached_before=frozenset(enforcement.get("reached", ())),
                    shift_causes=dict(enforcement.get("shift", {})))
    sg.apply_shift_overrides()
    return sg


def restore_scheduler(s: Session, ctx: ServiceContext, user_id: int, state: dict[str, Any],
                      rules: BreakRules, clock: ServiceTime) -> BreakScheduler:
    """The reviewer's break scheduler brought up to service time: the time since it was
    saved counts as work only while they held cases (idle time is replayed as idle)."""
    now = clock.now()
    saved_at = datetime.fromisoformat(state["saved_at"])
    idle_since = None if state.get("idle") else _idle_since(s, ctx, user_id, saved_at)
    if idle_since is None:
        return BreakScheduler.from_state(state, rules, clock, credit_elapsed=True)
    # Replay the moment the reviewer stopped holding cases: idle time is not work.
    clock.set(max(saved_at, idle_since))
    scheduler = BreakScheduler.from_state(state, rules, clock, credit_elapsed=True)
    scheduler.set_idle(True)
    clock.set(now)
    scheduler.update()
    return scheduler


def _insert_if_missing(s: Session, user_id: int, ledger: ExposureLedger,
                       scheduler: BreakScheduler, now: datetime) -> None:
    values = {"user_id": user_id, "updated_at": now,
              "ledger_json": json.dumps(ledger.to_state(), separators=(",", ":")),
              "scheduler_json": json.dumps(scheduler.to_state(), separators=(",", ":"),
                                           default=str)}
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(insert(SafeguardStateRow).values(**values).on_conflict_do_nothing())


def _record_cap_hits(s: Session, ctx: ServiceContext, user: CurrentUser,
                     sg: Safeguards) -> None:
    """A cap reached now that was not at the last save is a hit (audited; the dashboard
    counts them): once per crossing, like the break a force_break cap starts."""
    if sg.reached is None:
        return
    for key in sorted(sg.reached.keys() - sg.reached_before):
        status = sg.reached[key]
        audit.record(s, at=ctx.now(), actor=user.username, action="cap_reached",
                     subject_type="user", subject_id=user.username,
                     detail={"cap": key, "window": status.window.value,
                             "used": round(status.used, 3), "limit": status.limit})
    sg.reached_before = frozenset(sg.reached)


def save(s: Session, ctx: ServiceContext, user: CurrentUser, sg: Safeguards) -> None:
    """Writes the reviewer's state back, and the records kept beside it: this request's
    counted exposure into the totals, the enforced breaks that ended, new cap hits."""
    _record_breaks(s, user.id, sg.scheduler.take_break_events(), sg.ended_by_lead)
    sg.ended_by_lead.clear()
    _record_cap_hits(s, ctx, user, sg)
    if isinstance(sg.ledger, CountingLedger) and sg.ledger.counted:
        add_totals(s, user.id, sg.ledger.utc_offset_minutes, sg.ledger.counted)
        sg.ledger.counted.clear()
    enforcement: dict[str, Any] = {
        "blocked_since": {c: at.isoformat() for c, at in sg.blocked_since.items()}}
    if sg.reached_before:
        enforcement["reached"] = sorted(sg.reached_before)
    if sg.shift_causes:
        enforcement["shift"] = sg.shift_causes
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
