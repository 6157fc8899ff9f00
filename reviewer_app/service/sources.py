"""Sources with their own rules, on the service: what context each source's case carries,
how it fills the older flat fields, and what a decision on it needs.

The rules themselves are `domain.SOURCE_CONTEXT` and `domain.DECISION_NEEDS`, shared with the
desktop's decision bar, so the two sides can never disagree; this module applies them to the
service's rows and turns a shortfall into a problem that names the missing field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import TypeAdapter

from reviewer_app.domain import (
    Action,
    BusinessContext,
    ClaimResolution,
    IPClaimContext,
    LegalGround,
    LegalOrderContext,
    ProblemCode,
    RegulatorContext,
    ReporterType,
    Source,
    SourceContext,
    context_shortfall,
    decision_shortfall,
    statutory_deadline_of,
)
from reviewer_app.service.problems import ProblemError

CONTEXT_ADAPTER: TypeAdapter[SourceContext] = TypeAdapter(SourceContext)

REPORTER_OF_SOURCE: dict[Source, ReporterType] = {
    Source.USER_REPORT: ReporterType.USER,
    Source.REGULATOR: ReporterType.REGULATOR,
    Source.BUSINESS_PARTNER: ReporterType.BUSINESS_PARTNER,
    Source.LEGAL: ReporterType.REGULATOR,
    Source.IP_CLAIM: ReporterType.RIGHTS_HOLDER,
    Source.TRUSTED_FLAGGER: ReporterType.TRUSTED_FLAGGER,
    Source.INTERNAL: ReporterType.INTERNAL,
}
"""Who reports a case of each source, when an intake does not say."""


class MissingSourceField(ValueError):
    """A case or a decision lacks what its source requires; `field` names what."""

    def __init__(self, field: str, sentence: str) -> None:
        super().__init__(f"{field}: {sentence}")
        self.field = field
        self.sentence = sentence

    def problem(self) -> ProblemError:
        return ProblemError(422, ProblemCode.VALIDATION, str(self))


def check_context(source: Source, context: SourceContext | None) -> None:
    """MissingSourceField unless `context` is what a case of `source` must carry."""
    short = context_shortfall(source, context)
    if short is not None:
        raise MissingSourceField(*short)


@dataclass(frozen=True)
class FlatFields:
    """The pre-context columns a context fills (older clients still read them)."""

    jurisdiction: str | None = None
    legal_basis: str | None = None
    rights_holder: str | None = None
    organisation: str | None = None
    reference: str | None = None


def flat_fields(context: SourceContext | None) -> FlatFields:
    if isinstance(context, RegulatorContext):
        return FlatFields(jurisdiction=context.jurisdiction, legal_basis=context.legal_basis,
                          organisation=context.authority, reference=context.reference)
    if isinstance(context, LegalOrderContext):
        return FlatFields(jurisdiction=context.jurisdiction, organisation=context.authority,
                          reference=context.order_reference,
                          legal_basis=f"Order {context.order_reference}")
    if isinstance(context, IPClaimContext):
        return FlatFields(rights_holder=context.rights_holder,
                          organisation=context.rights_holder)
    if isinstance(context, BusinessContext):
        return FlatFields(organisation=context.account, reference=context.listing_id)
    return FlatFields()


def context_json(context: SourceContext | None) -> str | None:
    return None if context is None else context.model_dump_json()


def context_of(stored: str | None) -> SourceContext | None:
    """The stored context, or None (cases ingested before revision 0008 carry none)."""
    return None if not stored else CONTEXT_ADAPTER.validate_json(stored)


def check_decision(source: str, stored_context: str | None, action: Action,
                   legal_ground: LegalGround | None, claim: ClaimResolution | None) -> None:
    """ProblemError 422 naming the field when a decision lacks what its case's source needs.
    Cases ingested before revision 0008 carry no context; the source's rules still apply."""
    need = decision_shortfall(Source(source), context_of(stored_context), action,
                              legal_ground, claim)
    if need is not None:
        raise MissingSourceField(need.field, need.why).problem()


def decision_words(legal_ground: LegalGround | None, claim: ClaimResolution | None) -> str:
    """A decision's source fields as the case history shows them."""
    words = []
    if legal_ground is not None:
        words.append(f"legal ground {legal_ground.code.value}: {legal_ground.explanation}")
    if claim is not None:
        claim_text = f"claim {claim.outcome.value.replace('_', ' ')}"
        if claim.counter_notice_possible is not None:
            claim_text += (", counter-notice possible" if claim.counter_notice_possible
                           else ", no counter-notice")
        words.append(claim_text)
    return "; ".join(words)


def deadline_of(context: SourceContext | None, given: datetime | None) -> datetime | None:
    """The earlier of a given statutory deadline and the one the context sets."""
    found = [d for d in (given, statutory_deadline_of(context)) if d is not None]
    return min(found) if found else None
