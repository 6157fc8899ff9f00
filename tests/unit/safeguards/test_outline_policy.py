"""The outline step is the lead's to offer, per category; a reviewer's own settings cannot."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reviewer_app.domain import HarmCategory
from safeguards import DisplaySettings, ExposurePolicy, PersonalSettings
from safeguards.display import CategoryDisplay, effective_display


def test_off_unless_the_lead_offers_it() -> None:
    assert DisplaySettings().outline_offered is False
    assert ExposurePolicy(name="t").display_for(HarmCategory.GRAPHIC_VIOLENCE).outline_offered \
        is False


def test_offered_for_the_categories_the_lead_names_only() -> None:
    policy = ExposurePolicy.model_validate({"name": "t", "display_by_category": {
        "graphic_violence": {"outline_offered": True}}})
    assert policy.display_for(HarmCategory.GRAPHIC_VIOLENCE).outline_offered is True
    assert policy.display_for(HarmCategory.SCAMS_FRAUD).outline_offered is False
    assert policy.display_for(None).outline_offered is False
    team_wide = ExposurePolicy.model_validate({"name": "t", "display": {"outline_offered": True},
                                               "display_by_category": {
                                                   "other": {"outline_offered": False}}})
    assert team_wide.display_for(HarmCategory.SELF_HARM).outline_offered is True
    assert team_wide.display_for(HarmCategory.OTHER).outline_offered is False


def test_a_personal_setting_can_neither_offer_nor_withdraw_it() -> None:
    with pytest.raises(ValidationError):
        PersonalSettings.model_validate({"outline_offered": True})
    offered = CategoryDisplay(outline_offered=True).over(DisplaySettings())
    assert effective_display(offered, PersonalSettings(blur_strength=10)).outline_offered
    assert not effective_display(DisplaySettings(), PersonalSettings()).outline_offered


def test_a_policy_round_trips_the_choice() -> None:
    policy = ExposurePolicy.model_validate({"name": "t", "display_by_category": {
        "child_safety": {"outline_offered": True}}})
    again = ExposurePolicy.model_validate(policy.model_dump(mode="json"))
    assert again.display_for(HarmCategory.CHILD_SAFETY).outline_offered is True
