"""PDQ at ingest and hash matching: hashing a 1920 x 1080 picture, and matching one hash
against banks of 10,000 and 100,000 random hashes (with planted near matches), by the
multi-index lookup (in memory, and through the keys stored in SQLite as the service does)
against a linear scan in the same run. The lookup should grow far slower than the bank
(ratio 100k / 10k well under 10); the scan grows with it.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

from reviewer_app.service import hashindex, matching, pdq
from reviewer_app.service.db import Database, upgrade_head
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.models_pdq import HashBankEntryRow, HashBankKeyRow, HashBankRow
from tests.bench.run_all import Figure

BANKS = (10_000, 100_000)
QUERIES = 200
PLANTED = 50
"""Queries that are a bank hash with up to `THRESHOLD` bits flipped (the rest are random)."""
THRESHOLD = hashindex.DEFAULT_THRESHOLD
PICTURES = 12


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.fmean(samples) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _hashing() -> list[Figure]:
    figures = []
    for fmt in ("JPEG", "PNG"):
        pictures = [synthetic_image(i, width=1920, height=1080, fmt=fmt) for i in range(PICTURES)]
        pdq.hash_image(pictures[0])  # warm-up
        for label, crops in (("whole + crop ladder", pdq.CROP_LADDER), ("whole only", (0.0,))):
            mean, p95 = _ms([_timed(lambda p=p, c=crops: pdq.hash_image(p, c))
                             for p in pictures])
            figures += [
                Figure("pdq", f"hash 1920x1080 {fmt}, {label}: mean", mean, "ms"),
                Figure("pdq", f"hash 1920x1080 {fmt}, {label}: p95", p95, "ms"),
            ]
    return figures


def _flip(value: int, bits: int, rng: random.Random) -> int:
    for bit in rng.sample(range(256), bits):
        value ^= 1 << bit
    return value


def _queries(bank: list[int], rng: random.Random) -> list[int]:
    planted = [_flip(rng.choice(bank), rng.randrange(0, THRESHOLD + 1), rng)
               for _ in range(PLANTED)]
    return planted + [rng.getrandbits(256) for _ in range(QUERIES - PLANTED)]


def _per_query_ms(queries: list[int], match: Callable[[int], object]) -> float:
    return _timed(lambda: [match(q) for q in queries]) / len(queries) * 1000


def _in_memory(banks: dict[int, list[int]], rng: random.Random) -> list[Figure]:
    figures, lookup, scan = [], {}, {}
    for size, bank in banks.items():
        index = hashindex.HashIndex(enumerate(bank))
        queries = _queries(bank, rng)
        assert all(index.query(q, THRESHOLD) == index.scan(q, THRESHOLD) for q in queries[:20])
        lookup[size] = _per_query_ms(queries, lambda q, i=index: i.query(q, THRESHOLD))
        scan[size] = _per_query_ms(queries[:40], lambda q, i=index: i.scan(q, THRESHOLD))
        figures += [
            Figure("pdq", f"in memory, bank {size:,}: multi-index lookup", lookup[size],
                    "ms/query"),
            Figure("pdq", f"in memory, bank {size:,}: linear scan", scan[size], "ms/query",
                   f"lookup {scan[size] / lookup[size]:.0f}x faster"),
        ]
    small, large = BANKS
    figures += [
        Figure("pdq", "in memory: lookup growth 100k / 10k", lookup[large] / lookup[small], "x",
               "aim: well under 10 (sub-linear)"),
        Figure("pdq", "in memory: scan growth 100k / 10k", scan[large] / scan[small], "x"),
    ]
    return figures


def _load_bank(db: Database, bank: list[int]) -> None:
    now = datetime.now(UTC)
    with db.write() as s:
        row = HashBankRow(name="bench", description="", created_by="bench", created_at=now)
        s.add(row)
        s.flush()
        s.execute(insert(HashBankEntryRow), [
            {"id": i + 1, "bank_id": row.id, "hash": pdq.to_hex(v), "added_by": "bench",
             "added_at": now} for i, v in enumerate(bank)])
        s.execute(insert(HashBankKeyRow), [
            {"key": k, "entry_id": i + 1}
            for i, v in enumerate(bank) for k in hashindex.chunk_keys(v)])


def _in_sqlite(banks: dict[int, list[int]], rng: random.Random, folder: Path) -> list[Figure]:
    figures, lookup, scan = [], {}, {}
    for size, bank in banks.items():
        url = f"sqlite:///{folder / f'bank{size}.db'}"
        upgrade_head(url)
        db = Database(url, pool_size=1)
        _load_bank(db, bank)
        queries = _queries(bank, rng)
        with db.read() as s:
            def by_keys(q: int, s: object = s) -> object:
                return matching._bank_candidates(s, q, THRESHOLD)  # type: ignore[arg-type]

            def by_scan(q: int, s: object = s) -> object:
                rows = s.execute(text(matching._BANK_ALL)).all()  # type: ignore[attr-defined]
                return hashindex.within(((r.id, int(r.hash, 16)) for r in rows), q, THRESHOLD)

            by_keys(queries[0])
            lookup[size] = _per_query_ms(queries, by_keys)
            scan[size] = _per_query_ms(queries[:10], by_scan)
        db.dispose()
        figures += [
            Figure("pdq", f"SQLite, bank {size:,}: multi-index lookup", lookup[size],
                   "ms/query"),
            Figure("pdq", f"SQLite, bank {size:,}: linear scan", scan[size], "ms/query",
                   f"lookup {scan[size] / lookup[size]:.0f}x faster"),
        ]
    small, large = BANKS
    figures += [
        Figure("pdq", "SQLite: lookup growth 100k / 10k", lookup[large] / lookup[small], "x",
               "aim: well under 10 (sub-linear)"),
        Figure("pdq", "SQLite: scan growth 100k / 10k", scan[large] / scan[small], "x"),
    ]
    return figures


def run() -> list[Figure]:
    rng = random.Random(13)
    banks = {size: [rng.getrandbits(256) for _ in range(size)] for size in BANKS}
    figures = _hashing() + _in_memory(banks, rng)
    with tempfile.TemporaryDirectory() as folder:
        figures += _in_sqlite(banks, rng, Path(folder))
    return figures


if __name__ == "__main__":
    for f in run():
        print(f"{f.name:<58} {f.value:>10.3f} {f.unit:<8} {f.note}")
