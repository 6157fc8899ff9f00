"""Reply templates per source and outcome, and the reply a decision sends.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: the tables of this step come with its feature."""


def downgrade() -> None:
    """Nothing yet."""
