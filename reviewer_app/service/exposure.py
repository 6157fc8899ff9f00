"""Safeguards over HTTP: a reviewer's effective policy and counters, a team's policy (ETag and
If-Match, leads and admins only, audited with a reason), a team's exposure, break overrides,
and the team's check-in moods (only over whole completed weeks and at least 5 people).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reviewer_app.contract import (
    BreakOverride,
    BreakState,
    ExposureCounter,
    ExposureStatus,
    MemberExposure,
    MoodAggregate,
    PolicyUpdate,
    TeamExposure,
    TeamPolicy,
)
from reviewer_app.domain import ProblemCode, Role
from reviewer_app.service import audit, safeguard_state
from reviewer_app.service.auth import CurrentUser, SignedIn, TeamLead, TeamMember
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.models import BreakRow, MoodWeekRow, TeamPolicyRow, User
from reviewer_app.service.openapi import problems
from reviewer_app.service.periods import ServicePeriods, day_start
from reviewer_app.service.problems import ProblemError
from reviewer_app.service.safeguard_state import Safeguards, policy_etag
from safeguards import ExposurePolicy, Verdict

router = APIRouter()
TeamName = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")]
MIN_CHECKIN_PEOPLE = 5
"""Moods are shown only as a mean over at least this many distinct people."""


def _counters(sg: Safeguards) -> list[ExposureCounter]:
    return [
        ExposureCounter(harm_category=row.category.value, severity=int(row.severity),
                        window=row.window.value, shown=row.tally.shown,
                        revealed=row.tally.revealed,
                        revealed_ms=int(round(row.tally.seconds_revealed * 1000)))
        for row in sg.ledger.rows(sg.clock.now())
    ]


def _break_state(sg: Safeguards, verdict: Verdict) -> BreakState:
    current = verdict.current_break
    until = verdict.until
    if until is None and current is not None and current.length_seconds is not None:
        until = sg.clock.now() + timedelta(seconds=current.remaining_seconds)
    return BreakState(state=verdict.state.value, kind=current.kind if current else None,
                      started_at=current.started_at if current else None,
                      until=until, reason=verdict.reason.value if verdict.reason else "",
                      work_seconds=sg.scheduler.work_seconds)


def _status(sg: Safeguards) -> ExposureStatus:
    verdict = sg.verdict()
    detail: dict[str, Any] = {
        "policy_version": verdict.policy_version,
        "blocked_categories": sorted(c.value for c in verdict.blocked_categories),
        "warnings": [_cap(c) for c in verdict.warnings],
        "reached": [_cap(c) for c in verdict.reached],
        "retry_after_s": verdict.retry_after_seconds,
    }
    today = sg.ledger.service_day(sg.clock.now())
    return ExposureStatus(counters=_counters(sg), break_state=_break_state(sg, verdict),
                          graphic_shift_over=sg.scheduler.graphic_shift_over(today),
                          ledger=sg.ledger.to_state(), detail=detail)


def _cap(status: Any) -> dict[str, Any]:
    return {"cap": status.cap, "window": str(status.window), "used": status.used,
            "limit": status.limit, "fraction": status.fraction}


@router.get("/me/policy", response_model=ExposurePolicy,
            responses={304: {"description": "unchanged since the ETag in If-None-Match"},
                       **problems()})
def my_policy(
    response: Response,
    user: SignedIn,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    if_none_match: Annotated[str | None, Header(alias="If-None-Match", max_length=500)] = None,
) -> ExposurePolicy | Response:
    """The policy in force for me: my team's, with only the overrides that apply to me (a
    cap a lead lifted for me today among them). With If-None-Match of its ETag, 304 and no
    body: the client asks after every sync."""
    with ctx.db.read() as s:
        policy = safeguard_state.effective_policy(s, user, ctx.now())
    etag = policy_etag(policy)
    if if_none_match and _matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return policy


@router.get("/me/exposure", response_model=ExposureStatus, responses=problems())
def my_exposure(
    user: SignedIn,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> ExposureStatus:
    """The service's counters for me and my break state (service time)."""
    with ctx.db.write() as s:
        sg = safeguard_state.load(s, ctx, user)
        status = _status(sg)
        safeguard_state.save(s, ctx, user, sg)
    return status


def _team_policy_out(team: str, policy: ExposurePolicy, row: TeamPolicyRow | None) -> TeamPolicy:
    return TeamPolicy(
        team=team, version=policy.version, policy=policy.model_dump(mode="json"),
        updated_by=row.updated_by if row else "", updated_at=row.updated_at if row else None,
        reason=row.reason if row else "shipped default profile",
    )


@router.get("/teams/{team}/policy", response_model=TeamPolicy, responses=problems(403))
def get_team_policy(
    team: TeamName,
    response: Response,
    user: TeamMember,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> TeamPolicy:
    with ctx.db.read() as s:
        policy, row = safeguard_state.team_policy(s, team)
    response.headers["ETag"] = policy_etag(policy)
    return _team_policy_out(team, policy, row)


def _matches(if_match: str, etag: str) -> bool:
    wanted = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    return "*" in wanted or etag in wanted


@router.put("/teams/{team}/policy", response_model=TeamPolicy,
            responses=problems(403, 412, 428))
def put_team_policy(
    team: TeamName,
    body: PolicyUpdate,
    request: Request,
    response: Response,
    user: TeamLead,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=500)] = None,
) -> TeamPolicy:
    """Replaces the team's policy: If-Match with the current ETag is required (428 without,
    412 when stale); the version goes up by one; the change and its reason are audited."""
    if not if_match:
        raise ProblemError(428, ProblemCode.PRECONDITION_REQUIRED,
                           "send If-Match with the ETag of the policy you edited")
    try:
        proposed = ExposurePolicy.model_validate(body.policy)
    except ValidationError as exc:
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                           for e in exc.errors()[:5])
        raise ProblemError(422, ProblemCode.VALIDATION, detail) from None
    with ctx.db.write() as s:
        current, row = safeguard_state.team_policy(s, team)
        if row is not None:
            s.refresh(row, with_for_update=True)
            current = ExposurePolicy.from_json(row.policy_json)
        if not _matches(if_match, policy_etag(current)):
            raise ProblemError(412, ProblemCode.PRECONDITION_FAILED,
                               "the policy changed since you read it; reload and edit again")
        new = proposed.model_copy(update={"version": current.version + 1})
        new = ExposurePolicy.from_json(new.canonical_json())
        now = ctx.now()
        if row is None:
            row = TeamPolicyRow(team=team, version=new.version, policy_json=new.canonical_json(),
                                updated_by=user.username, updated_at=now, reason=body.reason)
            s.add(row)
        else:
            row.version = new.version
            row.policy_json = new.canonical_json()
            row.updated_by = user.username
            row.updated_at = now
            row.reason = body.reason
        audit.record(s, at=now, actor=user.username, action="policy_change", subject_type="team",
                     subject_id=team, client=client_of(request),
                     detail={"reason": body.reason, "from_version": current.version,
                             "to_version": new.version, "from_etag": current.etag(),
                             "to_etag": new.etag(),
                             "from_assignment": current.assignment.model_dump(mode="json"),
                             "assignment": new.assignment.model_dump(mode="json")})
    response.headers["ETag"] = policy_etag(new)
    return _team_policy_out(team, new, row)


def _members(s: Any, team: str) -> list[User]:
    return list(s.scalars(select(User).where(User.team == team).order_by(User.username)).all())


def completed_weeks(periods: ServicePeriods, count: int) -> list[date]:
    """The last `count` whole service weeks before the current one (their Mondays), oldest
    first."""
    return [periods.week - timedelta(weeks=n) for n in range(count, 0, -1)]


def mood_weeks(ctx: ServiceContext, team: str, weeks: Sequence[date],
               utc_offset_minutes: int) -> list[MoodAggregate]:
    """The team's check-in moods over these completed service weeks. Each week is computed
    once, the first time it is asked for, from the check-ins that arrived during it (service
    time: none can arrive in a week that is over), and kept (`mood_weeks`): every later read
    gives the same numbers, whoever checked in or changed team since, so no two reads can be
    subtracted. The mean only over at least 5 distinct people; below that it is not even
    kept."""
    stored = _stored_moods(ctx, team, weeks)
    missing = [w for w in weeks if w not in stored]
    if missing:
        with ctx.db.write() as s:
            rows = [_mood_of(s, team, week, utc_offset_minutes, ctx.now()) for week in missing]
            insert = (pg_insert if s.get_bind().dialect.name == "postgresql"
                      else sqlite_insert)(MoodWeekRow)
            s.execute(insert.on_conflict_do_nothing(), rows)
        stored = _stored_moods(ctx, team, weeks)
    return [MoodAggregate(week_start=w, people=stored[w][0], mean_mood=stored[w][1])
            for w in weeks]


def _stored_moods(ctx: ServiceContext, team: str,
                  weeks: Sequence[date]) -> dict[date, tuple[int, float | None]]:
    with ctx.db.read() as s:
        rows = s.execute(select(MoodWeekRow.week, MoodWeekRow.people, MoodWeekRow.mean_mood)
                         .where(MoodWeekRow.team == team, MoodWeekRow.week.in_(weeks))).all()
    return {week: (people, None if mean is None else round(mean, 2))
            for week, people, mean in rows}


def _mood_of(s: Session, team: str, week: date, offset: int, now: datetime) -> dict[str, Any]:
    start = day_start(week, offset)
    end = day_start(week + timedelta(days=7), offset)
    people, mean = s.execute(
        select(func.count(func.distinct(BreakRow.user_id)), func.avg(BreakRow.checkin_mood))
        .join(User, User.id == BreakRow.user_id)
        .where(User.team == team, BreakRow.checkin_mood.is_not(None),
               BreakRow.received_at >= start, BreakRow.received_at < end)).one()
    enough = (people or 0) >= MIN_CHECKIN_PEOPLE
    return {"team": team, "week": week, "people": int(people or 0),
            "mean_mood": float(mean) if enough and mean is not None else None,
            "computed_at": now}


@router.get("/teams/{team}/exposure", response_model=TeamExposure, responses=problems(403))
def team_exposure(
    team: TeamName,
    user: TeamLead,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> TeamExposure:
    """Per-person counters and cap hits; moods only as a mean over the last completed
    service week and at least 5 people (a fixed period: see `mood_weeks`)."""
    members: list[MemberExposure] = []
    with ctx.db.read() as s:
        policy = safeguard_state.team_policy(s, team)[0]
        for member in _members(s, team):
            who = CurrentUser(id=member.id, username=member.username, role=Role(member.role),
                              team=member.team, family_id="")
            sg = safeguard_state.load(s, ctx, who, lock=False)
            verdict = sg.verdict()
            members.append(MemberExposure(username=member.username, counters=_counters(sg),
                                          cap_hits=len(verdict.reached),
                                          break_state=_break_state(sg, verdict)))
    offset = policy.service_day_utc_offset_minutes
    (last,) = mood_weeks(ctx, team, completed_weeks(ServicePeriods.at(ctx.now(), offset), 1),
                         offset)
    return TeamExposure(team=team, members=members, checkin_people=last.people,
                        checkin_mean_mood=last.mean_mood)


@router.post("/teams/{team}/members/{username}/break-override", response_model=ExposureStatus,
             responses=problems(403))
def override_break(
    team: TeamName,
    username: Annotated[str, Path(min_length=1, max_length=100)],
    body: BreakOverride,
    request: Request,
    user: TeamLead,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> ExposureStatus:
    """A lead ends a member's enforced break early, with a reason; audited, and counted as
    overridden in the team's break compliance."""
    if len(body.reason.strip()) < 3:
        raise ProblemError(422, ProblemCode.VALIDATION,
                           "a break override needs a reason a reader can understand "
                           "(3 characters or more)")
    with ctx.db.write() as s:
        member = s.scalars(select(User).where(User.username == username,
                                              User.team == team)).first()
        if member is None:
            raise ProblemError(404, ProblemCode.NOT_FOUND, "no such member of this team")
        who = CurrentUser(id=member.id, username=member.username, role=Role(member.role),
                          team=member.team, family_id="")
        sg = safeguard_state.load(s, ctx, who)
        ended = sg.scheduler.to_state().get("break")
        # The work interval starts afresh, else the used-up one starts a break at once.
        event = sg.scheduler.end_break_by_lead(user.username, body.reason)
        if event is not None:
            sg.ended_by_lead[event.client_id] = user.username
        safeguard_state.save(s, ctx, who, sg)
        audit.record(s, at=ctx.now(), actor=user.username, action="break_override",
                     subject_type="user", subject_id=username, client=client_of(request),
                     detail={"reason": body.reason, "ended": json.loads(json.dumps(ended,
                                                                                  default=str))})
        return _status(sg)
