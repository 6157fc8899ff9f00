"""`POST /v1/sync`: one round trip drains the client's outbox, each item on its own.

Decisions and notes are applied many to a transaction, each item in its own savepoint and
idempotent on its client_id, so a partly applied batch is simply sent again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from reviewer_app.contract import SyncItemResult, SyncRequest, SyncResponse
from reviewer_app.domain import Decision, Note, ProblemCode, SyncStatus
from reviewer_app.service import exposure_events, safeguard_state
from reviewer_app.service.auth import CurrentUser, Specialist
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.decisions import apply_decision, apply_note
from reviewer_app.service.openapi import model_reply, problems
from reviewer_app.service.problems import ProblemError, make_problem
from reviewer_app.service.safeguard_state import Safeguards

router = APIRouter()


ItemOp = tuple[str, Callable[[Session, Safeguards], SyncStatus]]  # (client_id, apply it)

# Items per transaction: one turn of the writer lock and one commit for many items, while
# no single batch holds the SQLite writer lock for long.
ITEMS_PER_TRANSACTION = 50


def _item(s: Session, sg: Safeguards, client_id: str,
          op: Callable[[Session, Safeguards], SyncStatus]) -> SyncItemResult:
    """One item in its own savepoint: its conflict or bad value rolls back that item alone;
    one made during an enforced break is `deferred` (it stays pending on the client)."""
    for _attempt in range(2):
        try:
            with s.begin_nested():
                status = op(s, sg)
            return SyncItemResult(client_id=client_id, status=status)
        except ProblemError as exc:
            kind = {409: SyncStatus.CONFLICT, 423: SyncStatus.DEFERRED}.get(
                exc.status, SyncStatus.INVALID)
            return SyncItemResult(client_id=client_id, status=kind, problem=exc.problem())
        except IntegrityError:
            continue  # a concurrent copy of this item committed first: look again
        except DataError:
            problem = make_problem(422, ProblemCode.VALIDATION,
                                   "a value cannot be stored (control characters?)")
            return SyncItemResult(client_id=client_id, status=SyncStatus.INVALID,
                                  problem=problem)
    problem = make_problem(409, ProblemCode.IDEMPOTENCY_IN_FLIGHT, "sent concurrently; retry")
    return SyncItemResult(client_id=client_id, status=SyncStatus.CONFLICT, problem=problem)


def _items(ctx: ServiceContext, user: CurrentUser, ops: list[ItemOp]) -> list[SyncItemResult]:
    """Decisions and notes, many to a transaction, each idempotent on its client_id; a
    failure of the database itself fails the request, and the client sends it all again.
    The reviewer's safeguards are loaded once per transaction, before any item's savepoint."""
    results: list[SyncItemResult] = []
    for first in range(0, len(ops), ITEMS_PER_TRANSACTION):
        with ctx.db.write() as s:
            sg = safeguard_state.load(s, ctx, user)
            results += [_item(s, sg, cid, op)
                        for cid, op in ops[first:first + ITEMS_PER_TRANSACTION]]
            safeguard_state.save(s, ctx, user, sg)
    return results


def _safeguard_events(
    ctx: ServiceContext, user: CurrentUser, body: SyncRequest, client: str
) -> list[SyncItemResult]:
    """Exposure and break events of one batch: one transaction, one ledger update."""
    for _attempt in range(3):
        try:
            with ctx.db.write() as s:
                results = exposure_events.apply_batch(
                    s, ctx, user, body.exposure_events, body.break_events, client)
            return [SyncItemResult(client_id=cid, status=st, problem=problem)
                    for cid, st, problem in results]
        except IntegrityError:
            continue  # the same events arrived concurrently; the retry sees them as duplicates
    problem = make_problem(409, ProblemCode.IDEMPOTENCY_IN_FLIGHT, "sent concurrently; retry")
    ids = [str(e.client_id) for e in body.exposure_events]
    ids += [str(b.client_id) for b in body.break_events]
    return [SyncItemResult(client_id=cid, status=SyncStatus.CONFLICT, problem=problem)
            for cid in ids]


def _decide(s: Session, sg: Safeguards, *, ctx: ServiceContext, user: CurrentUser,
            d: Decision, client: str) -> SyncStatus:
    return apply_decision(s, ctx, user, d, client, sg)


def _note(s: Session, sg: Safeguards, *, ctx: ServiceContext, user: CurrentUser, note: Note,
          client: str) -> SyncStatus:
    return apply_note(s, ctx, user, note, client, sg)


@router.post("/sync", response_model=SyncResponse, responses=problems(403))
def sync(
    body: SyncRequest,
    request: Request,
    user: Specialist,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> Response:
    client = client_of(request)
    ops: list[ItemOp] = [
        (str(d.client_id), functools.partial(_decide, ctx=ctx, user=user, d=d, client=client))
        for d in body.decisions
    ]
    ops += [(str(n.client_id), functools.partial(_note, ctx=ctx, user=user, note=n,
                                                 client=client))
            for n in body.notes]
    results = _items(ctx, user, ops)
    if body.exposure_events or body.break_events:
        results.extend(_safeguard_events(ctx, user, body, client))
    return model_reply(SyncResponse(results=results))
