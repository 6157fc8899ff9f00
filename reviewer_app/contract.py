"""Wire schemas of the review service's HTTP API v1, shared by the service and the client.

The service's OpenAPI document is generated from these models, and the client parses every
reply through them, so a change here shows on both sides in the same commit. Values carried
inside the envelopes (Case, Decision, ...) are defined once in `reviewer_app.domain`.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from reviewer_app.domain import (
    AwareDatetime,
    BreakEvent,
    BreakKind,
    CaseSummary,
    Decision,
    ExposureEvent,
    Identifier,
    Note,
    ProblemCode,
    Role,
    SyncStatus,
)

API_PREFIX = "/v1"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SHA256_HEADER = "X-Content-SHA256"
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
