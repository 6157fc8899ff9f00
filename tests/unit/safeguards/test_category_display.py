"""Display settings per harm category: a lead's settings for one category replace the team's
defaults for that category's media only, the gate and its interstitial use them for the next
case, and a reviewer's personal settings can still only make them safer."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from reviewer_app.domain import HarmCategory, Severity
from safeguards import (
    BreakScheduler,
    CategoryDisplay,
    DisplaySettings,
    ExposureLedger,
    ExposurePolicy,
    ManualClock,
    PersonalSettings,
    RevealMode,
    case_display,
    effective_display,
    gate,
    load_profile,
)
from tests.unit.safeguards.test_personal import personals, teams

CHILD = HarmCategory.CHILD_SAFETY
GORE = HarmCategory.GRAPHIC_VIOLENCE
STRICTER_CHILD = CategoryDisplay(blur_strength=10, warning_from_severity=1,
                                 colour_allowed=False, reveal_modes=("hold", "lens"))

maybe = st.none
categories_settings = st.builds(
    CategoryDisplay,
    grayscale=maybe() | st.booleans(),
    blur_strength=maybe() | st.integers(1, 10),
    reveal_modes=maybe() | st.lists(st.sampled_from(list(RevealMode)), min_size=1,
                                    unique=True).map(tuple),
    auto_reblur_seconds=maybe() | st.integers(1, 300),
    audio_muted=maybe() | st.booleans(),
    video_autoplay=maybe() | st.booleans(),
    warning_from_severity=maybe() | st.integers(0, 4),
    colour_allowed=maybe() | st.booleans(),
)
personal_with_colour = st.builds(
    lambda p, colour: p.model_copy(update={"colour_allowed": colour}),
    personals, maybe() | st.booleans(),
)


def policy_with(by_category: dict[HarmCategory, CategoryDisplay],
                team: DisplaySettings | None = None) -> ExposurePolicy:
    return ExposurePolicy(name="t", display=team or DisplaySettings(),
                          display_by_category=by_category)


def test_display_for_puts_the_categorys_own_values_over_the_teams_and_leaves_others() -> None:
    team = DisplaySettings(blur_strength=6, warning_from_severity=3, auto_reblur_seconds=12)
    policy = policy_with({CHILD: STRICTER_CHILD}, team)
    child = policy.display_for(CHILD)
    assert (child.blur_strength, child.warning_from_severity, child.colour_allowed) == (10, 1,
                                                                                      False)
    assert child.reveal_modes == (RevealMode.HOLD, RevealMode.LENS)
    assert child.auto_reblur_seconds == 12  # not set for the category: the team's
    assert child.grayscale
    assert child.audio_muted
    assert policy.display_for(GORE) == team
    assert policy.display_for(None) == team
    assert policy.display_for("child_safety") == child
    assert policy.display_for("no_such_category") == team
    assert case_display(policy, None, GORE) == team
    assert case_display(policy, None, CHILD) == child


@settings(max_examples=300, deadline=None)
@given(team=teams, own=categories_settings, personal=personal_with_colour,
       category=st.sampled_from(list(HarmCategory)))
def test_personal_settings_only_ever_make_a_categorys_display_safer(
        team: DisplaySettings, own: CategoryDisplay, personal: PersonalSettings,
        category: HarmCategory) -> None:
    policy = policy_with({CHILD: own}, team)
    lead = policy.display_for(category)  # what the lead set for this category
    mine = case_display(policy, personal, category)
    assert mine.blur_strength >= lead.blur_strength
    assert mine.blur_width_px <= lead.blur_width_px
    assert mine.grayscale or not lead.grayscale
    assert mine.colour_allowed <= lead.colour_allowed
    assert mine.grayscale or mine.colour_allowed  # no colour blur where colour is forbidden
    assert set(mine.reveal_modes) <= set(lead.reveal_modes)
    assert mine.reveal_modes
    assert mine.warning_from_severity <= lead.warning_from_severity
    assert mine.auto_reblur_seconds <= lead.auto_reblur_seconds
    assert mine.audio_muted >= lead.audio_muted
    assert mine.video_autoplay <= lead.video_autoplay
    if category is not CHILD:  # other categories keep the team's defaults
        assert lead == team
        assert mine == effective_display(team, personal)


def test_personal_colour_can_forbid_but_never_allow() -> None:
    policy = policy_with({CHILD: CategoryDisplay(colour_allowed=False)})
    wants_colour = PersonalSettings(colour_allowed=True)
    assert not case_display(policy, wants_colour, CHILD).colour_allowed
    assert case_display(policy, wants_colour, GORE).colour_allowed
    no_colour = PersonalSettings(colour_allowed=False)
    assert not case_display(policy, no_colour, GORE).colour_allowed
    assert case_display(policy, None, GORE).colour_allowed


def test_a_category_without_colour_is_blurred_in_grayscale_even_if_the_team_blurs_in_colour(
) -> None:
    policy = policy_with({CHILD: CategoryDisplay(colour_allowed=False)},
                         DisplaySettings(grayscale=False))
    assert not case_display(policy, None, GORE).grayscale  # the team's choice elsewhere
    child = case_display(policy, None, CHILD)
    assert child.grayscale
    assert not child.colour_allowed


def _desk(policy: ExposurePolicy) -> tuple[ExposureLedger, BreakScheduler]:
    return ExposureLedger(), BreakScheduler(policy.breaks, ManualClock())


def test_the_gate_warns_before_a_low_child_safety_case_when_its_category_warns_from_1() -> None:
    policy = policy_with({CHILD: CategoryDisplay(warning_from_severity=1, blur_strength=10)},
                         DisplaySettings(warning_from_severity=3))
    ledger, scheduler = _desk(policy)
    child = gate(policy, ledger, scheduler, next_case=(CHILD, Severity.LOW))
    gore = gate(policy, ledger, scheduler, next_case=(GORE, Severity.LOW))
    assert child.allowed
    assert gore.allowed
    assert child.interstitial
    assert not gore.interstitial  # the team's threshold (3) for every other category
    assert child.display.warning_from_severity == 1
    assert child.display.blur_strength == 10
    assert gore.display == policy.display
    assert gate(policy, ledger, scheduler, next_case=(GORE, Severity.HIGH)).interstitial
    assert not gate(policy, ledger, scheduler, next_case=(CHILD, Severity.NONE)).interstitial
    # one verdict answers for every category (what a prefetched case is rendered with)
    assert gore.display_for(CHILD) == child.display
    assert child.display_for(GORE) == gore.display
    assert child.display_for(None) == policy.display


def test_personal_settings_reach_the_category_display_in_the_gate() -> None:
    policy = policy_with({CHILD: CategoryDisplay(warning_from_severity=2)})
    ledger, scheduler = _desk(policy)
    personal = PersonalSettings(warning_from_severity=4, blur_strength=9, colour_allowed=False)
    child = gate(policy, ledger, scheduler, personal=personal, next_case=(CHILD, Severity.LOW))
    assert child.display.warning_from_severity == 2  # a looser personal wish is ignored
    assert child.display.blur_strength == 9
    assert not child.display.colour_allowed
    assert not child.interstitial
    assert gate(policy, ledger, scheduler, personal=personal,
                next_case=(CHILD, Severity.MODERATE)).interstitial


def test_verdicts_compare_by_what_they_decide_not_by_their_display_lookup() -> None:
    """Client and service compare verdicts; the lookup of other categories is no part of it."""
    policy = policy_with({CHILD: STRICTER_CHILD})
    ledger, scheduler = _desk(policy)
    first = gate(policy, ledger, scheduler, next_case=(CHILD, Severity.LOW))
    again = gate(policy.model_copy(), ledger, scheduler, next_case=(CHILD, Severity.LOW))
    assert first == again


def test_a_policy_with_category_displays_round_trips_through_json_with_a_stable_etag() -> None:
    policy = policy_with({CHILD: STRICTER_CHILD, GORE: CategoryDisplay(blur_strength="medium")})
    text = policy.to_json()
    back = ExposurePolicy.from_json(text)
    assert back == policy
    assert back.etag() == policy.etag()
    assert back.to_json() == text
    data = json.loads(text)
    assert data["display_by_category"]["child_safety"]["colour_allowed"] is False
    assert data["display_by_category"]["graphic_violence"]["blur_strength"] == 5
    reordered = policy_with({GORE: CategoryDisplay(blur_strength=5), CHILD: STRICTER_CHILD})
    assert reordered.etag() == policy.etag()  # the order a lead wrote them in does not count
    changed = policy_with({CHILD: STRICTER_CHILD.model_copy(update={"blur_strength": 9}),
                           GORE: CategoryDisplay(blur_strength=5)})
    assert changed.etag() != policy.etag()
    assert policy_with({}).etag() != policy.etag()


def test_the_standard_profile_shows_child_safety_more_cautiously_and_round_trips() -> None:
    policy = load_profile("standard")
    child = policy.display_for(CHILD)
    team = policy.display
    assert child.blur_strength > team.blur_strength
    assert child.warning_from_severity == 1
    assert not child.colour_allowed
    assert set(child.reveal_modes) == {RevealMode.HOLD, RevealMode.LENS}
    assert set(policy.display_by_category) == {CHILD}
    for category in HarmCategory:
        if category is not CHILD:
            assert policy.display_for(category) == team
    back = ExposurePolicy.from_json(policy.to_json())
    assert back == policy
    assert back.etag() == policy.etag()


def test_the_leads_guide_shows_the_child_safety_section_the_standard_profile_ships() -> None:
    guide = (Path(__file__).resolve().parents[3] / "docs" / "wellness-policy.md").read_text()
    example = next(b.split("~~~")[0] for b in guide.split("~~~toml\n")[1:]
                   if "[display_by_category." in b)
    policy = ExposurePolicy.model_validate({"name": "guide", **tomllib.loads(example)})
    assert policy.display_by_category == load_profile("standard").display_by_category


def test_a_category_display_refuses_what_the_team_display_refuses() -> None:
    with pytest.raises(ValidationError, match="blur strength must be between 1"):
        ExposurePolicy.model_validate({"name": "t", "display_by_category": {
            "child_safety": {"blur_strength": 11}}})
    with pytest.raises(ValidationError, match="at least one reveal mode"):
        ExposurePolicy.model_validate({"name": "t", "display_by_category": {
            "child_safety": {"reveal_modes": []}}})
    with pytest.raises(ValidationError, match="child_safty"):
        ExposurePolicy.model_validate({"name": "t", "display_by_category": {
            "child_safty": {"blur_strength": 9}}})
    with pytest.raises(ValidationError, match="Extra inputs"):
        ExposurePolicy.model_validate({"name": "t", "display_by_category": {
            "child_safety": {"blurr": 9}}})
