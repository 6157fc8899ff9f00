"""Policy taxonomy versions with change notes, and the version each decision was made under.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: the tables of this step come with its feature."""


def downgrade() -> None:
    """Nothing yet."""
