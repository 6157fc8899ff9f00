"""How a case flows through the workstation: lease, open, render, reveal, decide, next.

Every network and database call runs on the serial session pool, every decode on the decode
pool; this object only routes results back to the widgets by signal. It never holds a
rendering it did not get from `ui.imaging`. Prefetched cases get their blurred step only;
the sharper steps are made for the item on screen of the open case alone. A case holds every
item (pictures, clips, recordings, texts), each opened, rendered and counted on its own: its
own bytes, renderings and `ExposureSubject`; the strip's thumbnails of a case's pictures are
made on the decode pool too, for prefetched cases as well. Each case is rendered in its own harm
category's style (the lead's per-category display settings, made safer by personal ones): a
child-safety case may be blurred harder, and its colour step never made, while the next case
keeps the team's defaults. Every exposure event is built from the subject the viewer reports
with it, never from "the case open now".
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QElapsedTimer, QObject, QSize, QTimer, Signal

from reviewer_app.client.errors import CapReached, ClientError, OnBreak, ShiftLimit
from reviewer_app.client.matches import offer_of, undecided_in_group
from reviewer_app.client.session import ReviewSession
from reviewer_app.contract import Appeal, AppealOutcome, CaseMatches
from reviewer_app.domain import (
    CaseSummary,
    ExposureEvent,
    ExposureKind,
    HarmCategory,
    MediaKind,
    MediaRef,
    new_client_id,
)
from reviewer_app.store.outbox import Conflict, OutboxCounts
from safeguards import DisplaySettings
from ui.imaging import (
    DEFAULT_BLUR_WIDTH,
    RevealStep,
    SafeRendering,
    placeholder,
    render,
    thumbnail,
)
from ui.render_cache import CaseMedia, ExposureSubject, ItemMedia, RenderCache, RenderStyle
from ui.views.text_view import TEXT_KIND, UndecodableText, decode_text
from ui.workers import Workers

log = logging.getLogger(__name__)
PREFETCH_AHEAD = 3
DisplayOf = Callable[[HarmCategory | None], DisplaySettings]
"""A harm category's effective display (`Verdict.display_for`); None: the team's defaults."""

MAX_DISPLAY = QSize(2560, 1600)
"""The largest rendering made for the viewer, in device pixels (memory and decode time grow
with it; a larger viewer scales the rendering once)."""


@dataclass(frozen=True)
class SyncState:
    """What the status line shows: nothing here is ever dropped silently."""

    counts: OutboxCounts
    online: bool
    last_error: str
    retry_in_s: float
    problems: list[Conflict] = field(default_factory=list)
    leased: frozenset[str] | None = None
    """Ids of the cases the local store still holds under a lease (None: not read)."""


def _thumbnail_failed(exc: BaseException) -> None:
    log.error("a thumbnail failed outside the safeguarded pipeline", exc_info=exc)


class ReviewFlow(QObject):
    """Signals:
        sig_queue(object): list[CaseSummary] of the leased cases.
        sig_opened(object): the CaseMedia now open (or None), its first item ready to show.
        sig_loading(str): this case is being opened but is not ready: clear the screen now.
        sig_item(object): the open CaseMedia, whose item on screen (`index`) changed and is
            ready to show.
        sig_rendering(str, int, object): a SafeRendering for a case id and item index.
        sig_thumbnail(str, int, object): a strip thumbnail for a case id and item index.
        sig_decided(str): a decision for this case id is safely in the outbox.
        sig_counts(object): outbox counts from the store.
        sig_message(str): a sentence for the status line.
        sig_error(str): a sentence the reviewer must see.
        sig_refused(object): the service refused a lease (the ClientError, e.g. OnBreak).
        sig_exposure(object): an ExposureEvent was recorded.
        sig_sync_state(object): SyncState: online or not, counts, conflicts to resolve.
    """

    sig_queue = Signal(object)
    sig_opened = Signal(object)
    sig_loading = Signal(str)
    sig_item = Signal(object)
    sig_rendering = Signal(str, int, object)
    sig_thumbnail = Signal(str, int, object)
    sig_decided = Signal(str)
    sig_counts = Signal(object)
    sig_message = Signal(str)
    sig_error = Signal(str)
    sig_refused = Signal(object)
    sig_exposure = Signal(object)
    sig_sync_state = Signal(object)
    sig_matches = Signal(str, object)
    sig_appeal = Signal(str, object)
    sig_avoided = Signal(object)

    def __init__(self, session: ReviewSession, workers: Workers, *,
                 display: QSize | None = None, blur_width: int = DEFAULT_BLUR_WIDTH,
                 grayscale: bool = True, colour_allowed: bool = True,
                 prefetch: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.workers = workers
        self.display = display or QSize(1280, 720)
        self._default_style = RenderStyle(blur_width, grayscale, colour_allowed)
        """Every category's style until `restyle` brings the policy's."""
        self._display_of: DisplayOf | None = None
        self.prefetch_enabled = prefetch
        self.cache = RenderCache()
        self.cases: list[CaseSummary] = []
        self.decided: set[str] = set()
        self._group_pending: set[str] = set()
        """Cases of a group decision the service is deciding: not opened meanwhile."""
        self.matches: dict[str, object] = {}
        self.appeals: dict[str, object] = {}
        """Each opened case's Appeal (None: not appealed, or it could not be read)."""
        """Each opened case's CaseMatches (None: they could not be read)."""
        self.pulls_answered = 0
        self.sync_state: SyncState | None = None
        self.current: CaseMedia | None = None
        self._loading: set[str] = set()
        self._rendering: dict[tuple[str, int, RevealStep], list[Callable[[], None]]] = {}
        self._stopped = False
        self._handle = QElapsedTimer()
        self._counts_timer = QTimer(self)
        self._counts_timer.timeout.connect(self.refresh_counts)
        self._resized = QTimer(self)
        self._resized.setSingleShot(True)
        self._resized.setInterval(300)
        self._resized.timeout.connect(self._refit_prefetched)

    # ------------------------------------------------------------------ queue

    def start(self, counts_interval_ms: int = 1000) -> None:
        """Begin polling outbox counts (and noticing lost leases); the first `pull` also brings
        back earlier leases."""
        self._stopped = False
        self._counts_timer.start(counts_interval_ms)
        self.refresh_counts()

    def stop(self) -> None:
        """Quit: stop polling and open nothing more (what is queued still gets written)."""
        self._stopped = True
        self._counts_timer.stop()
        self._resized.stop()

    def style_of(self, category: HarmCategory | None) -> RenderStyle:
        """The style media of this category is rendered in now (None: the team's)."""
        if self._display_of is None:
            return self._default_style
        return RenderStyle.of(self._display_of(category))

    def set_display(self, size: QSize) -> None:
        """The viewer's size in device pixels: pictures are rendered from now on to fit it, so
        that painting one is a plain copy (within MAX_DISPLAY, beyond which the viewer scales);
        once the size settles, the prefetched cases' blurs are made again for it (the open
        case's renderings are scaled once by the viewer until it is opened again)."""
        size = size.boundedTo(MAX_DISPLAY)
        if size.width() < 16 or size.height() < 16 or size == self.display:
            return
        self.display = QSize(size)
        if self.prefetch_enabled:
            self._resized.start()

    def _refit_prefetched(self) -> None:
        if self._stopped:
            return
        width, height = self.display.width(), self.display.height()
        for entry in self.cache.entries():
            blurred = entry.items[0].renderings.get(RevealStep.BLURRED)
            if (entry is not self.current and entry.case.id != self.cache.pinned
                    and blurred is not None and not blurred.placeholder
                    and blurred.image.width() != width and blurred.image.height() != height):
                self._render(entry, RevealStep.BLURRED, index=0)

    def _open_style(self) -> RenderStyle:
        return self.style_of(self.current.case.harm_category if self.current else None)

    @property
    def blur_width(self) -> int:
        """The open case's blur width (the team's with no case open)."""
        return self._open_style().blur_width

    @property
    def grayscale(self) -> bool:
        """Whether the open case's blurred step is grayscale (the team's with none open)."""
        return self._open_style().grayscale

    @property
    def colour_allowed(self) -> bool:
        """Whether the open case may be shown in colour (the team's with none open)."""
        return self._open_style().colour_allowed

    @property
    def outline_offered(self) -> bool:
        """Whether the open case's category offers the outline step (the team's with none)."""
        return self._open_style().outline_offered

    @property
    def open_id(self) -> str | None:
        """The case open or being opened (set before its rendering is ready)."""
        return self.cache.pinned

    def _run(self, op: Callable[[], Any], on_done: Callable[[Any], Any] | None = None) -> None:
        self.workers.run(op, on_done, self._failed)

    def pull(self, max_cases: int = 5, queue: str | None = None) -> None:
        """`queue`: contract.QA_QUEUE pulls the team's blind second reviews."""
        def op() -> list[CaseSummary]:
            self.session.lease(max_cases, queue)
            return self.session.leased_cases()

        self.sig_message.emit("Pulling cases…")
        self.workers.run(op, self._got_queue, self._pull_failed)

    def _pull_failed(self, exc: BaseException) -> None:
        self.pulls_answered += 1
        self._failed(exc)

    def release(self) -> None:
        def op() -> list[CaseSummary]:
            self.session.release_all()
            return self.session.leased_cases()

        self._leave()
        self.sig_opened.emit(None)
        self._run(op, self._got_queue)

    def _got_queue(self, cases: list[CaseSummary]) -> None:
        self.pulls_answered += 1
        self.cases = [c for c in cases if c.id not in self.decided]
        kept = {c.id for c in self.cases}
        for entry in self.cache.entries():
            if entry.case.id not in kept and entry.case.id != self.cache.pinned:
                self.cache.drop(entry.case.id)
        self.sig_queue.emit(self.cases)
        self.sig_message.emit(f"{len(self.cases)} cases leased")
        if self.open_id is not None and self.open_id not in kept:
            self._leave()  # the case being opened is no longer leased
        if self.open_id is None and self.cases:
            self.open(self.cases[0].id)
        elif self.open_id is None:
            self.sig_opened.emit(None)
        else:
            self._prefetch_after(self.open_id)  # cases pulled while one is open

    def next_case_id(self, after: str | None) -> str | None:
        ids = [c.id for c in self.cases
               if c.id not in self.decided and c.id not in self._group_pending]
        if not ids:
            return None
        if after in ids:
            i = ids.index(after)
            rest = ids[i + 1:] + ids[:i]
            return rest[0] if rest else None
        return ids[0]

    # ------------------------------------------------------------------ open

    def open(self, case_id: str) -> None:
        """Open a case: painted at once when prefetched; otherwise `sig_loading` clears the
        screen at once and the case is loaded and rendered off-thread. What the opening starts
        in the background (its exposure written, its sharper steps, its matches, the next
        cases) starts once the case is painted."""
        if self._stopped or (self.current is not None and self.current.case.id == case_id):
            return
        with self.workers.painting_first():
            self._open(case_id)

    def _open(self, case_id: str) -> None:
        self._leave()
        self.cache.pinned = case_id
        self._handle.start()
        entry = self.cache.get(case_id)
        if entry is not None:
            entry.index = 0
        if entry is not None and entry.item.rendered:
            self.current = entry
            self.sig_opened.emit(entry)
        else:
            self.sig_loading.emit(case_id)
            if entry is not None:
                self._render(entry, RevealStep.BLURRED,
                             then=lambda: self._opened_if_current(case_id))
            else:
                self._load(case_id)
        # The blur is painted first; what only prepares (the sharper steps, the case's
        # matches, the next cases) follows that paint, for this case if still open.
        self.workers.after_paint(lambda: self._after_open(case_id))

    def _after_open(self, case_id: str) -> None:
        if self._stopped or self.cache.pinned != case_id:
            return  # another case was opened since: its own open queued the same
        if self.current is not None and self.current.case.id == case_id:
            self._ensure_renderings(self.current)
        self._fetch_matches(case_id)
        self._fetch_appeal(case_id)
        self._prefetch_after(case_id)

    def _leave(self) -> None:
        """Close the open case: its sharp renderings go (they are made for the open case only)."""
        if self.current is not None:
            self.cache.drop_sharp(self.current.case.id)
        self.current = None
        self.cache.pinned = None

    def _load(self, case_id: str) -> None:
        """Fetch a case and its picture, then render the blur; it opens if it is wanted by then."""
        if case_id in self._loading:
            return
        self._loading.add(case_id)

        def op() -> CaseMedia:
            case = self.session.case(case_id)
            items = [self._fetch(ref) for ref in case.media]
            if not items:
                items = [ItemMedia(media=None, data=None,
                                   problem="This case has no media to show.")]
            return CaseMedia(case=case, items=items)

        def done(entry: CaseMedia) -> None:
            self._loading.discard(case_id)
            if self._stopped:
                return
            self.cache.put(entry)
            if entry.item.rendered:
                self._opened_if_current(case_id)
            else:
                self._render(entry, RevealStep.BLURRED,
                             then=lambda: self._opened_if_current(case_id))
            self._thumbnails(entry)

        def failed(exc: BaseException) -> None:
            self._loading.discard(case_id)
            self._failed(exc)

        self.workers.run(op, done, failed)

    def _fetch(self, ref: MediaRef) -> ItemMedia:
        """One item's bytes (on the session pool); a text item's words are decoded here too,
        as strict UTF-8. Whatever fails becomes the item's problem: it shows the placeholder."""
        try:
            data = self.session.media(ref)
        except ClientError as exc:
            return ItemMedia(media=ref, data=None, problem=str(exc))
        if ref.kind != TEXT_KIND:
            return ItemMedia(media=ref, data=data)
        try:
            return ItemMedia(media=ref, data=data, text=decode_text(data))
        except UndecodableText as exc:
            return ItemMedia(media=ref, data=data, problem=str(exc))

    def _thumbnails(self, entry: CaseMedia) -> None:
        """The strip's thumbnails of a case's pictures, on the decode pool (a case with one item
        has no strip)."""
        if len(entry.items) < 2:
            return
        for index, item in enumerate(entry.items):
            if item.kind is not MediaKind.IMAGE or item.data is None or item.thumb is not None:
                continue
            data = item.data

            def done(thumb: SafeRendering, index: int = index) -> None:
                if self._stopped or self.cache.peek(entry.case.id) is not entry:
                    return
                self.cache.add_thumbnail(entry.case.id, index, thumb)
                self.sig_thumbnail.emit(entry.case.id, index, thumb)

            self.workers.run(functools.partial(thumbnail, data), done, _thumbnail_failed,
                             pool=self.workers.decode_pool)

    def _opened_if_current(self, case_id: str) -> None:
        if self._stopped or self.cache.pinned != case_id:
            return
        entry = self.cache.get(case_id)
        if entry is None or entry is self.current or not entry.item.rendered:
            return
        self.current = entry
        self.sig_opened.emit(entry)
        self._ensure_renderings(entry)

    def _render(self, entry: CaseMedia, step: RevealStep,
                then: Callable[[], None] | None = None, index: int | None = None) -> None:
        """Render one step of a picture (item `index`, by default the one on screen) off-thread
        in the case's category style, once (a second ask waits for the first). A rendering made
        in a style that changed meanwhile is made again; a sharper one arriving after its item
        left the screen is dropped; the colour step of a case whose category forbids colour,
        and the outline step where it is not offered, are never made (the bytes are not even
        decoded). Other kinds of item are opened by their own widgets: nothing to render."""
        index = entry.index if index is None else index
        item = entry.items[index]
        if item.media is not None and item.kind is not MediaKind.IMAGE:
            return
        style = self.style_of(entry.case.harm_category)
        if not style.allows(step):
            return
        key = (entry.case.id, index, step)
        waiting = self._rendering.get(key)
        if waiting is not None:
            if then is not None:
                waiting.append(then)
            return
        self._rendering[key] = [then] if then is not None else []
        data, display = item.data, QSize(self.display)
        width, gray = style.blur_width, style.grayscale
        problem = item.problem

        def op() -> SafeRendering:
            if data is None:
                reason = problem or "the media could not be fetched"
                return SafeRendering(image=placeholder(display, reason), step=RevealStep.BLURRED,
                                     placeholder=True, problem=reason)
            return render(data, step, display, blur_width=width, grayscale=gray)

        def done(rendering: SafeRendering) -> None:
            thens = self._rendering.pop(key, [])
            if self._stopped or self.cache.peek(entry.case.id) is not entry:
                return  # quitting, or the case left the cache (decided, released, lost)
            if step is not RevealStep.BLURRED and (self.cache.pinned != entry.case.id
                                                   or entry.index != index):
                return  # sharper steps are for the item on screen of the open case only
            if self.style_of(entry.case.harm_category) != style:  # redo it in today's style
                self._render(entry, step, index=index)
                for waiting_then in thens:
                    self._render(entry, step, then=waiting_then, index=index)
                return
            if rendering.placeholder and step is not RevealStep.BLURRED:
                return  # a reveal that cannot be made safely simply stays blurred
            self.cache.add_rendering(entry.case.id, rendering, style, index)
            self.sig_rendering.emit(entry.case.id, index, rendering)
            for after in thens:
                after()

        def failed(exc: BaseException) -> None:
            self._rendering.pop(key, None)
            log.error("rendering failed outside the safeguarded pipeline", exc_info=exc)

        self.workers.run(op, done, failed, pool=self.workers.decode_pool)

    def restyle(self, display_of: DisplayOf) -> bool:
        """New display rules (a team policy that arrived, a lead's per-category settings, a
        personal setting), as each harm category's effective display: every cached case whose
        category's style changed loses its renderings, the open case's blurred step is rendered
        again at once and the prefetched ones follow. Returns whether the open case's style
        changed; then the caller ends any reveal on screen (it is booked to its own case)."""
        self._display_of = display_of
        changed = {entry.case.id for entry in self.cache.entries()
                   if self.cache.restyle(entry.case.id, self.style_of(entry.case.harm_category))}
        current = self.current
        open_changed = current is not None and current.case.id in changed
        if current is not None and open_changed:
            self._render(current, RevealStep.BLURRED, then=lambda: self._ensure_renderings(current))
        if changed and self.cache.pinned is not None:
            self._prefetch_after(self.cache.pinned)
        return open_changed

    def _ensure_renderings(self, entry: CaseMedia) -> None:
        """The sharper steps of the picture on screen, decoded in the background once its blur
        is up (the outline only where offered), then the blur of the case's other pictures so
        that moving between items paints at once; only for the open case."""
        if entry is not self.current:
            return
        blurred = entry.renderings.get(RevealStep.BLURRED)
        if blurred is not None and not blurred.placeholder:
            style = self.style_of(entry.case.harm_category)
            for step in (RevealStep.OUTLINE, RevealStep.SHARP_GRAY, RevealStep.COLOUR):
                if step not in entry.renderings and style.allows(step):
                    self._render(entry, step)
        for index, item in enumerate(entry.items):
            if index != entry.index and not item.rendered:
                self._render(entry, RevealStep.BLURRED, index=index)

    def request_step(self, step: RevealStep) -> None:
        if self.current is not None and step not in self.current.renderings:
            self._render(self.current, step)

    def select_item(self, index: int) -> None:
        """Put item `index` of the open case on screen: `sig_item` when it is ready (at once
        when its blur is made). The item before loses its sharper renderings (they are made
        for the item on screen only); the caller has ended its reveal, booked to it."""
        entry = self.current
        if entry is None or not 0 <= index < len(entry.items) or index == entry.index:
            return
        self.cache.drop_sharp(entry.case.id)
        entry.index = index
        if entry.item.rendered:
            self.sig_item.emit(entry)
            self._ensure_renderings(entry)
            return

        def ready() -> None:
            if self.current is entry and entry.index == index:
                self.sig_item.emit(entry)
                self._ensure_renderings(entry)

        self._render(entry, RevealStep.BLURRED, then=ready, index=index)

    def _prefetch_after(self, case_id: str) -> None:
        if not self.prefetch_enabled:
            return
        ids: list[str] = []
        after: str | None = case_id
        for _ in range(PREFETCH_AHEAD):
            nxt = self.next_case_id(after)
            if nxt is None or nxt == case_id or nxt in ids:
                break
            ids.append(nxt)
            after = nxt
        for nxt in ids:
            if self._group_follower(nxt):
                continue  # fetched only if opened: a group decision may spare it
            entry = self.cache.get(nxt)
            if entry is None:
                self._load(nxt)
            elif not entry.items[0].rendered:
                self._render(entry, RevealStep.BLURRED, index=0)  # blurred only: not open

    def _group_follower(self, case_id: str) -> bool:
        """A case of the same near-duplicate group as the open case or an earlier undecided
        one: prefetching it would fetch its media, which the service counts as shown, though
        deciding the group from the first would never show it."""
        by_id = {c.id: c for c in self.cases}
        summary = by_id.get(case_id)
        group = summary.near_dup_group if summary is not None else None
        if group is None:
            return False
        if self.open_id is not None and self.open_id != case_id:
            open_summary = by_id.get(self.open_id)
            if open_summary is not None and open_summary.near_dup_group == group:
                return True
        for c in self.cases:
            if c.id == case_id:
                return False
            if c.near_dup_group == group and c.id not in self.decided:
                return True
        return False

    # ------------------------------------------------------------------ decide

    def decide(self, action: Any, *, policy_refs: tuple[str, ...], reason: str,
               escalate_to: Any, legal_ground: Any = None, claim: Any = None,
               reply_template: str | None = None, and_next: bool = True) -> None:
        """Write the decision to the outbox (off-thread) and move to the next case at once."""
        entry = self.current
        if entry is None:
            self.sig_error.emit("No case is open.")
            return
        case_id = entry.case.id
        handle_ms = int(self._handle.elapsed()) if self._handle.isValid() else 0

        def op() -> str:
            self.session.decide(case_id, action, policy_refs=policy_refs, reason=reason,
                                escalate_to=escalate_to, legal_ground=legal_ground,
                                claim=claim, reply_template=reply_template,
                                handle_ms=handle_ms)
            return case_id

        def failed(exc: BaseException) -> None:
            self.decided.discard(case_id)
            self.sig_queue.emit(self.cases)
            self._failed(exc)

        self.decided.add(case_id)
        with self.workers.painting_first():  # the write starts once the next case is painted
            self.workers.run(op, self._decided, failed)
            if and_next:
                self._move_on(case_id, "Queue done. Pull more cases with Ctrl+L.")

    def _move_on(self, case_id: str, done: str | None = None) -> None:
        """Leave the decided case for the one after it (`done` said when there is none)."""
        nxt = self.next_case_id(case_id)
        self._leave()
        self.cache.drop(case_id)
        if nxt is not None:
            self.open(nxt)
        else:
            self.sig_opened.emit(None)
            if done:
                self.sig_message.emit(done)

    # ------------------------------------------------------------------ near-duplicates

    def _fetch_matches(self, case_id: str) -> None:
        """The open case's matches, on the session pool; `sig_matches` carries them (None when
        they could not be read: the banner then stays hidden, nothing else changes)."""
        def op() -> object:
            return self.session.matches(case_id)

        def done(found: object) -> None:
            self.matches[case_id] = found
            self.sig_matches.emit(case_id, found)

        def failed(exc: BaseException) -> None:
            self.sig_matches.emit(case_id, None)

        self.workers.run(op, done, failed)

    def _fetch_appeal(self, case_id: str) -> None:
        """The open case's appeal, on the session pool; `sig_appeal` carries it (None for a
        case not appealed, or when it could not be read)."""
        def op() -> object:
            return self.session.appeal(case_id)

        def done(appeal: object) -> None:
            self.appeals[case_id] = appeal
            self.sig_appeal.emit(case_id, appeal)

        self.workers.run(op, done, lambda exc: self.sig_appeal.emit(case_id, None))

    def decide_appeal(self, draft: Any) -> None:
        """Uphold or overturn the open case's appeal (into the outbox, off-thread), then the
        next case."""
        entry = self.current
        appeal = self.appeals.get(entry.case.id) if entry is not None else None
        if entry is None or not isinstance(appeal, Appeal):
            self.sig_error.emit("This case is not under appeal.")
            return
        case_id = entry.case.id
        handle_ms = int(self._handle.elapsed()) if self._handle.isValid() else 0
        outcome = AppealOutcome.OVERTURN if draft.overturn else AppealOutcome.UPHOLD

        def op() -> str:
            self.session.decide_appeal(appeal, outcome, action=draft.action,
                                       policy_refs=draft.policy_refs, reason=draft.reason,
                                       legal_ground=draft.legal_ground, claim=draft.claim,
                                       handle_ms=handle_ms)
            return case_id

        def done(_case: str) -> None:
            self._decided(case_id)
            self.sig_message.emit(f"Appeal of case {case_id}: "
                                  f"{'overturned' if draft.overturn else 'upheld'}; it syncs "
                                  "with your decisions.")

        def failed(exc: BaseException) -> None:
            self.decided.discard(case_id)
            self.sig_queue.emit(self.cases)
            self._failed(exc)

        self.decided.add(case_id)
        with self.workers.painting_first():
            self.workers.run(op, done, failed)
            self._move_on(case_id)

    def apply_match(self) -> None:
        """Queue the earlier decided match's decision for the open case, nothing revealed."""
        entry = self.current
        found = self.matches.get(entry.case.id) if entry is not None else None
        offer = offer_of(found) if isinstance(found, CaseMatches) else None
        if offer is None:
            self.sig_error.emit("This case matches no earlier decision.")
            return
        self.decide(offer.action, policy_refs=offer.policy_refs, reason=offer.reason,
                    escalate_to=None)
        self.refresh_avoided()

    def decide_group(self, action: Any, *, policy_refs: tuple[str, ...], reason: str,
                     legal_ground: Any = None, claim: Any = None,
                     reply_template: str | None = None) -> None:
        """Decide the open case and, on the service, its whole near-duplicate group."""
        entry = self.current
        if entry is None:
            self.sig_error.emit("No case is open.")
            return
        case_id = entry.case.id
        handle_ms = int(self._handle.elapsed()) if self._handle.isValid() else 0

        def op() -> object:
            return self.session.decide_group(case_id, action, policy_refs=policy_refs,
                                             reason=reason, legal_ground=legal_ground,
                                             claim=claim, reply_template=reply_template,
                                             handle_ms=handle_ms)

        found = self.matches.get(case_id)
        members = set(undecided_in_group(found)) if isinstance(found, CaseMatches) else set()

        def done(result: Any) -> None:
            self._group_pending -= members
            for member in result.decided:
                self.decided.add(member.case_id)
                self.cache.drop(member.case_id)
                self.sig_decided.emit(member.case_id)
            self._decided(case_id)
            if self.open_id is not None and self.open_id in self.decided:
                self._move_on(self.open_id)
            self.sig_message.emit(f"Decided {len(result.decided) + 1} cases of the group; "
                                  f"{result.exposure_avoided} never shown.")
            self.sig_queue.emit(self.cases)
            self.refresh_avoided()

        def failed(exc: BaseException) -> None:
            self._group_pending -= members
            self._failed(exc)

        self.decided.add(case_id)
        # the group's other cases are not opened (not even blurred) while the service
        # decides them: the point of a group decision is that they are never shown
        self._group_pending |= members
        with self.workers.painting_first():  # as any decision: the next case paints first
            self.workers.run(op, done, failed)
            self._move_on(case_id)

    def refresh_avoided(self) -> None:
        """The exposure avoided as the service counts it (after the outbox has synced)."""
        def op() -> object:
            self.session.sync()
            return self.session.exposure_avoided()

        self.workers.run(op, self.sig_avoided.emit, lambda exc: None)

    def reopen_undecided(self, case_id: str, leased: list[CaseSummary]) -> bool:
        """A decision on `case_id` was undone (ui/undo.py): the case is in the queue again and
        opens as a fresh view (blurred, its renderings made again). False when it is no longer
        leased here."""
        self.decided.discard(case_id)
        self.cases = [c for c in leased if c.id not in self.decided]
        self.sig_queue.emit(self.cases)
        self.refresh_counts()
        if case_id not in {c.id for c in self.cases}:
            return False
        self._leave()
        self.cache.drop(case_id)
        self.open(case_id)
        return True

    def _decided(self, case_id: str) -> None:
        self.sig_decided.emit(case_id)
        self.refresh_counts()

    def add_note(self, body: str) -> None:
        if self.current is None:
            return
        case_id = self.current.case.id
        self._run(lambda: self.session.add_note(case_id, body),
                  lambda _n: self.sig_message.emit("Note saved; it syncs with your decisions."))

    # ------------------------------------------------------------------ exposure

    def record_exposure(self, subject: ExposureSubject, kind: str,
                        duration_ms: int) -> ExposureEvent:
        """Book an exposure to the item it was of (as the viewer reports it), at service time."""
        event = ExposureEvent(
            client_id=new_client_id(), case_id=subject.case_id, media_id=subject.media_id,
            harm_category=subject.harm_category, severity=subject.severity,
            kind=ExposureKind(kind), duration_ms=max(0, duration_ms),
            at=self.session.clock.now(),
        )
        self._run(lambda: self.session.record_exposure(event))
        self.sig_exposure.emit(event)
        return event

    # ------------------------------------------------------------------ status

    def refresh_counts(self) -> None:
        self._run(self._sync_state, self._got_sync_state)

    def _sync_state(self) -> SyncState:
        status = self.session.engine.status
        counts = self.session.outbox_counts()
        problems = self.session.conflicts() if counts.conflicts or counts.invalid else []
        leased = frozenset(c.id for c in self.session.leased_cases())
        return SyncState(counts=counts, online=status.online, last_error=status.last_error,
                         retry_in_s=status.next_attempt_in_s, problems=problems, leased=leased)

    def _got_sync_state(self, state: SyncState) -> None:
        self.sync_state = state
        if state.leased is not None and not self._stopped:
            self._notice_lost_leases(state.leased)
        self.sig_counts.emit(state.counts)
        self.sig_sync_state.emit(state)

    def _notice_lost_leases(self, leased: frozenset[str]) -> None:
        """Cases whose lease ended on the service (the sync engine marks them released) leave
        the queue; the open one is closed at once (its reveal is booked as the viewer clears)
        and the status line says so. Decided ones stay: their decision still syncs."""
        lost = [c.id for c in self.cases if c.id not in leased and c.id not in self.decided]
        if not lost:
            return
        gone = set(lost)
        self.cases = [c for c in self.cases if c.id not in gone]
        open_id = self.cache.pinned
        if open_id in gone:
            self._leave()
            self.sig_opened.emit(None)
        for case_id in lost:
            self.cache.drop(case_id)
        self.sig_queue.emit(self.cases)
        if open_id in gone:
            self.sig_message.emit(f"Case {open_id} is no longer yours: its lease ended on the "
                                  "service, so it was closed. Ctrl+Down opens the next case.")
        else:
            self.sig_message.emit(f"{len(lost)} case(s) went back to the queue: their lease "
                                  "ended on the service.")

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ClientError):
            if isinstance(exc, OnBreak | CapReached | ShiftLimit):
                self.sig_refused.emit(exc)
                return
            self.sig_error.emit(str(exc))
            return
        log.error("unexpected failure in background work", exc_info=exc)
        self.sig_error.emit(f"Something went wrong: {type(exc).__name__}. Your decisions are "
                            "safe in the outbox.")
