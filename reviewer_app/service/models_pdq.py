"""The tables of near-duplicate matching (matching.py): PDQ hashes of every ingested picture
and video frame, the admin-loaded hash banks, and what each case matched.

Both kinds of hash are filed under their 16 chunk keys (hashindex.py) in a key table with the
key first in its primary key, so a lookup of the ~272 probe keys of a query is one indexed
read, in the same transaction as the ingest that adds hashes and on every service instance.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reviewer_app.service.models import Base, UTCDateTime


class MediaHashRow(Base):
    """One PDQ hash of one media item: the whole picture or a centred crop of it
    (`crop_permille`, pdq.CROP_LADDER), or one frame of a video (`frame`)."""

    __tablename__ = "media_hashes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id"), index=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    frame: Mapped[int] = mapped_column(Integer, default=0)
    crop_permille: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), index=True)
    quality: Mapped[int] = mapped_column(Integer)
    """Hashes below pdq.MIN_QUALITY are kept but not filed under keys: they never match.
    Nor is a hash that an earlier media has exactly: the lookup finds that one's keys, and
    every media with the same value through this column's index."""


class MediaHashKeyRow(Base):
    __tablename__ = "media_hash_keys"

    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash_id: Mapped[int] = mapped_column(ForeignKey("media_hashes.id"), primary_key=True,
                                         autoincrement=False)


class HashBankRow(Base):
    """A list of known-violating hashes an admin loaded; a case whose media matches one of
    them is flagged with the bank's name."""

    __tablename__ = "hash_banks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HashBankEntryRow(Base):
    __tablename__ = "hash_bank_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("hash_banks.id"))
    hash: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("bank_id", "hash", name="uq_hash_bank_entries_hash"),)


class HashBankKeyRow(Base):
    __tablename__ = "hash_bank_keys"

    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(ForeignKey("hash_bank_entries.id"), primary_key=True,
                                          autoincrement=False)


class CaseMatchRow(Base):
    """A case's matching flags: its near-duplicate group (shared by every case whose media
    match, directly or through another case of the group) and the bank it matched first.
    Routing a flagged case to a queue reads `bank_match`."""

    __tablename__ = "case_matching"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    near_dup_group: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    bank_match: Mapped[str | None] = mapped_column(String(64), nullable=True)


class CaseBankMatchRow(Base):
    """Each media item of a case that matched a bank entry, and how closely."""

    __tablename__ = "case_bank_matches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    media_id: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[int] = mapped_column(ForeignKey("hash_bank_entries.id"))
    distance: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("case_id", "media_id", "entry_id", name="uq_case_bank_matches"),
        Index("ix_case_bank_matches_entry", "entry_id"),
    )
