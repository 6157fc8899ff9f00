"""Pure pieces of sync: batching within the contract's limits, the wire body, backoff."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import Any

from reviewer_app import contract, domain
from reviewer_app.client.drain import MAX_BATCH_BYTES, OutboxDrainer, _batches, _body
from reviewer_app.client.sync import backoff_s
from reviewer_app.store.outbox import ItemKind, PendingItem

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _item(seq: int, reason: str = "") -> PendingItem:
    d = domain.Decision(client_id=uuid.uuid4(), case_id=f"c{seq}", lease_id="L",
                        action=domain.Action.KEEP, reason=reason, decided_at=NOW, handle_ms=1)
    return PendingItem(seq, str(d.client_id), ItemKind.DECISION, d.case_id, d.model_dump_json())


def _note(seq: int) -> PendingItem:
    n = domain.Note(client_id=uuid.uuid4(), case_id="c1", body="seen", written_at=NOW)
    return PendingItem(seq, str(n.client_id), ItemKind.NOTE, "c1", n.model_dump_json())


def test_batches_respect_the_per_list_limit_and_keep_order() -> None:
    items = [_item(i) for i in range(1203)]
    batches = _batches(items)
    assert [len(b) for b in batches] == [500, 500, 203]
    assert [i.seq for b in batches for i in b] == list(range(1203))


def test_batches_respect_the_byte_budget() -> None:
    items = [_item(i, reason="x" * 3900) for i in range(400)]
    batches = _batches(items)
    assert len(batches) > 1
    assert all(sum(len(i.payload) for i in b) <= MAX_BATCH_BYTES for b in batches)


def test_body_is_a_valid_sync_request() -> None:
    batch = [_item(1), _note(2), _item(3)]
    parsed = contract.SyncRequest.model_validate_json(_body(batch))
    assert [str(d.client_id) for d in parsed.decisions] == [batch[0].client_id,
                                                            batch[2].client_id]
    assert [str(n.client_id) for n in parsed.notes] == [batch[1].client_id]


def test_backoff_is_full_jitter_under_a_cap() -> None:
    rng = random.Random(7)
    for attempt in range(12):
        ceiling = min(60.0, 0.5 * 2**attempt)
        delays = [backoff_s(attempt, 0.5, 60.0, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert min(delays) < ceiling / 4  # jitter spreads down to (near) zero


def test_backoff_never_sooner_than_retry_after() -> None:
    rng = random.Random(1)
    assert all(backoff_s(0, 1.0, 60.0, rng, retry_after_s=30) >= 30 for _ in range(100))


def test_a_correction_goes_alone_after_what_was_written_before_it() -> None:
    none: Any = None
    fix = PendingItem(3, str(uuid.uuid4()), ItemKind.CORRECTION, "c1", "{}")
    items = [_item(1), _note(2), fix, _item(4)]
    groups = OutboxDrainer(none, none, none)._groups(items)
    assert [[i.seq for i in g] for g in groups] == [[1, 2], [3], [4]]
