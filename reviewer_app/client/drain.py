"""Draining the outbox: batches through POST /v1/sync (or one request per item, for the
benchmark's baseline), settled per item by client_id. Nothing is ever dropped: an item the
service did not answer for stays pending, a refused one is kept and surfaced."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from reviewer_app import contract, domain
from reviewer_app.client.clock import Clock
from reviewer_app.client.errors import ClientError, LeaseLost, NotFound, OnBreak
from reviewer_app.client.http import ApiClient, segment
from reviewer_app.client.problems import Refused, problem_reason
from reviewer_app.store import outbox
from reviewer_app.store.local import LocalStore
from reviewer_app.store.outbox import ItemKind, PendingItem, Settlement


class _Accepted(BaseModel):
    """The part of a decision's or note's acceptance the outbox needs."""

    model_config = ConfigDict(extra="ignore")
    client_id: str
    status: domain.SyncStatus


ProgressCallback = Callable[[int, int], None]
"""(done, total), called after every batch; a plain callable, as in Anki."""

_FIELD = {ItemKind.DECISION: "decisions", ItemKind.NOTE: "notes",
          ItemKind.EXPOSURE: "exposure_events", ItemKind.BREAK: "break_events"}
_LIMIT = {ItemKind.DECISION: 500, ItemKind.NOTE: 500, ItemKind.EXPOSURE: 2000,
          ItemKind.BREAK: 500}
_ALONE = frozenset({ItemKind.CORRECTION, ItemKind.APPEAL_DECISION})
"""Items sent one by one to a route of their own, never in a /v1/sync batch."""
MAX_BATCH_BYTES = 600_000
"""Well under the service's 1 MB body limit."""


@dataclass(frozen=True)
class SyncReport:
    sent: int = 0
    applied: int = 0
    duplicate: int = 0
    conflicts: int = 0
    invalid: int = 0
    remaining: int = 0
    online: bool = True
    error: str = ""


class OutboxDrainer:
    """One drain at a time, whoever asks (the UI's worker or the sync thread)."""

    def __init__(self, api: ApiClient, store: LocalStore, clock: Clock,
                 batch_items: int = 500, per_item: bool = False) -> None:
        self._api = api
        self._store = store
        self._clock = clock
        self.batch_items = batch_items
        self.per_item = per_item
        self._lock = threading.Lock()

    def drain(self, progress: ProgressCallback | None = None
              ) -> tuple[SyncReport, ClientError | None]:
        """Send until the outbox has no pending item; stop at the first transport failure."""
        with self._lock:
            tally = {s: 0 for s in domain.SyncStatus}
            sent = 0
            failure: ClientError | None = None
            with self._store.read() as db:
                total = outbox.counts(db).pending
            while failure is None:
                with self._store.write() as db:  # the hand-over: no undo from here on
                    items = outbox.take_pending(db, self.batch_items)
                if not items:
                    break
                answered = 0
                for group in self._groups(items):
                    try:
                        settlements = self._send(group)
                    except ClientError as exc:
                        failure = exc
                        break
                    with self._store.write() as db:
                        outbox.settle(db, settlements, self._clock.now())
                    sent += len(group)
                    answered += len(settlements)
                    for s in settlements:
                        tally[s.status] += 1
                    if progress is not None:
                        progress(min(sent, total), max(total, sent))
                    held = [s for s in settlements if s.status is domain.SyncStatus.DEFERRED]
                    if held:  # made during an enforced break: they stay pending until it ends
                        failure = OnBreak(max((s.retry_after_s or 0.0 for s in held),
                                              default=0.0) or None)
                        break
                if not answered:
                    break  # the service answered for none of them: try again later
            with self._store.read() as db:
                remaining = outbox.counts(db).pending
        return SyncReport(
            sent=sent, applied=tally[domain.SyncStatus.APPLIED],
            duplicate=tally[domain.SyncStatus.DUPLICATE],
            conflicts=tally[domain.SyncStatus.CONFLICT],
            invalid=tally[domain.SyncStatus.INVALID], remaining=remaining,
            online=failure is None, error=str(failure) if failure else "",
        ), failure

    def _groups(self, items: Sequence[PendingItem]) -> list[list[PendingItem]]:
        """Batches in order; a correction or an appeal's decision goes alone, after the items
        written before it (a correction supersedes a decision that must be on the service
        first; each has a route of its own)."""
        groups: list[list[PendingItem]] = []
        run: list[PendingItem] = []
        for item in items:
            if item.kind in _ALONE:
                groups += self._runs(run) + [[item]]
                run = []
            else:
                run.append(item)
        return groups + self._runs(run)

    def _runs(self, items: Sequence[PendingItem]) -> list[list[PendingItem]]:
        if not self.per_item:
            return _batches(items)
        singles = [[i] for i in items if i.kind in (ItemKind.DECISION, ItemKind.NOTE)]
        rest = [i for i in items if i.kind not in (ItemKind.DECISION, ItemKind.NOTE)]
        return singles + _batches(rest)

    def _send(self, group: Sequence[PendingItem]) -> list[Settlement]:
        if len(group) == 1 and group[0].kind in _ALONE:
            return [self._send_one(group[0])]
        if self.per_item and len(group) == 1 and group[0].kind in (ItemKind.DECISION,
                                                                   ItemKind.NOTE):
            return [self._send_one(group[0])]
        return self._send_batch(group)

    def _send_batch(self, batch: Sequence[PendingItem]) -> list[Settlement]:
        try:
            reply = self._api.call(contract.SyncResponse, "POST", "/v1/sync",
                                   data=_body(batch), headers=self._outbox_age())
        except Refused as exc:
            if exc.status not in (400, 413, 422):
                raise
            if len(batch) > 1:  # one bad item must not hold the others back: send singly
                out: list[Settlement] = []
                for item in batch:
                    out.extend(self._send_batch([item]))
                return out
            return [Settlement(batch[0].client_id, domain.SyncStatus.INVALID, exc.code,
                               exc.detail or str(exc))]
        asked = {i.client_id for i in batch}
        out = []
        for result in reply.results:
            if result.client_id in asked:
                code, reason = problem_reason(result.problem)
                retry = result.problem.retry_after_s if result.problem is not None else None
                out.append(Settlement(result.client_id, result.status, code, reason, retry))
        return out

    def _outbox_age(self) -> dict[str, str]:
        """How long the oldest unsent item has waited, on service time: the service's
        outbox-lag metric (docs/service.md, Operations)."""
        with self._store.read() as db:
            oldest = outbox.oldest_pending_at(db)
        if oldest is None:
            return {}
        age = max(0.0, (self._clock.now() - oldest).total_seconds())
        return {contract.OUTBOX_AGE_HEADER: f"{age:.1f}"}

    def _send_one(self, item: PendingItem) -> Settlement:
        headers = {contract.IDEMPOTENCY_HEADER: item.client_id}
        if item.kind is ItemKind.DECISION:
            path, body = f"/v1/cases/{segment(item.case_id or '')}/decisions", item.payload.encode()
        elif item.kind is ItemKind.CORRECTION:
            path = f"/v1/cases/{segment(item.case_id or '')}/corrections"
            body = item.payload.encode()
        elif item.kind is ItemKind.APPEAL_DECISION:
            appeal_id, body = outbox.appeal_request(item.payload)
            path = f"/v1/appeals/{segment(appeal_id)}/decision"
        else:
            note = domain.Note.model_validate_json(item.payload)
            path = f"/v1/cases/{segment(item.case_id or '')}/notes"
            body = contract.NoteBody(client_id=note.client_id,
                                     body=note.body).model_dump_json().encode()
        try:
            if item.kind is ItemKind.APPEAL_DECISION:  # the answer is the appeal, decided
                self._api.call(contract.Appeal, "POST", path, data=body, headers=headers,
                               case_id=item.case_id)
                return Settlement(item.client_id, domain.SyncStatus.APPLIED)
            reply = self._api.call(_Accepted, "POST", path, data=body,
                                   headers=headers, case_id=item.case_id)
        except LeaseLost as exc:
            code = "lease_lost" if item.kind is ItemKind.DECISION else "already_decided"
            return Settlement(item.client_id, domain.SyncStatus.CONFLICT, code,
                              exc.reason or str(exc))
        except NotFound as exc:
            return Settlement(item.client_id, domain.SyncStatus.CONFLICT, "not_found", str(exc))
        except Refused as exc:
            if exc.status in (400, 413, 422):
                return Settlement(item.client_id, domain.SyncStatus.INVALID, exc.code,
                                  exc.detail or str(exc))
            if item.kind in _ALONE and exc.status == 403:
                # a correction's window closed; an appeal of the reviewer's own decision
                return Settlement(item.client_id, domain.SyncStatus.CONFLICT, exc.code,
                                  exc.detail or str(exc))
            raise
        return Settlement(item.client_id, reply.status)


def _batches(items: Sequence[PendingItem]) -> list[list[PendingItem]]:
    """Split by the contract's per-list limits and a byte budget, keeping the order."""
    batches: list[list[PendingItem]] = []
    current: list[PendingItem] = []
    size = 0
    per_kind: dict[ItemKind, int] = {}
    for item in items:
        full = (size + len(item.payload) > MAX_BATCH_BYTES
                or per_kind.get(item.kind, 0) >= _LIMIT[item.kind])
        if current and full:
            batches.append(current)
            current, size, per_kind = [], 0, {}
        current.append(item)
        size += len(item.payload) + 1
        per_kind[item.kind] = per_kind.get(item.kind, 0) + 1
    if current:
        batches.append(current)
    return batches


def _body(batch: Sequence[PendingItem]) -> bytes:
    """The SyncRequest JSON, assembled from payloads that were validated when written."""
    lists: dict[str, list[str]] = {name: [] for name in _FIELD.values()}
    for item in batch:
        lists[_FIELD[item.kind]].append(item.payload)
    return ("{" + ",".join(f'"{name}":[{",".join(p)}]' for name, p in lists.items())
            + "}").encode()
