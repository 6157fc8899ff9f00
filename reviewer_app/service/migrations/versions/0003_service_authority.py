"""The service as the authority: who held which case when (lease_cases), what each exposure
report claimed against what was counted (status, reason, origin, reported), whether a claimed
break was accepted, and since when each category has been blocked for a reviewer.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lease_cases",
        sa.Column("lease_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("held_from", sa.DateTime(), nullable=False),
        sa.Column("held_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("lease_id", "case_id"),
    )
    op.create_index("ix_lease_cases_user_case", "lease_cases", ["user_id", "case_id"])
    with op.batch_alter_table("exposure_events") as batch:
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False,
                                   server_default="counted"))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("origin", sa.String(length=16), nullable=False,
                                   server_default="client"))
        batch.add_column(sa.Column("lease_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("reported_json", sa.Text(), nullable=True))
    op.create_index("ix_exposure_user_at", "exposure_events", ["user_id", "at"])
    with op.batch_alter_table("break_events") as batch:
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False,
                                   server_default="accepted"))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("reviewer_safeguards") as batch:
        batch.add_column(sa.Column("enforcement_json", sa.Text(), nullable=False,
                                   server_default="{}"))
    op.create_index("ix_leases_user_created", "leases", ["user_id", "created_at"])
    op.create_index("ix_decisions_user_decided", "decisions", ["user_id", "decided_at"])
    op.create_index("ix_notes_user_written", "notes", ["user_id", "written_at"])


def downgrade() -> None:
    op.drop_index("ix_notes_user_written", "notes")
    op.drop_index("ix_decisions_user_decided", "decisions")
    op.drop_index("ix_leases_user_created", "leases")
    with op.batch_alter_table("reviewer_safeguards") as batch:
        batch.drop_column("enforcement_json")
    with op.batch_alter_table("break_events") as batch:
        batch.drop_column("reason")
        batch.drop_column("status")
    op.drop_index("ix_exposure_user_at", "exposure_events")
    with op.batch_alter_table("exposure_events") as batch:
        for column in ("reported_json", "lease_id", "origin", "reason", "status"):
            batch.drop_column(column)
    op.drop_index("ix_lease_cases_user_case", "lease_cases")
    op.drop_table("lease_cases")
