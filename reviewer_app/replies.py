"""Replies: a template's named placeholders filled from the case and the decision.

One renderer for the desktop's preview, the session that queues the decision and the service
that checks it, so the text a reviewer previewed is, character for character, the text the
service re-renders from its own copy of the case. Qt-free and I/O-free.

A template is plain text with `{placeholder}` fields (`{{` and `}}` are literal braces); only
the names in `PLACEHOLDERS` exist, and any other name is an `UnknownPlaceholder` that names
it. A value the case or the decision lacks (a regulator's reference on a case without
context, a counter-notice answer on a trademark claim) is refused, `MissingValue` naming the
placeholder: a reply goes to someone outside (a regulator, a rights holder, a reporter), and
a sentence with a hole or a "[not given]" in it is worse than no reply. The reviewer then
picks another template, fills the missing field, or sends no reply.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from reviewer_app.domain import (
    POLICY_TAXONOMY,
    Action,
    BusinessContext,
    Case,
    ClaimOutcome,
    ClaimResolution,
    ClaimType,
    EscalationTeam,
    IPClaimContext,
    LegalGround,
    LegalGroundCode,
    LegalOrderContext,
    RegulatorContext,
    Source,
    UserReportContext,
)

MAX_TEMPLATE_CHARS = 3_000
MAX_REPLY_CHARS = 5_000


class ReplyError(ValueError):
    """A template that cannot be filled; `placeholder` names the field at fault ('' for a
    template that does not parse)."""

    def __init__(self, placeholder: str, sentence: str) -> None:
        super().__init__(sentence)
        self.placeholder = placeholder


class UnknownPlaceholder(ReplyError):
    """A `{name}` that is not in PLACEHOLDERS."""


class MissingValue(ReplyError):
    """A known placeholder the case or the decision has no value for."""


class MalformedTemplate(ReplyError):
    """Unbalanced braces, a format spec or a conversion: only bare `{name}` fields exist."""


ACTION_WORDS: dict[Action, str] = {
    Action.REMOVE: "removed",
    Action.KEEP: "left up (no action taken)",
    Action.RESTRICT: "restricted (by age or region)",
    Action.LABEL: "placed behind a warning screen",
    Action.ESCALATE: "passed to a specialist team for review",
    Action.REQUEST_INFO: "put on hold until we receive more information",
}
SOURCE_WORDS: dict[Source, str] = {
    Source.USER_REPORT: "user report",
    Source.REGULATOR: "regulator request",
    Source.BUSINESS_PARTNER: "business partner escalation",
    Source.LEGAL: "legal order",
    Source.IP_CLAIM: "intellectual-property claim",
    Source.TRUSTED_FLAGGER: "trusted flagger notice",
    Source.INTERNAL: "internal referral",
}
GROUND_WORDS: dict[LegalGroundCode, str] = {
    LegalGroundCode.ILLEGAL_CONTENT: "the content is illegal in the jurisdiction concerned",
    LegalGroundCode.AUTHORITY_ORDER: "a binding order of a competent authority",
    LegalGroundCode.COURT_ORDER: "a court order",
    LegalGroundCode.TERMS_OF_SERVICE: "our terms of service",
}
OUTCOME_WORDS: dict[ClaimOutcome, str] = {
    ClaimOutcome.UPHELD: "upheld",
    ClaimOutcome.REJECTED: "rejected",
    ClaimOutcome.PARTIALLY_UPHELD: "partially upheld",
}
_TITLES = {ref.code: ref.title for ref in POLICY_TAXONOMY}


@dataclass(frozen=True)
class ReplyFacts:
    """What a reply may say: the case's own facts and the decision's. The service builds it
    from its rows, the client from the case as it was leased; both through `for_case`."""

    case_id: str
    source: Source
    received_at: datetime
    jurisdiction: str = ""
    organisation: str | None = None
    reference: str | None = None
    context: object | None = None
    action: Action = Action.KEEP
    policy_refs: tuple[str, ...] = ()
    legal_ground: LegalGround | None = None
    claim: ClaimResolution | None = None
    escalate_to: EscalationTeam | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_case(cls, case: Case, action: Action, *, policy_refs: Sequence[str] = (),
                 legal_ground: LegalGround | None = None,
                 claim: ClaimResolution | None = None,
                 escalate_to: EscalationTeam | None = None) -> ReplyFacts:
        return cls(case_id=case.id, source=case.source, received_at=case.received_at,
                   jurisdiction=case.jurisdiction, organisation=case.reporter.organisation,
                   reference=case.reporter.reference, context=case.context, action=action,
                   policy_refs=tuple(policy_refs), legal_ground=legal_ground, claim=claim,
                   escalate_to=escalate_to)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def _date(value: datetime | None) -> str | None:
    """A UTC day in words, spelled here (not by strftime, whose month names follow the
    process's locale, which Qt sets on the desktop and the service never does)."""
    if value is None:
        return None
    day = value.astimezone(UTC)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _ctx(f: ReplyFacts, kind: type, attr: str) -> str | None:
    return str(getattr(f.context, attr)) if isinstance(f.context, kind) else None


def _jurisdiction(f: ReplyFacts) -> str | None:
    if isinstance(f.context, RegulatorContext | LegalOrderContext):
        return f.context.jurisdiction
    return f.jurisdiction or None


def _reference(f: ReplyFacts) -> str | None:
    if isinstance(f.context, RegulatorContext):
        return f.context.reference
    if isinstance(f.context, LegalOrderContext):
        return f.context.order_reference
    return f.reference or None


def _authority(f: ReplyFacts) -> str | None:
    if isinstance(f.context, RegulatorContext | LegalOrderContext):
        return f.context.authority
    return None


def _deadline(f: ReplyFacts) -> str | None:
    if isinstance(f.context, RegulatorContext):
        return _date(f.context.statutory_deadline)
    if isinstance(f.context, LegalOrderContext):
        return _date(f.context.deadline)
    return None


def _claim_type(f: ReplyFacts) -> str | None:
    if isinstance(f.context, IPClaimContext):
        return {ClaimType.COPYRIGHT: "copyright", ClaimType.TRADEMARK: "trademark",
                ClaimType.COUNTERFEIT: "counterfeit"}[f.context.claim_type]
    return None


def _policies(f: ReplyFacts) -> str | None:
    return "; ".join(_TITLES.get(code, code) for code in f.policy_refs) or None


def _counter_notice(f: ReplyFacts) -> str | None:
    if f.claim is None or f.claim.counter_notice_possible is None:
        return None
    return ("The uploader may file a counter-notice." if f.claim.counter_notice_possible
            else "A counter-notice is not possible in this case.")


Getter = Callable[[ReplyFacts], str | None]
_FIELDS: dict[str, tuple[str, Getter]] = {
    "case_id": ("our reference: the case id", lambda f: f.case_id),
    "source": ("the kind of escalation in words", lambda f: SOURCE_WORDS[f.source]),
    "received_date": ("the day the case was received", lambda f: _date(f.received_at)),
    "jurisdiction": ("the jurisdiction concerned", _jurisdiction),
    "reference": ("the sender's reference (a regulator's, an order's, the reporter's)",
                  _reference),
    "authority": ("the regulator or the authority that issued an order", _authority),
    "legal_basis": ("the law a regulator's request cites",
                    lambda f: _ctx(f, RegulatorContext, "legal_basis")),
    "deadline": ("a statutory or ordered deadline", _deadline),
    "rights_holder": ("the rights holder of an IP claim",
                      lambda f: _ctx(f, IPClaimContext, "rights_holder")),
    "work": ("the work an IP claim is about", lambda f: _ctx(f, IPClaimContext, "work")),
    "claim_type": ("copyright, trademark or counterfeit", _claim_type),
    "account": ("a business partner's account", lambda f: _ctx(f, BusinessContext, "account")),
    "listing": ("the ad's or the listing's id",
                lambda f: _ctx(f, BusinessContext, "listing_id")),
    "advertiser_policy": ("the advertiser policy a partner cites",
                          lambda f: _ctx(f, BusinessContext, "advertiser_policy")),
    "reporter": ("a user reporter's pseudonymous handle",
                 lambda f: _ctx(f, UserReportContext, "reporter")),
    "report_reason": ("the reason a user gave", lambda f: _ctx(f, UserReportContext, "reason")),
    "organisation": ("the reporting organisation", lambda f: f.organisation or None),
    "action": ("what was done, in words", lambda f: ACTION_WORDS[f.action]),
    "policies": ("the titles of the policies cited", _policies),
    "policy_codes": ("the codes of the policies cited",
                     lambda f: ", ".join(f.policy_refs) or None),
    "legal_ground": ("the legal ground in words",
                     lambda f: GROUND_WORDS[f.legal_ground.code] if f.legal_ground else None),
    "legal_ground_explanation": ("the reviewer's explanation of the legal ground",
                                 lambda f: f.legal_ground.explanation if f.legal_ground
                                 else None),
    "claim_outcome": ("upheld, rejected or partially upheld",
                      lambda f: OUTCOME_WORDS[f.claim.outcome] if f.claim else None),
    "counter_notice": ("a sentence on whether a counter-notice is possible", _counter_notice),
    "escalated_to": ("the team an escalation went to",
                     lambda f: f.escalate_to.value.replace("_", " ") if f.escalate_to
                     else None),
}

PLACEHOLDERS: dict[str, str] = {name: what for name, (what, _get) in _FIELDS.items()}
"""The allowlist: every placeholder a template may use, with what it is filled from."""


def _parts(body: str) -> list[tuple[str, str | None]]:
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError as exc:
        raise MalformedTemplate("", f"the template does not parse: {exc}") from None
    parts: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in parsed:
        if name is not None and (spec or conversion or name == ""):
            raise MalformedTemplate(name, f"placeholder {{{name}}}: only bare {{name}} "
                                          "fields are allowed")
        parts.append((literal, name))
    return parts


def placeholders_in(body: str) -> list[str]:
    """The placeholders a template uses, in order of first use; UnknownPlaceholder (naming
    it) for one outside the allowlist, MalformedTemplate for broken braces."""
    names: list[str] = []
    for _literal, name in _parts(body):
        if name is None:
            continue
        if name not in _FIELDS:
            raise UnknownPlaceholder(name, f"unknown placeholder {{{name}}} (allowed: "
                                           f"{', '.join(sorted(_FIELDS))})")
        if name not in names:
            names.append(name)
    return names


def render(body: str, facts: ReplyFacts) -> str:
    """The filled text; ReplyError naming the placeholder that cannot be filled."""
    out: list[str] = []
    for literal, name in _parts(body):
        out.append(literal)
        if name is None:
            continue
        if name not in _FIELDS:
            raise UnknownPlaceholder(name, f"unknown placeholder {{{name}}}")
        value = _FIELDS[name][1](facts)
        if value is None or value == "":
            raise MissingValue(name, f"placeholder {{{name}}}: this case or decision has no "
                                     f"{_FIELDS[name][0]}")
        out.append(value)
    text = "".join(out)
    if len(text) > MAX_REPLY_CHARS:
        raise MissingValue("", f"the filled reply is longer than {MAX_REPLY_CHARS} characters")
    return text


def applies(source: Source, actions: Sequence[Action], case_source: Source,
            action: Action) -> bool:
    """Whether a template of `source` for `actions` may answer this decision."""
    return source is case_source and action in actions
