"""The one rule table of sources (domain.SOURCE_CONTEXT, DECISION_NEEDS) that the service's
intake and decisions and the desktop's decision bar all apply."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from reviewer_app.domain import (
    SOURCE_CONTEXT,
    Action,
    Case,
    ClaimOutcome,
    ClaimResolution,
    ClaimType,
    IPClaimContext,
    LegalGround,
    LegalGroundCode,
    LegalOrderContext,
    Source,
    context_shortfall,
    decision_shortfall,
    statutory_deadline_of,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TRADEMARK = IPClaimContext(rights_holder="R (fictional)", work="W", claim_type=ClaimType.TRADEMARK)
GROUND = LegalGround(code=LegalGroundCode.COURT_ORDER, explanation="Order CV-1 (simulated)")


def test_every_source_of_the_issue_carries_a_typed_context() -> None:
    assert set(SOURCE_CONTEXT) == {Source.REGULATOR, Source.IP_CLAIM, Source.BUSINESS_PARTNER,
                                   Source.USER_REPORT, Source.LEGAL}
    assert context_shortfall(Source.REGULATOR, None)[0] == "context"  # type: ignore[index]
    assert context_shortfall(Source.IP_CLAIM, TRADEMARK) is None
    assert context_shortfall(Source.LEGAL, TRADEMARK)[0] == "context.kind"  # type: ignore[index]
    assert context_shortfall(Source.INTERNAL, None) is None


def test_the_context_is_told_apart_by_kind_on_the_wire() -> None:
    field = Case.model_fields["context"]
    assert "discriminator" in repr(field)
    with pytest.raises(ValidationError):
        IPClaimContext(rights_holder="", work="W", claim_type=ClaimType.COPYRIGHT)


def test_a_legal_order_needs_a_ground_to_restrict_and_its_deadline_counts() -> None:
    order = LegalOrderContext(authority="Court (fictional)", order_reference="CV-1",
                              jurisdiction="UK", deadline=NOW)
    assert statutory_deadline_of(order) == NOW
    need = decision_shortfall(Source.LEGAL, order, Action.RESTRICT, None, None)
    assert need is not None
    assert need.field == "legal_ground"
    assert decision_shortfall(Source.LEGAL, order, Action.RESTRICT, GROUND, None) is None
    assert decision_shortfall(Source.LEGAL, order, Action.KEEP, None, None) is None


def test_only_copyright_asks_for_the_counter_notice() -> None:
    upheld = ClaimResolution(outcome=ClaimOutcome.UPHELD)
    assert decision_shortfall(Source.IP_CLAIM, TRADEMARK, Action.REMOVE, None, upheld) is None
    copyright_claim = TRADEMARK.model_copy(update={"claim_type": ClaimType.COPYRIGHT})
    need = decision_shortfall(Source.IP_CLAIM, copyright_claim, Action.REMOVE, None, upheld)
    assert need is not None
    assert need.field == "claim.counter_notice_possible"
    escalated = decision_shortfall(Source.IP_CLAIM, copyright_claim, Action.ESCALATE, None,
                                   None)
    assert escalated is None
