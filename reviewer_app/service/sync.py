"""`POST /v1/sync`: one round trip drains the client's outbox, each item on its own.

Every item runs in its own transaction and is idempotent on its client_id, so a partly
applied batch is simply sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reviewer_app.contract import SyncItemResult, SyncRequest, SyncResponse
from reviewer_app.domain import ProblemCode, SyncStatus
from reviewer_app.service import exposure_events
from reviewer_app.service.auth import CurrentUser, authenticate
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.decisions import apply_decision, apply_note
from reviewer_app.service.openapi import problems
from reviewer_app.service.problems import ProblemError, make_problem

router = APIRouter()


def _one(
    ctx: ServiceContext, client_id: str, op: Callable[[Session], SyncStatus]
) -> SyncItemResult:
    for _attempt in range(2):
        try:
            with ctx.db.write() as s:
                status = op(s)
            return SyncItemResult(client_id=client_id, status=status)
        except ProblemError as exc:
            kind = SyncStatus.CONFLICT if exc.status == 409 else SyncStatus.INVALID
            return SyncItemResult(client_id=client_id, status=kind, problem=exc.problem())
        except IntegrityError:
            continue  # a concurrent copy of this item won the insert: look again
    problem = make_problem(409, ProblemCode.IDEMPOTENCY_IN_FLIGHT, "sent concurrently; retry")
    return SyncItemResult(client_id=client_id, status=SyncStatus.CONFLICT, problem=problem)


@router.post("/sync", response_model=SyncResponse, responses=problems(403))
def sync(
    body: SyncRequest,
    request: Request,
    user: Annotated[CurrentUser, Depends(authenticate)],
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
) -> SyncResponse:
    client = client_of(request)
    results: list[SyncItemResult] = []
    for d in body.decisions:
        results.append(_one(ctx, str(d.client_id),
                            lambda s, d=d: apply_decision(s, ctx, user, d, client)))  # type: ignore[misc]
    for n in body.notes:
        results.append(_one(ctx, str(n.client_id),
                            lambda s, n=n: apply_note(s, ctx, user, n, client)))  # type: ignore[misc]
    for e in body.exposure_events:
        results.append(_one(ctx, str(e.client_id),
                            lambda s, e=e: exposure_events.apply_exposure(s, ctx, user, e, client)))  # type: ignore[misc]
    for b in body.break_events:
        results.append(_one(ctx, str(b.client_id),
                            lambda s, b=b: exposure_events.apply_break(s, ctx, user, b, client)))  # type: ignore[misc]
    return SyncResponse(results=results)
