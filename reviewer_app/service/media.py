"""Serving media bytes: Content-Type, Content-Length, SHA-256 header and single Range requests.

The bytes stream from the media store (storage.py) in chunks, and a Range request reads only
its span, so a large video is never held in memory whole. The client checks the digest and
sniffs the bytes itself; we never serve what we did not check at ingest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import Response, StreamingResponse

from reviewer_app.contract import SHA256_HEADER
from reviewer_app.domain import HarmCategory, Identifier, ProblemCode, Role, Severity
from reviewer_app.service import exposure_events, holdings, safeguard_state
from reviewer_app.service.auth import ContentReader
from reviewer_app.service.cases import audit_content_read, may_read, refused_content
from reviewer_app.service.context import ServiceContext, client_of, get_ctx
from reviewer_app.service.models import CaseRow, MediaRow
from reviewer_app.service.openapi import problems
from reviewer_app.service.problems import ProblemError
from reviewer_app.service.storage import MediaStore, MediaStoreError

router = APIRouter()
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for one satisfiable range; None to send the whole body."""
    m = _RANGE.match(header.strip())
    if m is None:
        return None  # multi-range or unknown units: RFC 9110 allows ignoring Range
    first_s, last_s = m.groups()
    if not first_s and not last_s:
        return None
    if not first_s:
        length = int(last_s)
        if length == 0 or size == 0:
            raise _unsatisfiable(size)
        return max(0, size - length), size - 1
    first = int(first_s)
    last = int(last_s) if last_s else size - 1
    if first >= size or last < first:
        raise _unsatisfiable(size)
    return first, min(last, size - 1)


def _unsatisfiable(size: int) -> ProblemError:
    return ProblemError(416, ProblemCode.BAD_REQUEST, "range not satisfiable",
                        headers={"Content-Range": f"bytes */{size}"})


_MEDIA_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {"schema": {"type": "string",
                                                              "format": "binary"}}},
          "description": "the media bytes"},
    206: {"description": "a byte range of the media"},
    **problems(403, 416, 423, 503),
}


def _legacy_chunks(data: bytes, first: int, last: int) -> Iterator[bytes]:
    """A row not yet moved into the store (see migration 0005) is served from its blob."""
    yield data[first:last + 1]


def _body(store: MediaStore, media: MediaRow) -> tuple[int, Any]:
    """(size, opener of first..last) of the bytes, checked against the row before anything is
    recorded or sent: a missing or resized object is a 503, never a short or foreign body.
    Inside the row's session (an unmoved row's blob loads on demand)."""
    if media.storage_key is None:
        legacy = media.data
        if legacy is None:
            raise ProblemError(503, ProblemCode.UNAVAILABLE, "the media bytes are missing")
        return len(legacy), lambda first, last: _legacy_chunks(legacy, first, last)
    try:
        size = store.size(media.storage_key)
    except MediaStoreError as exc:
        raise ProblemError(503, ProblemCode.UNAVAILABLE,
                           "the media file is missing from the media store") from exc
    if size != media.size:
        raise ProblemError(503, ProblemCode.UNAVAILABLE,
                           "the media file in the store does not match its record")
    key = media.storage_key
    return size, lambda first, last: store.open_range(key, first, last)


@router.get("/media/{media_id}", response_class=Response, responses=_MEDIA_RESPONSES)
def get_media(
    media_id: Annotated[Identifier, Path()],
    request: Request,
    user: ContentReader,
    ctx: Annotated[ServiceContext, Depends(get_ctx)],
    range_header: Annotated[str | None, Header(alias="Range", max_length=200)] = None,
) -> Response:
    """The bytes. Serving them to a specialist is the service's own evidence that they were
    shown (counted once per lease and item); during an enforced break, or for a case of a
    category the specialist is capped for, 423 with Retry-After instead."""
    reviewer = user.role is Role.SPECIALIST
    refused = None
    with ctx.db.write() if reviewer else ctx.db.read() as s:
        media = s.get(MediaRow, media_id)
        case = s.get(CaseRow, media.case_id) if media is not None else None
        if media is None or case is None:
            raise ProblemError(404, ProblemCode.NOT_FOUND, "no such media")
        if not may_read(s, user, case):
            raise ProblemError(403, ProblemCode.FORBIDDEN, "this case is not leased to you")
        size, opener = _body(ctx.media, media)
        if reviewer:
            sg = safeguard_state.load(s, ctx, user)
            refused = sg.refusal_for(HarmCategory(case.harm_category), Severity(case.severity))
            held = holdings.of_case(s, user.id, case.id)
            if refused is None and held:
                exposure_events.served(s, sg, user, case, held[-1].lease_id, media_id,
                                       ctx.now(), client_of(request))
            safeguard_state.save(s, ctx, user, sg)
    if refused is not None:
        raise refused_content(refused)
    audit_content_read(ctx, user, request, "media", media_id,
                       {"case_id": media.case_id, "range": range_header})
    headers = {
        SHA256_HEADER: media.sha256,
        "Accept-Ranges": "bytes",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    span = _parse_range(range_header, size) if range_header else None
    status = 200
    if span is None:
        first, last = 0, size - 1
    else:
        first, last = span
        status = 206
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(last - first + 1)
    try:
        chunks = opener(first, last) if size else iter(())
    except MediaStoreError as exc:
        raise ProblemError(503, ProblemCode.UNAVAILABLE,
                           "the media file is missing from the media store") from exc
    return StreamingResponse(chunks, status_code=status, media_type=media.content_type,
                             headers=headers)
