"""Safeguard records: the client's break scheduler and the service's last reading, so a
restart (or a SIGKILL) brings a running break back, and an offline start knows the counters.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safeguard_record",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("etag", sa.String(200), nullable=True),
        sa.Column("saved_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("safeguard_record")
