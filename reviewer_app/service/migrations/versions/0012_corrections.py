"""Corrections: a synced decision superseded by a new, audited one. The correction is a
decision row of its own (`supersedes`: the old one's client_id, with `correction_reason`);
the old row is kept and marked (`superseded_by`), never deleted.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("supersedes", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("superseded_by", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("correction_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("correction_reason")
        batch.drop_column("superseded_by")
        batch.drop_column("supersedes")
