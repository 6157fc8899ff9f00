"""Putting cases and media into the service: the bytes are sniffed and hashed on the way in.

A file whose bytes are not an accepted format, or disagree with the declared Content-Type,
is refused here, so nothing unchecked is ever served.
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
from reviewer_app.service.sniff import checked_type


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


def _dimensions(data: bytes, kind: MediaKind) -> tuple[int | None, int | None]:
    if kind is not MediaKind.IMAGE:
        return None, None
    try:
        with Image.open(io.BytesIO(data)) as img:
            return int(img.width), int(img.height)
    except Exception:  # noqa: BLE001 - dimensions are a hint; the type is already checked
        return None, None


def add_case_rows(session: Session, case: NewCase) -> str:
    """Inserts one case with its media and history; returns its id."""
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
    for position, media in enumerate(case.media):
        content_type, kind = checked_type(media.data, media.content_type)
        width, height = _dimensions(media.data, kind)
        session.add(MediaRow(
            id="M" + secrets.token_hex(10), case_id=case_id, position=position, kind=kind.value,
            content_type=content_type, size=len(media.data),
            sha256=hashlib.sha256(media.data).hexdigest(), width=width, height=height,
            data=media.data,
        ))
    for h in case.history:
        session.add(HistoryRow(case_id=case_id, at=h.at, kind=h.kind, actor=h.actor,
                               action=h.action.value if h.action else None, body=h.body))
    return case_id
