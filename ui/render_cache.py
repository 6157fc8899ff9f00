"""Renderings of the current and the next few cases, kept in memory within a byte budget.

Holds the media bytes (memory only, never disk) and the safeguarded renderings made from
them, so that "decide and next" paints the next case at once: the blurred step of every
entry's first item, the sharper steps only for the item on screen of the open (pinned) one.
A case holds every item (pictures, clips, recordings, texts), each with its own bytes and
renderings, and the strip's thumbnails of its pictures. Each entry's renderings are made in
its own harm category's style (blur width, grayscale, whether colour may be shown at all,
whether the outline step is offered), which it remembers, so a policy change re-renders only
the cases it changed. The current case is never evicted; the least recently used others go
first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from reviewer_app.domain import Case, HarmCategory, MediaKind, MediaRef, Severity
from safeguards import DisplaySettings
from ui.imaging import RevealStep, SafeRendering


@dataclass(frozen=True)
class RenderStyle:
    """What a case's renderings are made with: the part of its category's effective display
    that changes pixels. Without colour the blur is grayscale whatever `grayscale` says, and
    the colour step is never made; the outline step is made only where it is offered."""

    blur_width: int
    grayscale: bool = True
    colour_allowed: bool = True
    outline_offered: bool = False

    @classmethod
    def of(cls, display: DisplaySettings) -> RenderStyle:
        return cls(blur_width=display.blur_width_px,
                   grayscale=display.grayscale or not display.colour_allowed,
                   colour_allowed=display.colour_allowed,
                   outline_offered=display.outline_offered)

    def allows(self, step: RevealStep) -> bool:
        if step is RevealStep.COLOUR:
            return self.colour_allowed
        if step is RevealStep.OUTLINE:
            return self.outline_offered
        return True


@dataclass(frozen=True)
class ExposureSubject:
    """What one item on screen is of: every exposure the viewer reports carries it, so an
    event names its own case and media whatever the reviewer opened since."""

    case_id: str
    media_id: str
    harm_category: HarmCategory
    severity: Severity


@dataclass
class ItemMedia:
    """One item of a case (a picture, a clip, a recording or a text) with its bytes and what
    was made from them so far. Pictures get renderings from `ui.imaging`; a text item its
    words, decoded as strict UTF-8 off the GUI thread; video and audio are opened by their
    own widgets from the bytes."""

    media: MediaRef | None
    data: bytes | None
    problem: str | None = None
    text: str | None = None
    renderings: dict[RevealStep, SafeRendering] = field(default_factory=dict)
    thumb: SafeRendering | None = None
    """The strip's thumbnail of a picture (blurred, gray), once made."""

    @property
    def kind(self) -> MediaKind | None:
        return self.media.kind if self.media is not None else None

    @property
    def rendered(self) -> bool:
        """Whether it can go on screen at once: a picture (or a case without media, which shows
        the placeholder) once its blur is made; any other kind at once, its widget opens the
        bytes (or shows why there are none)."""
        if self.kind is MediaKind.IMAGE or self.media is None:
            return RevealStep.BLURRED in self.renderings
        return True

    def cost(self) -> int:
        made = sum(r.image.sizeInBytes() for r in self.renderings.values())
        if self.thumb is not None:
            made += self.thumb.image.sizeInBytes()
        return len(self.data or b"") + made + 2 * len(self.text or "")


@dataclass
class CaseMedia:
    """One case with every item's bytes and renderings; `index` is the item on screen (the
    first when the case is opened)."""

    case: Case
    items: list[ItemMedia]
    index: int = 0
    style: RenderStyle | None = None
    """The style the items' renderings were made in (None: none made yet)."""

    @property
    def item(self) -> ItemMedia:
        return self.items[self.index]

    @property
    def renderings(self) -> dict[RevealStep, SafeRendering]:
        """The renderings of the item on screen."""
        return self.item.renderings

    @property
    def media(self) -> MediaRef | None:
        return self.item.media

    @property
    def data(self) -> bytes | None:
        return self.item.data

    @property
    def problem(self) -> str | None:
        return self.item.problem

    @property
    def subject(self) -> ExposureSubject | None:
        """What the item on screen's exposures are booked to."""
        return self.subject_of(self.index)

    def subject_of(self, index: int) -> ExposureSubject | None:
        """What item `index`'s exposures are booked to (None without media: nothing shown)."""
        media = self.items[index].media
        if media is None:
            return None
        return ExposureSubject(case_id=self.case.id, media_id=media.id,
                               harm_category=self.case.harm_category, severity=self.case.severity)

    def cost(self) -> int:
        return sum(item.cost() for item in self.items)


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

    def add_rendering(self, case_id: str, rendering: SafeRendering, style: RenderStyle,
                      index: int = 0) -> None:
        """Keep a rendering of item `index` made in `style`; renderings of another style go
        (never a mix)."""
        entry = self._entries.get(case_id)
        if entry is not None and 0 <= index < len(entry.items):
            if entry.style != style:
                _forget(entry)
                entry.style = style
            entry.items[index].renderings[rendering.step] = rendering
            self.trim()

    def add_thumbnail(self, case_id: str, index: int, thumb: SafeRendering) -> None:
        entry = self._entries.get(case_id)
        if entry is not None and 0 <= index < len(entry.items):
            entry.items[index].thumb = thumb
            self.trim()

    def restyle(self, case_id: str, style: RenderStyle) -> bool:
        """The case's category is now shown in `style`: renderings made in another go (the
        media bytes stay). Returns whether any went."""
        entry = self._entries.get(case_id)
        if entry is None or entry.style in (None, style):
            return False
        had = any(item.renderings for item in entry.items)
        _forget(entry)
        entry.style = style
        return had

    def peek(self, case_id: str) -> CaseMedia | None:
        """The entry without counting it as a use (for checks, not for showing)."""
        return self._entries.get(case_id)

    def drop(self, case_id: str) -> None:
        self._entries.pop(case_id, None)

    def drop_sharp(self, case_id: str) -> None:
        """Keep only the blurred steps: sharper renderings are made for the open item alone."""
        entry = self._entries.get(case_id)
        if entry is not None:
            for item in entry.items:
                blurred = item.renderings.get(RevealStep.BLURRED)
                item.renderings = {} if blurred is None else {RevealStep.BLURRED: blurred}

    def drop_renderings(self) -> None:
        """Forget every rendering (the display rules changed); the media bytes stay."""
        for entry in self._entries.values():
            _forget(entry)
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


def _forget(entry: CaseMedia) -> None:
    """Every item's renderings go; thumbnails stay (they follow no category's style)."""
    for item in entry.items:
        item.renderings = {}
