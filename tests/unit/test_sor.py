"""Statements of reasons: what our decisions map to passes the Transparency Database's rules,
and a statement missing a field or holding a value outside the allowed lists is refused with
a message naming that field."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from reviewer_app.domain import (
    POLICY_CODES,
    RESTRICTING_ACTIONS,
    Action,
    HarmCategory,
    LegalGroundCode,
    MediaKind,
    Source,
)
from reviewer_app.sor import (
    SOR_MAPPING,
    DecisionFacts,
    Statement,
    batches,
    check_statement,
    statement_data,
    statement_of,
    territorial_scope,
)

FACTS = DecisionFacts(
    decision_id=7, case_id="DEMO.0001", action=Action.REMOVE, policy_refs=["CS-VIO-1"],
    reason="Synthetic: gratuitous depiction.", legal_ground=None, legal_ground_explanation=None,
    decided_at=date(2026, 12, 2), source=Source.USER_REPORT,
    harm_category=HarmCategory.GRAPHIC_VIOLENCE, received_at=date(2026, 12, 1),
    jurisdiction="EU-DE", legal_basis=None, reporter_organisation=None,
    media_kinds=[MediaKind.IMAGE], has_text=False,
)


def _fields(data: dict[str, Any]) -> dict[str, str]:
    statement, errors = check_statement(data)
    assert statement is None
    return {e.field: e.message for e in errors}


def test_the_one_table_maps_every_value_we_have() -> None:
    assert set(SOR_MAPPING.category) == set(HarmCategory)
    assert set(SOR_MAPPING.source_type) == set(Source)
    assert set(SOR_MAPPING.ground) == set(LegalGroundCode)
    assert set(SOR_MAPPING.restriction) == set(RESTRICTING_ACTIONS)
    assert set(SOR_MAPPING.policy_category) == POLICY_CODES
    assert set(SOR_MAPPING.content_type) == set(MediaKind)


def test_every_decision_we_can_make_gives_a_valid_statement() -> None:
    grounds: list[LegalGroundCode | None] = [None, *LegalGroundCode]
    for source, category, action, ground in itertools.product(
            Source, HarmCategory, sorted(RESTRICTING_ACTIONS), grounds):
        facts = dataclasses.replace(
            FACTS, source=source, harm_category=category, action=action, legal_ground=ground,
            legal_ground_explanation="Synthetic: illegal under the cited law." if ground else None,
            legal_basis="EU DSA Art. 16 notice (simulated)", reporter_organisation="Org",
            policy_refs=["CS-VIO-1", "AD-PROD-1"])
        statement, errors = statement_of(facts)
        assert errors == [], (source, category, action, ground)
        assert statement is not None
        assert check_statement(statement.wire()) == (statement, [])
        if source is Source.INTERNAL:
            assert "source_identity" not in statement.wire()


def test_a_statement_the_mapping_makes() -> None:
    statement, _ = statement_of(dataclasses.replace(FACTS, policy_refs=["CS-VIO-1", "AD-PROD-1"]))
    assert statement is not None
    wire = statement.wire()
    assert wire["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert wire["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert wire["incompatible_content_ground"].startswith("CS-VIO-1: Graphic violence")
    assert wire["category"] == "STATEMENT_CATEGORY_VIOLENCE"
    assert wire["category_addition"] == ["STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS"]
    assert wire["content_type"] == ["CONTENT_TYPE_IMAGE"]
    assert wire["territorial_scope"] == ["DE"]
    assert (wire["content_date"], wire["application_date"]) == ("2026-12-01", "2026-12-02")
    assert wire["source_type"] == "SOURCE_ARTICLE_16"
    assert wire["puid"] == "d7-DEMO_0001"


def test_an_illegal_content_decision_without_its_legal_ground_is_refused_by_field() -> None:
    facts = dataclasses.replace(FACTS, legal_ground=LegalGroundCode.COURT_ORDER,
                                legal_basis=None, policy_refs=[])
    statement, errors = statement_of(facts)
    assert statement is None
    messages = {e.field: e.message for e in errors}
    assert set(messages) == {"illegal_content_legal_ground", "illegal_content_explanation"}
    assert messages["illegal_content_legal_ground"] == (
        "illegal_content_legal_ground is required when decision_ground is "
        "DECISION_GROUND_ILLEGAL_CONTENT")


def test_a_missing_required_field_is_named() -> None:
    data = statement_data(FACTS)
    for name in ("decision_facts", "puid", "category", "content_type", "source_type",
                 "application_date", "automated_detection", "decision_ground"):
        broken = {k: v for k, v in data.items() if k != name}
        assert _fields(broken)[name] == f"{name} is required", name
    no_restriction = {k: v for k, v in data.items() if k != "decision_visibility"}
    assert "at least one of decision_visibility" in _fields(no_restriction)["decision_visibility"]
    no_explanation = {k: v for k, v in data.items() if k != "incompatible_content_explanation"}
    assert _fields(no_explanation) == {
        "incompatible_content_explanation": "incompatible_content_explanation is required when "
                                            "decision_ground is "
                                            "DECISION_GROUND_INCOMPATIBLE_CONTENT"}


@pytest.mark.parametrize(("field", "value", "named"), [
    ("category", "STATEMENT_CATEGORY_GOSSIP", "category"),
    ("decision_visibility", ["DECISION_VISIBILITY_HIDDEN"], "decision_visibility.0"),
    ("decision_account", "DECISION_ACCOUNT_BANISHED", "decision_account"),
    ("content_type", ["CONTENT_TYPE_HOLOGRAM"], "content_type.0"),
    ("territorial_scope", ["US"], "territorial_scope.0"),
    ("source_type", "SOURCE_RUMOUR", "source_type"),
    ("automated_detection", "Maybe", "automated_detection"),
    ("automated_decision", "AUTOMATED_DECISION_SOMETIMES", "automated_decision"),
    ("decision_ground", "DECISION_GROUND_DISLIKE", "decision_ground"),
])
def test_a_value_outside_the_allowed_lists_is_refused_naming_the_field(
        field: str, value: Any, named: str) -> None:
    data = {**statement_data(FACTS), field: value}
    message = _fields(data)[named]
    assert message.startswith(f"{field} has ")
    assert "not one of the allowed values" in message


@pytest.mark.parametrize(("field", "value", "words"), [
    ("content_date", "01/12/2026", "YYYY-MM-DD"),
    ("content_date", "1999-12-31", "on or after 2000-01-01"),
    ("application_date", "2039-01-01", "on or before 2038-01-01"),
    ("puid", "d7/DEMO 1", "letters, digits"),
    ("decision_facts", "x" * 5_001, "at most 5000"),
    ("illegal_content_legal_ground", "Art. 16", "only for decision_ground"),
    ("colour", "red", "not a field"),
])
def test_a_badly_formed_field_is_named(field: str, value: Any, words: str) -> None:
    message = _fields({**statement_data(FACTS), field: value})[field]
    assert words in message


def test_the_model_itself_refuses_a_statement_breaking_a_cross_field_rule() -> None:
    data = {k: v for k, v in statement_data(FACTS).items() if k != "incompatible_content_ground"}
    with pytest.raises(ValidationError, match="incompatible_content_ground is required"):
        Statement(**data)


def test_a_decision_that_restricts_nothing_is_refused_not_a_crash() -> None:
    statement, errors = statement_of(dataclasses.replace(FACTS, action=Action.KEEP))
    assert statement is None
    assert errors[0].field == "decision_visibility"


def test_territorial_scope_and_batches() -> None:
    assert territorial_scope("EU-FR") == ["FR"]
    assert territorial_scope("EL") == ["GR"]
    assert len(territorial_scope("EU") or []) == 30
    assert territorial_scope("US-CA") is None
    assert territorial_scope("") is None
    assert [len(b) for b in batches(list(range(250)))] == [100, 100, 50]
    assert batches([]) == []
    with pytest.raises(ValueError, match="1 to 100"):
        batches([1], size=101)
