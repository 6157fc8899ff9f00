"""Intake over HTTP: `POST /v1/cases`, a new case from a partner system (an admin's token).

The body is JSON with the media inside as base64 items (`contract.CaseIntake`): one schema a
partner can generate a client from, with no multipart encoder to get right. The case goes
through the same ingest as the Python one (`ingest.add_case_rows`): the source's context is
checked (422 naming the field), every item is sniffed and, for video and audio, probed (a
file that is not what it claims is refused, 422 naming the item), and routing and the SLA
place it. An Idempotency-Key is required: the same key and body give the same case back; the
same key with another body is refused (422, `idempotency_key_reused`). Bodies are held to the
service's body limit and items to MAX_INTAKE_ITEM_BYTES (413, `too_large`).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewer_app.contract import (
    IDEMPOTENCY_HEADER,
    MAX_INTAKE_ITEM_BYTES,
    CaseCreated,
    CaseIntake,
)
from reviewer_app.domain import ProblemCode
from reviewer_app.service import audit, idempotency, sources
from reviewer_app.service.auth import Intake
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.decisions import keyed_write
from reviewer_app.service.ingest import (
    CheckedMedia,
    NewCase,
    NewMedia,
    add_case_rows,
    check_media,
)
from reviewer_app.service.models import CaseRow, MediaRow
from reviewer_app.service.openapi import model_reply, problems
from reviewer_app.service.problems import ProblemError
from reviewer_app.service.sniff import UnsupportedMedia

router = APIRouter()

INTAKE_KEY_RULE = (
    "Required. A key the partner makes once per case it sends (a UUID is best) and repeats "
    "on every retry of that case: the same key and body answer with the same case id; the "
    "same key with another body is refused with 422 (`idempotency_key_reused`)."
)


def _decoded(intake: CaseIntake) -> list[NewMedia]:
    items = []
    for n, upload in enumerate(intake.media):
        try:
            data = base64.b64decode(upload.data_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ProblemError(422, ProblemCode.VALIDATION,
                               f"media[{n}].data_base64: not base64") from None
        if len(data) > MAX_INTAKE_ITEM_BYTES:
            raise ProblemError(413, ProblemCode.TOO_LARGE,
                               f"media[{n}]: items are limited to {MAX_INTAKE_ITEM_BYTES} "
                               "bytes")
        items.append(NewMedia(data, upload.content_type))
    return items


def _checked(items: list[NewMedia]) -> list[CheckedMedia]:
    checked = []
    for n, item in enumerate(items):
        try:
            checked.append(check_media(item))
        except UnsupportedMedia as exc:
            raise ProblemError(422, ProblemCode.VALIDATION, f"media[{n}]: {exc}") from None
    return checked


def new_case_of(intake: CaseIntake, ctx: ServiceContext, media: list[NewMedia]) -> NewCase:
    """The Python ingest's NewCase for an intake body (the same rules apply to both)."""
    now = ctx.now()
    return NewCase(
        source=intake.source, policy_area=intake.policy_area,
        harm_category=intake.harm_category, severity=intake.severity,
        priority=intake.priority, received_at=min(intake.received_at or now, now),
        reporter_type=intake.reporter_type or sources.REPORTER_OF_SOURCE[intake.source],
        reporter_statement=intake.reporter_statement,
        reporter_organisation=intake.reporter_organisation,
        reporter_reference=intake.reporter_reference, jurisdiction=intake.jurisdiction,
        subject_text=intake.subject_text, context=intake.context, queue=intake.queue,
        media=media,
    )


@router.post(
    "/cases", response_model=CaseCreated, status_code=201,
    responses={200: {"model": CaseCreated, "description": "a replay: the case this "
                     "Idempotency-Key and body already created"}, **problems(403, 413)},
)
def post_case(
    intake: CaseIntake,
    request: Request,
    user: Intake,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    idempotency_key: Annotated[str, Header(alias=IDEMPOTENCY_HEADER, min_length=1,
                                           max_length=idempotency.MAX_KEY_LENGTH,
                                           description=INTAKE_KEY_RULE)],
) -> Response:
    """Creates a case (201) from a partner's body, media inside as base64; a replay of the
    same key and body answers 200 with the same case."""
    key = idempotency.require_key(idempotency_key)
    try:
        sources.check_context(intake.source, intake.context)
    except sources.MissingSourceField as exc:
        raise exc.problem() from None
    fingerprint = idempotency.request_fingerprint(
        "POST", request.url.path, intake.model_dump(mode="json"))
    checked = _checked(_decoded(intake))
    case = new_case_of(intake, ctx, [NewMedia(c.data, c.content_type) for c in checked])

    def op(s: Session) -> Response:
        case_id = add_case_rows(s, case, ctx.media, checked)
        s.flush()
        row = s.get(CaseRow, case_id)
        assert row is not None
        media_ids = list(s.scalars(select(MediaRow.id).where(MediaRow.case_id == case_id)
                                   .order_by(MediaRow.position)))
        audit.record(s, at=ctx.now(), actor=user.username, action="case_intake",
                     subject_type="case", subject_id=case_id, client=client_of(request),
                     detail={"source": intake.source.value, "media": len(media_ids)})
        return model_reply(CaseCreated(case_id=case_id, queue=row.queue,
                                       sla_due_at=row.sla_due_at, media_ids=media_ids), 201)

    response = keyed_write(ctx, user, key, fingerprint, op)
    if response.headers.get("Idempotent-Replayed") == "true" and response.status_code == 201:
        response.status_code = 200
    return response
