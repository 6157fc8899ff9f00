"""Renderings of the current and the next few cases, kept in memory within a byte budget.

Holds the media bytes (memory only, never disk) and the safeguarded renderings made from
them, so that "decide and next" paints the next case at once: the blurred step for every
entry, the sharp steps only for the open (pinned) one. Each entry's renderings are made in
its own harm category's style (blur width, grayscale, whether colour may be shown at all),
which it remembers, so a policy change re-renders only the cases it changed. The current
case is never evicted; the least recently used others go first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from reviewer_app.domain import Case, HarmCategory, MediaRef, Severity
from safeguards import DisplaySettings
from ui.imaging import RevealStep, SafeRendering


@dataclass(frozen=True)
class RenderStyle:
    """What a case's renderings are made with: the part of its category's effective display
    that changes pixels. Without colour the blur is grayscale whatever `grayscale` says, and
    the colour step is never made."""

    blur_width: int
    grayscale: bool = True
    colour_allowed: bool = True

    @classmethod
    def of(cls, display: DisplaySettings) -> RenderStyle:
        return cls(blur_width=display.blur_width_px,
                   grayscale=display.grayscale or not display.colour_allowed,
                   colour_allowed=display.colour_allowed)

    def allows(self, step: RevealStep) -> bool:
        return step is not RevealStep.COLOUR or self.colour_allowed


@dataclass(frozen=True)
class ExposureSubject:
    """What one item on screen is of: every exposure the viewer reports carries it, so an
    event names its own case and media whatever the reviewer opened since."""

    case_id: str
    media_id: str
    harm_category: HarmCategory
    severity: Severity


@dataclass
class CaseMedia:
    """One case with its first image's bytes and the renderings made so far."""

    case: Case
    media: MediaRef | None
    data: bytes | None
    problem: str | None = None
    renderings: dict[RevealStep, SafeRendering] = field(default_factory=dict)
    style: RenderStyle | None = None
    """The style `renderings` were made in (None: none made yet)."""

    @property
    def subject(self) -> ExposureSubject | None:
        """What its exposures are booked to (None without a picture: nothing is shown)."""
        if self.media is None:
            return None
        return ExposureSubject(case_id=self.case.id, media_id=self.media.id,
                               harm_category=self.case.harm_category, severity=self.case.severity)

    def cost(self) -> int:
        return len(self.data or b"") + sum(r.image.sizeInBytes() for r in self.renderings.values())


class RenderCache:
    def __init__(self, budget_bytes: int = 256 * 1024 * 1024) -> None:
        self.budget_bytes = budget_bytes
        self._entries: OrderedDict[str, CaseMedia] = OrderedDict()
        self.pinned: str | None = None

    def get(self, case_id: str) -> CaseMedia | None:
        entry = self._entries.get(case_id)
        if entry is not None:
            self._entries.move_to_end(case_id)
        return entry

    def put(self, entry: CaseMedia) -> None:
        self._entries[entry.case.id] = entry
        self._entries.move_to_end(entry.case.id)
        self.trim()

    def add_rendering(self, case_id: str, rendering: SafeRendering, style: RenderStyle) -> None:
        """Keep a rendering made in `style`; renderings of another style go (never a mix)."""
        entry = self._entries.get(case_id)
        if entry is not None:
            if entry.style != style:
                entry.renderings = {}
                entry.style = style
            entry.renderings[rendering.step] = rendering
            self.trim()

    def restyle(self, case_id: str, style: RenderStyle) -> bool:
        """The case's category is now shown in `style`: renderings made in another go (the
        media bytes stay). Returns whether any went."""
        entry = self._entries.get(case_id)
        if entry is None or entry.style in (None, style):
            return False
        had = bool(entry.renderings)
        entry.renderings = {}
        entry.style = style
        return had

    def peek(self, case_id: str) -> CaseMedia | None:
        """The entry without counting it as a use (for checks, not for showing)."""
        return self._entries.get(case_id)

    def drop(self, case_id: str) -> None:
        self._entries.pop(case_id, None)

    def drop_sharp(self, case_id: str) -> None:
        """Keep only the blurred step: sharp renderings are made for the open case alone."""
        entry = self._entries.get(case_id)
        if entry is not None:
            blurred = entry.renderings.get(RevealStep.BLURRED)
            entry.renderings = {} if blurred is None else {RevealStep.BLURRED: blurred}

    def drop_renderings(self) -> None:
        """Forget every rendering (the display rules changed); the media bytes stay."""
        for entry in self._entries.values():
            entry.renderings = {}
            entry.style = None

    def entries(self) -> list[CaseMedia]:
        return list(self._entries.values())

    def used_bytes(self) -> int:
        return sum(e.cost() for e in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def trim(self) -> None:
        """Evict least recently used entries (never the pinned one) until within budget."""
        used = self.used_bytes()
        for case_id in list(self._entries):
            if used <= self.budget_bytes:
                break
            if case_id == self.pinned:
                continue
            used -= self._entries.pop(case_id).cost()
