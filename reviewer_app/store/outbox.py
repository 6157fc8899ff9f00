"""The outbox: every write for the service, committed in the same transaction as the action
that made it, and settled per item by the service's answer for its client_id."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from reviewer_app import domain
from reviewer_app.store.schema import ExposureLedgerRow, OutboxItem, from_utc_text, utc_text


class ItemKind(enum.StrEnum):
    DECISION = "decision"
    NOTE = "note"
    EXPOSURE = "exposure"
    BREAK = "break"


class ItemState(enum.StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    CONFLICT = "conflict"
    INVALID = "invalid"


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
    """A decision for the case is already in the outbox in any state but invalid."""
    return db.scalar(select(func.count()).select_from(OutboxItem).where(
        OutboxItem.kind == ItemKind.DECISION.value, OutboxItem.case_id == case_id,
        OutboxItem.state != ItemState.INVALID.value)) != 0


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
    """Record the service's answers; only pending items change (answers are idempotent)."""
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
