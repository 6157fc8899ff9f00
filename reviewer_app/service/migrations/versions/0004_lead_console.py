"""The wellness lead's console: a lead's one-off overrides for one reviewer (kept apart from
the team policy, so granting one changes no ETag), the enforced breaks the service required
(break compliance), each reviewer's counted exposure per service day and week (what the team
dashboard adds up instead of scanning every event), fixed weekly mood aggregates, and the
indexes the dashboard's reads use. Existing counted exposure of the last nine weeks is added
to the new totals, at each team's UTC offset.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BACKFILL_WEEKS = 9
"""The dashboard's trend shows 8 service weeks; older exposure is not added up."""
_SUMS = ("shown", "revealed", "shown_ms", "revealed_ms")


def _sum_columns() -> list[sa.Column[Any]]:
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in _SUMS]


def upgrade() -> None:
    op.create_table(
        "member_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Float(), nullable=True),
        sa.Column("cap", sa.String(length=200), nullable=True),
        sa.Column("limit_value", sa.Float(), nullable=True),
        sa.Column("granted_by", sa.String(length=100), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_member_overrides_user_expires", "member_overrides",
                    ["user_id", "expires_at"])
    op.create_index("ix_member_overrides_team_expires", "member_overrides",
                    ["team", "expires_at"])
    op.create_table(
        "service_breaks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=False),
        sa.Column("ended_early_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_service_breaks_user_started", "service_breaks",
                    ["user_id", "started_at"])
    op.create_table(
        "exposure_days",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("harm_category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        *_sum_columns(),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id", "day", "harm_category", "severity"),
    )
    op.create_table(
        "exposure_weeks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        *_sum_columns(),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("user_id", "week", "severity"),
    )
    op.create_table(
        "mood_weeks",
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("mean_mood", sa.Float(), nullable=True),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team", "week"),
    )
    op.create_index("ix_audit_action_at", "audit_events", ["action", "at"])
    op.create_index("ix_break_events_user_received", "break_events", ["user_id", "received_at"])
    _backfill_totals()


def _offsets(conn: sa.Connection) -> dict[int, int]:
    """Each user's team UTC offset (0 where the team has no stored policy: the shipped
    profiles start days at UTC midnight)."""
    by_team: dict[str, int] = {}
    for team, policy_json in conn.execute(sa.text("SELECT team, policy_json FROM team_policies")):
        try:
            by_team[team] = int(json.loads(policy_json).get("service_day_utc_offset_minutes", 0))
        except (ValueError, TypeError, AttributeError):
            by_team[team] = 0
    return {uid: by_team.get(team, 0)
            for uid, team in conn.execute(sa.text("SELECT id, team FROM users"))}


def _backfill_totals() -> None:
    """The counted exposure of the last weeks into the daily and weekly totals, as the
    service adds it from now on (ledger days: the minute's day at the team's offset)."""
    conn = op.get_bind()
    offsets = _offsets(conn)
    since = datetime.now(UTC).replace(tzinfo=None) - timedelta(weeks=BACKFILL_WEEKS)
    days: dict[tuple[int, date, str, int], list[int]] = {}
    weeks: dict[tuple[int, date, int], list[int]] = {}
    rows = conn.execute(sa.text(
        "SELECT user_id, at, harm_category, severity, kind, duration_ms FROM exposure_events "
        "WHERE status = 'counted' AND at >= :since"), {"since": since})
    for user_id, at, category, severity, kind, duration_ms in rows:
        when = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        day = (when + timedelta(minutes=offsets.get(user_id, 0))).date()
        week = day - timedelta(days=day.weekday())
        vec = (0, 1, 0, duration_ms) if kind == "revealed" else (1, 0, duration_ms, 0)
        for have in (days.setdefault((user_id, day, category, severity), [0, 0, 0, 0]),
                     weeks.setdefault((user_id, week, severity), [0, 0, 0, 0])):
            for i, v in enumerate(vec):
                have[i] += int(v)
    day_table = sa.table("exposure_days", *(sa.column(c) for c in (
        "user_id", "day", "harm_category", "severity", *_SUMS)))
    week_table = sa.table("exposure_weeks", *(sa.column(c) for c in (
        "user_id", "week", "severity", *_SUMS)))
    if days:
        op.bulk_insert(day_table, [
            {"user_id": u, "day": d, "harm_category": c, "severity": s,
             **dict(zip(_SUMS, v, strict=True))}
            for (u, d, c, s), v in days.items()])
    if weeks:
        op.bulk_insert(week_table, [
            {"user_id": u, "week": w, "severity": s, **dict(zip(_SUMS, v, strict=True))}
            for (u, w, s), v in weeks.items()])


def downgrade() -> None:
    op.drop_index("ix_break_events_user_received", "break_events")
    op.drop_index("ix_audit_action_at", "audit_events")
    op.drop_table("mood_weeks")
    op.drop_table("exposure_weeks")
    op.drop_table("exposure_days")
    op.drop_index("ix_service_breaks_user_started", "service_breaks")
    op.drop_table("service_breaks")
    op.drop_index("ix_member_overrides_team_expires", "member_overrides")
    op.drop_index("ix_member_overrides_user_expires", "member_overrides")
    op.drop_table("member_overrides")
