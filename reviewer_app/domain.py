"""The shared vocabulary of the reviewer's world: cases, media, decisions, notes, exposure.

Used by the service, the client core, the safeguards engine and the UI alike, so a word means
one thing everywhere. Qt-free and I/O-free. Wire envelopes (requests, responses) live in
`reviewer_app.contract`; the values they carry are defined here once.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated, Literal

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
    """A legal order: a court's or a competent authority's order about the content."""
    IP_CLAIM = "ip_claim"
    """An intellectual-property claim of a rights holder (copyright, trademark, counterfeit)."""
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
    INTEGRATION = "integration"
    """A partner system's account: it submits cases (and appeals) over HTTP, and reads nothing
    of anyone's content, people or counters."""


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
    kind: str = Field(pattern=r"^(decision|note|handoff|appeal)$")
    actor: str = Field(max_length=100)
    action: Action | None = None
    body: str = Field(default="", max_length=10_000)


# ------------------------------------------------------------------------------ sources


class ClaimType(enum.StrEnum):
    COPYRIGHT = "copyright"
    TRADEMARK = "trademark"
    COUNTERFEIT = "counterfeit"


class ClaimOutcome(enum.StrEnum):
    UPHELD = "upheld"
    REJECTED = "rejected"
    PARTIALLY_UPHELD = "partially_upheld"


class LegalGroundCode(enum.StrEnum):
    """Why a restriction asked for by a regulator or ordered by a court is lawful."""

    ILLEGAL_CONTENT = "illegal_content"
    """The content is illegal in the jurisdiction named (e.g. an EU DSA Art. 16 notice)."""
    AUTHORITY_ORDER = "authority_order"
    """A binding order of a competent authority (e.g. EU DSA Art. 9)."""
    COURT_ORDER = "court_order"
    TERMS_OF_SERVICE = "terms_of_service"
    """Not illegal, but against the platform's own terms: restricted on that ground."""


Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Text500 = Annotated[str, Field(min_length=1, max_length=500)]


class RegulatorContext(Model):
    """A regulator's request: who asks, under which law, where, and by when."""

    kind: Literal["regulator"] = "regulator"
    authority: Text200
    legal_basis: Text500
    jurisdiction: Annotated[str, Field(min_length=1, max_length=64)]
    reference: Text200
    statutory_deadline: AwareDatetime


class IPClaimContext(Model):
    """A rights holder's claim about a work."""

    kind: Literal["ip_claim"] = "ip_claim"
    rights_holder: Text200
    work: Text500
    claim_type: ClaimType


class BusinessContext(Model):
    """A business or advertiser escalation: whose account, which ad or listing, which rule."""

    kind: Literal["business_partner"] = "business_partner"
    account: Text200
    listing_id: Text200
    """The ad's or the listing's id."""
    advertiser_policy: Text200


class UserReportContext(Model):
    kind: Literal["user_report"] = "user_report"
    reporter: Text200
    """The reporter's pseudonymous handle: never an address or a real name."""
    reason: Text500


class LegalOrderContext(Model):
    """A court's or a competent authority's order."""

    kind: Literal["legal"] = "legal"
    authority: Text200
    order_reference: Text200
    jurisdiction: Annotated[str, Field(min_length=1, max_length=64)]
    deadline: AwareDatetime


SourceContext = Annotated[
    RegulatorContext | IPClaimContext | BusinessContext | UserReportContext | LegalOrderContext,
    Field(discriminator="kind"),
]
"""What a case carries about its source, told apart by `kind` (the source's own value)."""

SOURCE_CONTEXT: dict[Source, type[Model]] = {
    Source.REGULATOR: RegulatorContext,
    Source.IP_CLAIM: IPClaimContext,
    Source.BUSINESS_PARTNER: BusinessContext,
    Source.USER_REPORT: UserReportContext,
    Source.LEGAL: LegalOrderContext,
}
"""The sources that must carry a context, and which; trusted flaggers and internal cases
carry none (their reporter block says enough)."""


def context_shortfall(source: Source, context: object | None) -> tuple[str, str] | None:
    """(field, sentence) when a case of `source` lacks the context it must carry, else None.
    The service's intake and the Python ingest both ask this."""
    wanted = SOURCE_CONTEXT.get(source)
    if wanted is None:
        if context is not None:
            return "context", f"a {source.value} case carries no source context"
        return None
    if context is None:
        fields = ", ".join(n for n in wanted.model_fields if n != "kind")
        return "context", f"a {source.value} case carries its context ({fields})"
    if not isinstance(context, wanted):
        return "context.kind", f"a {source.value} case carries a {source.value} context"
    return None


def statutory_deadline_of(context: object | None) -> datetime | None:
    """The deadline a regulator's request or a legal order sets, which the SLA respects."""
    if isinstance(context, RegulatorContext):
        return context.statutory_deadline
    if isinstance(context, LegalOrderContext):
        return context.deadline
    return None


class LegalGround(Model):
    code: LegalGroundCode
    explanation: str = Field(min_length=1, max_length=2_000)
    """In the reviewer's words: why this ground applies to this content."""


class ClaimResolution(Model):
    outcome: ClaimOutcome
    counter_notice_possible: bool | None = None
    """Copyright: whether the uploader may file a counter-notice (asked for copyright)."""


RESTRICTING_ACTIONS = frozenset({Action.REMOVE, Action.RESTRICT, Action.LABEL})
CLOSING_ACTIONS = frozenset({Action.REMOVE, Action.KEEP, Action.RESTRICT, Action.LABEL})
"""The actions that end a case (an escalation hands it on, a request for information waits)."""


class DecisionNeed(Model):
    """One rule of DECISION_NEEDS: a decision of `actions` on a case of `source` (and, when
    given, of these claim types) must carry `field`."""

    source: Source
    actions: frozenset[Action]
    field: str
    why: str
    claim_types: frozenset[ClaimType] | None = None


DECISION_NEEDS: tuple[DecisionNeed, ...] = (
    DecisionNeed(source=Source.REGULATOR, actions=RESTRICTING_ACTIONS, field="legal_ground",
                 why="a decision that restricts on a regulator's request states its legal "
                     "ground (a ground code and an explanation)"),
    DecisionNeed(source=Source.LEGAL, actions=RESTRICTING_ACTIONS, field="legal_ground",
                 why="a decision that restricts under a legal order states its legal ground "
                     "(a ground code and an explanation)"),
    DecisionNeed(source=Source.IP_CLAIM, actions=CLOSING_ACTIONS, field="claim",
                 why="a decision on an intellectual-property claim gives the claim's outcome "
                     "(upheld, rejected or partially upheld)"),
    DecisionNeed(source=Source.IP_CLAIM, actions=CLOSING_ACTIONS,
                 field="claim.counter_notice_possible",
                 claim_types=frozenset({ClaimType.COPYRIGHT}),
                 why="a decision on a copyright claim says whether a counter-notice is "
                     "possible"),
)
"""What a decision needs, by source: the one table the service (422) and the desktop's
decision bar (nothing queued) both apply."""


def _has(field: str, legal_ground: LegalGround | None, claim: ClaimResolution | None) -> bool:
    if field == "legal_ground":
        return legal_ground is not None
    if field == "claim":
        return claim is not None
    if field == "claim.counter_notice_possible":
        return claim is not None and claim.counter_notice_possible is not None
    raise ValueError(f"no such decision field: {field}")


def decision_needs(source: Source, context: object | None, action: Action) -> list[DecisionNeed]:
    """The rules that apply to an `action` on a case of `source` with `context`."""
    claim_type = context.claim_type if isinstance(context, IPClaimContext) else None
    return [need for need in DECISION_NEEDS
            if need.source is source and action in need.actions
            and (need.claim_types is None or claim_type in need.claim_types)]


def decision_shortfall(source: Source, context: object | None, action: Action,
                       legal_ground: LegalGround | None,
                       claim: ClaimResolution | None) -> DecisionNeed | None:
    """The first rule a decision does not meet, else None."""
    for need in decision_needs(source, context, action):
        if not _has(need.field, legal_ground, claim):
            return need
    return None


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
    near_dup_group: str | None = Field(default=None, max_length=64)
    """The near-duplicate group the case is in, if any: the client does not prefetch (so does
    not fetch, which the service counts as shown) a group's later cases while an earlier one
    may still decide them all."""


class Case(CaseSummary):
    """The whole case, context first: who escalated it and why, then the subject.
    `context` is what the case's source carries (SOURCE_CONTEXT); the flat `legal_basis`,
    `rights_holder` and `jurisdiction` stay filled from it for older clients."""

    jurisdiction: str = Field(default="", max_length=64)
    legal_basis: str | None = Field(default=None, max_length=500)
    rights_holder: str | None = Field(default=None, max_length=200)
    reporter: Reporter
    context: SourceContext | None = None
    subject_text: str = Field(default="", max_length=20_000)
    media: list[MediaRef] = Field(default_factory=list, max_length=50)
    history: list[HistoryEntry] = Field(default_factory=list)
    status: CaseStatus = CaseStatus.QUEUED
    second_review: bool = False
    """A blind second review (quality): the history holds no trace of the first decision,
    and a decision on it is stored as a second review, not as the case's outcome."""


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
    reply: str | None = Field(default=None, max_length=5_000)
    """The reply text `reply_template` filled for this case (`reviewer_app.replies`), as the
    reviewer previewed it; the service refuses one that its own rendering does not equal,
    and fills it itself when it is left out."""
    reply_version: int | None = Field(default=None, ge=1)
    """The template's version the reply was filled from (None: the current one)."""
    legal_ground: LegalGround | None = None
    """Regulator requests and legal orders: the legal ground of a restricting decision."""
    claim: ClaimResolution | None = None
    """Intellectual-property claims: the claim's outcome."""
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
        if self.reply_template is None and (self.reply is not None
                                            or self.reply_version is not None):
            raise ValueError("a reply names its template (reply_template)")
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
