"""Near-duplicate matching with PDQ: media hashes and their chunk keys, hash banks with their
entries and keys, and each case's matching flags and bank matches (models_pdq.py).

Media ingested before this revision has no hash; it is matched by nothing until hashed again.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_hashes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("media_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("crop_permille", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_media_hashes_media_id", "media_hashes", ["media_id"])
    op.create_index("ix_media_hashes_case_id", "media_hashes", ["case_id"])
    op.create_index("ix_media_hashes_hash", "media_hashes", ["hash"])
    op.create_table(
        "media_hash_keys",
        sa.Column("key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["hash_id"], ["media_hashes.id"]),
        sa.PrimaryKeyConstraint("key", "hash_id"),
    )
    op.create_table(
        "hash_banks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "hash_bank_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["hash_banks.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bank_id", "hash", name="uq_hash_bank_entries_hash"),
    )
    op.create_table(
        "hash_bank_keys",
        sa.Column("key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["hash_bank_entries.id"]),
        sa.PrimaryKeyConstraint("key", "entry_id"),
    )
    op.create_table(
        "case_matching",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("near_dup_group", sa.String(length=64), nullable=True),
        sa.Column("bank_match", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index("ix_case_matching_near_dup_group", "case_matching", ["near_dup_group"])
    op.create_table(
        "case_bank_matches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("media_id", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["entry_id"], ["hash_bank_entries.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "media_id", "entry_id", name="uq_case_bank_matches"),
    )
    op.create_index("ix_case_bank_matches_entry", "case_bank_matches", ["entry_id"])


def downgrade() -> None:
    op.drop_index("ix_case_bank_matches_entry", "case_bank_matches")
    op.drop_table("case_bank_matches")
    op.drop_index("ix_case_matching_near_dup_group", "case_matching")
    op.drop_table("case_matching")
    op.drop_table("hash_bank_keys")
    op.drop_table("hash_bank_entries")
    op.drop_table("hash_banks")
    op.drop_table("media_hash_keys")
    op.drop_index("ix_media_hashes_hash", "media_hashes")
    op.drop_index("ix_media_hashes_case_id", "media_hashes")
    op.drop_index("ix_media_hashes_media_id", "media_hashes")
    op.drop_table("media_hashes")
