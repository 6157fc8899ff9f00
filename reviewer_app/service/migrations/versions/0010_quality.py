"""Quality: blind second reviews, agreement, disagreements, and appeals.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: the tables of this step come with its feature."""


def downgrade() -> None:
    """Nothing yet."""
