"""Reply templates per source and outcome, and the reply a decision sends: a table of
template versions (the shipped defaults as version 1) and, on each decision, the template's
version and the filled text.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from reviewer_app.service.reply_defaults import DEFAULT_TEMPLATES

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    templates = op.create_table(
        "reply_templates",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("actions_json", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", "version"),
    )
    op.create_index("ix_reply_templates_source", "reply_templates", ["source"])
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("reply_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reply", sa.Text(), nullable=True))
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(templates, [
        {"name": t.name, "version": 1, "source": t.source.value,
         "actions_json": json.dumps([a.value for a in t.actions]), "title": t.title,
         "body": t.body, "updated_by": "service", "updated_at": now,
         "reason": "shipped default"}
        for t in DEFAULT_TEMPLATES])


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("reply")
        batch.drop_column("reply_version")
    op.drop_index("ix_reply_templates_source", "reply_templates")
    op.drop_table("reply_templates")
