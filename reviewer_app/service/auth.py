"""Login, rotating refresh tokens, logout, and `Access`: the dependency that authenticates
and authorizes every other route.

Tokens are random; the database keeps only their SHA-256. A refresh token is good once: using
it again (a stolen copy) revokes its whole family, access tokens included; only a retry within
a short grace window after its first use (a lost reply) is answered instead.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from reviewer_app.contract import LoginRequest, LogoutRequest, Me, RefreshRequest, TokenPair
from reviewer_app.domain import ProblemCode, Role
from reviewer_app.service import audit
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.models import AccessToken, LoginFailure, RefreshToken, User
from reviewer_app.service.openapi import problems
from reviewer_app.service.problems import ProblemError

router = APIRouter()
_bearer = HTTPBearer(auto_error=False)
# Verifying against this keeps a login for an unknown user as slow as one for a known user.
_DUMMY_HASH_SOURCE = "no-such-user-password"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    role: Role
    team: str
    family_id: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _issue(session: Session, ctx: ServiceContext, user: User, family_id: str) -> TokenPair:
    now = ctx.now()
    access = secrets.token_urlsafe(32)
    refresh = secrets.token_urlsafe(32)
    session.add(AccessToken(
        token_hash=token_hash(access), user_id=user.id, family_id=family_id,
        expires_at=now + timedelta(seconds=ctx.settings.access_token_ttl_s),
    ))
    session.add(RefreshToken(
        token_hash=token_hash(refresh), user_id=user.id, family_id=family_id, issued_at=now,
        expires_at=now + timedelta(seconds=ctx.settings.refresh_token_ttl_s),
    ))
    return TokenPair(
        access_token=access, refresh_token=refresh, expires_in=ctx.settings.access_token_ttl_s
    )


def _revoke_family(session: Session, ctx: ServiceContext, family_id: str) -> None:
    now = ctx.now()
    for table in (AccessToken, RefreshToken):
        session.execute(
            update(table)
            .where(table.family_id == family_id, table.revoked_at.is_(None))
            .values(revoked_at=now)
        )


ADDRESS_LIMIT_FACTOR = 5
"""A client address (maybe a whole office behind NAT) may fail this many times more often."""


def _throttle_keys(ctx: ServiceContext, username: str, address: str) -> list[tuple[str, int]]:
    """What failed logins are counted under, with each key's limit per window.

    Per (username, address) and per address, never per username alone: otherwise anyone,
    anywhere, could lock a reviewer out of their own machine with ten wrong passwords. What
    remains open is a guess at one username spread over many addresses; each guess costs an
    argon2 hash, each address has its own limits, and every failure is in the audit log."""
    limit = ctx.settings.login_rate_limit
    return [(f"addr:{address}|user:{username.lower()}"[:200], limit),
            (f"addr:{address}", limit * ADDRESS_LIMIT_FACTOR)]


def _rate_limited(session: Session, ctx: ServiceContext,
                  keys: list[tuple[str, int]]) -> int | None:
    """Seconds to wait when any key has reached its limit of recent failures, else None."""
    window = timedelta(seconds=ctx.settings.login_rate_window_s)
    since = ctx.now() - window
    for key, limit in keys:
        count, oldest = session.execute(
            select(func.count(), func.min(LoginFailure.at))
            .where(LoginFailure.key == key, LoginFailure.at > since)
        ).one()
        if count >= limit and oldest is not None:
            return max(1, int((oldest + window - ctx.now()).total_seconds()) + 1)
    return None


def _verify(ctx: ServiceContext, stored_hash: str, password: str) -> bool:
    try:
        return bool(ctx.hasher.verify(stored_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@router.post("/auth/login", response_model=TokenPair, responses=problems(429))
def login(
    body: LoginRequest, request: Request, ctx: Annotated[ServiceContext, Depends(get_ctx)]
) -> TokenPair:
    address = request.client.host if request.client else "?"
    keys = _throttle_keys(ctx, body.username, address)
    with ctx.db.read() as s:
        wait = _rate_limited(s, ctx, keys)
        user = s.scalars(select(User).where(User.username == body.username)).first()
    if wait is not None:
        raise ProblemError(429, ProblemCode.RATE_LIMITED, "too many failed logins",
                           retry_after_s=wait)
    ok = _verify(ctx, user.password_hash, body.password) if user is not None else False
    if user is None:
        _verify(ctx, _dummy_hash(ctx), body.password)
    with ctx.db.write() as s:
        if not ok or user is None or user.disabled:
            for key, _limit in keys:
                s.add(LoginFailure(key=key, at=ctx.now()))
            audit.record(s, at=ctx.now(), actor=body.username, action="login_failed",
                         subject_type="user", subject_id=body.username, client=client_of(request))
        else:
            pair = _issue(s, ctx, user, uuid.uuid4().hex)
            audit.record(s, at=ctx.now(), actor=user.username, action="login",
                         subject_type="user", subject_id=user.username, client=client_of(request))
            return pair
    raise ProblemError(401, ProblemCode.UNAUTHENTICATED, "wrong username or password")


_dummy: dict[int, str] = {}


def _dummy_hash(ctx: ServiceContext) -> str:
    key = id(ctx.hasher)
    if key not in _dummy:
        _dummy[key] = ctx.hasher.hash(_DUMMY_HASH_SOURCE)
    return _dummy[key]


def _within_reuse_grace(ctx: ServiceContext, used_at: datetime, now: datetime) -> bool:
    """A used refresh token may be presented again this soon after its first use."""
    since = now - used_at
    return timedelta(0) <= since <= timedelta(seconds=ctx.settings.refresh_reuse_grace_s)


@router.post("/auth/refresh", response_model=TokenPair, responses=problems())
def refresh(
    body: RefreshRequest, request: Request, ctx: Annotated[ServiceContext, Depends(get_ctx)]
) -> TokenPair:
    """Rotate: the old refresh token is spent, and a second use of it revokes the family.

    Except within `refresh_reuse_grace_s` of its first use: then it is a retry by a client
    whose reply was lost (a crash, a dropped connection), and it gets a fresh pair in the
    same family, audited, as Auth0's reuse interval does. The price: a copy stolen and used
    within those seconds is not caught at that use."""
    now = ctx.now()
    reused = False
    with ctx.db.write() as s:
        row = s.get(RefreshToken, token_hash(body.refresh_token))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise ProblemError(401, ProblemCode.UNAUTHENTICATED, "refresh token not valid")
        user = s.get(User, row.user_id)
        if user is None or user.disabled:
            raise ProblemError(401, ProblemCode.UNAUTHENTICATED, "refresh token not valid")
        if row.used_at is None:
            row.used_at = now
            pair = _issue(s, ctx, user, row.family_id)
        elif _within_reuse_grace(ctx, row.used_at, now):
            pair = _issue(s, ctx, user, row.family_id)
            audit.record(s, at=now, actor=user.username, action="refresh_token_retried",
                         subject_type="token_family", subject_id=row.family_id,
                         client=client_of(request),
                         detail={"since_first_use_s": (now - row.used_at).total_seconds()})
        else:
            _revoke_family(s, ctx, row.family_id)
            audit.record(s, at=now, actor=user.username, action="refresh_token_reused",
                         subject_type="token_family", subject_id=row.family_id,
                         client=client_of(request))
            reused = True
    if reused:
        raise ProblemError(401, ProblemCode.TOKEN_REUSED,
                           "refresh token used twice: every session of this login is revoked")
    return pair


@router.post("/auth/logout", status_code=204, responses=problems())
def logout(
    body: LogoutRequest,
    request: Request,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Revokes the family of the bearer token and of the given refresh token."""
    hashes = [token_hash(body.refresh_token)] if body.refresh_token else []
    with ctx.db.write() as s:
        families: dict[str, int] = {}
        if credentials is not None:
            access = s.get(AccessToken, token_hash(credentials.credentials))
            if access is not None and access.revoked_at is None:
                families[access.family_id] = access.user_id
        for h in hashes:
            refresh_row = s.get(RefreshToken, h)
            if refresh_row is not None and refresh_row.revoked_at is None:
                families[refresh_row.family_id] = refresh_row.user_id
        if not families:
            raise ProblemError(401, ProblemCode.UNAUTHENTICATED, "nothing to log out")
        for family_id, user_id in families.items():
            _revoke_family(s, ctx, family_id)
            user = s.get(User, user_id)
            audit.record(s, at=ctx.now(), actor=user.username if user else "?", action="logout",
                         subject_type="token_family", subject_id=family_id,
                         client=client_of(request))


# Built once: this runs on every request (columns, not entities, and no statement to build).
_BEARER_LOOKUP = (
    select(AccessToken.expires_at, AccessToken.revoked_at, AccessToken.family_id,
           User.id, User.username, User.role, User.team, User.disabled)
    .join(User, User.id == AccessToken.user_id)
    .where(AccessToken.token_hash == bindparam("token_hash"))
)


def user_for(ctx: ServiceContext, token: str) -> CurrentUser:
    """Who holds this access token; 401 `token_expired` lets the client refresh and retry."""
    with ctx.db.lookup() as conn:
        row = conn.execute(_BEARER_LOOKUP, {"token_hash": token_hash(token)}).first()
    if row is None:
        raise ProblemError(401, ProblemCode.UNAUTHENTICATED, "unknown token")
    if row.revoked_at is not None or row.disabled:
        raise ProblemError(401, ProblemCode.UNAUTHENTICATED, "token revoked")
    if row.expires_at <= ctx.now():
        raise ProblemError(401, ProblemCode.TOKEN_EXPIRED, "access token expired")
    return CurrentUser(id=row.id, username=row.username, role=Role(row.role), team=row.team,
                       family_id=row.family_id)


@dataclass(frozen=True)
class Access:
    """Who may call a route: the one authentication and authorization dependency of every
    route but login, refresh and logout. FastAPI runs it before it validates the path, the
    query, the headers and the body, so a caller without the role gets 401 or 403 whatever
    it sends; for a body that is not even JSON, the error handlers call `authorize` before
    they answer (problems.py).

    `own_team`: the roles that may act only on the team named by the path's `{team}`.
    Sync on purpose: the token lookup is blocking I/O and must not stall the event loop."""

    roles: frozenset[Role]
    refused: str
    own_team: frozenset[Role] = frozenset()

    def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> CurrentUser:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise ProblemError(401, ProblemCode.UNAUTHENTICATED, "a bearer token is required")
        ctx = request.app.state.ctx
        assert isinstance(ctx, ServiceContext)
        user = user_for(ctx, credentials.credentials)
        if user.role not in self.roles or (
            user.role in self.own_team and request.path_params.get("team") != user.team
        ):
            raise ProblemError(403, ProblemCode.FORBIDDEN, self.refused)
        return user

    async def authorize(self, request: Request) -> None:
        """The same check from the bare request: raises its 401 or 403 problem, if any."""
        await run_in_threadpool(self, request, await _bearer(request))


def require_role(*roles: Role) -> Access:
    return Access(roles=frozenset(roles),
                  refused=f"this needs the role {' or '.join(r.value for r in roles)}")


authenticate = Access(roles=frozenset(Role), refused="")
"""Any signed-in user: the routes about the caller themself (/v1/me, my policy, my exposure)."""
SignedIn = Annotated[CurrentUser, Depends(authenticate)]
Specialist = Annotated[CurrentUser, Depends(require_role(Role.SPECIALIST))]
"""Reviewing: leases, decisions, notes, sync. Leads and admins do not review."""
ContentReader = Annotated[CurrentUser, Depends(Access(
    roles=frozenset({Role.SPECIALIST, Role.ADMIN}),
    refused="only a specialist holding the case, or an admin, may read case content"))]
"""Case content and media: specialists (the cases they hold or held, `cases.may_read`) and
admins (any case, each read audited). Wellness leads see no content."""
TeamLead = Annotated[CurrentUser, Depends(Access(
    roles=frozenset({Role.WELLNESS_LEAD, Role.ADMIN}), own_team=frozenset({Role.WELLNESS_LEAD}),
    refused="only this team's wellness lead or an admin may do this"))]
TeamMember = Annotated[CurrentUser, Depends(Access(
    roles=frozenset({Role.SPECIALIST, Role.WELLNESS_LEAD, Role.ADMIN}),
    own_team=frozenset({Role.SPECIALIST, Role.WELLNESS_LEAD}),
    refused="only a member of this team or an admin may read this"))]
"""A team's policy: its members read what they work under; only its lead or an admin edits."""
Staff = Annotated[CurrentUser, Depends(require_role(
    Role.SPECIALIST, Role.WELLNESS_LEAD, Role.ADMIN))]
"""The people of the review teams (not a partner system's integration account): e.g. the
reply templates a decision may send."""
LeadOrAdmin = Annotated[CurrentUser, Depends(require_role(Role.WELLNESS_LEAD, Role.ADMIN))]
Admin = Annotated[CurrentUser, Depends(require_role(Role.ADMIN))]
Intake = Annotated[CurrentUser, Depends(require_role(Role.ADMIN, Role.INTEGRATION))]
"""Submitting cases from outside: an admin, or a partner system's integration account."""
PolicyReader = Annotated[CurrentUser, Depends(require_role(
    Role.SPECIALIST, Role.WELLNESS_LEAD, Role.ADMIN))]
"""The policy taxonomy and its change notes: everyone who works cases or leads those who do
(not an integration account)."""


@router.get("/me", response_model=Me, responses=problems())
async def me(user: SignedIn) -> Me:
    return Me(username=user.username, role=user.role, team=user.team)
