"""Policy taxonomy versions with change notes, and the version each decision was made under.

Version 1 is the built-in taxonomy and has no row; decisions made before this revision keep
a NULL `policy_version` (made under version 1, but never recorded). Appeals of decided cases
get their own table.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rules_json", sa.Text(), nullable=False),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("changes_json", sa.Text(), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "policy_notes_seen",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["version"], ["policy_versions.version"]),
        sa.PrimaryKeyConstraint("user_id", "version"),
    )
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("policy_version", sa.Integer(), nullable=True))
    op.create_table(
        "appeals",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("original_user_id", sa.Integer(), nullable=False),
        sa.Column("appellant", sa.String(length=32), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=100), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("from_queue", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=False),
        sa.Column("new_decision_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"]),
        sa.ForeignKeyConstraint(["original_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["new_decision_id"], ["decisions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
    )
    op.create_index("ix_appeals_case_status", "appeals", ["case_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_appeals_case_status", "appeals")
    op.drop_table("appeals")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("policy_version")
    op.drop_table("policy_notes_seen")
    op.drop_table("policy_versions")
