"""The outbox: every write for the service, committed in the same transaction as the action
that made it, and settled per item by the service's answer for its client_id.

Hand-over to the network is a state change too: the drainer takes the items it is about to
send in one write transaction (`take_pending`), which stamps them `result = 'sent'`. From
then on an item may have reached the service (even if the reply never came back), so it can
no longer be undone; an undo (`undo_decision`) is an UPDATE guarded by `result IS NULL` in
its own write transaction. The two are serialised by SQLite's one writer: either the undo
wins (the item becomes `undone` and is never sent) or the hand-over does (the undo refuses).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from reviewer_app import contract, domain
from reviewer_app.store.schema import ExposureLedgerRow, OutboxItem, from_utc_text, utc_text


class ItemKind(enum.StrEnum):
    DECISION = "decision"
    NOTE = "note"
    EXPOSURE = "exposure"
    BREAK = "break"
    CORRECTION = "correction"
    APPEAL_DECISION = "appeal_decision"


class ItemState(enum.StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    CONFLICT = "conflict"
    INVALID = "invalid"
    UNDONE = "undone"
    """Taken back by the reviewer before it was handed to the network: never sent."""


HANDED_OVER = "sent"
"""`result` of a pending item once the drainer has taken it to send (see the docstring)."""


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    synced: int
    conflicts: int
    invalid: int


@dataclass(frozen=True)
class Conflict:
    """An item the service would not apply, kept for the reviewer to see and act on."""

    case_id: str | None
    client_id: str
    kind: str
    reason: str
    status: str = ItemState.CONFLICT.value
    code: str | None = None


@dataclass(frozen=True)
class PendingItem:
    seq: int
    client_id: str
    kind: ItemKind
    case_id: str | None
    payload: str


@dataclass(frozen=True)
class Settlement:
    """The service's answer for one item."""

    client_id: str
    status: domain.SyncStatus
    code: str | None = None
    reason: str = ""
    retry_after_s: float | None = None
    """For `deferred`: when the service will take it (the enforced break's end)."""


def _add(db: Session, kind: ItemKind, client_id: str, case_id: str | None, payload: str,
         now: datetime) -> None:
    db.add(OutboxItem(client_id=client_id, kind=kind.value, case_id=case_id, payload=payload,
                      state=ItemState.PENDING.value, reason="", created_at=utc_text(now)))


def add_decision(db: Session, decision: domain.Decision, now: datetime) -> None:
    _add(db, ItemKind.DECISION, str(decision.client_id), decision.case_id,
         decision.model_dump_json(), now)


def add_note(db: Session, note: domain.Note, now: datetime) -> None:
    _add(db, ItemKind.NOTE, str(note.client_id), note.case_id, note.model_dump_json(), now)


def add_exposure(db: Session, event: domain.ExposureEvent, now: datetime) -> None:
    _add(db, ItemKind.EXPOSURE, str(event.client_id), event.case_id, event.model_dump_json(),
         now)
    db.add(ExposureLedgerRow(
        client_id=str(event.client_id), case_id=event.case_id, media_id=event.media_id,
        harm_category=event.harm_category.value, severity=int(event.severity),
        kind=event.kind.value, duration_ms=event.duration_ms, at=utc_text(event.at)))


def add_break(db: Session, event: domain.BreakEvent, now: datetime) -> None:
    _add(db, ItemKind.BREAK, str(event.client_id), None, event.model_dump_json(), now)


def has_decision(db: Session, case_id: str) -> bool:
    """A decision for the case is already in the outbox in any state but invalid or undone."""
    return db.scalar(select(func.count()).select_from(OutboxItem).where(
        OutboxItem.kind == ItemKind.DECISION.value, OutboxItem.case_id == case_id,
        OutboxItem.state.not_in([ItemState.INVALID.value, ItemState.UNDONE.value]))) != 0


def add_correction(db: Session, client_id: str, case_id: str, payload: str,
                   now: datetime) -> None:
    """A correction (contract.CorrectionBody JSON), sent on its own with Idempotency-Key."""
    _add(db, ItemKind.CORRECTION, client_id, case_id, payload, now)


def add_appeal_decision(db: Session, decision: contract.AppealDecisionCreate, appeal_id: str,
                        case_id: str, now: datetime) -> None:
    """An appeal's uphold or overturn, sent on its own with Idempotency-Key = its client_id
    to `POST /v1/appeals/{appeal_id}/decision`."""
    payload = json.dumps({"appeal_id": appeal_id, "decision": decision.model_dump(mode="json")})
    _add(db, ItemKind.APPEAL_DECISION, str(decision.client_id), case_id, payload, now)


def appeal_request(payload: str) -> tuple[str, bytes]:
    """The appeal id and the request body of an APPEAL_DECISION item's payload."""
    doc = json.loads(payload)
    return str(doc["appeal_id"]), json.dumps(doc["decision"]).encode()


def take_pending(db: Session, limit: int) -> list[PendingItem]:
    """`pending()`, handed over to the network in the same (write) transaction: from now on
    none of these items can be undone. Call it inside `LocalStore.write()`."""
    # The UPDATE first: it takes SQLite's write lock, so the items read after it are exactly
    # those it stamped, even if another process (the CLI) undid one a moment before.
    first = (select(OutboxItem.seq).where(OutboxItem.state == ItemState.PENDING.value)
             .order_by(OutboxItem.seq).limit(limit))
    db.execute(update(OutboxItem)
               .where(OutboxItem.seq.in_(first), OutboxItem.result.is_(None))
               .values(result=HANDED_OVER))
    return pending(db, limit)


def hand_over(db: Session, client_id: str) -> None:
    """Mark one pending item as handed to the network (sent outside the drainer)."""
    db.execute(update(OutboxItem).where(OutboxItem.client_id == client_id,
                                        OutboxItem.state == ItemState.PENDING.value,
                                        OutboxItem.result.is_(None))
               .values(result=HANDED_OVER))


@dataclass(frozen=True)
class LastDecision:
    seq: int
    client_id: str
    case_id: str
    payload: str
    state: str
    handed_over: bool


def last_decision(db: Session) -> LastDecision | None:
    """The most recent decision in the outbox that was not undone (any other state)."""
    row = db.scalars(select(OutboxItem).where(
        OutboxItem.kind == ItemKind.DECISION.value,
        OutboxItem.state != ItemState.UNDONE.value).order_by(OutboxItem.seq.desc())
        .limit(1)).first()
    if row is None:
        return None
    return LastDecision(row.seq, row.client_id, row.case_id or "", row.payload, row.state,
                        row.result is not None)


def undo_decision(db: Session, seq: int, now: datetime) -> bool:
    """Take back one decision if, and only if, it was never handed to the network; True when
    it was (the guard's rowcount, in the caller's write transaction)."""
    done = db.execute(update(OutboxItem).where(
        OutboxItem.seq == seq, OutboxItem.kind == ItemKind.DECISION.value,
        OutboxItem.state == ItemState.PENDING.value, OutboxItem.result.is_(None))
        .values(state=ItemState.UNDONE.value, reason="undone by the reviewer",
                settled_at=utc_text(now)))
    return getattr(done, "rowcount", 0) == 1


@dataclass(frozen=True)
class SyncedItem:
    client_id: str
    kind: ItemKind
    case_id: str
    payload: str


def correctable(db: Session) -> list[SyncedItem]:
    """Synced decisions and corrections, newest first, that no correction in this outbox
    (in any state but invalid) supersedes yet."""
    rows = list(db.scalars(select(OutboxItem).where(
        OutboxItem.kind.in_([ItemKind.DECISION.value, ItemKind.CORRECTION.value]),
        OutboxItem.state != ItemState.INVALID.value).order_by(OutboxItem.seq.desc())))
    superseded: set[str] = set()
    for r in rows:
        if r.kind == ItemKind.CORRECTION.value:
            supersedes = json.loads(r.payload).get("supersedes")
            if supersedes:
                superseded.add(str(supersedes))
    return [SyncedItem(r.client_id, ItemKind(r.kind), r.case_id or "", r.payload)
            for r in rows
            if r.state == ItemState.SYNCED.value and r.client_id not in superseded]


def pending(db: Session, limit: int, kinds: Iterable[ItemKind] | None = None) -> list[PendingItem]:
    """The oldest pending items first, so the service sees actions in the order they happened."""
    query = select(OutboxItem).where(OutboxItem.state == ItemState.PENDING.value)
    if kinds is not None:
        query = query.where(OutboxItem.kind.in_([k.value for k in kinds]))
    rows = db.scalars(query.order_by(OutboxItem.seq).limit(limit))
    return [PendingItem(r.seq, r.client_id, ItemKind(r.kind), r.case_id, r.payload) for r in rows]


_STATE_OF = {
    domain.SyncStatus.APPLIED: ItemState.SYNCED,
    domain.SyncStatus.DUPLICATE: ItemState.SYNCED,
    domain.SyncStatus.CONFLICT: ItemState.CONFLICT,
    domain.SyncStatus.INVALID: ItemState.INVALID,
}


def settle(db: Session, settlements: Sequence[Settlement], now: datetime) -> None:
    """Record the service's answers; only pending items change (answers are idempotent). A
    `deferred` item is not settled: it stays pending, to be sent again after the break."""
    settlements = [s for s in settlements if s.status is not domain.SyncStatus.DEFERRED]
    if not settlements:
        return
    statement = (
        update(OutboxItem)
        .where(OutboxItem.client_id == bindparam("cid"),
               OutboxItem.state == ItemState.PENDING.value)
        .values(state=bindparam("new_state"), result=bindparam("new_result"),
                problem_code=bindparam("code"), reason=bindparam("why"), settled_at=utc_text(now))
    )
    db.flush()  # items added in this transaction must be visible to the bulk update
    db.connection().execute(statement, [
        {"cid": s.client_id, "new_state": _STATE_OF[s.status].value,
         "new_result": s.status.value, "code": s.code, "why": s.reason[:2000]}
        for s in settlements])


def oldest_pending_at(db: Session) -> datetime | None:
    """When the oldest item still pending was written (items are written in `seq` order)."""
    created = db.scalar(select(OutboxItem.created_at)
                        .where(OutboxItem.state == ItemState.PENDING.value)
                        .order_by(OutboxItem.seq).limit(1))
    return from_utc_text(created) if created is not None else None


def counts(db: Session) -> OutboxCounts:
    by_state: dict[str, int] = {state: n for state, n in db.execute(
        select(OutboxItem.state, func.count()).group_by(OutboxItem.state)).all()}
    return OutboxCounts(
        pending=by_state.get(ItemState.PENDING.value, 0),
        synced=by_state.get(ItemState.SYNCED.value, 0),
        conflicts=by_state.get(ItemState.CONFLICT.value, 0),
        invalid=by_state.get(ItemState.INVALID.value, 0),
    )


def conflicts(db: Session) -> list[Conflict]:
    rows = db.scalars(select(OutboxItem).where(OutboxItem.state.in_(
        [ItemState.CONFLICT.value, ItemState.INVALID.value])).order_by(OutboxItem.seq))
    return [Conflict(case_id=r.case_id, client_id=r.client_id, kind=r.kind, reason=r.reason,
                     status=r.state, code=r.problem_code) for r in rows]
