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
)
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
    sla_due_at: datetime
    reporter_type: ReporterType
    reporter_statement: str = ""
    reporter_organisation: str | None = None
    reporter_reference: str | None = None
    jurisdiction: str = ""
    legal_basis: str | None = None
    rights_holder: str | None = None
    subject_text: str = ""
    queue: str = "default"
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
                  checked: list[CheckedMedia] | None = None) -> str:
    """Inserts one case with its media (bytes into `store`) and history; returns its id.
    `checked`: the case's media already through `check_media` (a seed reusing a template)."""
    items = checked if checked is not None else [check_media(m) for m in case.media]
    case_id = case.id or "C" + secrets.token_hex(10)
    session.add(CaseRow(
        id=case_id, queue=case.queue, source=case.source.value,
        policy_area=case.policy_area.value, harm_category=case.harm_category.value,
        severity=int(case.severity), priority=case.priority, received_at=case.received_at,
        sla_due_at=case.sla_due_at, jurisdiction=case.jurisdiction,
        legal_basis=case.legal_basis, rights_holder=case.rights_holder,
        reporter_type=case.reporter_type.value,
        reporter_organisation=case.reporter_organisation,
        reporter_reference=case.reporter_reference,
        reporter_statement=case.reporter_statement, subject_text=case.subject_text,
        status="queued",
    ))
    session.flush()
    for position, item in enumerate(items):
        session.add(MediaRow(
            id="M" + secrets.token_hex(10), case_id=case_id, position=position,
            kind=item.kind.value, content_type=item.content_type, size=len(item.data),
            sha256=item.sha256, width=item.width, height=item.height,
            duration_ms=item.duration_ms, storage_key=store.put(item.data), data=None,
        ))
    for h in case.history:
        session.add(HistoryRow(case_id=case_id, at=h.at, kind=h.kind, actor=h.actor,
                               action=h.action.value if h.action else None, body=h.body))
    return case_id
