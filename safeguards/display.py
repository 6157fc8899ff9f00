"""How media is shown: the team's display defaults, a reviewer's own preferences, and the
rule that joins them: a personal setting may only make the display safer, never looser."""

from __future__ import annotations

import enum
from typing import Any

from pydantic import ConfigDict, field_validator

from reviewer_app.domain import Model

BLUR_WIDTHS: dict[int, int] = {
    1: 160, 2: 120, 3: 96, 4: 72, 5: 56, 6: 40, 7: 32, 8: 24, 9: 18, 10: 12,
}
"""Blur strength -> the width in pixels the UI decodes media to before a smooth upscale to
display size. A smaller width is a stronger blur; every step is strictly stronger."""

BLUR_LEVELS: dict[str, int] = {"light": 3, "medium": 5, "strong": 6, "maximum": 9}
"""Named blur levels a policy file may use instead of a number."""


class RevealMode(enum.StrEnum):
    """How a reviewer may unblur: hold a key, a lens under the pointer, or stepped
    (blurred grayscale -> sharp grayscale -> colour, re-blurring by itself)."""

    HOLD = "hold"
    LENS = "lens"
    STEPPED = "stepped"


def _blur_strength(value: Any) -> Any:
    if isinstance(value, str) and not value.isdigit():
        if value not in BLUR_LEVELS:
            raise ValueError(
                f"blur strength {value!r} is not one of {sorted(BLUR_LEVELS)} or a number 1-10"
            )
        return BLUR_LEVELS[value]
    return value


def _check_strength(value: int) -> int:
    if not 1 <= value <= 10:
        raise ValueError(f"blur strength must be between 1 (light) and 10 (maximum), got {value}")
    return value


def _check_reblur(value: int) -> int:
    if not 1 <= value <= 300:
        raise ValueError(f"auto re-blur must be 1-300 seconds, got {value}")
    return value


def _check_threshold(value: int) -> int:
    if not 0 <= value <= 4:
        raise ValueError(
            f"the warning interstitial threshold is a severity 0-4 (0 = always warn), got {value}"
        )
    return value


def _modes(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted({RevealMode(v) for v in value}))
    return value


class DisplaySettings(Model):
    """What the UI applies to every piece of media; the safe choice is the default."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    grayscale: bool = True
    blur_strength: int = 6
    reveal_modes: tuple[RevealMode, ...] = (RevealMode.HOLD, RevealMode.LENS, RevealMode.STEPPED)
    auto_reblur_seconds: int = 10
    audio_muted: bool = True
    video_autoplay: bool = False
    warning_from_severity: int = 3
    """Show a category warning before media of this severity or higher."""
    colour_allowed: bool = True
    """False: the stepped reveal stops at sharp grayscale; colour is never shown."""
    outline_offered: bool = False
    """Offer an outline step (edges only) between the blur and sharp grayscale. Studies found
    outline renderings reduced distress while keeping content judgeable."""

    _strength_in = field_validator("blur_strength", mode="before")(_blur_strength)
    _strength = field_validator("blur_strength")(_check_strength)
    _reblur = field_validator("auto_reblur_seconds")(_check_reblur)
    _threshold = field_validator("warning_from_severity")(_check_threshold)
    _modes_in = field_validator("reveal_modes", mode="before")(_modes)

    @field_validator("reveal_modes")
    @classmethod
    def _some_reveal(cls, value: tuple[RevealMode, ...]) -> tuple[RevealMode, ...]:
        if not value:
            raise ValueError("allow at least one reveal mode (hold, lens or stepped)")
        return value

    @property
    def blur_width_px(self) -> int:
        """The decode width the UI uses for the blurred rendering (see BLUR_WIDTHS)."""
        return BLUR_WIDTHS[self.blur_strength]


class _DisplayChoices(Model):
    """The display fields as optional choices (unset: "as the level above says"), validated
    as DisplaySettings validates them; shared by a category's settings and a reviewer's."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    grayscale: bool | None = None
    blur_strength: int | None = None
    reveal_modes: tuple[RevealMode, ...] | None = None
    auto_reblur_seconds: int | None = None
    audio_muted: bool | None = None
    video_autoplay: bool | None = None
    warning_from_severity: int | None = None
    colour_allowed: bool | None = None

    _strength_in = field_validator("blur_strength", mode="before")(_blur_strength)
    _modes_in = field_validator("reveal_modes", mode="before")(_modes)

    @field_validator("blur_strength")
    @classmethod
    def _strength(cls, value: int | None) -> int | None:
        return None if value is None else _check_strength(value)

    @field_validator("auto_reblur_seconds")
    @classmethod
    def _reblur(cls, value: int | None) -> int | None:
        return None if value is None else _check_reblur(value)

    @field_validator("warning_from_severity")
    @classmethod
    def _threshold(cls, value: int | None) -> int | None:
        return None if value is None else _check_threshold(value)


class CategoryDisplay(_DisplayChoices):
    """A lead's display settings for one harm category. Unset means "the team's default";
    a set value replaces the team's for that category's media (see ExposurePolicy.display_for).
    Only the lead chooses whether the outline step is offered: a reviewer's own settings have
    no such field."""

    outline_offered: bool | None = None
    """Offer an outline step (edges only) between the blur and sharp grayscale for this
    category. Studies found outline renderings reduced distress while keeping content
    judgeable."""

    @field_validator("reveal_modes")
    @classmethod
    def _some_reveal(cls, value: tuple[RevealMode, ...] | None) -> tuple[RevealMode, ...] | None:
        if value is not None and not value:
            raise ValueError("allow at least one reveal mode (hold, lens or stepped)")
        return value

    def over(self, team: DisplaySettings) -> DisplaySettings:
        """The team's display with this category's set values in place."""
        changed = {k: v for k, v in self.model_dump().items() if v is not None}
        return DisplaySettings.model_validate({**team.model_dump(), **changed})


class PersonalSettings(_DisplayChoices):
    """A reviewer's own preferences. Unset means "as the team policy says". A value looser
    than the team's is ignored, never an error: the reviewer keeps the team's value.
    `colour_allowed` False: never show colour, in any category (True cannot allow it where
    the team or the category forbids it)."""

    work_interval_minutes: float | None = None
    break_minutes: float | None = None
    micro_break_seconds: int | None = None
    micro_break_from_severity: int | None = None
    graphic_daily_limit_minutes: float | None = None

    @field_validator("micro_break_from_severity")
    @classmethod
    def _micro_threshold(cls, value: int | None) -> int | None:
        return None if value is None else _check_threshold(value)

    @field_validator(
        "work_interval_minutes", "break_minutes", "micro_break_seconds",
        "graphic_daily_limit_minutes",
    )
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError(f"a personal time setting must be positive, got {value}")
        return value


def effective_display(team: DisplaySettings, personal: PersonalSettings | None) -> DisplaySettings:
    """The team's display (or a category's, see ExposurePolicy.display_for), made safer
    wherever the reviewer asked for it; never looser. Where colour is not allowed the blur is
    grayscale too, whatever `grayscale` says: a colour blur would show the colours."""
    if personal is None:
        return _gray_blur_without_colour(team)
    modes = team.reveal_modes
    if personal.reveal_modes is not None:
        narrowed = tuple(m for m in team.reveal_modes if m in personal.reveal_modes)
        modes = narrowed or team.reveal_modes
    colour = team.colour_allowed and personal.colour_allowed is not False
    return DisplaySettings(
        grayscale=team.grayscale or bool(personal.grayscale) or not colour,
        blur_strength=max(team.blur_strength, personal.blur_strength or 1),
        reveal_modes=modes,
        auto_reblur_seconds=min(
            team.auto_reblur_seconds, personal.auto_reblur_seconds or team.auto_reblur_seconds
        ),
        audio_muted=team.audio_muted or bool(personal.audio_muted),
        video_autoplay=team.video_autoplay and personal.video_autoplay is not False,
        warning_from_severity=min(
            team.warning_from_severity,
            team.warning_from_severity
            if personal.warning_from_severity is None
            else personal.warning_from_severity,
        ),
        colour_allowed=colour,
        outline_offered=team.outline_offered,
    )


def _gray_blur_without_colour(display: DisplaySettings) -> DisplaySettings:
    if display.colour_allowed or display.grayscale:
        return display
    return display.model_copy(update={"grayscale": True})
