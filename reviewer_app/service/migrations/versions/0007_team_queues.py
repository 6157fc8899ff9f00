"""Team queues: routing and SLA configuration documents, the queues each team works, the
hand-offs of escalated cases between teams' queues, and SLA breaches (one row per case, so a
breach is counted once). A case may now carry several decisions (each escalation before its
final one), so `decisions.case_id` loses its unique constraint and keeps an index.

Cases already queued stay in their queue (`default` before this revision); a team without a
configured set of queues works every queue but the escalation teams', so nothing already
waiting is stranded.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
"""SQLite keeps 0001's unique constraints unnamed: batch mode names them so one can go."""
_POSTGRES_UNIQUE = "decisions_case_id_key"
"""PostgreSQL's own name for 0001's unnamed UNIQUE (case_id)."""


def upgrade() -> None:
    op.create_table(
        "queue_settings",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "team_queues",
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("queues_json", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team"),
    )
    op.create_table(
        "case_handoffs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("from_queue", sa.String(length=64), nullable=False),
        sa.Column("to_queue", sa.String(length=64), nullable=False),
        sa.Column("to_team", sa.String(length=64), nullable=False),
        sa.Column("by_user", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("decision_client_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_handoffs_case_id", "case_handoffs", ["case_id"])
    op.create_table(
        "sla_breaches",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index("ix_sla_breaches_queue", "sla_breaches", ["queue"])
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("decisions", naming_convention=_SQLITE_NAMES) as batch:
            batch.drop_constraint("uq_decisions_case_id", type_="unique")
    else:
        op.drop_constraint(_POSTGRES_UNIQUE, "decisions", type_="unique")
    op.create_index("ix_decisions_case_id", "decisions", ["case_id"])


def downgrade() -> None:
    """Refused while a case has more than one decision: 0006 allows only one per case."""
    several = op.get_bind().execute(sa.text(
        "SELECT count(*) FROM (SELECT case_id FROM decisions GROUP BY case_id "
        "HAVING count(*) > 1) AS x")).scalar()
    if several:
        raise RuntimeError(f"{several} cases carry several decisions (escalations); revision "
                           "0006 allows one per case, so this downgrade would lose them")
    op.drop_index("ix_decisions_case_id", "decisions")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("decisions", naming_convention=_SQLITE_NAMES) as batch:
            batch.create_unique_constraint("uq_decisions_case_id", ["case_id"])
    else:
        op.create_unique_constraint(_POSTGRES_UNIQUE, "decisions", ["case_id"])
    op.drop_index("ix_sla_breaches_queue", "sla_breaches")
    op.drop_table("sla_breaches")
    op.drop_index("ix_case_handoffs_case_id", "case_handoffs")
    op.drop_table("case_handoffs")
    op.drop_table("team_queues")
    op.drop_table("queue_settings")
