"""Wire schemas of the review service's HTTP API v1, shared by the service and the client.

The service's OpenAPI document is generated from these models, and the client parses every
reply through them, so a change here shows on both sides in the same commit. Values carried
inside the envelopes (Case, Decision, ...) are defined once in `reviewer_app.domain`.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from reviewer_app.domain import (
    Action,
    AwareDatetime,
    BreakEvent,
    BreakKind,
    CaseSummary,
    ClaimResolution,
    Decision,
    ExposureEvent,
    HarmCategory,
    Identifier,
    LegalGround,
    Note,
    PolicyArea,
    ProblemCode,
    ReporterType,
    Role,
    Severity,
    Source,
    SourceContext,
    SyncStatus,
)
from reviewer_app.sor import Statement

API_PREFIX = "/v1"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SHA256_HEADER = "X-Content-SHA256"
OUTBOX_AGE_HEADER = "Outbox-Oldest-Age"
"""On POST /v1/sync: seconds since the oldest item still unsent in the client's outbox."""
PROBLEM_CONTENT_TYPE = "application/problem+json"
MAX_BODY_BYTES = 1_000_000
"""Request bodies above this size are refused with 413 before they are parsed."""


class Envelope(BaseModel):
    """Base of every request and response body. Unknown fields are refused on requests."""

    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """RFC 9457 problem details, plus a stable `code`."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int = Field(ge=400, le=599)
    detail: str = ""
    code: ProblemCode
    retry_after_s: int | None = None


# ------------------------------------------------------------------------------ auth


class LoginRequest(Envelope):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1_000)


class RefreshRequest(Envelope):
    refresh_token: str = Field(min_length=1, max_length=500)


class LogoutRequest(Envelope):
    refresh_token: str | None = Field(default=None, max_length=500)


class TokenPair(Envelope):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(gt=0, description="access token lifetime in seconds")


class Me(Envelope):
    username: str
    role: Role
    team: str


# ------------------------------------------------------------------------------ queue


class LeaseRequest(Envelope):
    max_cases: int = Field(default=5, ge=1, le=50)
    queue: str | None = Field(default=None, max_length=64)


class Lease(Envelope):
    lease_id: Identifier
    expires_at: AwareDatetime
    cases: list[CaseSummary]


# ------------------------------------------------------------------------------ writes


class DecisionAccepted(Envelope):
    client_id: str
    case_id: Identifier
    status: SyncStatus


class NoteBody(Envelope):
    client_id: uuid.UUID
    body: str = Field(min_length=1, max_length=10_000)


class SyncRequest(Envelope):
    decisions: list[Decision] = Field(default_factory=list, max_length=500)
    notes: list[Note] = Field(default_factory=list, max_length=500)
    exposure_events: list[ExposureEvent] = Field(default_factory=list, max_length=2_000)
    break_events: list[BreakEvent] = Field(default_factory=list, max_length=500)


class SyncItemResult(Envelope):
    client_id: str
    status: SyncStatus
    problem: Problem | None = None


class SyncResponse(Envelope):
    results: list[SyncItemResult]


# ------------------------------------------------------------------------------ safeguards


class BreakState(Envelope):
    """The server's view of the reviewer's break state; times are service time."""

    state: str = Field(description="reviewing, micro_break, scheduled_break, cap_reached, "
                                   "shift_over")
    kind: BreakKind | None = None
    started_at: AwareDatetime | None = None
    until: AwareDatetime | None = None
    reason: str = ""
    work_seconds: float = Field(default=0.0, ge=0,
                                description="work counted since the last full-length break")


class ExposureCounter(Envelope):
    harm_category: str
    severity: int
    window: str = Field(description="hour, day or week")
    shown: int = 0
    revealed: int = 0
    revealed_ms: int = 0


class ExposureStatus(Envelope):
    """`GET /v1/me/exposure`: the counters the service enforces, and its break state.
    `ledger` is the service's exposure ledger (safeguards `ExposureLedger.to_state()`), so a
    client can take it as the base of its own, and count on top only what the service has
    not seen yet."""

    counters: list[ExposureCounter]
    break_state: BreakState
    graphic_shift_over: bool = False
    ledger: dict[str, Any] | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


# ------------------------------------------------------------------------------ notes, teams, audit


class NoteAccepted(Envelope):
    """Reply to `POST /v1/cases/{id}/notes`: 201 applied, 200 duplicate."""

    client_id: str
    case_id: Identifier
    status: SyncStatus


class TeamPolicy(Envelope):
    """A team's versioned ExposurePolicy; `policy` is `safeguards` ExposurePolicy as JSON.
    The reply carries `ETag`; a PUT must send it back in `If-Match`."""

    team: str
    version: int = Field(ge=0)
    policy: dict[str, Any]
    updated_by: str = ""
    updated_at: AwareDatetime | None = None
    reason: str = ""


class PolicyUpdate(Envelope):
    """Body of `PUT /v1/teams/{team}/policy`: the new policy and why (audited)."""

    policy: dict[str, Any]
    reason: str = Field(min_length=1, max_length=2_000)


class MemberExposure(Envelope):
    username: str
    counters: list[ExposureCounter]
    cap_hits: int = 0
    break_state: BreakState


class TeamExposure(Envelope):
    """Per-person exposure counters of a team; check-in moods only as an aggregate over
    at least 5 people (`checkin_mean_mood` is null below that)."""

    team: str
    members: list[MemberExposure]
    checkin_people: int = 0
    checkin_mean_mood: float | None = None


class BreakOverride(Envelope):
    """A lead ends a team member's enforced break early; the reason is audited."""

    reason: str = Field(min_length=1, max_length=2_000)


class CategoryFigures(Envelope):
    """One person's exposure to one harm category over one period (service counters)."""

    harm_category: str
    shown: int = Field(default=0, ge=0)
    revealed: int = Field(default=0, ge=0)
    revealed_seconds: float = Field(default=0.0, ge=0)
    severe_revealed: int = Field(default=0, ge=0,
                                 description="reveals at or above the team's severe severity")


class CapUse(Envelope):
    """How far one person is into one cap (or the daily graphic limit, key
    `graphic_daily_limit`, measured in seconds)."""

    key: str
    label: str = Field(description="the cap in words, e.g. 'child_safety sev>=4 revealed/day'")
    window: Literal["hour", "day", "week"]
    measure: str
    used: float = Field(ge=0)
    limit: float = Field(ge=0, description="the limit in force, overrides included")
    fraction: float = Field(ge=0, description="used / limit; 1.0 or more is reached")
    overridden: bool = False


class BreakCompliance(Envelope):
    """Breaks over a period: due (scheduled and micro), taken in full, and ended early by a
    lead's override."""

    due: int = Field(default=0, ge=0)
    taken: int = Field(default=0, ge=0)
    overridden: int = Field(default=0, ge=0)


class OverrideKind(enum.StrEnum):
    """A lead's one-off change for one person."""

    END_GRAPHIC_SHIFT = "end_graphic_shift"
    """No more graphic work until the end of the service day."""
    ADD_BREAK = "add_break"
    """An enforced break of `minutes`, starting now."""
    LIFT_CAP = "lift_cap"
    """Cap `cap` (a CapUse key) raised to `limit` until the end of the service day."""


class MemberOverrideRequest(Envelope):
    """Body of `POST /v1/teams/{team}/members/{username}/overrides`; the reason is audited."""

    kind: OverrideKind
    reason: str = Field(min_length=3, max_length=2_000)
    minutes: float | None = Field(default=None, gt=0, le=240, description="add_break only")
    cap: str | None = Field(default=None, max_length=200, description="lift_cap only")
    limit: float | None = Field(default=None, ge=0, description="lift_cap only")


class MemberOverride(Envelope):
    """An override as granted; it expires by itself at `expires_at`."""

    id: int
    username: str
    kind: OverrideKind
    reason: str
    granted_by: str
    granted_at: AwareDatetime
    expires_at: AwareDatetime
    minutes: float | None = None
    cap: str | None = None
    limit: float | None = None


class PersonDashboard(Envelope):
    """One team member on the lead's dashboard. Operational counters only: no case
    content, no media, no mood."""

    username: str
    today: list[CategoryFigures]
    week: list[CategoryFigures]
    caps: list[CapUse]
    max_fraction: float = Field(ge=0, description="the highest CapUse.fraction")
    near_cap: bool = Field(description="max_fraction >= 0.8")
    cap_hits_today: int = Field(default=0, ge=0)
    cap_hits_week: int = Field(default=0, ge=0)
    breaks_today: BreakCompliance
    breaks_week: BreakCompliance
    break_state: BreakState
    overrides: list[MemberOverride] = Field(default_factory=list,
                                            description="active overrides only")
    exposure_avoided: ExposureAvoided = Field(
        default_factory=lambda: ExposureAvoided(),
        description="reveals near-duplicate matching spared them, as GET "
                    "/v1/teams/{team}/exposure-avoided counts them")


class TrendPoint(Envelope):
    """Team totals for one service week (Monday 00:00 at the policy's UTC offset)."""

    week_start: date
    shown: int = Field(default=0, ge=0)
    revealed: int = Field(default=0, ge=0)
    revealed_seconds: float = Field(default=0.0, ge=0)
    cap_hits: int = Field(default=0, ge=0)
    severe_revealed: int = Field(default=0, ge=0)
    severe_top_share: float | None = Field(
        default=None, ge=0, le=1,
        description="share of the week's severe reveals that went to the single most exposed "
                    "person; null when there were none")
    dose_aware: bool = Field(default=False,
                             description="dose-aware assignment was on at the week's end")


class MoodAggregate(Envelope):
    """Check-in moods of one whole calendar week (completed weeks only), as a mean over at
    least 5 distinct people; below that `mean_mood` is null. Fixed periods, so two reads
    cannot be subtracted to reveal one person's answers."""

    week_start: date
    people: int = Field(ge=0)
    mean_mood: float | None = None


class SevereSpread(Envelope):
    """How today's severe exposure is spread across the team (reveals at or above the
    severe severity, per person)."""

    per_person: dict[str, int]
    top_share: float | None = Field(default=None, ge=0, le=1)


class TeamDashboard(Envelope):
    """`GET /v1/teams/{team}/dashboard` (the team's wellness lead, admin): figures from the
    service's own counters. People at 80% of a cap or more come first."""

    team: str
    generated_at: AwareDatetime
    day_start: AwareDatetime
    week_start: AwareDatetime
    dose_aware: bool
    severe_from_severity: int
    people: list[PersonDashboard]
    spread_today: SevereSpread
    trend: list[TrendPoint] = Field(description="the last 8 service weeks, oldest first")
    mood: list[MoodAggregate] = Field(description="the last 4 completed calendar weeks")
    mood_min_people: int = 5


class AuditEventOut(Envelope):
    id: int
    at: AwareDatetime
    actor: str
    action: str
    subject_type: str = ""
    subject_id: str = ""
    client: str = ""
    detail: dict[str, Any] = Field(default_factory=dict)


class AuditPage(Envelope):
    """Oldest first; pass `next_after_id` as `after_id` for the next page."""

    events: list[AuditEventOut]
    next_after_id: int


class MetricPoint(Envelope):
    bucket_start: AwareDatetime
    key: str
    count: int = Field(ge=0)


class EscalationMetrics(Envelope):
    """Cases received per time bucket, split by source or harm category."""

    bucket: str
    by: str
    points: list[MetricPoint]


# ------------------------------------------------------------ team queues, routing and SLA

QueueName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")]
"""A queue's name: lower-case letters, digits, `_` and `-` (as a team's name)."""


class RoutingRule(Envelope):
    """Sends a new case to `queue` when every condition it names matches (a rule naming none
    matches every case). Rules are tried in order; the first match wins. A rule naming a
    `hash_bank` applies only to a case that bank flagged, and moves it when it is flagged
    (at ingest, or when the bank gains an entry its media match), while nobody holds it."""

    queue: QueueName
    source: Source | None = None
    policy_area: PolicyArea | None = None
    harm_category: HarmCategory | None = None
    hash_bank: str | None = Field(default=None, min_length=1, max_length=64,
                                  description="a bank's name, or `*` for any bank")


class RoutingTable(Envelope):
    """`GET /v1/routing`: where new cases go. An explicit route given at ingest wins over
    the rules; a case no rule matches goes to `default_queue`. Version 0: the built-in
    defaults, never changed by an admin."""

    rules: list[RoutingRule]
    default_queue: QueueName
    version: int = Field(ge=0)
    updated_by: str = ""
    updated_at: AwareDatetime | None = None
    reason: str = ""


class RoutingUpdate(Envelope):
    """Body of `PUT /v1/routing` (admin): the whole new table and why (audited). Cases
    already queued stay where they are."""

    rules: list[RoutingRule] = Field(max_length=200)
    default_queue: QueueName = "general"
    reason: str = Field(min_length=1, max_length=2_000)


class TeamQueues(Envelope):
    """`GET /v1/teams/{team}/queues`: the queues a team's specialists lease from. Not
    `configured`: the defaults, which are the team's own queue for an escalation team
    (domain.EscalationTeam) and otherwise every queue but the escalation teams'
    (`queues` null, `excluded` those)."""

    team: str
    configured: bool
    queues: list[str] | None
    excluded: list[str] = Field(default_factory=list)
    updated_by: str = ""
    updated_at: AwareDatetime | None = None


class TeamQueuesUpdate(Envelope):
    """Body of `PUT /v1/teams/{team}/queues` (admin): exactly the queues the team works from
    now on, and why (audited)."""

    queues: list[QueueName] = Field(min_length=1, max_length=50)
    reason: str = Field(min_length=1, max_length=2_000)


class Handoff(Envelope):
    """An escalation that moved a case to another team's queue."""

    at: AwareDatetime
    from_queue: str
    to_queue: str
    to_team: str
    by: str
    reason: str
    priority: int


class SlaConfig(Envelope):
    """How long a case may wait, from its receipt: `hours_by_source` (or `default_hours`),
    times `urgent_factor` at priority `urgent_from_priority` or above; a statutory deadline
    given at ingest is kept when it is earlier. Cases due within `warning_minutes` are
    warned about."""

    hours_by_source: dict[Source, float] = Field(default_factory=dict)
    default_hours: float = Field(default=48.0, gt=0, le=24 * 365)
    urgent_from_priority: int = Field(default=90, ge=0, le=100)
    urgent_factor: float = Field(default=0.5, gt=0, le=1)
    warning_minutes: int = Field(default=240, ge=0, le=7 * 24 * 60)


class SlaSettings(Envelope):
    """`GET /v1/sla/config`: the SLA targets in force. Version 0: the built-in defaults."""

    config: SlaConfig
    version: int = Field(ge=0)
    updated_by: str = ""
    updated_at: AwareDatetime | None = None
    reason: str = ""


class SlaUpdate(Envelope):
    """Body of `PUT /v1/sla/config` (admin). New targets apply to cases ingested from now
    on; cases already queued keep their due time."""

    config: SlaConfig
    reason: str = Field(min_length=1, max_length=2_000)


class SlaCase(Envelope):
    """A case near or past its due time: operational facts only, no content."""

    id: Identifier
    queue: str
    source: Source
    priority: int
    status: str
    sla_due_at: AwareDatetime
    minutes_left: int = Field(description="negative once breached")
    breached: bool


class SlaQueue(Envelope):
    queue: str
    warning: list[SlaCase] = Field(description="undecided, due within the warning window")
    breached: list[SlaCase] = Field(description="undecided, past their due time")
    breaches_recorded: int = Field(
        ge=0, description="cases of this queue ever recorded as breached (decided or not)")


class SlaReport(Envelope):
    """`GET /v1/sla` (wellness lead: their team's queues; admin: every queue)."""

    generated_at: AwareDatetime
    warning_minutes: int
    queues: list[SlaQueue]
    breaches_recorded: int = Field(ge=0)


# ------------------------------------------------------------ near-duplicate matching (PDQ)

PdqHex = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$",
                              description="a 256-bit PDQ hash as 64 hex digits")]
BankName = Annotated[str, Field(min_length=1, max_length=64,
                                pattern=r"^[a-z0-9][a-z0-9._-]*$")]


class HashBankCreate(Envelope):
    """Body of `POST /v1/hash-banks` (admin). The same name and description again is
    answered with the bank (200); another description under a used name is a conflict."""

    name: BankName
    description: str = Field(default="", max_length=2_000)


class HashBank(Envelope):
    name: str
    description: str
    entries: int = Field(ge=0)
    created_by: str
    created_at: AwareDatetime


class HashBankList(Envelope):
    banks: list[HashBank]


class HashBankEntries(Envelope):
    """Body of `POST /v1/hash-banks/{name}/entries` (admin): hashes to add; those already
    in the bank are skipped, so a repeated load changes nothing."""

    hashes: list[PdqHex] = Field(min_length=1, max_length=10_000)


class HashBankEntriesAdded(Envelope):
    bank: str
    added: int = Field(ge=0)
    already_present: int = Field(ge=0)
    cases_flagged: int = Field(
        ge=0, description="cases already ingested that the new entries matched (now flagged)")


class MatchedDecision(Envelope):
    """The decision in force on a matched case: what a reviewer may apply without revealing."""

    action: Action
    policy_refs: list[str]
    decided_at: AwareDatetime


class NearDuplicate(Envelope):
    case_id: str
    distance: int = Field(ge=0, le=256, description="nearest PDQ distance between their media")
    status: str
    decision: MatchedDecision | None = None


class BankMatch(Envelope):
    bank: str
    media_id: str
    distance: int = Field(ge=0, le=256)


class CaseMatches(Envelope):
    """`GET /v1/cases/{id}/matches`: the other cases of its near-duplicate group (decided ones
    first, with their decisions) and its hash-bank matches. Ids and decisions only, never
    media."""

    case_id: str
    near_dup_group: str | None
    bank_match: str | None = Field(description="the bank the case was flagged with")
    near_duplicates: list[NearDuplicate]
    bank_matches: list[BankMatch]


# ------------------------------------------------------------ group decisions, exposure avoided


class GroupDecisionCreate(Envelope):
    """Body of `POST /v1/cases/{id}/group-decisions`: the decision on the case viewed (the
    same Decision the client also queues in its outbox, so whichever arrives first applies it
    and the other is a duplicate), to be applied to every other undecided case of its
    near-duplicate group that the reviewer's team works and nobody else holds. The
    Idempotency-Key is `decision.client_id`; each other case's decision gets an id derived
    from it and the case id (`group_client_id`), so a retry decides nothing twice."""

    decision: Decision


class GroupMemberResult(Envelope):
    case_id: str
    client_id: str
    status: SyncStatus


class GroupDecisionResult(Envelope):
    """What the group decision did: the case viewed, each other case decided (applied, or a
    duplicate of an earlier try), and the group's cases left alone, with why."""

    group: str
    viewed: GroupMemberResult
    decided: list[GroupMemberResult]
    skipped: dict[str, str] = Field(
        default_factory=dict, description="case id: why it was not decided (decided already, "
        "held by someone else, a queue the team does not work)")
    exposure_avoided: int = Field(ge=0, description="items of the decided cases never shown")


GROUP_CLIENT_IDS = uuid.UUID("0b6f8f0e-4d0c-4d55-9a59-0c1e7a3c2b91")


def group_client_id(viewed_client_id: uuid.UUID, case_id: str) -> uuid.UUID:
    """The client id of the group decision's decision on `case_id`."""
    return uuid.uuid5(GROUP_CLIENT_IDS, f"{viewed_client_id}:{case_id}")


class ExposureAvoided(Envelope):
    """Reveals that were not needed, counted by the service: items of cases decided as an
    earlier-decided near-duplicate was (a group decision, or a match applied without
    revealing) or of cases in a hash bank, when no reveal of the case by the reviewer was
    recorded. A reveal reported later takes the case out again."""

    today: int = Field(default=0, ge=0)
    week: int = Field(default=0, ge=0)
    total: int = Field(default=0, ge=0)


class PersonExposureAvoided(ExposureAvoided):
    username: str


class TeamExposureAvoided(Envelope):
    """`GET /v1/teams/{team}/exposure-avoided` (the team's lead, admin): per person and the
    team's total."""

    team: str
    people: list[PersonExposureAvoided]
    total: ExposureAvoided


# ------------------------------------------------------------ sources and intake

MAX_INTAKE_ITEMS = 20
MAX_INTAKE_ITEM_BYTES = 700_000
"""Decoded bytes of one uploaded item; the whole body is also held to MAX_BODY_BYTES (413)."""


class MediaUpload(Envelope):
    """One item of a new case, its bytes in base64 (RFC 4648, standard alphabet). The bytes
    are sniffed (and video and audio probed) as at every ingest: `content_type` is a claim
    that must agree with them."""

    content_type: str | None = Field(default=None, max_length=100)
    data_base64: str = Field(min_length=4, max_length=(MAX_INTAKE_ITEM_BYTES * 4) // 3 + 4)


class CaseIntake(Envelope):
    """`POST /v1/cases`: a new case from a partner system. `context` is the source's own
    (`kind` equal to `source`): required for regulator, ip_claim, business_partner,
    user_report and legal; absent for trusted_flagger and internal."""

    source: Source
    policy_area: PolicyArea
    harm_category: HarmCategory
    severity: Severity
    priority: int = Field(default=50, ge=0, le=100)
    received_at: AwareDatetime | None = Field(
        default=None, description="when the partner received it; default: now")
    reporter_type: ReporterType | None = Field(
        default=None, description="default: the source's usual reporter")
    reporter_statement: str = Field(default="", max_length=10_000)
    reporter_organisation: str | None = Field(default=None, max_length=200)
    reporter_reference: str | None = Field(default=None, max_length=200)
    jurisdiction: str = Field(default="", max_length=64)
    subject_text: str = Field(default="", max_length=20_000)
    context: SourceContext | None = None
    queue: str | None = Field(default=None, min_length=1, max_length=64,
                              pattern=r"^[a-z0-9][a-z0-9_-]*$",
                              description="an explicit route; default: the routing rules")
    media: list[MediaUpload] = Field(default_factory=list, max_length=MAX_INTAKE_ITEMS)


class CaseCreated(Envelope):
    """The new case: its id (the same again for a replay of the same Idempotency-Key and
    body), the queue routing chose, when it is due, and its media ids in order."""

    case_id: Identifier
    queue: str
    sla_due_at: AwareDatetime
    media_ids: list[str]


# ------------------------------------------------------------ replies
# Reply templates per source and outcome, and the reply a decision sends.

ReplyTemplateName = Annotated[str, Field(min_length=1, max_length=100,
                                         pattern=r"^[a-z0-9][a-z0-9_.-]*$")]


class ReplyTemplate(Envelope):
    """One reply template in its current version: for cases of `source` decided with one of
    `actions`. `body` has `{placeholder}` fields (`placeholders` lists those it uses; the
    allowlist is `reviewer_app.replies.PLACEHOLDERS`)."""

    name: ReplyTemplateName
    source: Source
    actions: list[Action] = Field(min_length=1)
    title: str
    body: str
    version: int = Field(ge=1)
    placeholders: list[str] = Field(default_factory=list)
    updated_by: str = ""
    updated_at: AwareDatetime | None = None
    reason: str = ""


class ReplyTemplateList(Envelope):
    """`GET /v1/reply-templates`: the current templates, by source then name (the first of a
    source and action is the desktop's default), and the placeholders a template may use."""

    templates: list[ReplyTemplate]
    placeholders: dict[str, str]


class ReplyTemplateUpdate(Envelope):
    """Body of `PUT /v1/reply-templates/{name}` (admin): creates the template (version 1) or
    replaces it (the version goes up by one; earlier versions are kept, so a decision filled
    from one still checks). An unknown placeholder is refused with 422 naming it; audited."""

    source: Source
    actions: list[Action] = Field(min_length=1, max_length=len(Action))
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=3_000)
    reason: str = Field(min_length=1, max_length=2_000)


# ------------------------------------------------------------ quality and appeals
# Blind second reviews, agreement (percent, Cohen's kappa), disagreements, appeals.

QA_QUEUE = "qa:second-review"
"""`LeaseRequest.queue` for the second reviews of the reviewer's team (never a routed queue:
those names have no colon). The cases come blind: their history holds no trace of the first
decision, and a decision under such a lease is stored as a second review."""


class QaConfig(Envelope):
    """A team's share (percent) of closing decisions sampled for a blind second review."""

    team: str
    share_percent: int = Field(ge=0, le=100)
    updated_by: str = ""
    updated_at: AwareDatetime | None = None
    reason: str = ""


class QaConfigUpdate(Envelope):
    """Body of `PUT /v1/teams/{team}/quality/config` (that team's lead, admin; audited)."""

    share_percent: int = Field(ge=0, le=100)
    reason: str = Field(min_length=1, max_length=2_000)


class AgreementFigures(Envelope):
    """Agreement between first and second reviewers over `n` second reviews: percent
    agreement and Cohen's kappa over the action labels. `kappa` is null (with
    `kappa_undefined` saying why) when nothing was reviewed or chance agreement is 1."""

    key: str
    n: int = Field(ge=0)
    agreed: int = Field(ge=0)
    percent: float | None = None
    kappa: float | None = None
    kappa_undefined: str | None = None


class QaAgreement(Envelope):
    team: str
    overall: AgreementFigures
    by_policy_area: list[AgreementFigures]
    by_reviewer: list[AgreementFigures]
    """Keyed by the first decider's username."""


class QaDisagreement(Envelope):
    """A second review whose action differs from the first decision: ids, actions and
    citations, who and when; no content, no media."""

    review_id: int
    case_id: Identifier
    queue: str
    policy_area: PolicyArea
    first_reviewer: str
    first_action: Action
    first_policy_refs: list[str]
    first_decided_at: AwareDatetime
    second_reviewer: str
    second_action: Action
    second_policy_refs: list[str]
    second_decided_at: AwareDatetime
    resolved_by: str | None = None
    resolved_at: AwareDatetime | None = None
    resolution_note: str | None = None


class QaDisagreementList(Envelope):
    team: str
    disagreements: list[QaDisagreement]


class QaResolution(Envelope):
    """Body of `POST .../disagreements/{review_id}/resolution`: the lead's note (audited)."""

    note: str = Field(min_length=1, max_length=4_000)


# ------------------------------------------------------------ policy versions
# The versioned policy taxonomy, its change notes, and who has seen them.

PolicyCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Z0-9][A-Z0-9-]*$")]


class PolicyRule(Envelope):
    """One citable rule of a taxonomy version: its code, area, title and guideline. A rule
    is never dropped from a later version, only `retired` (then no decision may cite it)."""

    code: PolicyCode
    area: PolicyArea
    title: str = Field(min_length=1, max_length=200)
    guideline: str = Field(default="", max_length=4_000)
    retired: bool = False


class PolicyTaxonomy(Envelope):
    """`GET /v1/policy/taxonomy`: the version in force (its `ETag` is the version)."""

    version: int = Field(ge=1)
    published_at: AwareDatetime | None = Field(
        default=None, description="None for version 1, the built-in taxonomy")
    rules: list[PolicyRule]


class PolicyVersionCreate(Envelope):
    """`POST /v1/policy/versions` (admin): the whole next taxonomy and why it changed.
    `base_version` must be the version in force (409 otherwise, someone published first)."""

    base_version: int = Field(ge=1)
    rules: list[PolicyRule] = Field(min_length=1, max_length=1_000)
    change_note: str = Field(min_length=1, max_length=10_000)


class PolicyChangeNote(Envelope):
    """What one version changed, as reviewers read it: the admin's note, and the codes
    added, reworded (title or guideline) and retired."""

    version: int = Field(ge=2)
    published_at: AwareDatetime
    published_by: str
    note: str
    added: list[str]
    reworded: list[str]
    retired: list[str]


class PolicyChangeNotes(Envelope):
    notes: list[PolicyChangeNote] = Field(description="newest first")


# appeals
# A decided case reopened for a different reviewer, who upholds or overturns it.


class Appellant(enum.StrEnum):
    USER = "user"
    REPORTER = "reporter"
    RIGHTS_HOLDER = "rights_holder"
    ADVERTISER = "advertiser"
    AUTHORITY = "authority"
    OTHER = "other"


class AppealStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    OVERTURNED = "overturned"


class AppealOutcome(enum.StrEnum):
    UPHOLD = "uphold"
    OVERTURN = "overturn"


class AppealCreate(Envelope):
    """`POST /v1/cases/{case_id}/appeals` (admin or integration): who appeals, and why."""

    appellant: Appellant
    statement: str = Field(min_length=1, max_length=10_000)


class AppealedDecision(Envelope):
    """The decision under appeal, with the policy version it was made under (None for a
    decision made before versions were recorded)."""

    action: Action
    policy_refs: list[str]
    reason: str
    decided_at: AwareDatetime
    policy_version: int | None


class AppealDecisionCreate(Envelope):
    """`POST /v1/appeals/{appeal_id}/decision` (the specialist holding the appeal): uphold,
    or overturn with the new action and its citations (checked like any decision's)."""

    client_id: uuid.UUID
    lease_id: Identifier
    outcome: AppealOutcome
    action: Action | None = Field(default=None, description="overturn only: the new action")
    policy_refs: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20)
    reason: str = Field(default="", max_length=4_000)
    legal_ground: LegalGround | None = Field(
        default=None, description="overturn only, as a decision of the case's source needs")
    claim: ClaimResolution | None = Field(default=None, description="overturn only, likewise")
    handle_ms: int = Field(default=0, ge=0, le=7 * 24 * 3600 * 1000)


class Appeal(Envelope):
    id: str
    case_id: str
    status: AppealStatus
    appellant: Appellant
    statement: str
    filed_by: str
    filed_at: AwareDatetime
    queue: str = Field(description="the appeals queue the case waits in while open")
    original: AppealedDecision
    decided_by: str | None = None
    decided_at: AwareDatetime | None = None
    outcome_reason: str = ""
    new_decision: AppealedDecision | None = None


# ------------------------------------------------------------ undo and corrections
# A synced decision corrected by a new, audited one that supersedes it.

CORRECTION_WINDOW_HOURS = 24
"""A synced decision may be corrected by the reviewer who made it for this long after the
service received it; later, it takes a lead (an appeal)."""


class CorrectionBody(Envelope):
    """`POST /v1/cases/{id}/corrections`: the decision again, in full, superseding one synced
    decision of the same reviewer on the same case (`supersedes`, its client_id), with why
    (`correction_reason`, required). Idempotency-Key is this body's own `client_id`."""

    client_id: uuid.UUID
    supersedes: uuid.UUID
    correction_reason: str = Field(min_length=1, max_length=2_000)
    action: Action
    policy_refs: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20)
    reason: str = Field(default="", max_length=4_000)
    legal_ground: LegalGround | None = None
    claim: ClaimResolution | None = None
    decided_at: AwareDatetime
    handle_ms: int = Field(default=0, ge=0, le=7 * 24 * 3600 * 1000)

    @model_validator(mode="after")
    def _final_and_explained(self) -> CorrectionBody:
        if self.action is Action.ESCALATE:
            raise ValueError("a correction is a final decision; escalate the case instead")
        if not self.correction_reason.strip():
            raise ValueError("correction_reason: say why the decision is corrected")
        if self.client_id == self.supersedes:
            raise ValueError("a correction has its own client_id")
        return self


class CorrectionAccepted(Envelope):
    client_id: str
    case_id: Identifier
    supersedes: str
    status: SyncStatus

# ------------------------------------------------------------ statements of reasons and trends
# EU DSA statements of reasons (reviewer_app.sor), escalation rollups and explained spikes.


class SorFieldError(Envelope):
    field: str
    message: str


class SorItem(Envelope):
    """One restricting decision's statement of reasons, checked against the database's
    rules (`statement` is exactly what its API takes)."""

    decision_id: int
    case_id: str
    statement: Statement


class SorRefusal(Envelope):
    """A restricting decision whose statement cannot be made: each missing or refused field."""

    decision_id: int
    case_id: str
    errors: list[SorFieldError] = Field(min_length=1)


class SorPage(Envelope):
    """`GET /v1/statements-of-reasons` (admin): the restricting decisions decided in
    [since, until), oldest first, after decision `after_id`; `next_after_id` is the last
    decision this page read, `more` whether any are left."""

    statements: list[SorItem]
    refusals: list[SorRefusal]
    next_after_id: int
    more: bool


TrendDimension = Literal["source", "queue", "policy_area", "harm_category", "jurisdiction",
                         "reporter_organisation"]


class SpikeAlert(Envelope):
    """One hour flagged against its seasonal baseline (reviewer_app.spikes), with everything
    needed to check it by hand."""

    key: str
    hour: AwareDatetime
    count: int
    baseline: list[int]
    """The same hour of the week, one week back first."""
    median: float
    mad: float
    scale: float
    threshold: float
    score: float
    method: str


class TrendSeries(Envelope):
    """`GET /v1/trends` (leads and admins): cases received per hour or day for one dimension,
    from the rollups kept at ingest (counts only: no content, no people), and the hours of
    [since, until) that spike against the same hour of the recent weeks."""

    dimension: TrendDimension
    bucket: Literal["hour", "day"]
    since: AwareDatetime
    until: AwareDatetime
    points: list[MetricPoint]
    spikes: list[SpikeAlert]
    method: str


# ------------------------------------------------------------ KPIs


class KpiFigures(Envelope):
    """One row of `GET /v1/teams/{team}/kpis` for [since, until): a queue, a person or the
    team (`key` "all"). Counts decisions in force only (corrections.in_force()), never
    escalations; see reviewer_app.service.kpis for every definition."""

    key: str
    decisions: int = Field(ge=0)
    active_hours: int = Field(ge=0)
    """Distinct UTC hours with at least one of these decisions."""
    decisions_per_hour: float | None = None
    """decisions / active_hours; null without decisions."""
    handle_p50_ms: int | None = None
    handle_p90_ms: int | None = None
    """Nearest-rank percentiles of the service-bounded handle_ms."""
    sla_met: int = Field(ge=0)
    sla_breached: int = Field(ge=0)
    sla_compliance_percent: float | None = None
    qa: AgreementFigures
    appeals_decided: int = Field(ge=0)
    appeals_overturned: int = Field(ge=0)
    appeal_overturn_percent: float | None = None
    exposure_avoided: int = Field(ge=0)
    """Visual items matching spared these decisions' reviewers (groups.avoided_query)."""


class TeamKpis(Envelope):
    team: str
    since: AwareDatetime
    until: AwareDatetime
    overall: KpiFigures
    by_queue: list[KpiFigures]
    by_person: list[KpiFigures]
    """Keyed by username: only the team's own people."""


# ------------------------------------------------------------ intelligence view
# The lead console's intelligence tab: the cases behind one point of a trend (ids only).


class TrendCases(Envelope):
    """`GET /v1/trends/cases` (leads and admins): the ids of the cases received in one hour
    for one key of a dimension (ids and a count: no content, no media, no people)."""

    dimension: TrendDimension
    key: str
    hour: AwareDatetime
    count: int = Field(ge=0)
    case_ids: list[str]
    """At most 500, oldest first; `count` is all of them."""


class QueueSpikes(Envelope):
    """`GET /v1/me/spikes` (specialists): the spikes of the last 24 hours in the queues the
    caller's team works (keys are queue names), each explained; counts only."""

    since: AwareDatetime
    until: AwareDatetime
    spikes: list[SpikeAlert]
    method: str


# ------------------------------------------------------------ decision clusters
# Emerging clusters of decisions that share a key (reviewer_app.clusters): ids and counts.

ClusterKind = Literal["policy_citation", "pdq_group", "media_hash", "reporter_organisation"]


class DecisionCluster(Envelope):
    """The cases decided in the window that share one key, against the same key before."""

    kind: ClusterKind
    key: str
    """A policy code, a near-duplicate group's id, a media file's SHA-256, or an organisation."""
    count: int = Field(ge=2)
    """Distinct cases decided in the window with this key."""
    baseline: int = Field(ge=0)
    """Distinct cases decided with it over the baseline span before the window."""
    expected: float
    """The baseline scaled to the window's length."""
    threshold: float
    emerging: bool
    case_ids: list[str]
    """At most 100, sorted; `count` is all of them."""


class DecisionClusters(Envelope):
    """`GET /v1/trends/clusters` (leads and admins): the decisions in force, closing ones
    only, decided in [since, until), grouped by each kind of key; the baseline is
    [baseline_since, since)."""

    since: AwareDatetime
    until: AwareDatetime
    baseline_since: AwareDatetime
    method: str
    clusters: list[DecisionCluster]
    """Emerging first, then the largest; at most 100 per kind."""
