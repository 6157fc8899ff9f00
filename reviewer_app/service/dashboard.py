"""`GET /v1/teams/{team}/dashboard`: a team's figures for its wellness lead, from the
service's own records, never from what a client says; no case content, no media, no mood of
anyone in particular.

What it reads, and why it stays fast for a team of hundreds with months of history: the
per-day and per-week exposure totals the service keeps beside each reviewer's ledger
(`exposure_days`, `exposure_weeks`, written in the transaction that counted the exposure, so
they are the ledger's own sums), aggregated in SQL per person, category and day; the raw
exposure events of the last hour only, for rolling-hour caps; the `cap_reached` audit events;
the service's record of the enforced breaks (`service_breaks`); each reviewer's break
scheduler (its small JSON, not the ledger); the one-off overrides in force; the policy
history (`policy_change` audit events) for whether dose-aware assignment was on. About ten
statements, whatever the team's size; per person only the break scheduler is restored (and,
for someone not idle, when they stopped holding cases: one indexed statement).

Mood check-ins only ever leave as a mean over a whole completed service week and at least
5 people, fixed the first time it is read (`mood_weeks`): the same numbers at every later
read, so two reads cannot be subtracted to learn one person's answers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from reviewer_app.contract import (
    BreakState,
    ExposureAvoided,
    PersonDashboard,
    PersonExposureAvoided,
    SevereSpread,
    TeamDashboard,
    TeamExposureAvoided,
    TrendPoint,
)
from reviewer_app.domain import BreakKind, HarmCategory, ProblemCode, Role
from reviewer_app.service import groups, safeguard_state
from reviewer_app.service.auth import TeamLead
from reviewer_app.service.context import ServiceContext, get_ctx
from reviewer_app.service.exposure import (
    MIN_CHECKIN_PEOPLE,
    TeamName,
    completed_weeks,
    mood_weeks,
)
from reviewer_app.service.groups import avoided_by_user
from reviewer_app.service.models import (
    AuditRow,
    ExposureDayRow,
    ExposureRow,
    ExposureWeekRow,
    SafeguardStateRow,
    ServiceBreakRow,
    User,
    table,
)
from reviewer_app.service.openapi import model_reply, problems
from reviewer_app.service.overrides import member_override, team_active_overrides
from reviewer_app.service.periods import ServicePeriods, day_start
from reviewer_app.service.safeguard_state import (
    ActiveOverride,
    ServiceTime,
    apply_overrides,
)
from safeguards import BreakScheduler, Cap, ExposureLedger, ExposurePolicy, ReviewerState
from safeguards.clock import EPOCH
from safeguards.exposure import minute_of
from safeguards.gate import ALL_CATEGORIES, WARN_AT
from safeguards.policy import GRAPHIC_DAILY_LIMIT, CapAction, Measure, Window

router = APIRouter()
TREND_WEEKS = 8
MOOD_WEEKS = 4
GRAPHIC_MEASURE = "seconds_on_screen"
"""The daily graphic limit counts seconds on screen, blurred or revealed."""
_COMPLIANCE_KINDS = (BreakKind.MICRO.value, BreakKind.SCHEDULED.value)
"""Break compliance counts the breaks the rules require: scheduled (an added one too) and
micro; a cap's break is the cap's, counted as a cap hit."""


# ------------------------------------------------------------------ sums

SHOWN, REVEALED, SHOWN_MS, REVEALED_MS, SEVERE_REVEALED = range(5)
"""A category's sums: items shown and revealed, ms shown and revealed, severe items revealed;
then one column per threshold of the day and week caps (`Thresholds`)."""
Vector = list[int]
Thresholds = tuple[tuple[int, Measure], ...]
"""The distinct (min_severity, measure) of the policy's day and week caps: SQL sums each as
one more column, so a cap's use is a sum over its categories."""
_ORDER = [c.value for c in HarmCategory]
_HOUR_EVENT = tuple[datetime, str, int, str, int]
"""(at, category, severity, kind, duration_ms) of a counted event in the rolling hour."""


def _thresholds(policy: ExposurePolicy) -> Thresholds:
    found = {(int(c.min_severity), c.measure) for c in policy.caps if c.window is not Window.HOUR}
    return tuple(sorted(found))


def _add(into: dict[str, Vector], category: str, vec: Vector) -> None:
    have = into.get(category)
    if have is None:
        into[category] = list(vec)
    else:
        for i, v in enumerate(vec):
            have[i] += v


@dataclass
class _Person:
    id: int
    username: str
    today: dict[str, Vector] = field(default_factory=dict)
    week: dict[str, Vector] = field(default_factory=dict)
    hour_events: list[_HOUR_EVENT] = field(default_factory=list)
    hits_today: int = 0
    hits_week: int = 0
    breaks_today: list[int] = field(default_factory=lambda: [0, 0, 0])
    breaks_week: list[int] = field(default_factory=lambda: [0, 0, 0])
    scheduler_json: str | None = None
    overrides: list[ActiveOverride] = field(default_factory=list)

    def severe_today(self) -> int:
        return sum(vec[SEVERE_REVEALED] for vec in self.today.values())


# ------------------------------------------------------------------ the reads


def _members_query(team: str) -> Any:
    return (select(User.id).where(User.team == team, User.role == Role.SPECIALIST.value,
                                  User.disabled.is_(False)).scalar_subquery())


def _people(s: Session, team: str) -> dict[int, _Person]:
    rows = s.connection().execute(
        select(User.id, User.username)
        .where(User.team == team, User.role == Role.SPECIALIST.value, User.disabled.is_(False))
        .order_by(User.username)).all()
    return {r.id: _Person(r.id, r.username) for r in rows}


def _measure_column(measure: Measure) -> Any:
    d = ExposureDayRow
    return {Measure.SHOWN: d.shown, Measure.REVEALED: d.revealed,
            Measure.SECONDS_REVEALED: d.revealed_ms}[measure]


def _read_days(s: Session, members: Any, people: dict[int, _Person], periods: ServicePeriods,
               severe: int, thresholds: Thresholds) -> None:
    """Today's and this week's sums per person and category: one GROUP BY person, day and
    category over the daily totals (at most 7 days of rows per person; in the primary key's
    order, so no sort), severities summed in SQL."""
    d = ExposureDayRow
    sums = [func.sum(d.shown), func.sum(d.revealed), func.sum(d.shown_ms),
            func.sum(d.revealed_ms), func.sum(case((d.severity >= severe, d.revealed), else_=0))]
    sums += [func.sum(case((d.severity >= minimum, _measure_column(measure)), else_=0))
             for minimum, measure in thresholds]
    is_today = case((d.day == periods.today, 1), else_=0)
    rows = s.connection().execute(
        select(d.user_id, is_today, d.harm_category, *sums)
        .where(d.user_id.in_(members), d.day >= periods.week,
               d.day < periods.week + timedelta(days=7))
        .group_by(d.user_id, d.day, d.harm_category)).all()
    for user_id, today, category, *values in rows:
        person = people.get(user_id)
        if person is None:
            continue
        vec = [int(v or 0) for v in values]
        _add(person.week, category, vec)
        if today:
            _add(person.today, category, vec)


def _read_hour(s: Session, members: Any, people: dict[int, _Person], since: datetime) -> None:
    """The counted exposure events of the rolling hour (for hour caps): the only raw events
    read, an index range per person."""
    e = ExposureRow
    rows = s.connection().execute(
        select(e.user_id, e.at, e.harm_category, e.severity, e.kind, e.duration_ms)
        .where(e.user_id.in_(members), e.at >= since, e.status == "counted")).all()
    for user_id, at, category, severity, kind, duration_ms in rows:
        person = people.get(user_id)
        if person is not None:
            person.hour_events.append((at, category, int(severity), kind, int(duration_ms)))


def _buckets(column: Any, starts: Sequence[datetime]) -> ColumnElement[int]:
    """The index of the period (starting at `starts`, ascending) that holds `column`; -1
    before the first."""
    whens = [(column >= start, i) for i, start in reversed(list(enumerate(starts)))]
    return case(*whens, else_=-1)


def _cap_hits(s: Session, team: str, weeks: Sequence[datetime],
              periods: ServicePeriods) -> dict[str, dict[int, int]]:
    """Cap hits (audit `cap_reached`) per person: per trend week index, and today (-2)."""
    a = AuditRow
    names = select(User.username).where(User.team == team).scalar_subquery()
    bucket = _buckets(a.at, weeks).label("bucket")
    today = func.sum(case((a.at >= periods.day_start, 1), else_=0))
    rows = s.connection().execute(
        select(a.subject_id, bucket, func.count(), today)
        .where(a.action == "cap_reached", a.at >= weeks[0], a.subject_id.in_(names))
        .group_by(a.subject_id, bucket)).all()
    hits: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for username, week, count, in_today in rows:
        hits[username][int(week)] += int(count)
        hits[username][-2] += int(in_today or 0)
    return hits


def _read_breaks(s: Session, members: Any, people: dict[int, _Person],
                 periods: ServicePeriods) -> None:
    """The enforced breaks the service recorded this week: due, taken in full, ended early
    by a lead; today and this week."""
    b = ServiceBreakRow
    early = b.ended_early_by.is_not(None)
    in_today = b.started_at >= periods.day_start

    def count(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    rows = s.connection().execute(
        select(b.user_id, func.count(), count(~early), count(early), count(in_today),
               count(and_(in_today, ~early)), count(and_(in_today, early)))
        .where(b.user_id.in_(members), b.started_at >= periods.week_start,
               b.kind.in_(_COMPLIANCE_KINDS))
        .group_by(b.user_id)).all()
    for user_id, due, taken, over, due_t, taken_t, over_t in rows:
        person = people.get(user_id)
        if person is not None:
            person.breaks_week = [int(due), int(taken or 0), int(over or 0)]
            person.breaks_today = [int(due_t or 0), int(taken_t or 0), int(over_t or 0)]


def _read_schedulers(s: Session, members: Any, people: dict[int, _Person]) -> None:
    st = table(SafeguardStateRow)
    for user_id, scheduler_json in s.connection().execute(
            select(st.c.user_id, st.c.scheduler_json).where(st.c.user_id.in_(members))):
        person = people.get(user_id)
        if person is not None:
            person.scheduler_json = scheduler_json


# ------------------------------------------------------------------ one person


def _cap_label(cap: Cap) -> str:
    cats = "+".join(c.value for c in cap.categories) or "all categories"
    severity = f" sev>={int(cap.min_severity)}" if int(cap.min_severity) > 0 else ""
    measure = cap.measure.value.replace("_", " ")
    return f"{cats}{severity} {measure}/{cap.window.value}"


def _event_measure(kind: str, ms: int, measure: Measure) -> float:
    if measure is Measure.SHOWN:
        return 1.0 if kind != "revealed" else 0.0
    if kind != "revealed":
        return 0.0
    return 1.0 if measure is Measure.REVEALED else ms / 1000


def _matches(cap: Cap, category: str, severity: int) -> bool:
    return severity >= int(cap.min_severity) and (
        not cap.categories or HarmCategory(category) in cap.categories)


def _hour_used(person: _Person, cap: Cap) -> float:
    return sum(_event_measure(kind, ms, cap.measure)
               for _at, category, severity, kind, ms in person.hour_events
               if _matches(cap, category, severity))


def _window_used(sums: dict[str, Vector], cap: Cap, column: int) -> float:
    wanted = {c.value for c in cap.categories}
    used = sum(vec[column] for category, vec in sums.items()
               if not wanted or category in wanted)
    return used / 1000 if cap.measure is Measure.SECONDS_REVEALED else float(used)


def _hour_frees_at(person: _Person, cap: Cap, limit: float, now: datetime) -> datetime:
    """When the rolling-hour total of `cap` falls below `limit` as minutes leave the hour
    (the ledger's hour_frees_at, over the same events)."""
    if limit <= 0:
        return now + timedelta(hours=1)
    by_minute: dict[int, float] = defaultdict(float)
    for at, category, severity, kind, ms in person.hour_events:
        if _matches(cap, category, severity):
            by_minute[minute_of(at)] += _event_measure(kind, ms, cap.measure)
    remaining = sum(by_minute.values())
    for minute in sorted(by_minute):
        remaining -= by_minute[minute]
        if remaining < limit:
            return EPOCH + timedelta(minutes=minute + 60)
    return now + timedelta(hours=1)


@dataclass(frozen=True)
class _Block:
    code: ProblemCode
    until: datetime


def _add_block(blocks: dict[HarmCategory, _Block], categories: Iterable[HarmCategory],
               code: ProblemCode, until: datetime) -> None:
    """Per category the block that lasts longest; on a tie, the end of the graphic shift
    (as the gate keeps them)."""
    for category in categories:
        held = blocks.get(category)
        if held is None or until > held.until or (
                until == held.until and code is ProblemCode.SHIFT_LIMIT):
            blocks[category] = _Block(code, until)


def _figures(sums: dict[str, Vector]) -> list[dict[str, Any]]:
    """CategoryFigures as plain data: the person's whole PersonDashboard is validated in one
    call (thousands of small models one by one cost more than the SQL)."""
    return [{"harm_category": category, "shown": vec[SHOWN], "revealed": vec[REVEALED],
             "revealed_seconds": vec[REVEALED_MS] / 1000,
             "severe_revealed": vec[SEVERE_REVEALED]}
            for category in _ORDER
            if (vec := sums.get(category)) is not None
            and (vec[SHOWN] or vec[REVEALED] or vec[REVEALED_MS])]


@dataclass
class _CapsOf:
    uses: list[dict[str, Any]]
    """CapUse as plain data (validated with the person's PersonDashboard)."""
    blocks: dict[HarmCategory, _Block]
    shift_over: bool


def _caps(person: _Person, policy: ExposurePolicy, periods: ServicePeriods,
          ledger: ExposureLedger, thresholds: Thresholds) -> _CapsOf:
    """CapUse for every cap and the daily graphic limit, at the limits in force for this
    person; and what reaching them blocks (as the gate decides it)."""
    now = periods.now
    windows = {Window.DAY: person.today, Window.WEEK: person.week}
    uses: list[dict[str, Any]] = []
    blocks: dict[HarmCategory, _Block] = {}
    shift_over = False
    for cap in policy.caps:
        limit = policy.limit_for(cap, now)
        if cap.window is Window.HOUR:
            used = _hour_used(person, cap)
        else:
            column = SEVERE_REVEALED + 1 + thresholds.index((int(cap.min_severity),
                                                             cap.measure))
            used = _window_used(windows[cap.window], cap, column)
        uses.append({"key": cap.key, "label": _cap_label(cap), "window": cap.window.value,
                     "measure": cap.measure.value, "used": used, "limit": limit,
                     "fraction": 1.0 if limit <= 0 else used / limit,
                     "overridden": limit != float(cap.limit)})
        if used < limit:
            continue
        frees = (_hour_frees_at(person, cap, limit, now) if cap.window is Window.HOUR
                 else ledger.window_end(cap.window, now))
        _add_block(blocks, cap.categories or ALL_CATEGORIES, ProblemCode.CAP_REACHED, frees)
        if policy.action_for(cap) is CapAction.END_GRAPHIC_SHIFT:
            shift_over = True
    graphic = {c.value for c in policy.breaks.graphic_categories}
    graphic_limit = policy.graphic_limit_seconds(now)
    if graphic and graphic_limit is not None:
        used = sum(vec[SHOWN_MS] + vec[REVEALED_MS] for category, vec in person.today.items()
                   if category in graphic) / 1000
        minutes = policy.breaks.graphic_daily_limit_minutes or 0
        uses.append({"key": GRAPHIC_DAILY_LIMIT, "label": "graphic categories on screen/day",
                     "window": "day", "measure": GRAPHIC_MEASURE, "used": used,
                     "limit": graphic_limit,
                     "fraction": 1.0 if graphic_limit <= 0 else used / graphic_limit,
                     "overridden": graphic_limit != minutes * 60})
        shift_over = shift_over or used >= graphic_limit
    return _CapsOf(uses, blocks, shift_over)


def _scheduler(s: Session, ctx: ServiceContext, person: _Person, policy: ExposurePolicy,
               now: datetime) -> BreakScheduler:
    clock = ServiceTime(now)
    if person.scheduler_json is None:
        scheduler = BreakScheduler(policy.breaks, clock)
        scheduler.set_idle(True)
        return scheduler
    return safeguard_state.restore_scheduler(s, ctx, person.id,
                                             json.loads(person.scheduler_json),
                                             policy.breaks, clock)


def _break_state(scheduler: BreakScheduler, caps: _CapsOf, graphic: frozenset[HarmCategory],
                 periods: ServicePeriods, today: int) -> BreakState:
    """The reviewer's state as the gate would answer a lease now (see safeguards.gate):
    a break in progress; else every category blocked (by caps, or the graphic shift's
    end); else the graphic shift over; else reviewing."""
    now = periods.now
    brk = scheduler.current_break
    work = scheduler.work_seconds
    if brk is not None:
        until = now + timedelta(seconds=brk.remaining_seconds) if brk.enforced else None
        reason = (ProblemCode.CAP_REACHED if brk.state is ReviewerState.CAP_REACHED
                  else ProblemCode.ON_BREAK)
        return BreakState(state=brk.state.value, kind=brk.kind, started_at=brk.started_at,
                          until=until, reason=reason.value, work_seconds=work)
    blocks = dict(caps.blocks)
    shift_over = bool(graphic) and (caps.shift_over or scheduler.graphic_shift_over(today))
    if shift_over:
        _add_block(blocks, graphic, ProblemCode.SHIFT_LIMIT, periods.day_end)
    if frozenset(blocks) >= ALL_CATEGORIES:
        first = min(blocks.values(), key=lambda b: b.until)
        state = (ReviewerState.SHIFT_OVER if first.code is ProblemCode.SHIFT_LIMIT
                 else ReviewerState.CAP_REACHED)
        return BreakState(state=state.value, until=first.until, reason=first.code.value,
                          work_seconds=work)
    state = ReviewerState.SHIFT_OVER if shift_over else ReviewerState.REVIEWING
    return BreakState(state=state.value, work_seconds=work)


def _compliance(recorded: list[int], scheduler: BreakScheduler, since: datetime,
                finished: Sequence[Any]) -> dict[str, int]:
    """The recorded breaks, plus the service's own view since the reviewer's last request:
    breaks that have ended since (in full) and the one running now (due, not taken yet)."""
    due, taken, overridden = recorded
    for event in finished:
        if event.kind.value in _COMPLIANCE_KINDS and event.started_at >= since:
            due += 1
            taken += 1
    brk = scheduler.current_break
    if brk is not None and brk.kind.value in _COMPLIANCE_KINDS and brk.started_at >= since:
        due += 1
    return {"due": due, "taken": taken, "overridden": overridden}


def _person(s: Session, ctx: ServiceContext, person: _Person, team_policy: ExposurePolicy,
            periods: ServicePeriods, ledger: ExposureLedger,
            thresholds: Thresholds, avoided: ExposureAvoided) -> PersonDashboard:
    now = periods.now
    policy = team_policy
    if team_policy.overrides or person.overrides:
        policy = apply_overrides(team_policy.for_reviewer(person.username), person.username,
                                 person.overrides)
    caps = _caps(person, policy, periods, ledger, thresholds)
    scheduler = _scheduler(s, ctx, person, policy, now)
    finished = scheduler.take_break_events()
    state = _break_state(scheduler, caps, frozenset(policy.breaks.graphic_categories),
                         periods, ledger.service_day(now))
    max_fraction = max((u["fraction"] for u in caps.uses), default=0.0)
    return PersonDashboard.model_validate({
        "username": person.username,
        "today": _figures(person.today),
        "week": _figures(person.week),
        "caps": caps.uses,
        "max_fraction": max_fraction,
        "near_cap": max_fraction >= WARN_AT,
        "cap_hits_today": person.hits_today,
        "cap_hits_week": person.hits_week,
        "breaks_today": _compliance(person.breaks_today, scheduler, periods.day_start,
                                    finished),
        "breaks_week": _compliance(person.breaks_week, scheduler, periods.week_start, finished),
        "break_state": state,
        "overrides": [member_override(o, person.username) for o in person.overrides],
        "exposure_avoided": avoided,
    })


# ------------------------------------------------------------------ the team


def _trend_weeks(periods: ServicePeriods) -> list[date]:
    return [periods.week - timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]


def _policy_history(s: Session, team: str) -> list[tuple[datetime, bool | None, bool | None]]:
    """(when, dose_aware before, dose_aware after) of each policy change (None: the change
    was recorded before the audit kept the assignment rules)."""
    rows = s.connection().execute(
        select(AuditRow.at, AuditRow.detail_json)
        .where(AuditRow.action == "policy_change", AuditRow.subject_type == "team",
               AuditRow.subject_id == team)
        .order_by(AuditRow.at, AuditRow.id)).all()
    history = []
    for at, detail_json in rows:
        try:
            detail = json.loads(detail_json)
        except ValueError:
            detail = {}

        def aware(name: str, d: dict[str, Any] = detail) -> bool | None:
            rules = d.get(name)
            return bool(rules.get("dose_aware")) if isinstance(rules, dict) else None

        history.append((at, aware("from_assignment"), aware("assignment")))
    return history


def dose_aware_at(history: Sequence[tuple[datetime, bool | None, bool | None]],
                  when: datetime, current: bool) -> bool:
    """Whether dose-aware assignment was on at `when`: after the last change before it,
    else before the first change after it, else as now."""
    before = [h for h in history if h[0] <= when]
    if before and before[-1][2] is not None:
        return before[-1][2]
    after = [h for h in history if h[0] > when]
    if after and after[0][1] is not None:
        return after[0][1]
    return current


def _trend(s: Session, team: str, members: Any, people: dict[int, _Person],
           policy: ExposurePolicy, periods: ServicePeriods,
           hits: dict[str, dict[int, int]]) -> list[TrendPoint]:
    """Team totals per service week, the last 8 (this one included), oldest first."""
    weeks = _trend_weeks(periods)
    severe = policy.assignment.severe_from_severity
    w = ExposureWeekRow
    severe_revealed = func.sum(case((w.severity >= severe, w.revealed), else_=0))
    rows = s.connection().execute(
        select(w.user_id, w.week, func.sum(w.shown), func.sum(w.revealed),
               func.sum(w.revealed_ms), severe_revealed)
        .where(w.user_id.in_(members), w.week >= weeks[0])
        .group_by(w.user_id, w.week)).all()
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    severe_by: dict[date, dict[int, int]] = defaultdict(dict)
    for user_id, week, shown, revealed, revealed_ms, severe_count in rows:
        if user_id not in people:
            continue
        t = totals[week]
        t[0] += int(shown or 0)
        t[1] += int(revealed or 0)
        t[2] += int(revealed_ms or 0)
        t[3] += int(severe_count or 0)
        severe_by[week][user_id] = int(severe_count or 0)
    history = _policy_history(s, team)
    names = {p.username for p in people.values()}
    points = []
    for i, week in enumerate(weeks):
        shown, revealed, revealed_ms, severe_total = totals.get(week, [0, 0, 0, 0])
        top = max(severe_by.get(week, {}).values(), default=0)
        week_end = min(day_start(week + timedelta(days=7), periods.offset), periods.now)
        points.append(TrendPoint(
            week_start=week, shown=shown, revealed=revealed,
            revealed_seconds=revealed_ms / 1000,
            cap_hits=sum(hits[n].get(i, 0) for n in names if n in hits),
            severe_revealed=severe_total,
            severe_top_share=top / severe_total if severe_total else None,
            dose_aware=dose_aware_at(history, week_end, policy.assignment.dose_aware)))
    return points


def build(s: Session, ctx: ServiceContext, team: str) -> tuple[TeamDashboard, ServicePeriods]:
    """The dashboard without its moods (those need a write the first time: `mood_weeks`)."""
    now = ctx.now()
    policy, _row = safeguard_state.team_policy(s, team)
    offset = policy.service_day_utc_offset_minutes
    periods = ServicePeriods.at(now, offset)
    ledger = ExposureLedger(offset)  # the ledger's own day, week and hour boundaries
    members = _members_query(team)
    people = _people(s, team)
    severe = policy.assignment.severe_from_severity
    thresholds = _thresholds(policy)
    _read_days(s, members, people, periods, severe, thresholds)
    if any(cap.window is Window.HOUR for cap in policy.caps):
        _read_hour(s, members, people, ledger.window_start(Window.HOUR, now))
    weeks = [day_start(w, offset) for w in _trend_weeks(periods)]
    hits = _cap_hits(s, team, weeks, periods)
    by_name = {p.username: p for p in people.values()}
    for username, counts in hits.items():
        person = by_name.get(username)
        if person is not None:
            person.hits_today = counts.get(-2, 0)
            person.hits_week = counts.get(TREND_WEEKS - 1, 0)
    _read_breaks(s, members, people, periods)
    _read_schedulers(s, members, people)
    for o in team_active_overrides(s, team, now):
        if o.user_id in people:
            people[o.user_id].overrides.append(o)
    avoided = avoided_by_user(s, list(people), periods)
    persons = [_person(s, ctx, p, policy, periods, ledger, thresholds, avoided[uid])
               for uid, p in people.items()]
    persons.sort(key=lambda p: (not p.near_cap, -p.max_fraction, p.username))
    spread = {p.username: p.severe_today() for p in people.values()}
    total = sum(spread.values())
    board = TeamDashboard(
        team=team, generated_at=now, day_start=periods.day_start,
        week_start=periods.week_start, dose_aware=policy.assignment.dose_aware,
        severe_from_severity=severe, people=persons,
        spread_today=SevereSpread(per_person=spread,
                                  top_share=max(spread.values()) / total if total else None),
        trend=_trend(s, team, members, people, policy, periods, hits),
        mood=[], mood_min_people=MIN_CHECKIN_PEOPLE)
    return board, periods


@router.get("/teams/{team}/dashboard", response_model=TeamDashboard, responses=problems(403))
def team_dashboard(
    team: TeamName,
    user: TeamLead,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """The team's figures from the service's own counters: per reviewer, today (the service
    day at the policy's UTC offset) and this service week, items shown and revealed and
    seconds revealed per harm category, every cap's use at the limit in force, cap hits,
    break compliance, break state and overrides in force; people at 80% of a cap or more
    first. The severe-exposure spread today, the trend of the last 8 weeks (with whether
    dose-aware assignment was on), and moods over the last 4 completed weeks (over at
    least 5 people only). For the team's wellness lead and admins: no case content, no
    media."""
    with ctx.db.read() as s:
        board, periods = build(s, ctx, team)
    moods = mood_weeks(ctx, team, completed_weeks(periods, MOOD_WEEKS), periods.offset)
    return model_reply(board.model_copy(update={"mood": moods}))


@router.get("/teams/{team}/exposure-avoided", response_model=TeamExposureAvoided,
            responses=problems(403))
def team_exposure_avoided(
    team: TeamName,
    user: TeamLead,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """The reveals near-duplicate matching spared each member (groups.py): today, this
    service week and in all, and the team's totals. Counts only, for the team's wellness
    lead and admins."""
    with ctx.db.read() as s:
        policy, _row = safeguard_state.team_policy(s, team)
        periods = ServicePeriods.at(ctx.now(), policy.service_day_utc_offset_minutes)
        people = _people(s, team)
        avoided = groups.avoided_by_user(s, list(people), periods)
    rows = [PersonExposureAvoided(username=p.username, **avoided[uid].model_dump())
            for uid, p in people.items()]
    total = ExposureAvoided(today=sum(r.today for r in rows), week=sum(r.week for r in rows),
                            total=sum(r.total for r in rows))
    return model_reply(TeamExposureAvoided(team=team, people=rows, total=total))
