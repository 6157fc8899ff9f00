"""Media bytes leave the database: each media row gains `storage_key` (its object in the media
store, storage.py) and `duration_ms` (video and audio, probed at ingest); `data` becomes
nullable.

The blobs of existing rows are not moved here: a migration gets only a database connection
(db.py hands Alembic nothing else), and where the media directory is belongs to the service's
settings. They stay in `data` until the service starts on the new schema, when
`housekeeping.move_media_to_store` puts each into the store, records its key and clears `data`
(row by row, safe to repeat and to run on several instances at once). Until then the media
endpoint serves an unmoved row from `data`, so nothing is unavailable in between.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("duration_ms", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("storage_key", sa.String(length=64), nullable=True))
        batch.alter_column("data", existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    moved = op.get_bind().execute(
        sa.text("SELECT count(*) FROM media WHERE data IS NULL")).scalar()
    if moved:
        raise RuntimeError(
            f"{moved} media rows hold their bytes only in the media store; revision 0004 "
            "keeps them in the database, so this downgrade would lose them")
    with op.batch_alter_table("media") as batch:
        batch.alter_column("data", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("storage_key")
        batch.drop_column("duration_ms")
