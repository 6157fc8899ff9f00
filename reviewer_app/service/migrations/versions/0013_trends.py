"""Escalation rollups: cases received per hour and dimension (source, queue, policy area,
harm category, jurisdiction, reporter organisation), filled from the cases already held.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_DIMENSIONS = ("source", "queue", "policy_area", "harm_category", "jurisdiction",
               "reporter_organisation")


def upgrade() -> None:
    rollups = op.create_table(
        "escalation_rollups",
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("dimension", "key", "hour"),
    )
    op.create_index("ix_escalation_rollups_dimension_hour", "escalation_rollups",
                    ["dimension", "hour"])
    cases = sa.table("cases", sa.column("received_at", sa.DateTime()),
                     *(sa.column(name, sa.String()) for name in _DIMENSIONS))
    counts: Counter[tuple[str, str, datetime]] = Counter()
    bind = op.get_bind()
    for row in bind.execute(sa.select(cases)).mappings():
        at: datetime = row["received_at"]
        if at.tzinfo is not None:
            at = at.astimezone(UTC).replace(tzinfo=None)
        hour = at.replace(minute=0, second=0, microsecond=0)
        for name in _DIMENSIONS:
            if row[name]:
                counts[(name, str(row[name])[:200], hour)] += 1
    rows = [{"dimension": d, "key": k, "hour": h, "count": n}
            for (d, k, h), n in counts.items()]
    for start in range(0, len(rows), 1000):
        op.bulk_insert(rollups, rows[start:start + 1000])


def downgrade() -> None:
    op.drop_index("ix_escalation_rollups_dimension_hour", table_name="escalation_rollups")
    op.drop_table("escalation_rollups")
