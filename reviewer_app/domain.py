"""The shared vocabulary of the reviewer's world: cases, media, decisions, notes, exposure.

Used by the service, the client core, the safeguards engine and the UI alike, so a word means
one thing everywhere. Qt-free and I/O-free. Wire envelopes (requests, responses) live in
`reviewer_app.contract`; the values they carry are defined here once.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("times must carry a UTC offset (ISO-8601 with offset)")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
"""A timestamp with an explicit offset; naive times are refused at the boundary."""

Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
"""Server-made ids of cases, media and leases: short, printable, safe in a URL path."""


class Model(BaseModel):
    """Base of every domain value: immutable, and strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# ------------------------------------------------------------------------------ enums


class Source(enum.StrEnum):
    """Who escalated the case."""

    USER_REPORT = "user_report"
    REGULATOR = "regulator"
    BUSINESS_PARTNER = "business_partner"
    LEGAL = "legal"
    TRUSTED_FLAGGER = "trusted_flagger"
    INTERNAL = "internal"


class PolicyArea(enum.StrEnum):
    COMMUNITY_STANDARDS = "community_standards"
    ADVERTISING_COMMERCE = "advertising_commerce"
    INTELLECTUAL_PROPERTY = "intellectual_property"
    REGULATORY = "regulatory"


class HarmCategory(enum.StrEnum):
    """Aligned where possible with the EU DSA statement-of-reasons categories."""

    GRAPHIC_VIOLENCE = "graphic_violence"
    CHILD_SAFETY = "child_safety"
    SELF_HARM = "self_harm"
    ANIMAL_WELFARE = "animal_welfare"
    SEXUAL_CONTENT = "sexual_content"
    HATE_HARASSMENT = "hate_harassment"
    VIOLENT_EXTREMISM = "violent_extremism"
    SCAMS_FRAUD = "scams_fraud"
    INTELLECTUAL_PROPERTY = "intellectual_property"
    OTHER = "other"


class Severity(enum.IntEnum):
    NONE = 0
    LOW = 1
    MODERATE = 2
    HIGH = 3
    SEVERE = 4


class Action(enum.StrEnum):
    REMOVE = "remove"
    KEEP = "keep"
    RESTRICT = "restrict"
    LABEL = "label"
    ESCALATE = "escalate"
    REQUEST_INFO = "request_info"


class EscalationTeam(enum.StrEnum):
    LEGAL = "legal"
    PUBLIC_POLICY = "public_policy"
    PRODUCT = "product"
    LAW_ENFORCEMENT_RESPONSE = "law_enforcement_response"
    CHILD_SAFETY = "child_safety"


class Role(enum.StrEnum):
    SPECIALIST = "specialist"
    WELLNESS_LEAD = "wellness_lead"
    ADMIN = "admin"


class MediaKind(enum.StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    TEXT = "text"
    """UTF-8 text ("text/plain"): the reported post, chat or caption that is part of the case."""


class ReporterType(enum.StrEnum):
    USER = "user"
    REGULATOR = "regulator"
    BUSINESS_PARTNER = "business_partner"
    RIGHTS_HOLDER = "rights_holder"
    TRUSTED_FLAGGER = "trusted_flagger"
    INTERNAL = "internal"


class CaseStatus(enum.StrEnum):
    QUEUED = "queued"
    LEASED = "leased"
    DECIDED = "decided"


class ExposureKind(enum.StrEnum):
    """`shown`: the safeguarded rendering was on screen; `revealed`: the reviewer unblurred it."""

    SHOWN = "shown"
    REVEALED = "revealed"


class BreakKind(enum.StrEnum):
    MICRO = "micro"
    SCHEDULED = "scheduled"
    SELF_INITIATED = "self_initiated"
    CAP = "cap"
    SHIFT_OVER = "shift_over"


class SyncStatus(enum.StrEnum):
    """The service's answer for one synced item. `invalid` items are kept, with the reason,
    for the reviewer to see (a refused exposure or break report reads "not counted");
    `deferred` means "not now": a decision or note made during an enforced break is held
    back until the break ends (`problem.retry_after_s`) and stays pending in the outbox."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    INVALID = "invalid"
    DEFERRED = "deferred"


class ProblemCode(enum.StrEnum):
    """Stable machine words carried in problem+json bodies (`code`)."""

    BAD_REQUEST = "bad_request"
    VALIDATION = "validation_error"
    UNAUTHENTICATED = "unauthenticated"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REUSED = "token_reused"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    LEASE_LOST = "lease_lost"
    ALREADY_DECIDED = "already_decided"
    ON_BREAK = "on_break"
    CAP_REACHED = "cap_reached"
    SHIFT_LIMIT = "shift_limit"
    IDEMPOTENCY_KEY_MISSING = "idempotency_key_missing"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_IN_FLIGHT = "idempotency_in_flight"
    PRECONDITION_FAILED = "precondition_failed"
    PRECONDITION_REQUIRED = "precondition_required"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    NOT_COUNTED = "not_counted"
    """An exposure or break report the service refused: what it claims cannot be true."""
    CONFLICT = "conflict"
    """A concurrent change won a race; the same request may simply be retried."""
    UNAVAILABLE = "unavailable"
    """The service cannot serve now (e.g. its database is unreachable); retry later."""
    INTERNAL = "internal_error"


# ------------------------------------------------------------------------------ values


class MediaRef(Model):
    """A pointer to media bytes held by the service; the bytes never touch the client's disk."""

    id: Identifier
    kind: MediaKind
    content_type: str = Field(max_length=100)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    width: int | None = Field(default=None, ge=0)
    height: int | None = Field(default=None, ge=0)
    duration_ms: int | None = Field(default=None, ge=0)
    """Video and audio: the duration the service probed at ingest."""


class Reporter(Model):
    type: ReporterType
    organisation: str | None = Field(default=None, max_length=200)
    reference: str | None = Field(default=None, max_length=200)
    statement: str = Field(default="", max_length=10_000)
    """The reporter's own words, shown before any media."""


class HistoryEntry(Model):
    """An earlier decision, note or hand-off (an escalation that moved the case to another
    team's queue) on the case, oldest first."""

    at: AwareDatetime
    kind: str = Field(pattern=r"^(decision|note|handoff)$")
    actor: str = Field(max_length=100)
    action: Action | None = None
    body: str = Field(default="", max_length=10_000)


class CaseSummary(Model):
    """What the queue shows: enough to order and triage, no content."""

    id: Identifier
    source: Source
    policy_area: PolicyArea
    harm_category: HarmCategory
    severity: Severity
    priority: int = Field(ge=0, le=100)
    received_at: AwareDatetime
    sla_due_at: AwareDatetime


class Case(CaseSummary):
    """The whole case, context first: who escalated it and why, then the subject."""

    jurisdiction: str = Field(default="", max_length=64)
    legal_basis: str | None = Field(default=None, max_length=500)
    rights_holder: str | None = Field(default=None, max_length=200)
    reporter: Reporter
    subject_text: str = Field(default="", max_length=20_000)
    media: list[MediaRef] = Field(default_factory=list, max_length=50)
    history: list[HistoryEntry] = Field(default_factory=list)
    status: CaseStatus = CaseStatus.QUEUED


class Decision(Model):
    """A reviewer's decision on a case. `client_id` is made once, on the reviewer's machine,
    and is the idempotency key of every retry."""

    client_id: uuid.UUID
    case_id: Identifier
    lease_id: Identifier
    action: Action
    policy_refs: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20
    )
    reason: str = Field(default="", max_length=4_000)
    escalate_to: EscalationTeam | None = None
    priority: int | None = Field(default=None, ge=0, le=100)
    """escalate only: the case's priority in the receiving team's queue (None: its own)."""
    reply_template: str | None = Field(default=None, max_length=100)
    decided_at: AwareDatetime
    handle_ms: int = Field(ge=0, le=7 * 24 * 3600 * 1000)

    @model_validator(mode="after")
    def _escalation_has_a_team(self) -> Decision:
        if self.action is Action.ESCALATE and self.escalate_to is None:
            raise ValueError("an escalation names the team it goes to (escalate_to)")
        if self.action is not Action.ESCALATE and self.escalate_to is not None:
            raise ValueError("escalate_to is only for the escalate action")
        if self.action is not Action.ESCALATE and self.priority is not None:
            raise ValueError("priority is only for the escalate action")
        return self


class Note(Model):
    client_id: uuid.UUID
    case_id: Identifier
    body: str = Field(min_length=1, max_length=10_000)
    written_at: AwareDatetime


class ExposureEvent(Model):
    """One exposure of a reviewer to a piece of media, measured by the tool."""

    client_id: uuid.UUID
    case_id: Identifier
    media_id: Identifier
    harm_category: HarmCategory
    severity: Severity
    kind: ExposureKind
    duration_ms: int = Field(ge=0, le=24 * 3600 * 1000)
    at: AwareDatetime


class BreakEvent(Model):
    client_id: uuid.UUID
    kind: BreakKind
    started_at: AwareDatetime
    ended_at: AwareDatetime
    checkin_mood: int | None = Field(default=None, ge=1, le=5)
    """Private to the reviewer; leads only ever see aggregates over at least 5 people."""

    @model_validator(mode="after")
    def _ends_after_start(self) -> BreakEvent:
        if self.ended_at < self.started_at:
            raise ValueError("a break cannot end before it started")
        return self


def new_client_id() -> uuid.UUID:
    """A fresh client-made id (UUID4) for an outbox item."""
    return uuid.uuid4()


class PolicyRef(Model):
    """One citable rule of the policy taxonomy (`code` is what a decision cites)."""

    code: str
    area: PolicyArea
    title: str


POLICY_TAXONOMY: tuple[PolicyRef, ...] = (
    PolicyRef(code="CS-VIO-1", area=PolicyArea.COMMUNITY_STANDARDS,
              title="Graphic violence: gratuitous depiction"),
    PolicyRef(code="CS-VIO-2", area=PolicyArea.COMMUNITY_STANDARDS,
              title="Graphic violence: newsworthy, needs a warning screen"),
    PolicyRef(code="CS-CHILD-1", area=PolicyArea.COMMUNITY_STANDARDS,
              title="Child safety: sexualisation or endangerment of minors"),
    PolicyRef(code="CS-SELF-1", area=PolicyArea.COMMUNITY_STANDARDS,
              title="Self-injury: promotion or instruction"),
    PolicyRef(code="CS-ANIMAL-1", area=PolicyArea.COMMUNITY_STANDARDS,
              title="Animal welfare: cruelty"),
    PolicyRef(code="CS-HATE-1", area=PolicyArea.COMMUNITY_STANDARDS,
              title="Hate and harassment: attacks on protected groups"),
    PolicyRef(code="CS-EXT-1", area=PolicyArea.COMMUNITY_STANDARDS,
              title="Violent extremism: praise or support"),
    PolicyRef(code="AD-SCAM-1", area=PolicyArea.ADVERTISING_COMMERCE,
              title="Ads: deceptive or fraudulent offers"),
    PolicyRef(code="AD-PROD-1", area=PolicyArea.ADVERTISING_COMMERCE,
              title="Commerce: prohibited products"),
    PolicyRef(code="IP-COPY-1", area=PolicyArea.INTELLECTUAL_PROPERTY,
              title="Copyright: infringing copy"),
    PolicyRef(code="IP-TM-1", area=PolicyArea.INTELLECTUAL_PROPERTY,
              title="Trademark: counterfeit or confusing use"),
    PolicyRef(code="REG-DSA-16", area=PolicyArea.REGULATORY,
              title="EU DSA Art. 16: illegal content notice"),
    PolicyRef(code="REG-ORDER-1", area=PolicyArea.REGULATORY,
              title="Order of a competent authority"),
)
"""An illustrative policy taxonomy: decisions cite these codes."""

POLICY_CODES: frozenset[str] = frozenset(ref.code for ref in POLICY_TAXONOMY)


# ------------------------------------------------------------------------------ media formats

IMAGE_CONTENT_TYPES: tuple[str, ...] = ("image/jpeg", "image/png", "image/gif", "image/webp")
"""The only picture formats accepted anywhere: the service's ingest takes these and nothing
else, and the viewer decodes these and nothing else (every other format is withheld)."""

_WEBP_FIRST_CHUNKS = (b"VP8 ", b"VP8L", b"VP8X")
"""A WebP file's first chunk is one of these (lossy, lossless, extended); a bare RIFF/WEBP
header with anything else is not a picture."""


def sniff_image(data: bytes) -> str | None:
    """The content type of an allowed picture, read from its magic bytes, else None.

    One function for ingest and viewer alike, so the two can never disagree on what a file is;
    what a file or a header claims to be is never consulted.
    """
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:16] in _WEBP_FIRST_CHUNKS:
        return "image/webp"
    return None
