"""Finding every stored PDQ hash within a Hamming distance of a query: multi-index hashing.

A 256-bit hash is cut into 16 chunks of 16 bits. If two hashes differ in at most d bits, the
differences are spread over the 16 chunks, so at least one chunk differs in at most
floor(d / 16) bits (pigeonhole). Each stored hash is therefore filed under its 16 chunk keys
(chunk number, chunk value); a query looks up, for each of its chunks, the keys within
floor(d / 16) bits of it (1 + 16 keys per chunk at the default d = 31), and verifies the full
distance of what it finds with a popcount. The answer is exactly the set a scan of every hash
would give, but the work grows with the number of hashes that share a key with the query
(about n / 65,536 per key for unrelated hashes) rather than with n.

The same keys are stored in the database (matching.py) so that every service instance, and
every transaction, sees the same index; `HashIndex` is the in-memory form, the reference the
tests and the benchmark check both against a scan.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import combinations

from reviewer_app.service.pdq import HASH_BITS, distance

DEFAULT_THRESHOLD = 31
"""The distance PDQ's authors suggest for "the same picture": few false matches among
unrelated pictures, and re-encodings, resizes and small crops stay within it."""

CHUNKS = 16
CHUNK_BITS = HASH_BITS // CHUNKS
_CHUNK_MASK = (1 << CHUNK_BITS) - 1
MAX_RADIUS = 2
"""Beyond 2 bits per chunk (a threshold of 48 or more) the probes outnumber what they save:
matching then scans (`probe_keys` gives None)."""


def chunk_keys(value: int) -> list[int]:
    """The 16 keys a hash is filed under: chunk number in the high bits, chunk value below."""
    return [(i << CHUNK_BITS) | ((value >> (i * CHUNK_BITS)) & _CHUNK_MASK)
            for i in range(CHUNKS)]


def _flips(radius: int) -> list[int]:
    """Every 16-bit mask with at most `radius` bits set (0 first)."""
    masks = [0]
    for r in range(1, radius + 1):
        for bits in combinations(range(CHUNK_BITS), r):
            masks.append(sum(1 << b for b in bits))
    return masks


_FLIPS = {r: _flips(r) for r in range(MAX_RADIUS + 1)}


def probe_keys(value: int, threshold: int) -> list[int] | None:
    """The keys under which every hash within `threshold` of `value` is filed (at least one of
    its 16); None when the threshold is too wide for probing to pay (then scan)."""
    if threshold < 0:
        return []
    radius = threshold // CHUNKS
    if radius > MAX_RADIUS:
        return None
    flips = _FLIPS[radius]
    return [(key & ~_CHUNK_MASK) | ((key & _CHUNK_MASK) ^ mask)
            for key in chunk_keys(value) for mask in flips]


def within(pairs: Iterable[tuple[int, int]], value: int,
           threshold: int) -> list[tuple[int, int]]:
    """(id, distance) of the (id, hash) pairs within `threshold` of `value`, nearest first
    (then by id); each id once."""
    found: dict[int, int] = {}
    for key_id, other in pairs:
        d = distance(value, other)
        if d <= threshold and key_id not in found:
            found[key_id] = d
    return sorted(found.items(), key=lambda item: (item[1], item[0]))


class HashIndex:
    """Hashes by id, filed under their chunk keys."""

    def __init__(self, items: Iterable[tuple[int, int]] = ()) -> None:
        self._values: dict[int, int] = {}
        self._buckets: dict[int, list[int]] = {}
        for key_id, value in items:
            self.add(key_id, value)

    def __len__(self) -> int:
        return len(self._values)

    def add(self, key_id: int, value: int) -> None:
        """Files `value` under `key_id`; adding an id again replaces its hash."""
        if key_id in self._values:
            self.remove(key_id)
        self._values[key_id] = value
        for key in chunk_keys(value):
            self._buckets.setdefault(key, []).append(key_id)

    def remove(self, key_id: int) -> None:
        value = self._values.pop(key_id)
        for key in chunk_keys(value):
            bucket = self._buckets[key]
            bucket.remove(key_id)
            if not bucket:
                del self._buckets[key]

    def query(self, value: int, threshold: int = DEFAULT_THRESHOLD) -> list[tuple[int, int]]:
        """(id, distance) of every hash within `threshold`, nearest first: exactly what
        `scan` answers."""
        keys = probe_keys(value, threshold)
        if keys is None:
            return self.scan(value, threshold)
        return within(self._candidates(keys), value, threshold)

    def scan(self, value: int, threshold: int = DEFAULT_THRESHOLD) -> list[tuple[int, int]]:
        """The same answer by comparing with every hash (the reference, and the benchmark's
        baseline)."""
        return within(self._values.items(), value, threshold)

    def _candidates(self, keys: list[int]) -> Iterator[tuple[int, int]]:
        seen: set[int] = set()
        for key in keys:
            for key_id in self._buckets.get(key, ()):
                if key_id not in seen:
                    seen.add(key_id)
                    yield key_id, self._values[key_id]
