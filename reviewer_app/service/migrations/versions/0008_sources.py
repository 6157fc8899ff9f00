"""Sources with their own rules: a case's source context (JSON of `domain.SourceContext`) and
a decision's legal ground and IP claim outcome. Cases ingested before keep NULL: they show
their flat fields (legal_basis, rights_holder, reporter) as before.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("context_json", sa.Text(), nullable=True))
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("legal_ground", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("legal_ground_explanation", sa.Text(), nullable=True))
        batch.add_column(sa.Column("claim_outcome", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("counter_notice_possible", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("counter_notice_possible")
        batch.drop_column("claim_outcome")
        batch.drop_column("legal_ground_explanation")
        batch.drop_column("legal_ground")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("context_json")
