"""Putting cases and media into the service: the bytes are sniffed, probed and hashed on the
way in, then written to the media store; the database row keeps the metadata and the key.

A file whose bytes are not an accepted format, or disagree with the declared Content-Type, or
(video and audio) do not decode from the first frame to the stated end, is refused here with
`UnsupportedMedia`, so nothing unchecked is ever served.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from PIL import Image
from sqlalchemy.orm import Session

from reviewer_app.domain import (
    Action,
    HarmCategory,
    MediaKind,
    PolicyArea,
    ReporterType,
    Severity,
    Source,
    SourceContext,
)
from reviewer_app.service import matching, routing, sla, sources, trends
from reviewer_app.service.models import CaseRow, HistoryRow, MediaRow
from reviewer_app.service.probe import probe
from reviewer_app.service.sniff import checked_type
from reviewer_app.service.storage import MediaStore


@dataclass(frozen=True)
class NewMedia:
    data: bytes
    content_type: str | None = None
    """What the uploader claims; checked against the bytes."""


@dataclass(frozen=True)
class NewHistory:
    at: datetime
    kind: str
    actor: str
    action: Action | None = None
    body: str = ""


@dataclass(frozen=True)
class NewCase:
    source: Source
    policy_area: PolicyArea
    harm_category: HarmCategory
    severity: Severity
    priority: int
    received_at: datetime
    reporter_type: ReporterType
    sla_due_at: datetime | None = None
    """None: from the service's SLA configuration (`sla.due_at_for`)."""
    statutory_deadline: datetime | None = None
    """A regulator's or a court's own deadline, when the request gives one."""
    reporter_statement: str = ""
    reporter_organisation: str | None = None
    reporter_reference: str | None = None
    jurisdiction: str = ""
    legal_basis: str | None = None
    rights_holder: str | None = None
    subject_text: str = ""
    context: SourceContext | None = None
    """What the source carries (`domain.SOURCE_CONTEXT`): required for regulator requests,
    IP claims, business escalations, user reports and legal orders; it fills the flat fields
    above that are not given, and a regulator's or a court's deadline caps the SLA."""
    queue: str | None = None
    """None: the routing rules decide (`routing.route_for`); a name: an explicit route."""
    media: list[NewMedia] = field(default_factory=list)
    history: list[NewHistory] = field(default_factory=list)
    id: str | None = None


@dataclass(frozen=True)
class CheckedMedia:
    """One item as it will be stored: its bytes checked, and what the checks found."""

    data: bytes
    content_type: str
    kind: MediaKind
    sha256: str
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None


def _dimensions(data: bytes) -> tuple[int | None, int | None]:
    try:
        with Image.open(io.BytesIO(data)) as img:
            return int(img.width), int(img.height)
    except Exception:  # noqa: BLE001 - dimensions are a hint; the type is already checked
        return None, None


def check_media(media: NewMedia) -> CheckedMedia:
    """Sniffs (and for video and audio, probes) one item; UnsupportedMedia says why not."""
    content_type, kind = checked_type(media.data, media.content_type)
    width = height = duration_ms = None
    if kind is MediaKind.IMAGE:
        width, height = _dimensions(media.data)
    elif kind in (MediaKind.VIDEO, MediaKind.AUDIO):
        probed = probe(media.data, kind)
        width, height, duration_ms = probed.width, probed.height, probed.duration_ms
    return CheckedMedia(data=media.data, content_type=content_type, kind=kind,
                        sha256=hashlib.sha256(media.data).hexdigest(), width=width,
                        height=height, duration_ms=duration_ms)


def add_case_rows(session: Session, case: NewCase, store: MediaStore,
                  checked: list[CheckedMedia] | None = None, *,
                  near_dup_threshold: int = matching.DEFAULT_THRESHOLD) -> str:
    """Inserts one case with its media (bytes into `store`) and history; returns its id.
    `checked`: the case's media already through `check_media` (a seed reusing a template).
    Its pictures and video keyframes are hashed (PDQ) in the same transaction: the case joins
    the near-duplicate group of earlier cases within `near_dup_threshold` bits, and is flagged
    when a hash bank holds one of them."""
    sources.check_context(case.source, case.context)
    items = checked if checked is not None else [check_media(m) for m in case.media]
    flat = sources.flat_fields(case.context)
    deadline = sources.deadline_of(case.context, case.statutory_deadline)
    case_id = case.id or "C" + secrets.token_hex(10)
    queue = routing.route_for(session, source=case.source, policy_area=case.policy_area,
                              harm_category=case.harm_category, route=case.queue)
    due = case.sla_due_at or sla.due_at_for(session, case.source, case.priority,
                                            case.received_at, deadline)
    session.add(CaseRow(
        id=case_id, queue=queue, source=case.source.value,
        policy_area=case.policy_area.value, harm_category=case.harm_category.value,
        severity=int(case.severity), priority=case.priority, received_at=case.received_at,
        sla_due_at=due, jurisdiction=case.jurisdiction or flat.jurisdiction or "",
        legal_basis=case.legal_basis or flat.legal_basis,
        rights_holder=case.rights_holder or flat.rights_holder,
        reporter_type=case.reporter_type.value,
        reporter_organisation=case.reporter_organisation or flat.organisation,
        reporter_reference=case.reporter_reference or flat.reference,
        reporter_statement=case.reporter_statement, subject_text=case.subject_text,
        context_json=sources.context_json(case.context), status="queued",
    ))
    session.flush()
    trends.record_case(session, case.received_at, {
        "source": case.source.value, "queue": queue, "policy_area": case.policy_area.value,
        "harm_category": case.harm_category.value,
        "jurisdiction": case.jurisdiction or flat.jurisdiction,
        "reporter_organisation": case.reporter_organisation or flat.organisation})
    ingested: list[matching.IngestedMedia] = []
    for position, item in enumerate(items):
        media_id = "M" + secrets.token_hex(10)
        session.add(MediaRow(
            id=media_id, case_id=case_id, position=position,
            kind=item.kind.value, content_type=item.content_type, size=len(item.data),
            sha256=item.sha256, width=item.width, height=item.height,
            duration_ms=item.duration_ms, storage_key=store.put(item.data), data=None,
        ))
        ingested.append(matching.IngestedMedia(media_id, item.kind, item.data, item.sha256))
    for h in case.history:
        session.add(HistoryRow(case_id=case_id, at=h.at, kind=h.kind, actor=h.actor,
                               action=h.action.value if h.action else None, body=h.body))
    matching.on_case_ingested(session, case_id, ingested, threshold=near_dup_threshold)
    return case_id
