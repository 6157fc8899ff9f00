"""ExposurePolicy: what a lead may write, what is refused and why, and how it is stored."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from reviewer_app.domain import HarmCategory
from safeguards.display import BLUR_WIDTHS, DisplaySettings
from safeguards.policy import (
    PROFILES_DIR,
    BreakRules,
    Cap,
    ExposurePolicy,
    Measure,
    Window,
    list_profiles,
    load_profile,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _cap(**kw: object) -> dict[str, object]:
    return {"window": "day", "measure": "revealed", "limit": 10, **kw}


def test_the_three_profiles_ship_and_load() -> None:
    assert list_profiles() == ["child_safety", "graphic_violence", "standard"]
    for name in list_profiles():
        policy = load_profile(name)
        assert policy.name == name
        assert policy.caps


@pytest.mark.parametrize("name", ["standard", "graphic_violence", "child_safety"])
def test_every_profile_says_its_numbers_are_illustrative(name: str) -> None:
    text = (PROFILES_DIR / f"{name}.toml").read_text()
    comments = " ".join(line for line in text.splitlines() if line.startswith("#")).lower()
    assert "illustrative starting points" in comments
    assert "illustrative starting points" in load_profile(name).description.lower()


def test_a_profile_loads_from_a_path_too(tmp_path: Path) -> None:
    path = tmp_path / "night_shift.toml"
    path.write_text('name = "night"\nversion = 3\n[breaks]\nbreak_minutes = 15\n')
    policy = load_profile(path)
    assert (policy.name, policy.version, policy.breaks.break_minutes) == ("night", 3, 15)
    assert load_profile(str(path)) == policy


def test_an_unknown_profile_name_lists_the_shipped_ones() -> None:
    with pytest.raises(FileNotFoundError, match="standard"):
        load_profile("no_such_team")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"breaks": {"break_minutes": 0.5}}, "shorter than a minute"),
        ({"caps": [_cap(limit=-1)]}, "cannot be negative"),
        ({"breaks": {"break_minutes": 10, "micro_break_seconds": 900}},
         "longer than the scheduled break"),
        ({"display": {"warning_from_severity": 5}}, "severity 0-4"),
        ({"display": {"warning_from_severity": -1}}, "severity 0-4"),
        ({"display": {"blur_strength": 11}}, "between 1"),
        ({"display": {"blur_strength": "super"}}, "not one of"),
        ({"display": {"reveal_modes": []}}, "at least one reveal mode"),
        ({"breaks": {"work_interval_minutes": 1}}, "5-480 minutes"),
        ({"caps": [_cap(), _cap(limit=20)]}, "count the same thing"),
        ({"service_day_utc_offset_minutes": 2000}, "UTC offset"),
        ({"surprise": 1}, "Extra inputs"),
        ({"breaks": {"graphic_categories": []}, "caps": [_cap(action="end_graphic_shift")]},
         "graphic_categories"),
    ],
)
def test_a_bad_policy_is_refused_with_a_message_a_lead_can_act_on(
    data: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        ExposurePolicy.model_validate({"name": "team", **data})


def _override(**kw: object) -> dict[str, object]:
    return {
        "cap": "*:sev0+:day:revealed", "limit": 20, "granted_by": "lead.ana",
        "reason": "legal deadline on a regulator order", "granted_at": T0.isoformat(),
        "expires_at": (T0 + timedelta(hours=8)).isoformat(), **kw,
    }


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (_override(cap="child_safety:sev4+:day:revealed"), "unknown cap"),
        (_override(reason="  "), "reason"),
        (_override(expires_at=(T0 + timedelta(days=8)).isoformat()), "at most 7 days"),
        (_override(expires_at=T0.isoformat()), "expire after"),
        (_override(granted_at="2026-03-02T09:00:00"), "UTC offset"),
        (_override(limit=-5), "negative"),
    ],
)
def test_an_override_needs_a_known_cap_a_reason_and_an_expiry(
    override: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        ExposurePolicy.model_validate({"name": "team", "caps": [_cap()], "overrides": [override]})


def test_an_override_applies_only_while_active_and_only_to_its_reviewer() -> None:
    policy = ExposurePolicy.model_validate(
        {"name": "team", "caps": [_cap()], "overrides": [_override(reviewer="sam")]}
    )
    cap = policy.caps[0]
    assert policy.limit_for(cap, T0 + timedelta(hours=1)) == 20
    assert policy.limit_for(cap, T0 - timedelta(minutes=1)) == 10
    assert policy.limit_for(cap, T0 + timedelta(hours=8)) == 10
    assert policy.for_reviewer("kim").limit_for(cap, T0 + timedelta(hours=1)) == 10
    assert policy.for_reviewer("sam").limit_for(cap, T0 + timedelta(hours=1)) == 20


def test_json_round_trip_keeps_the_policy_and_its_etag() -> None:
    for name in list_profiles():
        policy = load_profile(name)
        again = ExposurePolicy.from_json(policy.to_json())
        assert again == policy
        assert again.etag() == policy.etag()
        assert len(policy.etag()) == 64


def test_the_etag_changes_with_any_setting_and_not_with_list_order() -> None:
    base = ExposurePolicy.model_validate({"name": "t", "caps": [_cap(categories=["self_harm"])]})
    raised = ExposurePolicy.model_validate({"name": "t", "caps": [_cap(limit=11,
                                                                      categories=["self_harm"])]})
    assert base.etag() != raised.etag()
    one = ExposurePolicy.model_validate(
        {"name": "t", "display": {"reveal_modes": ["stepped", "hold"]}}
    )
    two = ExposurePolicy.model_validate(
        {"name": "t", "display": {"reveal_modes": ["hold", "stepped", "hold"]}}
    )
    assert one.etag() == two.etag()


def test_cap_keys_name_what_is_capped() -> None:
    cap = Cap(categories=(HarmCategory.SELF_HARM, HarmCategory.CHILD_SAFETY), min_severity=3,
              window=Window.WEEK, measure=Measure.SECONDS_REVEALED, limit=0)
    assert cap.key == "child_safety+self_harm:sev3+:week:seconds_revealed"
    assert cap.covers(HarmCategory.SELF_HARM)
    assert not cap.covers(HarmCategory.OTHER)
    assert Cap(window=Window.HOUR, measure=Measure.SHOWN, limit=1).covers(HarmCategory.OTHER)


def test_blur_strength_accepts_a_name_and_every_step_is_stronger() -> None:
    assert DisplaySettings.model_validate({"blur_strength": "maximum"}).blur_width_px == 18
    widths = [BLUR_WIDTHS[s] for s in range(1, 11)]
    assert widths == sorted(widths, reverse=True)
    assert len(set(widths)) == 10


def test_safe_defaults_when_a_policy_says_nothing() -> None:
    policy = ExposurePolicy(name="bare")
    assert policy.display.grayscale
    assert policy.display.audio_muted
    assert not policy.display.video_autoplay
    assert policy.display.auto_reblur_seconds == 10
    assert policy.display.warning_from_severity == 3
    assert policy.breaks == BreakRules()
    assert policy.breaks.break_seconds == 600


def test_a_policy_built_from_defaults_keeps_its_etag_through_json() -> None:
    bare = ExposurePolicy(name="bare")
    assert ExposurePolicy.from_json(bare.to_json()).etag() == bare.etag()


def test_the_example_in_the_wellness_leads_guide_is_a_valid_policy() -> None:
    guide = (Path(__file__).resolve().parents[3] / "docs" / "wellness-policy.md").read_text()
    blocks = guide.split("```toml\n")[1:]
    example = next(b.split("```")[0] for b in blocks if "[[caps]]" in b)
    policy = ExposurePolicy.model_validate(tomllib.loads(example))
    assert policy.name == "night_child_safety"
    assert [c.key for c in policy.caps] == [
        "child_safety:sev4+:day:revealed", "child_safety:sev3+:hour:revealed"]
    assert policy.display.blur_width_px == 18
    override = next(b.split("```")[0] for b in blocks if "[[overrides]]" in b)
    with_override = ExposurePolicy.model_validate(
        {**tomllib.loads(example), **tomllib.loads(override)})
    assert with_override.limit_for(policy.caps[0], datetime(2026, 3, 2, 14, 0, tzinfo=UTC)) == 25
