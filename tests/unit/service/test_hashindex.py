"""Multi-index hashing finds exactly what a scan of every hash finds: in memory, and through
the chunk keys stored in the database (real SQLite, migrated); and the near-duplicate groups
matching.py keeps over those keys."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reviewer_app.domain import MediaKind
from reviewer_app.service import hashindex, matching, pdq
from reviewer_app.service.db import Database, upgrade_head
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.models import CaseRow, MediaRow
from reviewer_app.service.models_pdq import (
    HashBankEntryRow,
    HashBankKeyRow,
    HashBankRow,
    MediaHashKeyRow,
    MediaHashRow,
)

_HASH = st.integers(min_value=0, max_value=(1 << 256) - 1)


def _near(base: int, flips: list[int]) -> int:
    for bit in flips:
        base ^= 1 << bit
    return base


def _brute(items: list[tuple[int, int]], value: int, threshold: int) -> set[tuple[int, int]]:
    return {(i, pdq.distance(value, h)) for i, h in items if pdq.distance(value, h) <= threshold}


@settings(max_examples=300, deadline=None)
@given(
    bases=st.lists(_HASH, min_size=1, max_size=40),
    near=st.lists(st.tuples(st.integers(0, 39), st.lists(st.integers(0, 255), max_size=60)),
                  max_size=40),
    query_base=st.integers(0, 39),
    query_flips=st.lists(st.integers(0, 255), max_size=50),
    threshold=st.integers(min_value=-1, max_value=80),
)
def test_the_index_returns_exactly_the_brute_force_set(
    bases: list[int], near: list[tuple[int, list[int]]], query_base: int,
    query_flips: list[int], threshold: int,
) -> None:
    """Stored hashes cluster around a few bases (so many lie near the query, at every
    distance), and the threshold covers probing (radius 0, 1, 2) and the scan beyond."""
    values = bases + [_near(bases[b % len(bases)], flips) for b, flips in near]
    items = list(enumerate(values))
    index = hashindex.HashIndex(items)
    query = _near(bases[query_base % len(bases)], query_flips)
    found = index.query(query, threshold)
    assert set(found) == _brute(items, query, threshold)
    assert [d for _, d in found] == sorted(d for _, d in found)
    assert index.scan(query, threshold) == found


def test_pigeonhole_keys_cover_a_difference_spread_evenly_over_every_chunk() -> None:
    """31 bits: 15 chunks differ in 2 bits and one in 1 bit; only that chunk's radius-1
    probes find it."""
    base = random.Random(3).getrandbits(256)
    flips = [c * 16 + b for c in range(15) for b in (0, 9)] + [15 * 16 + 4]
    other = _near(base, flips)
    assert pdq.distance(base, other) == 31
    assert hashindex.HashIndex([(1, other)]).query(base, 31) == [(1, 31)]
    assert hashindex.HashIndex([(1, other)]).query(base, 30) == []
    assert hashindex.probe_keys(base, 31) is not None
    assert hashindex.probe_keys(base, 48) is None


def test_add_again_replaces_and_remove_forgets() -> None:
    index = hashindex.HashIndex()
    index.add(7, 0)
    index.add(7, (1 << 256) - 1)
    assert len(index) == 1
    assert index.query(0, 31) == []
    index.remove(7)
    assert len(index) == 0
    assert index.query((1 << 256) - 1, 0) == []


def test_the_database_keys_find_exactly_the_brute_force_set(tmp_path: Path) -> None:
    """The bank lookup of matching.py, over keys stored by migration 0006's tables."""
    url = f"sqlite:///{tmp_path / 'h.db'}"
    upgrade_head(url)
    db = Database(url, pool_size=1)
    rng = random.Random(11)
    bases = [rng.getrandbits(256) for _ in range(30)]
    values = bases + [_near(rng.choice(bases), rng.sample(range(256), rng.randrange(0, 60)))
                      for _ in range(400)]
    now = datetime.now(UTC)
    with db.write() as s:
        bank = HashBankRow(name="t", description="", created_by="test", created_at=now)
        s.add(bank)
        s.flush()
        rows = [HashBankEntryRow(bank_id=bank.id, hash=pdq.to_hex(v), added_by="test",
                                 added_at=now) for v in dict.fromkeys(values)]
        s.add_all(rows)
        s.flush()
        s.add_all(HashBankKeyRow(key=k, entry_id=r.id)
                  for r in rows for k in hashindex.chunk_keys(int(r.hash, 16)))
        items = [(r.id, int(r.hash, 16)) for r in rows]
    with db.read() as s:
        for _ in range(40):
            query = _near(rng.choice(bases), rng.sample(range(256), rng.randrange(0, 40)))
            for threshold in (0, 15, 31, 47, 60):
                found = matching._bank_candidates(s, query, threshold)
                assert set(found) == _brute(items, query, threshold)
    db.dispose()


def _picture_case(s: Session, case_id: str, pictures: list[bytes]) -> None:
    """A case row with picture media rows (no bytes stored: matching reads what it is given),
    then `matching.on_case_ingested` as ingest calls it."""
    now = datetime.now(UTC)
    s.add(CaseRow(id=case_id, source="user_report", policy_area="community_standards",
                  harm_category="graphic_violence", severity=1, priority=50, received_at=now,
                  sla_due_at=now, reporter_type="user", status="queued"))
    s.flush()
    media = []
    for n, data in enumerate(pictures):
        media_id = f"{case_id}-m{n}"
        s.add(MediaRow(id=media_id, case_id=case_id, position=n, kind="image",
                       content_type="image/png", size=len(data), sha256="0" * 64))
        media.append(matching.IngestedMedia(media_id, MediaKind.IMAGE, data))
    matching.on_case_ingested(s, case_id, media)


def _reencoded(data: bytes, crop: float = 0.05) -> bytes:
    img = Image.open(io.BytesIO(data)).convert("RGB")
    img = img.resize((img.width * 6 // 10, img.height * 6 // 10))
    dx, dy = round(img.width * crop), round(img.height * crop)
    out = io.BytesIO()
    img.crop((dx, dy, img.width - dx, img.height - dy)).save(out, format="JPEG", quality=70)
    return out.getvalue()


def test_groups_form_on_a_match_and_merge_when_a_case_matches_two(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade_head(url)
    db = Database(url, pool_size=1)
    x, y = (synthetic_image(seed, width=640, height=360) for seed in (101, 202))
    with db.write() as s:
        _picture_case(s, "A1", [x])
        _picture_case(s, "B1", [y])
        _picture_case(s, "U", [synthetic_image(303, width=640, height=360)])
    with db.read() as s:
        assert {c: matching.matches_of(s, c).near_dup_group for c in ("A1", "B1", "U")} == \
            {"A1": None, "B1": None, "U": None}
    with db.write() as s:
        _picture_case(s, "A2", [_reencoded(x)])
        _picture_case(s, "B2", [_reencoded(y, crop=0.025)])
    with db.read() as s:
        group_a = matching.matches_of(s, "A1").near_dup_group
        group_b = matching.matches_of(s, "B2").near_dup_group
        assert group_a is not None
        assert group_b not in (None, group_a)
        assert matching.matches_of(s, "A2").near_dup_group == group_a
        assert [m.case_id for m in matching.matches_of(s, "A2").near_duplicates] == ["A1"]
    with db.write() as s:
        _picture_case(s, "C", [x, y])  # both pictures: the two groups become one
        _picture_case(s, "A3", [x])  # the very same bytes: no new keys, same group
    with db.read() as s:
        groups = {c: matching.matches_of(s, c).near_dup_group
                  for c in ("A1", "A2", "A3", "B1", "B2", "C", "U")}
        assert len({groups[c] for c in ("A1", "A2", "A3", "B1", "B2", "C")}) == 1
        assert groups["U"] is None
        assert {m.case_id for m in matching.matches_of(s, "C").near_duplicates} == \
            {"A1", "A2", "A3", "B1", "B2"}
        filed = s.scalar(select(func.count(func.distinct(MediaHashKeyRow.hash_id))))
        hashes = s.scalar(select(func.count()).select_from(MediaHashRow))
        assert (filed or 0) < (hashes or 0)
    db.dispose()
