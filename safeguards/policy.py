"""ExposurePolicy: what a wellness lead sets for a team (display, caps, breaks, overrides).

Versioned and validated with messages a lead can act on; stored by the service as canonical
JSON and served with an ETag that is the hash of that JSON. Profiles ship as TOML files in
resources/policies/; their numbers are illustrative starting points.
"""

from __future__ import annotations

import enum
import hashlib
import json
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from reviewer_app.domain import AwareDatetime, HarmCategory, Model, Severity
from safeguards.display import CategoryDisplay, DisplaySettings, PersonalSettings

PROFILES_DIR = Path(__file__).resolve().parents[1] / "resources" / "policies"
GRAPHIC_DAILY_LIMIT = "graphic_daily_limit"
"""The name a lead override uses to raise the daily limit on time in graphic queues."""

DEFAULT_GRAPHIC = (
    HarmCategory.ANIMAL_WELFARE, HarmCategory.CHILD_SAFETY, HarmCategory.GRAPHIC_VIOLENCE,
    HarmCategory.SELF_HARM, HarmCategory.VIOLENT_EXTREMISM,
)
VALIDATED = ConfigDict(frozen=True, extra="forbid", validate_default=True)
"""Defaults are validated too, so a default and its JSON round trip are the same value."""


class Window(enum.StrEnum):
    """Rolling hour (the last 60 whole minutes), the service day, the ISO week (from Monday)."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"


class Measure(enum.StrEnum):
    SHOWN = "shown"
    REVEALED = "revealed"
    SECONDS_REVEALED = "seconds_revealed"


class CapAction(enum.StrEnum):
    """At a cap: stop leasing the capped categories; or that plus an enforced break; or end
    the day's work in every graphic category (non-graphic work may go on)."""

    STOP_CATEGORY = "stop_category"
    FORCE_BREAK = "force_break"
    END_GRAPHIC_SHIFT = "end_graphic_shift"


def _categories(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted({HarmCategory(v) for v in value}))
    return value


class Cap(Model):
    """At most `limit` of `measure` per `window`, counting exposures of `categories` (none
    listed = every category) at `min_severity` or above. Reaching it blocks those categories."""

    model_config = VALIDATED

    categories: tuple[HarmCategory, ...] = ()
    min_severity: Severity = Severity.NONE
    window: Window
    measure: Measure
    limit: int
    action: CapAction | None = None
    """None: the policy's `breaks.action_at_cap`."""

    _cats = field_validator("categories", mode="before")(_categories)

    @field_validator("limit")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError(f"a cap cannot be negative (got {value}); use 0 to block a category")
        return value

    @property
    def key(self) -> str:
        """Stable name of what is capped (not the number), used by overrides and warnings."""
        cats = "+".join(c.value for c in self.categories) or "*"
        return f"{cats}:sev{int(self.min_severity)}+:{self.window.value}:{self.measure.value}"

    def covers(self, category: HarmCategory) -> bool:
        return not self.categories or category in self.categories


class BreakRules(Model):
    """When breaks are due and how long they last; a break is never shorter than a minute."""

    model_config = VALIDATED

    work_interval_minutes: float = 50
    break_minutes: float = 10
    micro_break_seconds: int = 60
    """0 turns micro-breaks off."""
    micro_break_from_severity: int = 4
    graphic_daily_limit_minutes: float | None = 240
    graphic_categories: tuple[HarmCategory, ...] = DEFAULT_GRAPHIC
    action_at_cap: CapAction = CapAction.STOP_CATEGORY

    _cats = field_validator("graphic_categories", mode="before")(_categories)

    @field_validator("break_minutes")
    @classmethod
    def _a_real_break(cls, value: float) -> float:
        if value < 1:
            raise ValueError(f"a break shorter than a minute ({value} min) is not a break")
        if value > 240:
            raise ValueError(f"a break longer than 4 hours ({value} min) is a shift's end")
        return value

    @field_validator("work_interval_minutes")
    @classmethod
    def _interval(cls, value: float) -> float:
        if not 5 <= value <= 480:
            raise ValueError(f"the work interval must be 5-480 minutes, got {value}")
        return value

    @field_validator("micro_break_seconds")
    @classmethod
    def _micro(cls, value: int) -> int:
        if value < 0:
            raise ValueError(f"a micro-break cannot be negative (got {value}); 0 turns it off")
        return value

    @field_validator("micro_break_from_severity")
    @classmethod
    def _severity(cls, value: int) -> int:
        if not 0 <= value <= 4:
            raise ValueError(f"micro_break_from_severity is a severity 0-4, got {value}")
        return value

    @field_validator("graphic_daily_limit_minutes")
    @classmethod
    def _daily(cls, value: float | None) -> float | None:
        if value is not None and not 0 <= value <= 24 * 60:
            raise ValueError(f"the daily graphic limit must be 0-1440 minutes, got {value}")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> BreakRules:
        if self.micro_break_seconds > self.break_seconds:
            raise ValueError(
                f"a micro-break of {self.micro_break_seconds} s is longer than the scheduled "
                f"break of {self.break_seconds:g} s; make it shorter or the break longer"
            )
        return self

    @property
    def work_interval_seconds(self) -> float:
        return self.work_interval_minutes * 60

    @property
    def break_seconds(self) -> float:
        return self.break_minutes * 60


class LeadOverride(Model):
    """A lead raises (or lowers) one cap, or the graphic daily limit, for a while, with a
    reason. `cap` is a Cap.key or "graphic_daily_limit"; `limit` is in the cap's unit
    (minutes for the daily limit). `reviewer` None means the whole team."""

    model_config = VALIDATED

    cap: str
    limit: float
    granted_by: str = Field(min_length=1, max_length=100)
    reason: str = Field(max_length=2000)
    granted_at: AwareDatetime
    expires_at: AwareDatetime
    reviewer: str | None = None

    @field_validator("reason")
    @classmethod
    def _has_reason(cls, value: str) -> str:
        if len(value.strip()) < 3:
            raise ValueError("an override needs a reason a reader can understand")
        return value.strip()

    @model_validator(mode="after")
    def _expires(self) -> LeadOverride:
        if self.limit < 0:
            raise ValueError(f"an override cannot set a negative limit ({self.limit})")
        if self.expires_at <= self.granted_at:
            raise ValueError("an override must expire after it is granted")
        if self.expires_at - self.granted_at > timedelta(days=7):
            raise ValueError("an override lasts at most 7 days; grant a new one if still needed")
        return self

    def active(self, now: datetime) -> bool:
        return self.granted_at <= now < self.expires_at


class AssignmentRules(Model):
    """How the service hands out cases to the team's reviewers."""

    model_config = VALIDATED

    dose_aware: bool = False
    """Prefer to give severe cases to the reviewers with the least severe exposure in the
    current service day, within priority and SLA limits (see docs/wellness-policy.md)."""
    severe_from_severity: int = 3
    """A case of this severity or higher counts as severe for dose-aware assignment."""

    @field_validator("severe_from_severity")
    @classmethod
    def _severity(cls, value: int) -> int:
        if not 1 <= value <= 4:
            raise ValueError(f"severe_from_severity is a severity 1-4, got {value}")
        return value


class ExposurePolicy(Model):
    """A team's exposure policy. `version` goes up with every change a lead saves."""

    model_config = VALIDATED

    schema_version: Literal[1] = 1
    version: int = Field(default=1, ge=1)
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    service_day_utc_offset_minutes: int = 0
    """Days and weeks begin at midnight at this fixed offset from UTC (e.g. -300 for UTC-5)."""
    display: DisplaySettings = DisplaySettings()
    display_by_category: dict[HarmCategory, CategoryDisplay] = Field(default_factory=dict)
    """Per harm category, the display settings that replace the team's defaults."""
    caps: tuple[Cap, ...] = ()
    breaks: BreakRules = BreakRules()
    assignment: AssignmentRules = AssignmentRules()
    overrides: tuple[LeadOverride, ...] = ()

    @field_validator("service_day_utc_offset_minutes")
    @classmethod
    def _offset(cls, value: int) -> int:
        if not -12 * 60 <= value <= 14 * 60:
            raise ValueError(f"a UTC offset is between -720 and +840 minutes, got {value}")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> ExposurePolicy:
        keys = [cap.key for cap in self.caps]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"two caps count the same thing with different limits: {dupes}")
        for override in self.overrides:
            if override.cap != GRAPHIC_DAILY_LIMIT and override.cap not in keys:
                raise ValueError(f"override for unknown cap {override.cap!r}; caps are {keys}")
        ends_shift = [c for c in self.caps if self._action(c) is CapAction.END_GRAPHIC_SHIFT]
        if ends_shift and not self.breaks.graphic_categories:
            raise ValueError("end_graphic_shift needs graphic_categories to say what ends")
        return self

    def display_for(self, category: HarmCategory | str | None) -> DisplaySettings:
        """The display for media of this harm category: the team's, with the category's own
        settings in place. Personal settings are applied after this (effective_display)."""
        if category is None:
            return self.display
        try:
            own = self.display_by_category.get(HarmCategory(category))
        except ValueError:
            return self.display
        return own.over(self.display) if own is not None else self.display

    def _action(self, cap: Cap) -> CapAction:
        return cap.action or self.breaks.action_at_cap

    def action_for(self, cap: Cap) -> CapAction:
        """What reaching this cap does: its own action, else the policy's default."""
        return self._action(cap)

    def limit_for(self, cap: Cap, now: datetime) -> float:
        """The cap's limit, or the one set by the newest override active at `now`."""
        return self._override(cap.key, now, float(cap.limit))

    def graphic_limit_seconds(self, now: datetime) -> float | None:
        minutes = self.breaks.graphic_daily_limit_minutes
        if minutes is None:
            return None
        return self._override(GRAPHIC_DAILY_LIMIT, now, minutes) * 60

    def _override(self, key: str, now: datetime, default: float) -> float:
        active = [o for o in self.overrides if o.cap == key and o.active(now)]
        return max(active, key=lambda o: o.granted_at).limit if active else default

    def for_reviewer(self, reviewer: str) -> ExposurePolicy:
        """This policy with only the team-wide overrides and those granted to `reviewer`."""
        kept = tuple(o for o in self.overrides if o.reviewer in (None, reviewer))
        return self.model_copy(update={"overrides": kept})

    def canonical_json(self) -> str:
        """One byte-exact JSON text per policy: sorted keys, no spaces."""
        data = self.model_dump(mode="json")
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def etag(self) -> str:
        """SHA-256 hex of the canonical JSON; equal policies have equal ETags (unquoted)."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    def to_json(self) -> str:
        return self.canonical_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> ExposurePolicy:
        return cls.model_validate_json(text)


def effective_breaks(rules: BreakRules, personal: PersonalSettings | None) -> BreakRules:
    """The team's break rules with a reviewer's own wishes where they mean more rest."""
    if personal is None:
        return rules
    break_minutes = min(240.0, max(rules.break_minutes, personal.break_minutes or 0))
    micro = max(rules.micro_break_seconds, personal.micro_break_seconds or 0)
    graphic = rules.graphic_daily_limit_minutes
    if personal.graphic_daily_limit_minutes is not None:
        graphic = min(graphic if graphic is not None else 24 * 60,
                      personal.graphic_daily_limit_minutes)
    return BreakRules.model_validate({
        **rules.model_dump(),
        "work_interval_minutes": max(5.0, min(rules.work_interval_minutes,
                                              personal.work_interval_minutes or 480)),
        "break_minutes": break_minutes,
        "micro_break_seconds": int(min(micro, break_minutes * 60)),
        "micro_break_from_severity": min(rules.micro_break_from_severity,
                                         4 if personal.micro_break_from_severity is None
                                         else personal.micro_break_from_severity),
        "graphic_daily_limit_minutes": graphic,
    })


def list_profiles() -> list[str]:
    """Names of the profiles that ship with the app."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))


def load_profile(name_or_path: str | Path) -> ExposurePolicy:
    """A shipped profile by name ("standard"), or any policy TOML file by path."""
    path = Path(name_or_path)
    if isinstance(name_or_path, str) and path.suffix != ".toml" and len(path.parts) == 1:
        path = PROFILES_DIR / f"{name_or_path}.toml"
        if not path.is_file():
            raise FileNotFoundError(
                f"no policy profile {name_or_path!r}; shipped profiles: {list_profiles()}"
            )
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return ExposurePolicy.model_validate(data)
