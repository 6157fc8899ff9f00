"""Personal settings only ever make things safer than the team policy, never looser."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from safeguards.display import (
    DisplaySettings,
    PersonalSettings,
    RevealMode,
    effective_display,
)
from safeguards.policy import BreakRules, effective_breaks

modes = st.lists(st.sampled_from(list(RevealMode)), min_size=1, unique=True)
maybe = st.none

teams = st.builds(
    DisplaySettings,
    grayscale=st.booleans(),
    blur_strength=st.integers(1, 10),
    reveal_modes=modes.map(tuple),
    auto_reblur_seconds=st.integers(1, 300),
    audio_muted=st.booleans(),
    video_autoplay=st.booleans(),
    warning_from_severity=st.integers(0, 4),
)
personals = st.builds(
    PersonalSettings,
    grayscale=maybe() | st.booleans(),
    blur_strength=maybe() | st.integers(1, 10),
    reveal_modes=maybe() | st.lists(st.sampled_from(list(RevealMode)), unique=True).map(tuple),
    auto_reblur_seconds=maybe() | st.integers(1, 300),
    audio_muted=maybe() | st.booleans(),
    video_autoplay=maybe() | st.booleans(),
    warning_from_severity=maybe() | st.integers(0, 4),
    work_interval_minutes=maybe() | st.floats(0.5, 600),
    break_minutes=maybe() | st.floats(0.1, 600),
    micro_break_seconds=maybe() | st.integers(1, 3600),
    micro_break_from_severity=maybe() | st.integers(0, 4),
    graphic_daily_limit_minutes=maybe() | st.floats(1, 1440),
)


@st.composite
def break_rules(draw: st.DrawFn) -> BreakRules:
    break_minutes = draw(st.floats(1, 120))
    return BreakRules(
        work_interval_minutes=draw(st.floats(5, 480)),
        break_minutes=break_minutes,
        micro_break_seconds=draw(st.integers(0, int(break_minutes * 60))),
        micro_break_from_severity=draw(st.integers(0, 4)),
        graphic_daily_limit_minutes=draw(st.none() | st.floats(0, 1440)),
    )


@settings(max_examples=200, deadline=None)
@given(team=teams, personal=personals)
def test_personal_display_settings_never_loosen_the_team_policy(
    team: DisplaySettings, personal: PersonalSettings
) -> None:
    mine = effective_display(team, personal)
    assert mine.grayscale >= team.grayscale
    assert mine.blur_strength >= team.blur_strength
    assert mine.blur_width_px <= team.blur_width_px
    assert set(mine.reveal_modes) <= set(team.reveal_modes)
    assert mine.reveal_modes
    assert mine.auto_reblur_seconds <= team.auto_reblur_seconds
    assert mine.audio_muted >= team.audio_muted
    assert mine.video_autoplay <= team.video_autoplay
    assert mine.warning_from_severity <= team.warning_from_severity


@settings(max_examples=200, deadline=None)
@given(team=break_rules(), personal=personals)
def test_personal_break_settings_only_ever_mean_more_rest(
    team: BreakRules, personal: PersonalSettings
) -> None:
    mine = effective_breaks(team, personal)
    assert mine.work_interval_minutes <= team.work_interval_minutes
    assert mine.break_minutes >= team.break_minutes
    assert mine.micro_break_seconds >= team.micro_break_seconds
    assert mine.micro_break_from_severity <= team.micro_break_from_severity
    def limit(r: BreakRules) -> float:
        return math.inf if r.graphic_daily_limit_minutes is None else r.graphic_daily_limit_minutes
    assert limit(mine) <= limit(team)
    assert mine.action_at_cap is team.action_at_cap


def test_a_safer_wish_is_granted() -> None:
    team = DisplaySettings(blur_strength=5, auto_reblur_seconds=10, warning_from_severity=3)
    mine = effective_display(team, PersonalSettings(
        blur_strength=9, auto_reblur_seconds=4, warning_from_severity=1,
        reveal_modes=(RevealMode.HOLD,),
    ))
    assert (mine.blur_strength, mine.auto_reblur_seconds, mine.warning_from_severity) == (9, 4, 1)
    assert mine.reveal_modes == (RevealMode.HOLD,)


def test_a_looser_wish_is_ignored_not_an_error() -> None:
    team = DisplaySettings(grayscale=True, blur_strength=7, video_autoplay=False)
    mine = effective_display(team, PersonalSettings(
        grayscale=False, blur_strength=2, video_autoplay=True, auto_reblur_seconds=300,
        warning_from_severity=4, audio_muted=False,
    ))
    assert mine == team
    rules = BreakRules(work_interval_minutes=50, break_minutes=10)
    assert effective_breaks(rules, PersonalSettings(work_interval_minutes=120,
                                                    break_minutes=2)) == rules


def test_personal_reveal_modes_outside_the_team_set_keep_the_team_set() -> None:
    team = DisplaySettings(reveal_modes=(RevealMode.LENS,))
    assert effective_display(team, PersonalSettings(reveal_modes=(RevealMode.STEPPED,))) == team
