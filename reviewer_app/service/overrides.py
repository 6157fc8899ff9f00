"""A wellness lead's one-off overrides for one reviewer: end the day's graphic work, add a
break now, or lift one cap until the end of the service day; each with a reason, audited, and
expiring by itself.

They live in their own table (`member_overrides`), not in the team policy: granting one
changes neither the policy's version nor its ETag, so a lead editing the policy meanwhile
gets no false 412. The reviewer's safeguards apply them on every load (safeguard_state):
a lifted cap as the engine's own LeadOverride in the reviewer's policy (served by
`/v1/me/policy`, so the client's gate lifts it too), the end of graphic work with the same
machinery as a cap whose action is end_graphic_shift, and an added break as an enforced
break in the reviewer's scheduler (the client imposes it at its next `/v1/me/exposure`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer_app.contract import (
    IDEMPOTENCY_HEADER,
    MemberOverride,
    MemberOverrideRequest,
    OverrideKind,
)
from reviewer_app.domain import ProblemCode, Role
from reviewer_app.service import audit, idempotency, safeguard_state
from reviewer_app.service.auth import CurrentUser, TeamLead
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.decisions import keyed_write
from reviewer_app.service.exposure import TeamName
from reviewer_app.service.models import MemberOverrideRow, User
from reviewer_app.service.openapi import model_reply, problems
from reviewer_app.service.periods import ServicePeriods
from reviewer_app.service.problems import ProblemError
from reviewer_app.service.safeguard_state import (
    ActiveOverride,
    Safeguards,
    cap_keys,
)
from safeguards import ExposurePolicy, ReviewerState
from safeguards.policy import GRAPHIC_DAILY_LIMIT, CapAction

router = APIRouter()
MemberName = Annotated[str, Path(min_length=1, max_length=100)]
MIN_BREAK_MINUTES = 1.0
"""A break shorter than a minute is not a break (the policy's own rule)."""
_LIST = TypeAdapter(list[MemberOverride])


def member_override(o: ActiveOverride | MemberOverrideRow, username: str) -> MemberOverride:
    limit = o.limit if isinstance(o, ActiveOverride) else o.limit_value
    return MemberOverride(id=o.id, username=username, kind=OverrideKind(o.kind), reason=o.reason,
                          granted_by=o.granted_by, granted_at=o.granted_at,
                          expires_at=o.expires_at, minutes=o.minutes, cap=o.cap, limit=limit)


def _specialist(s: Session, team: str, username: str) -> CurrentUser:
    """The reviewer `username` of `team`; 404 for anyone else (another team's member
    included: a lead learns nothing about other teams)."""
    member = s.scalars(select(User).where(User.username == username, User.team == team,
                                          User.role == Role.SPECIALIST.value)).first()
    if member is None:
        raise ProblemError(404, ProblemCode.NOT_FOUND,
                           f"team {team} has no reviewer named {username!r}")
    return CurrentUser(id=member.id, username=member.username, role=Role(member.role),
                       team=member.team, family_id="")


def _invalid(detail: str) -> ProblemError:
    return ProblemError(422, ProblemCode.VALIDATION, detail)


def _in_force(policy: ExposurePolicy, key: str, now: datetime) -> float:
    """The limit in force now for a CapUse key (seconds for the daily graphic limit)."""
    if key == GRAPHIC_DAILY_LIMIT:
        return policy.graphic_limit_seconds(now) or 0.0
    cap = next(c for c in policy.caps if c.key == key)
    return policy.limit_for(cap, now)


def _expiry(body: MemberOverrideRequest, policy: ExposurePolicy, now: datetime) -> datetime:
    """Checks the request against the reviewer's policy; when it ends (422 with what to
    change otherwise)."""
    kind = body.kind
    if len(body.reason.strip()) < 3:
        raise _invalid("an override needs a reason a reader can understand (3 characters or "
                       "more)")
    day_end = ServicePeriods.at(now, policy.service_day_utc_offset_minutes).day_end
    if kind is OverrideKind.ADD_BREAK:
        if body.cap is not None or body.limit is not None:
            raise _invalid("cap and limit are for lift_cap only; add_break takes minutes")
        if body.minutes is None:
            raise _invalid("add_break needs minutes: how long the break lasts (1 to 240)")
        if body.minutes < MIN_BREAK_MINUTES:
            raise _invalid(f"a break shorter than a minute ({body.minutes:g} min) is not a break")
        return now + timedelta(minutes=body.minutes)
    if body.minutes is not None:
        raise _invalid(f"minutes is for add_break only; {kind.value} lasts until the end of "
                       "the service day")
    if kind is OverrideKind.END_GRAPHIC_SHIFT:
        if body.cap is not None or body.limit is not None:
            raise _invalid("cap and limit are for lift_cap only")
        if not policy.breaks.graphic_categories:
            raise _invalid("this team's policy names no graphic categories: there is no "
                           "graphic work to end")
        return day_end
    keys = cap_keys(policy)
    if body.cap is None or body.limit is None:
        raise _invalid(f"lift_cap needs cap (one of {keys}) and limit (in the cap's unit; "
                       "seconds for graphic_daily_limit)")
    if body.cap not in keys:
        raise _invalid(f"unknown cap {body.cap!r}: this team's caps are {keys}")
    current = _in_force(policy, body.cap, now)
    if body.limit <= current:
        raise _invalid(f"lift_cap raises a cap: {body.limit:g} is not above the limit in force "
                       f"for {body.cap} ({current:g})")
    return day_end


def _apply(sg: Safeguards, o: ActiveOverride) -> None:
    """The override takes effect on the reviewer's state now."""
    now = sg.clock.now()
    if o.kind is OverrideKind.ADD_BREAK:
        sg.scheduler.impose(ReviewerState.SCHEDULED_BREAK, now, o.expires_at)
    sg.overrides.append(o)
    if o.kind is OverrideKind.END_GRAPHIC_SHIFT:
        sg.apply_shift_overrides()
    elif o.kind is OverrideKind.LIFT_CAP and o.cap is not None:
        sg.policy = safeguard_state.apply_overrides(sg.policy, o.username, [o])
        caps = {c.key: c for c in sg.policy.caps}
        cap = caps.get(o.cap)
        if o.cap == GRAPHIC_DAILY_LIMIT or (
                cap is not None and sg.policy.action_for(cap) is CapAction.END_GRAPHIC_SHIFT):
            sg.reopen_graphic_shift([o.cap])
    sg.verdict()


def _grant(s: Session, ctx: ServiceContext, lead: CurrentUser, team: str, username: str,
           body: MemberOverrideRequest, client: str) -> MemberOverride:
    now = ctx.now()
    member = _specialist(s, team, username)
    sg = safeguard_state.load(s, ctx, member)
    expires = _expiry(body, sg.policy, now)
    row = MemberOverrideRow(
        team=team, user_id=member.id, kind=body.kind.value, reason=body.reason.strip(),
        minutes=body.minutes, cap=body.cap, limit_value=body.limit, granted_by=lead.username,
        granted_at=now, expires_at=expires)
    s.add(row)
    s.flush()
    granted = safeguard_state.override_of(row, member.username)
    _apply(sg, granted)
    safeguard_state.save(s, ctx, member, sg)
    out = member_override(granted, member.username)
    audit.record(s, at=now, actor=lead.username, action="member_override", subject_type="user",
                 subject_id=member.username, client=client,
                 detail={"id": row.id, "team": team, "kind": body.kind.value,
                         "reason": row.reason, "minutes": body.minutes, "cap": body.cap,
                         "limit": body.limit, "expires_at": expires.isoformat()})
    return out


@router.post("/teams/{team}/members/{username}/overrides", response_model=MemberOverride,
             status_code=201, responses=problems(403))
def grant_override(
    team: TeamName,
    username: MemberName,
    body: MemberOverrideRequest,
    request: Request,
    user: TeamLead,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    idempotency_key: Annotated[str | None, Header(alias=IDEMPOTENCY_HEADER,
                                                  max_length=500)] = None,
) -> Response:
    """A one-off change for one reviewer of the team, with a reason (audited: who, whom,
    what, why); it takes effect at once and expires by itself (add_break: when the break
    ends; end_graphic_shift and lift_cap: at the end of the service day). lift_cap's `limit`
    is in the cap's unit (CapUse: items, or seconds, also for graphic_daily_limit) and must
    be above the limit in force. 404 for someone who is not a reviewer of this team, 422
    for an unknown cap or a missing field. With an Idempotency-Key, a retry gets the first
    answer instead of a second override."""
    client = client_of(request)

    def op(s: Session) -> Response:
        return model_reply(_grant(s, ctx, user, team, username, body, client), 201)

    if idempotency_key is None:
        with ctx.db.write() as s:
            return op(s)
    key = idempotency.require_key(idempotency_key)
    fingerprint = idempotency.request_fingerprint("POST", request.url.path,
                                                  body.model_dump(mode="json"))
    return keyed_write(ctx, user, key, fingerprint, op)


_TEAM_ACTIVE = (
    select(MemberOverrideRow, User.username)
    .join(User, User.id == MemberOverrideRow.user_id)
    .order_by(MemberOverrideRow.granted_at, MemberOverrideRow.id))


def team_active_overrides(s: Session, team: str, now: datetime) -> list[ActiveOverride]:
    """The team's overrides in force now, oldest first (one indexed read)."""
    rows = s.execute(_TEAM_ACTIVE.where(
        MemberOverrideRow.team == team, MemberOverrideRow.revoked_at.is_(None),
        MemberOverrideRow.granted_at <= now, MemberOverrideRow.expires_at > now)).all()
    return [safeguard_state.override_of(row, username) for row, username in rows]


@router.get("/teams/{team}/overrides", response_model=list[MemberOverride],
            responses=problems(403))
def list_overrides(
    team: TeamName,
    user: TeamLead,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """The team's overrides in force (expired and revoked ones are not listed)."""
    with ctx.db.read() as s:
        found = [member_override(o, o.username) for o in team_active_overrides(s, team,
                                                                                ctx.now())]
    return Response(_LIST.dump_json(found), media_type="application/json")


def _revoke_effect(sg: Safeguards, row: MemberOverrideRow, lead: str) -> None:
    """Undo what the override did: an added break still running ends now (as a lead's
    break override does), graphic work opens again unless something else ended it, a lifted
    cap is back at its limit."""
    kind = OverrideKind(row.kind)
    if kind is OverrideKind.ADD_BREAK:
        current = sg.scheduler.current_break
        if current is not None and current.enforced:
            ended = sg.scheduler.end_break_by_lead(lead, f"revoked override {row.id}")
            if ended is not None:
                sg.ended_by_lead[ended.client_id] = lead
    elif kind is OverrideKind.END_GRAPHIC_SHIFT:
        sg.reopen_graphic_shift([f"override:{row.id}"])
    sg.verdict()


@router.delete("/teams/{team}/overrides/{override_id}", status_code=204,
               response_class=Response, responses=problems(403))
def revoke_override(
    team: TeamName,
    override_id: Annotated[int, Path(ge=1, le=2**62)],
    request: Request,
    user: TeamLead,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    """Ends an override before it expires (audited). 404 when the team has no such
    override; 409 when it has already expired or been revoked."""
    with ctx.db.write() as s:
        now = ctx.now()
        row = s.get(MemberOverrideRow, override_id, with_for_update=True)
        if row is None or row.team != team:
            raise ProblemError(404, ProblemCode.NOT_FOUND,
                               f"team {team} has no override {override_id}")
        if row.revoked_at is not None:
            raise ProblemError(409, ProblemCode.CONFLICT,
                               f"override {override_id} was revoked already by "
                               f"{row.revoked_by} at {row.revoked_at:%Y-%m-%d %H:%M} UTC")
        if row.expires_at <= now:
            raise ProblemError(409, ProblemCode.CONFLICT,
                               f"override {override_id} expired at "
                               f"{row.expires_at:%Y-%m-%d %H:%M} UTC")
        row.revoked_at, row.revoked_by = now, user.username
        s.flush()
        member_row = s.get(User, row.user_id)
        assert member_row is not None
        member = CurrentUser(id=member_row.id, username=member_row.username,
                             role=Role(member_row.role), team=member_row.team, family_id="")
        sg = safeguard_state.load(s, ctx, member)
        _revoke_effect(sg, row, user.username)
        safeguard_state.save(s, ctx, member, sg)
        audit.record(s, at=now, actor=user.username, action="member_override_revoked",
                     subject_type="user", subject_id=member.username,
                     client=client_of(request),
                     detail={"id": row.id, "team": team, "kind": row.kind,
                             "granted_by": row.granted_by, "reason": row.reason})
    return Response(status_code=204)
