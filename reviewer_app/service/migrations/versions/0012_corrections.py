"""Corrections: a synced decision superseded by a new, audited one.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: the tables of this step come with its feature."""


def downgrade() -> None:
    """Nothing yet."""
