"""Renderings of the current and the next few cases, kept in memory within a byte budget.

Holds the media bytes (memory only, never disk) and the safeguarded renderings made from
them, so that "decide and next" paints the next case at once: the blurred step for every
entry, the sharp steps only for the open (pinned) one. The current case is never evicted;
the least recently used others go first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from reviewer_app.domain import Case, HarmCategory, MediaRef, Severity
from ui.imaging import RevealStep, SafeRendering


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

    def add_rendering(self, case_id: str, rendering: SafeRendering) -> None:
        entry = self._entries.get(case_id)
        if entry is not None:
            entry.renderings[rendering.step] = rendering
            self.trim()

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
