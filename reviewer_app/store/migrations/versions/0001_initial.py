"""Initial local store: cached cases, leases, outbox, exposure ledger.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cached_case",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("lease_id", sa.String(64), nullable=False, index=True),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("sla_due_at", sa.String(32), nullable=False),
        sa.Column("summary_json", sa.Text, nullable=False),
        sa.Column("case_json", sa.Text, nullable=True),
        sa.Column("decided", sa.Boolean, nullable=False),
        sa.Column("released", sa.Boolean, nullable=False),
        sa.Column("leased_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_cached_case_queue", "cached_case",
                    ["decided", "released", "priority", "sla_due_at"])
    op.create_table(
        "lease",
        sa.Column("lease_id", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.Column("granted_at", sa.String(32), nullable=False),
        sa.Column("ended", sa.Boolean, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(36), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("problem_code", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("settled_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_outbox_state_seq", "outbox", ["state", "seq"])
    op.create_table(
        "exposure_ledger",
        sa.Column("client_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(64), nullable=False, index=True),
        sa.Column("media_id", sa.String(64), nullable=False),
        sa.Column("harm_category", sa.String(32), nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("at", sa.String(32), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("exposure_ledger")
    op.drop_index("ix_outbox_state_seq", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("lease")
    op.drop_index("ix_cached_case_queue", table_name="cached_case")
    op.drop_table("cached_case")
