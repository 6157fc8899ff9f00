"""Undo and corrections on the reviewer's side (issue 13, "Undo").

Undo takes the reviewer's most recent decision back out of the outbox, and marks its case
undecided again on this computer (its lease is still held), if and only if the decision was
never handed to the network. The adversary is the sync engine's thread taking the same item
at the same moment: both are write transactions on the outbox's SQLite file (see
`reviewer_app.store.outbox`), so exactly one wins. If the undo wins, the item is `undone`
and never sent; if the hand-over wins, the undo refuses with `AlreadySent` ("already sent;
correct it instead"), even when that send then failed, because it may have reached the
service. The outbox is on disk: an undo after a restart of the app works the same way.

What goes with the decision: its own fields (action, policy codes, reason, legal ground,
claim outcome) are its payload and go with it. Notes stay: a note is its own outbox item,
written on its own (N) while the case was open, possibly synced already, and it is the
reviewer's record of what they saw, not part of the verdict; deleting it silently would lose
words the reviewer wrote. Exposure events stay too: the exposure happened.

After a decision has synced it is corrected instead: a new decision that supersedes it
(`POST /v1/cases/{id}/corrections`, service/corrections.py), queued in the outbox like any
write and sent on its own with Idempotency-Key = its client_id, so retries are idempotent
and nothing is lost. A correction carries the superseded decision's legal ground and claim
outcome unless new ones are given.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from reviewer_app import contract, domain
from reviewer_app.client.errors import ClientError, InvalidInput, NotFound
from reviewer_app.store import cases, outbox
from reviewer_app.store.local import LocalStore
from reviewer_app.store.outbox import ItemKind


class NothingToUndo(ClientError):
    def __init__(self) -> None:
        super().__init__("Nothing to undo: no decision of yours is in the outbox.")


class AlreadySent(ClientError):
    """The decision was handed to the service before the undo: correct it instead."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(f"The decision on case {case_id} was already sent; correct it "
                         "instead (Ctrl+Shift+Z).")


@dataclass(frozen=True)
class Correctable:
    """A synced decision (or correction) of this computer's outbox that may be corrected."""

    client_id: str
    case_id: str
    action: domain.Action
    reason: str
    decided_at: datetime
    legal_ground: domain.LegalGround | None
    claim: domain.ClaimResolution | None
    correction: bool


def undo_last(store: LocalStore, now: datetime) -> domain.Decision:
    """The undone decision, or NothingToUndo / AlreadySent (see the module's docstring)."""
    with store.write() as db:
        last = outbox.last_decision(db)
        if last is None:
            raise NothingToUndo
        if not outbox.undo_decision(db, last.seq, now):
            raise AlreadySent(last.case_id)
        cases.mark_undecided(db, last.case_id)
    return domain.Decision.model_validate_json(last.payload)


def correctable(store: LocalStore) -> list[Correctable]:
    """This computer's synced decisions not yet superseded, newest first."""
    with store.read() as db:
        items = outbox.correctable(db)
    out = []
    for item in items:
        fields = json.loads(item.payload)
        out.append(Correctable(
            client_id=item.client_id, case_id=item.case_id,
            action=domain.Action(fields["action"]), reason=fields.get("reason", ""),
            decided_at=datetime.fromisoformat(fields["decided_at"]),
            legal_ground=(domain.LegalGround.model_validate(fields["legal_ground"])
                          if fields.get("legal_ground") else None),
            claim=(domain.ClaimResolution.model_validate(fields["claim"])
                   if fields.get("claim") else None),
            correction=item.kind is ItemKind.CORRECTION))
    return out


def queue_correction(store: LocalStore, now: datetime, supersedes: str, action: domain.Action,
                     *, correction_reason: str, policy_refs: Sequence[str] = (),
                     reason: str = "", legal_ground: domain.LegalGround | None = None,
                     claim: domain.ClaimResolution | None = None,
                     handle_ms: int = 0) -> contract.CorrectionBody:
    """Into the outbox, or refused here: the decision must be synced and not yet superseded,
    and the correction must meet what the case's source needs (as the service checks)."""
    found = {c.client_id: c for c in correctable(store)}.get(supersedes)
    if found is None:
        raise NotFound(f"Decision {supersedes} (not a synced decision of this computer that "
                       "is still in force)")
    try:
        body = contract.CorrectionBody(
            client_id=domain.new_client_id(), supersedes=supersedes,
            correction_reason=correction_reason, action=action, policy_refs=list(policy_refs),
            reason=reason, legal_ground=legal_ground or found.legal_ground,
            claim=claim or found.claim, decided_at=now, handle_ms=handle_ms)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(str(first.get("msg", "invalid"))) from None
    with store.write() as db:
        case = cases.get_case(db, found.case_id)
        if case is not None:
            need = domain.decision_shortfall(case.source, case.context, action,
                                             body.legal_ground, body.claim)
            if need is not None:
                raise InvalidInput(f"{need.field}: {need.why}")
        outbox.add_correction(db, str(body.client_id), found.case_id, body.model_dump_json(),
                              now)
    return body
