"""Quality: each team's share of decisions sampled for a blind second review, the second-review
tasks (leased like cases), and the second reviews with a lead's resolution of a disagreement.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qa_config",
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("share_percent", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("team"),
    )
    op.create_table(
        "qa_tasks",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("first_decision_client_id", sa.String(length=36), nullable=False),
        sa.Column("first_user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lease_id", sa.String(length=64), nullable=True),
        sa.Column("leased_by", sa.Integer(), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["first_user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("first_decision_client_id"),
    )
    op.create_index("ix_qa_tasks_case_id", "qa_tasks", ["case_id"])
    op.create_index("ix_qa_tasks_lease_id", "qa_tasks", ["lease_id"])
    op.create_index("ix_qa_tasks_team_status", "qa_tasks", ["team", "status"])
    op.create_table(
        "qa_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("policy_refs", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("agrees", sa.Boolean(), nullable=False),
        sa.Column("resolved_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["qa_tasks.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
        sa.UniqueConstraint("task_id"),
    )
    op.create_index("ix_qa_reviews_case_id", "qa_reviews", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_qa_reviews_case_id", "qa_reviews")
    op.drop_table("qa_reviews")
    op.drop_index("ix_qa_tasks_team_status", "qa_tasks")
    op.drop_index("ix_qa_tasks_lease_id", "qa_tasks")
    op.drop_index("ix_qa_tasks_case_id", "qa_tasks")
    op.drop_table("qa_tasks")
    op.drop_table("qa_config")
