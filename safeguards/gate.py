"""The gate: the one decision both the client and the service make before the next case.

May this reviewer continue, with which display (the next case's harm category's, made safer
by the reviewer's own settings), and if not, why (a stable ProblemCode) and until when
(service time and seconds). It never allows a case of a capped category. The
same policy, ledger and scheduler state give the same verdict on either side.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from reviewer_app.domain import HarmCategory, ProblemCode, Severity
from safeguards.breaks import BreakInfo, BreakScheduler, ReviewerState
from safeguards.display import (
    CategoryDisplay,
    DisplaySettings,
    PersonalSettings,
    effective_display,
)
from safeguards.exposure import ExposureLedger
from safeguards.policy import (
    GRAPHIC_DAILY_LIMIT,
    BreakRules,
    CapAction,
    ExposurePolicy,
    Measure,
    Window,
    effective_breaks,
)

WARN_AT = 0.8
"""A warning comes at 80% of any cap."""
ALL_CATEGORIES = frozenset(HarmCategory)


@dataclass(frozen=True)
class CapStatus:
    """How far one cap is used: `cap` is the Cap.key (or "graphic_daily_limit", in seconds)."""

    cap: str
    window: Window
    measure: Measure | None
    used: float
    limit: float

    @property
    def fraction(self) -> float:
        """used / limit; a limit of 0 (a closed category) reads as 1.0, so JSON stays finite."""
        return 1.0 if self.limit <= 0 else self.used / self.limit


@dataclass(frozen=True)
class Verdict:
    """The gate's answer. When refused, `reason` is on_break, cap_reached or shift_limit
    and `until`/`retry_after_seconds` say when asking again can succeed (None/0 for a
    self-initiated break, which the reviewer ends)."""

    allowed: bool
    state: ReviewerState
    reason: ProblemCode | None
    until: datetime | None
    retry_after_seconds: int | None
    display: DisplaySettings
    """The effective display of the next case (its category's settings, then the personal
    ones); without a next case, the team's defaults made safer by the personal ones."""
    blocked_categories: frozenset[HarmCategory]
    warnings: tuple[CapStatus, ...]
    reached: tuple[CapStatus, ...]
    current_break: BreakInfo | None
    interstitial: bool
    """Show the category warning before the next case's media (its severity >= the
    threshold of its own category's display)."""
    policy_version: int
    display_for: Callable[[HarmCategory | str | None], DisplaySettings] = field(
        compare=False, repr=False)
    """`display_for(category)`: the effective display of any harm category under the same
    policy and personal settings (`case_display`), e.g. for a prefetched case of another
    category; None gives the team's defaults made safer by the personal settings."""

    @property
    def can_end_break(self) -> bool:
        return self.current_break is not None and not self.current_break.enforced

    def blocks(self, category: HarmCategory) -> bool:
        return category in self.blocked_categories


class Refusal(NamedTuple):
    """What the service answers instead of a lease: 423 with a code and Retry-After."""

    http_status: int
    code: str
    retry_after_seconds: int
    detail: str


_DETAIL = {
    ProblemCode.ON_BREAK: "You are on a break; new cases come back when it ends.",
    ProblemCode.CAP_REACHED: "An exposure cap is reached; those cases come back when it frees.",
    ProblemCode.SHIFT_LIMIT: "Graphic work is over for today.",
}


def refusal(verdict: Verdict) -> Refusal | None:
    """None when the verdict allows; otherwise (423, code, Retry-After seconds >= 1, detail)."""
    if verdict.allowed or verdict.reason is None:
        return None
    retry = max(1, verdict.retry_after_seconds or 1)
    return Refusal(423, verdict.reason.value, retry, _DETAIL.get(verdict.reason, ""))


@functools.lru_cache(maxsize=256)
def _display(team: DisplaySettings, own: CategoryDisplay | None,
             personal: PersonalSettings | None) -> DisplaySettings:
    return effective_display(team if own is None else own.over(team), personal)


def case_display(policy: ExposurePolicy, personal: PersonalSettings | None,
                 category: HarmCategory | str | None) -> DisplaySettings:
    """How media of this harm category is shown to this reviewer: the team's display with the
    category's own settings in place (`policy.display_for`), then made safer, never looser,
    by the personal settings (`effective_display`). None or an unknown category: the team's
    defaults. The same on client and service, and cheap to ask again (cached)."""
    own: CategoryDisplay | None = None
    if category is not None:
        try:
            own = policy.display_by_category.get(HarmCategory(category))
        except ValueError:
            own = None
    return _display(policy.display, own, personal)


@functools.lru_cache(maxsize=64)
def _break_rules(team: BreakRules, personal: PersonalSettings | None) -> BreakRules:
    return effective_breaks(team, personal)


class _Blocks:
    """Per category, the block that lasts longest; on a tie, the end of the graphic shift."""

    def __init__(self) -> None:
        self.by_category: dict[HarmCategory, tuple[ProblemCode, datetime]] = {}

    def add(self, categories: frozenset[HarmCategory], code: ProblemCode, until: datetime) -> None:
        for category in categories:
            held = self.by_category.get(category)
            if held is None or until > held[1] or (
                until == held[1] and code is ProblemCode.SHIFT_LIMIT
            ):
                self.by_category[category] = (code, until)


def gate(
    policy: ExposurePolicy,
    ledger: ExposureLedger,
    scheduler: BreakScheduler,
    *,
    personal: PersonalSettings | None = None,
    next_case: tuple[HarmCategory, Severity] | None = None,
) -> Verdict:
    """Decide, at the scheduler's clock, whether the reviewer may see or lease the next case.

    Side effects, all idempotent: the ledger is aligned to the policy's day offset, the
    scheduler runs the policy's break rules made stricter by `personal` (never shortening a
    break in progress) and is brought up to date, a cap with action force_break starts its
    break once per crossing, and end_graphic_shift (or the daily graphic limit) ends graphic
    work."""
    now = scheduler.clock.now()
    ledger.align(policy.service_day_utc_offset_minutes)
    rules = _break_rules(policy.breaks, personal)
    if scheduler.rules != rules:
        scheduler.set_rules(rules)
    scheduler.update()
    today = ledger.service_day(now)
    blocks = _Blocks()
    warnings: list[CapStatus] = []
    reached: list[CapStatus] = []

    for cap in policy.caps:
        limit = policy.limit_for(cap, now)
        used = ledger.tally(
            cap.window, now=now, categories=cap.categories, min_severity=cap.min_severity
        ).measure(cap.measure)
        status = CapStatus(cap.key, cap.window, cap.measure, used, limit)
        if used < limit:
            scheduler.release_cap(cap.key)
            if used >= WARN_AT * limit:
                warnings.append(status)
            continue
        reached.append(status)
        frees = ledger.window_end(cap.window, now)
        if cap.window is Window.HOUR:
            frees = ledger.hour_frees_at(
                cap.measure, limit, now=now, categories=cap.categories,
                min_severity=cap.min_severity,
            ) or now + timedelta(hours=1)
        blocks.add(frozenset(cap.categories) or ALL_CATEGORIES, ProblemCode.CAP_REACHED, frees)
        action = policy.action_for(cap)
        if action is CapAction.FORCE_BREAK:
            scheduler.force_cap_break(cap.key)
        elif action is CapAction.END_GRAPHIC_SHIFT:
            scheduler.end_graphic_shift(today)

    graphic = frozenset(policy.breaks.graphic_categories)
    graphic_limit = policy.graphic_limit_seconds(now)
    if personal is not None and personal.graphic_daily_limit_minutes is not None:
        mine = personal.graphic_daily_limit_minutes * 60
        graphic_limit = mine if graphic_limit is None else min(graphic_limit, mine)
    if graphic and graphic_limit is not None:
        spent = ledger.tally(Window.DAY, now=now, categories=graphic)
        used = spent.seconds_shown + spent.seconds_revealed
        status = CapStatus(GRAPHIC_DAILY_LIMIT, Window.DAY, None, used, graphic_limit)
        if used >= graphic_limit:
            reached.append(status)
            scheduler.end_graphic_shift(today)
        elif used >= WARN_AT * graphic_limit:
            warnings.append(status)
    shift_over = bool(graphic) and scheduler.graphic_shift_over(today)
    if shift_over:
        blocks.add(graphic, ProblemCode.SHIFT_LIMIT, ledger.window_end(Window.DAY, now))

    brk = scheduler.current_break
    display_for = functools.partial(case_display, policy, personal)
    display = display_for(next_case[0] if next_case is not None else None)
    blocked = frozenset(blocks.by_category)
    reason: ProblemCode | None = None
    until: datetime | None = None
    if brk is not None:
        reason = ProblemCode.CAP_REACHED if brk.state is ReviewerState.CAP_REACHED \
            else ProblemCode.ON_BREAK
        if brk.enforced:
            until = now + timedelta(seconds=brk.remaining_seconds)
    elif next_case is not None and next_case[0] in blocks.by_category:
        reason, until = blocks.by_category[next_case[0]]
    elif next_case is None and blocked >= ALL_CATEGORIES:
        reason, until = min(blocks.by_category.values(), key=lambda held: held[1])

    if brk is not None:
        state = brk.state
    elif reason is ProblemCode.SHIFT_LIMIT or (reason is None and shift_over):
        state = ReviewerState.SHIFT_OVER
    elif reason is ProblemCode.CAP_REACHED:
        state = ReviewerState.CAP_REACHED
    else:
        state = ReviewerState.REVIEWING
    retry = None
    if reason is not None:
        retry = 0 if until is None else max(1, math.ceil((until - now).total_seconds()))
    return Verdict(
        allowed=reason is None,
        state=state,
        reason=reason,
        until=until,
        retry_after_seconds=retry,
        display=display,
        blocked_categories=blocked,
        warnings=tuple(sorted(warnings, key=lambda s: -s.fraction)),
        reached=tuple(reached),
        current_break=brk,
        interstitial=next_case is not None and next_case[1] >= display.warning_from_severity,
        policy_version=policy.version,
        display_for=display_for,
    )
