"""The reply renderer: placeholders from the allowlist filled from the case and the decision,
an unknown one named, a value the case lacks refused by name, and every shipped default
template within the allowlist and renderable for a case of its own source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from reviewer_app import replies
from reviewer_app.domain import (
    Action,
    ClaimOutcome,
    ClaimResolution,
    HarmCategory,
    LegalGround,
    LegalGroundCode,
    RegulatorContext,
    Source,
    UserReportContext,
)
from reviewer_app.service.reply_defaults import DEFAULT_TEMPLATES
from reviewer_app.service.seed import demo_context

RECEIVED = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
REGULATOR = RegulatorContext(authority="Office of Online Safety (fictional)",
                             legal_basis="EU DSA Art. 16 notice (simulated)",
                             jurisdiction="EU-DE", reference="OOS-2026-7",
                             statutory_deadline=RECEIVED + timedelta(hours=6))


def _facts(**changes: object) -> replies.ReplyFacts:
    base: dict[str, object] = {"case_id": "case-42", "source": Source.REGULATOR,
                               "received_at": RECEIVED, "context": REGULATOR,
                               "action": Action.REMOVE, "policy_refs": ("REG-DSA-16",)}
    return replies.ReplyFacts(**{**base, **changes})  # type: ignore[arg-type]


def test_placeholders_are_filled_from_the_case_and_the_decision() -> None:
    ground = LegalGround(code=LegalGroundCode.COURT_ORDER, explanation="Order CV-1")
    text = replies.render(
        "{authority} {reference} {case_id} {received_date} {jurisdiction} {action} "
        "{policies} {legal_ground} ({legal_ground_explanation}) {{literal}}",
        _facts(legal_ground=ground))
    assert text == ("Office of Online Safety (fictional) OOS-2026-7 case-42 2 March 2026 "
                    "EU-DE removed EU DSA Art. 16: illegal content notice a court order "
                    "(Order CV-1) {literal}")
    # A day in UTC, whatever offset the time came with.
    east = RECEIVED.astimezone(timezone(timedelta(hours=5)))  # 3 March there
    assert replies.render("{received_date}", _facts(received_at=east)) == "2 March 2026"


def test_an_unknown_placeholder_is_named_and_a_broken_one_refused() -> None:
    with pytest.raises(replies.UnknownPlaceholder) as unknown:
        replies.placeholders_in("Dear {authority}, see {nickname}.")
    assert unknown.value.placeholder == "nickname"
    assert "{nickname}" in str(unknown.value)
    for body in ("{authority!r}", "{authority:>10}", "{", "{}", "{authority.__class__}"):
        with pytest.raises(replies.ReplyError):
            replies.placeholders_in(body)
    assert replies.placeholders_in("{case_id} {action} {case_id}") == ["case_id", "action"]
    assert set(replies.PLACEHOLDERS) >= {"case_id", "reference", "authority", "rights_holder",
                                         "work", "account", "listing", "reporter",
                                         "jurisdiction", "action", "policies",
                                         "legal_ground", "received_date"}


def test_a_value_the_case_lacks_is_refused_by_name_never_left_as_a_hole() -> None:
    user = _facts(source=Source.USER_REPORT,
                  context=UserReportContext(reporter="user-1", reason="Spam"))
    with pytest.raises(replies.MissingValue) as missing:
        replies.render("To {authority}", user)
    assert missing.value.placeholder == "authority"
    with pytest.raises(replies.MissingValue) as no_ground:
        replies.render("{legal_ground}", _facts())
    assert no_ground.value.placeholder == "legal_ground"
    with pytest.raises(replies.MissingValue):
        replies.render("{policies}", _facts(policy_refs=()))
    assert replies.render("{reporter}: {report_reason}", user) == "user-1: Spam"


def test_every_shipped_template_fills_for_a_case_of_its_source() -> None:
    assert {t.source for t in DEFAULT_TEMPLATES} == {
        Source.USER_REPORT, Source.REGULATOR, Source.BUSINESS_PARTNER, Source.IP_CLAIM,
        Source.LEGAL, Source.TRUSTED_FLAGGER}
    ground = LegalGround(code=LegalGroundCode.ILLEGAL_CONTENT, explanation="Unlawful")
    claim = ClaimResolution(outcome=ClaimOutcome.UPHELD, counter_notice_possible=True)
    for t in DEFAULT_TEMPLATES:
        replies.placeholders_in(t.body)
        context = demo_context(10, t.source, HarmCategory.OTHER, "EU-FR", RECEIVED)
        for action in t.actions:
            text = replies.render(t.body, _facts(source=t.source, context=context,
                                                 action=action, legal_ground=ground,
                                                 claim=claim))
            assert "case-42" in text, t.name
            assert "{" not in text, t.name
