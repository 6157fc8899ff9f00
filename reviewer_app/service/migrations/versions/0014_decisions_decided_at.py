"""An index on decisions' decided_at: the decision clusters of a window (service/clusters.py)
read that window's decisions, not all of them.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_decisions_decided_at", "decisions", ["decided_at"])


def downgrade() -> None:
    op.drop_index("ix_decisions_decided_at", table_name="decisions")
