"""User administration: adding users and changing passwords, from the CLI or tests."""

from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select

from reviewer_app.domain import Role
from reviewer_app.service import audit
from reviewer_app.service.context import utc_now
from reviewer_app.service.db import Database, upgrade_head
from reviewer_app.service.models import User

_TEAM_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


class AccountError(ValueError):
    """The user cannot be created as asked (duplicate name, bad team, weak password)."""


def add_user(
    db_url: str,
    username: str,
    password: str,
    role: Role | str,
    team: str,
    *,
    migrate: bool = True,
    hasher: PasswordHasher | None = None,
    replace_password: bool = False,
) -> None:
    """Creates a user (argon2 hash); with `replace_password`, an existing user's password is
    reset instead of refused."""
    role = Role(role)
    if not username or len(username) > 100:
        raise AccountError("a username is 1-100 characters")
    if not team or len(team) > 64 or not set(team) <= _TEAM_CHARS:
        raise AccountError("a team is 1-64 characters of a-z, 0-9, _ and -")
    if len(password) < 8:
        raise AccountError("a password has at least 8 characters")
    if migrate:
        upgrade_head(db_url)
    hashed = (hasher or PasswordHasher()).hash(password)
    db = Database(db_url, pool_size=1)
    try:
        with db.write() as s:
            existing = s.scalars(select(User).where(User.username == username)).first()
            now = utc_now()
            if existing is not None:
                if not replace_password:
                    raise AccountError(f"user {username!r} exists already")
                existing.password_hash = hashed
                existing.role = role.value
                existing.team = team
                audit.record(s, at=now, actor="cli", action="user_update", subject_type="user",
                             subject_id=username, detail={"role": role.value, "team": team})
                return
            s.add(User(username=username, password_hash=hashed, role=role.value, team=team,
                       disabled=False, created_at=now))
            audit.record(s, at=now, actor="cli", action="user_add", subject_type="user",
                         subject_id=username, detail={"role": role.value, "team": team})
    finally:
        db.dispose()
