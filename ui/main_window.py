"""The workstation window: queue on the left, the case (context, then media) in the middle,
the decision bar below, sync status at the bottom. Every command has a key and is in the
Ctrl+K palette; window geometry and splitters are remembered between sessions.

Closing first saves: the content is hidden (a reveal in progress is booked), every command is
locked and the window says "Saving your work…" until `before_close` reports back through
`finish_close()`.

A case may hold several items (pictures, clips, recordings, texts): the strip above the media
shows them, Alt+Right / Alt+Left (or "]" / "[") move between them, and each is revealed and
counted on its own. The media commands go to the widget of the item on screen (see
`ui.views.media_stack`); playback keys are live only while a clip or recording is up."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QSplitter,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from reviewer_app import __version__
from reviewer_app.client.errors import ClientError
from reviewer_app.contract import QA_QUEUE, Appeal, CaseMatches
from reviewer_app.domain import (
    CLOSING_ACTIONS,
    CaseSummary,
    ExposureEvent,
    HarmCategory,
    ProblemCode,
)
from reviewer_app.store.outbox import Conflict, ItemKind
from safeguards import DisplaySettings, Verdict
from ui import undo
from ui.imaging import RevealStep, SafeRendering, placeholder
from ui.policy_notes import PolicyNotes
from ui.queue_spikes import QueueSpikeNotice, spike_line
from ui.render_cache import CaseMedia, ItemMedia
from ui.review_flow import ReviewFlow, SyncState
from ui.theme import apply_theme
from ui.views.appeal_banner import AppealBanner
from ui.views.break_overlay import BreakOverlay
from ui.views.case_view import CaseView, category_warning, clock_text, hours_minutes
from ui.views.command_palette import CommandPalette
from ui.views.decision_bar import AppealDraft, DecisionBar, DecisionDraft
from ui.views.exposure_meter import ExposureMeter
from ui.views.item_strip import StripItem
from ui.views.match_banner import MatchBanner
from ui.views.media_viewer import RevealMode, ViewerPolicy
from ui.views.personal_settings import PersonalSettingsDialog, load_personal, save_personal
from ui.views.queue_panel import QueuePanel
from ui.views.reply_preview import ReplyDesk, ReplyPreview
from ui.wellness import WellnessMonitor

HOLD_KEY = Qt.Key.Key_Space
_TEXT_INPUTS = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox, QComboBox)
_NOT_COUNTED_KINDS = frozenset({ItemKind.EXPOSURE.value, ItemKind.BREAK.value})
_ALL_CATEGORIES = frozenset(HarmCategory)
STEP_NAMES = {RevealStep.BLURRED: "Blurred grayscale", RevealStep.OUTLINE: "Outline (edges only)",
              RevealStep.SHARP_GRAY: "Sharp grayscale", RevealStep.COLOUR: "Colour"}


def not_counted(problem: Conflict) -> bool:
    """An exposure or break report the service refused: it is kept, and not counted."""
    return problem.kind in _NOT_COUNTED_KINDS


def problem_text(problem: Conflict) -> str:
    """One refused item as the reviewer reads it."""
    if not_counted(problem):
        return f"Not counted: {problem.reason}"
    return f"Case {problem.case_id or '-'}: {problem.kind}, {problem.status}: {problem.reason}"


def retry_text(seconds: float) -> str:
    return f"{int(seconds)} s" if seconds < 60 else hours_minutes(seconds)


def way_out_of(verdict: Verdict) -> tuple[bool, bool]:
    """(release, pull): what stays usable under this refusal. Giving cases back touches no
    content, so it always may; pulling only at a cap or the shift limit with no break running
    and some category still open (the service leases only those)."""
    pull = (verdict.current_break is None
            and verdict.reason in (ProblemCode.CAP_REACHED, ProblemCode.SHIFT_LIMIT)
            and not verdict.blocked_categories >= _ALL_CATEGORIES)
    return True, pull


class MainWindow(QMainWindow):
    """Signals:
        sig_closing(): the window is closing for real, after `before_close` saved the work.
    """

    sig_closing = Signal()

    def __init__(self, flow: ReviewFlow, wellness: WellnessMonitor, settings: QSettings, *,
                 title: str = "") -> None:
        super().__init__()
        self.flow = flow
        self.wellness = wellness
        self.settings = settings
        self.setObjectName("mainWindow")
        self.setWindowTitle(title or "Reviewer workstation")
        self.queue = QueuePanel(self)
        self.queue.model.decided = flow.decided  # one set, owned by the flow
        self.queue.model.now = flow.session.clock.now  # SLA times are service times
        self.case_view = CaseView(self, workers=flow.workers)
        self.case_view.now = flow.session.clock.now
        self.viewer = self.case_view.viewer
        self.media = self.case_view.stack
        self.strip = self.case_view.strip
        self.decision_bar = DecisionBar(self)

        centre = QWidget(self)
        column = QVBoxLayout(centre)
        column.setContentsMargins(6, 6, 6, 6)
        self.appeal_banner = AppealBanner(centre)
        column.addWidget(self.appeal_banner)
        self.match_banner = MatchBanner(centre)
        column.addWidget(self.match_banner)
        column.addWidget(self.case_view, 1)
        column.addWidget(self.decision_bar)
        self.reply_preview = ReplyPreview(self)
        column.addWidget(self.reply_preview)
        self.replies = ReplyDesk(self.decision_bar, self.reply_preview, self.flow.workers.run,
                                 self.flow.session.reply_templates, self)
        self.split = QSplitter(Qt.Orientation.Horizontal, self)
        self.split.setObjectName("mainSplit")
        left = QWidget(self)
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(6, 6, 0, 6)
        left_column.addWidget(self.queue, 1)
        self.meter = ExposureMeter(left)
        left_column.addWidget(self.meter)
        self.split.addWidget(left)
        self.split.addWidget(centre)
        self.split.setStretchFactor(1, 4)
        self.split.setSizes([460, 940])
        # The overlay floats over a plain container (a QSplitter would adopt it as a pane).
        container = QWidget(self)
        container.setObjectName("content")
        stack = QVBoxLayout(container)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.addWidget(self.split)
        self.setCentralWidget(container)
        self.overlay = BreakOverlay(container)
        self._locked = False
        self._lock_verdict: Verdict | None = None
        self._shown_problems: set[str] = set()
        self.before_close: Callable[[], None] | None = None
        """Called on the first close request; it saves the work, then calls `finish_close()`.
        Without it the window closes at once."""
        self._close_state = "open"  # -> "saving" -> "closing"

        self.sync_label = QLabel("Starting…", self)
        self.sync_label.setObjectName("syncStatus")
        self.sync_label.setAccessibleName("Sync status")
        self.step_label = QLabel("", self)
        self.step_label.setAccessibleName("Reveal step")
        self.item_label = QLabel("", self)
        self.item_label.setAccessibleName("Item on screen")
        self.queue_spikes = QueueSpikeNotice(flow.session, flow.workers, self)
        self.statusBar().addPermanentWidget(self.queue_spikes.label)
        self.statusBar().addPermanentWidget(self.item_label)
        self.statusBar().addPermanentWidget(self.step_label)
        self.statusBar().addPermanentWidget(self.sync_label)

        self._commands: list[QAction] = list(self.decision_bar.decision_actions.values())
        self._commands += self.decision_bar.appeal_actions
        self.policy_notes = PolicyNotes(flow.session, flow.workers, self, self.decision_bar)
        self._build_actions()
        self._wire()
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]
        self._restore()
        verdict = self.wellness.verdict  # render the first case right, not at a default
        self.media.policy = viewer_policy(verdict.display)
        self.flow.restyle(verdict.display_for)
        self.wellness.set_personal(load_personal(settings))

    # ------------------------------------------------------------------ actions

    def _action(self, text: str, keys: str | QKeySequence.StandardKey, slot: object,
                name: str, *more: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcuts([QKeySequence(keys), *(QKeySequence(k) for k in more)])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        self._commands.append(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.act_pull = a("Pull more cases", "Ctrl+L", lambda: self.flow.pull(), "pull")
        self.act_release = a("Release undecided cases", "Ctrl+Shift+L", self.flow.release,
                             "release")
        self.act_pull_qa = a("Pull second reviews (blind quality review)", "Ctrl+Alt+L",
                             lambda: self.flow.pull(queue=QA_QUEUE), "pullSecondReviews")
        self.act_palette = a("Command palette", "Ctrl+K", self.open_palette, "palette")
        self.act_apply_match = a("Apply the earlier decision without revealing", "Ctrl+Shift+A",
                                 self.apply_match, "applyMatch")
        self.act_decide_group = a("Group decision on/off: the next decision goes to the whole "
                                  "near-duplicate group", "Ctrl+Shift+G", self.decide_group,
                                  "decideGroup")
        self.act_hide = a("Hide everything now / show blurred again", "H", self.toggle_hidden,
                          "hideNow")
        m = self.media
        self.act_step = a("Reveal one step (blur, outline if offered, sharp gray, colour)", "V",
                          m.step_reveal, "stepReveal")
        self.act_lens = a("Lens: sharpen under the pointer", "Z", m.toggle_lens, "lens")
        self.act_ack = a("Show the blurred preview (or the text) after the warning", "Return",
                         m.acknowledge_warning, "acknowledge")
        self.act_subject = a("Show the case's subject text (collapsed for high severity)",
                             "Shift+Return", self.case_view.expand_subject, "showSubject")
        self.act_zoom_in = a("Zoom in", "+", m.zoom_in, "zoomIn")
        self.act_zoom_out = a("Zoom out", "-", m.zoom_out, "zoomOut")
        self.act_fit = a("Zoom to fit", "0", m.zoom_fit, "zoomFit")
        self.act_next_item = a("Next item of the case", "Alt+Right", lambda: self.go_item(+1),
                               "nextItem", "]")
        self.act_prev_item = a("Previous item of the case", "Alt+Left",
                               lambda: self.go_item(-1), "prevItem", "[")
        self.act_find = a("Find in the text", "Ctrl+F", m.open_search, "findText")
        self.act_play = a("Play / pause (video, audio)", "P", m.play_pause, "playPause")
        self.act_back = a("Back 5 seconds", "Left", lambda: m.skip(-5.0), "skipBack", "J")
        self.act_ahead = a("Ahead 5 seconds", "Right", lambda: m.skip(5.0), "skipAhead")
        self.act_frame_back = a("Previous frame", ",", lambda: m.step_frame(-1), "frameBack")
        self.act_frame_ahead = a("Next frame", ".", lambda: m.step_frame(+1), "frameAhead")
        self.act_slower = a("Slower playback", "<", m.slower, "slower", "Shift+,")
        self.act_faster = a("Faster playback", ">", m.faster, "faster", "Shift+.")
        self.act_audio = a("Audio on / off (a reveal: muted again on re-blur)", "M",
                           m.toggle_audio, "audio")
        self._playback = {self.act_play, self.act_back, self.act_ahead, self.act_frame_back,
                          self.act_frame_ahead, self.act_slower, self.act_faster, self.act_audio}
        self.act_next = a("Next case", "Ctrl+Down", lambda: self._go(+1), "nextCase")
        self.act_prev = a("Previous case", "Ctrl+Up", lambda: self._go(-1), "prevCase")
        self.act_note = a("Add a note to the case", "N", self.add_note, "note")
        self.act_reason = a("Type a reason", "W", self.decision_bar.reason.setFocus, "reason")
        self.act_cite = a("Choose the policy citation", "C", self.focus_citation, "citation")
        self.act_reply = a("Choose the reply sent with the decision", "Y", self.focus_reply,
                           "chooseReply")
        self.act_reply_preview = a("Preview the reply (filled from the case)", "Ctrl+R",
                                   self.replies.toggle, "replyPreview")
        self.act_break = a("Take a break now", "Ctrl+B", self.wellness.start_self_break,
                           "takeBreak")
        self.act_conflicts = a("Show items the service did not apply", "Ctrl+Shift+C",
                               self.show_conflicts, "conflicts")
        self.act_undo = a("Undo the last decision (while it is unsent)", "Ctrl+Z",
                          lambda: undo.undo_last(self.flow), "undo")
        self.act_correct = a("Correct a synced decision…", "Ctrl+Shift+Z",
                             lambda: undo.correct(self, self.flow), "correct")
        self.act_personal = a("Personal safeguards (only ever safer)…", "Ctrl+,",
                              self.edit_personal, "personal")
        self.act_theme = a("Switch dark/light theme", "Ctrl+Shift+T", self.toggle_theme, "theme")
        self.act_quit = a("Quit", QKeySequence.StandardKey.Quit, self.close, "quit")
        self.act_about = a("About Reviewer workstation", "F1", self.show_about, "about")
        self.act_policy_changes = a("Policy changes…", "Ctrl+Shift+P",
                                    self.policy_notes.show_all, "policyChanges")
        self.act_queue_spikes = a("Spikes in my queues…", "Ctrl+Shift+K",
                                  self.queue_spikes.show_all, "queueSpikes")
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.act_policy_changes)
        help_menu.addAction(self.act_queue_spikes)
        help_menu.addAction(self.act_about)

    def _wire(self) -> None:
        f = self.flow
        f.sig_queue.connect(self.on_queue)
        f.sig_opened.connect(self.on_opened)
        f.sig_matches.connect(self.on_matches)
        f.sig_avoided.connect(self.meter.set_avoided)
        self.queue_spikes.sig_new.connect(lambda fresh: self.statusBar().showMessage(
            f"New spike in {spike_line(fresh[-1])}: Help > Spikes in my queues (Ctrl+Shift+K)",
            15000))
        self.queue_spikes.sig_pull.connect(lambda queue: self.flow.pull(queue=queue))
        self.match_banner.sig_apply.connect(self.apply_match)
        self.match_banner.sig_group.connect(self.decide_group)
        f.sig_loading.connect(self.on_loading)
        f.sig_rendering.connect(self.on_rendering)
        f.sig_item.connect(self.show_item)
        f.sig_thumbnail.connect(self.on_thumbnail)
        self.strip.sig_picked.connect(self.pick_item)
        f.sig_decided.connect(self.queue.model.mark_decided)
        f.sig_sync_state.connect(self.on_sync_state)
        f.sig_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        f.sig_error.connect(self.show_error)
        self.queue.sig_open.connect(f.open)
        self.queue.sig_pull.connect(lambda: f.pull())
        self.queue.sig_release.connect(f.release)
        self.decision_bar.sig_decide.connect(self.decide)
        self.decision_bar.sig_problem.connect(self.show_error)
        self.decision_bar.sig_appeal.connect(self.decide_appeal)
        f.sig_appeal.connect(self.on_appeal)
        self.decision_bar.reason.returnPressed.connect(self.media.setFocus)
        self.media.sig_exposure.connect(f.record_exposure)
        self.media.sig_problem.connect(
            lambda reason: self.case_view.set_media_note(f"Media withheld: {reason}."))
        f.sig_exposure.connect(self._exposed)
        f.sig_refused.connect(self.on_refused)
        self.wellness.sig_verdict.connect(self.apply_verdict)
        self.overlay.sig_end_requested.connect(self.wellness.end_self_break)
        self.overlay.sig_mood.connect(self.wellness.set_mood)
        self.overlay.sig_release_requested.connect(self.act_release.trigger)
        self.overlay.sig_pull_requested.connect(self.act_pull.trigger)
        self.media.sig_needs_step.connect(lambda step: f.request_step(RevealStep(step)))
        self.media.sig_step_changed.connect(self._show_step)
        self.viewer.sig_display.connect(f.set_display)

    # ------------------------------------------------------------------ flow results

    def on_queue(self, cases: list[CaseSummary]) -> None:
        self.queue.model.set_cases(cases)
        if self.flow.open_id is not None:
            self.queue.select(self.flow.open_id)
        self._leave_capped_case(cases)

    def _leave_capped_case(self, cases: list[CaseSummary]) -> None:
        """At a cap (no break), cases pulled with Ctrl+L are of open categories: go to the
        first of them instead of staying locked on the capped case."""
        verdict, current = self._lock_verdict, self.flow.current
        if (verdict is None or current is None or not way_out_of(verdict)[1]
                or not verdict.blocks(current.case.harm_category)):
            return
        other = next((c for c in cases if not verdict.blocks(c.harm_category)
                      and c.id not in self.flow.decided), None)
        if other is not None:
            self.flow.open(other.id)

    def on_loading(self, case_id: str) -> None:
        """A case is being opened: what was on screen goes now (its reveal is booked to it),
        and nothing can be decided until the new case is painted."""
        self.media.clear(f"Loading case {case_id}…")
        self.strip.set_items([])
        self.item_label.setText("")
        self.case_view.context.setText(f"<p>Loading case {html.escape(case_id)}…</p>")
        self.case_view.set_media_note(None)
        self.decision_bar.set_case(None)
        self.match_banner.set_matches(None, None)
        self.appeal_banner.set_appeal(None)
        summary = next((c for c in self.flow.cases if c.id == case_id), None)
        if summary is not None:
            self.wellness.set_case(summary.harm_category, summary.severity)
        self.queue.select(case_id)
        self._refresh_commands()

    def on_opened(self, entry: CaseMedia | None) -> None:
        self.media.clear()  # the item before goes first (its reveal is booked to it)
        if entry is None:
            self.wellness.set_case(None, None)
        else:
            self.wellness.set_case(entry.case.harm_category, entry.case.severity)
        display = self.wellness.verdict.display_for(entry.case.harm_category if entry else None)
        self.case_view.show_case(entry.case if entry else None, collapse_subject=bool(
            entry and int(entry.case.severity) >= display.warning_from_severity))
        self.decision_bar.set_case(entry.case if entry else None)
        self.replies.set_case(entry.case if entry else None)
        self.appeal_banner.set_appeal(None)
        if entry is not None:
            self.on_appeal(entry.case.id, self.flow.appeals.get(entry.case.id))
        self._refresh_commands()
        if entry is None:
            self.item_label.setText("")
            return
        self.queue.select(entry.case.id)
        self.strip.set_items([strip_item(item) for item in entry.items], entry.index)
        self.show_item(entry)

    def show_item(self, entry: CaseMedia) -> None:
        """Put the entry's item on screen (`entry.index`), under its case's category rules,
        warning threshold first; the item before was cleared and its reveal booked to it."""
        if entry is not self.flow.current:
            return
        item, case = entry.item, entry.case
        self.media.policy = viewer_policy(self.wellness.verdict.display_for(case.harm_category))
        label = category_warning(case.harm_category, int(case.severity))
        subject = entry.subject
        problem = item.problem
        kind = str(item.kind) if item.kind is not None else ""
        if kind in ("video", "audio"):
            if not self.media.show_clip(kind, item.data, subject, problem=problem, label=label,
                                        content_type=item.media.content_type
                                        if item.media else ""):
                problem = problem or f"the {kind} player is not available"
                self._show_withheld(problem)
        elif kind == "text":
            self.media.show_text(item.text, subject, problem=problem, label=label)
        else:
            blurred = item.renderings.get(RevealStep.BLURRED)
            if blurred is not None:
                self.media.show_picture(blurred, subject, label=label)
                for step, rendering in item.renderings.items():
                    if step is not RevealStep.BLURRED:
                        self.viewer.add_rendering(rendering)
                problem = blurred.problem
        self.case_view.set_media_note(problem and f"Media withheld: {problem}.")
        self.strip.set_current(entry.index)
        self.item_label.setText(item_text(entry))
        self._show_step(int(self.media.painted_step or RevealStep.BLURRED))
        self._refresh_commands()
        self.media.setFocus()

    def _show_withheld(self, reason: str) -> None:
        """A clip that cannot be opened here: the placeholder card, never its frames."""
        card = placeholder(self.flow.display, reason)
        self.media.show_picture(SafeRendering(image=card, step=RevealStep.BLURRED,
                                              placeholder=True, problem=reason), None)

    def go_item(self, delta: int) -> None:
        """The next (or previous) item of the open case, wrapping around."""
        entry = self.flow.current
        if entry is not None and len(entry.items) > 1:
            self.pick_item((entry.index + delta) % len(entry.items))

    def pick_item(self, index: int) -> None:
        """Leave the item on screen (its reveal ends, booked to it) and open item `index`
        blurred: at once when its blur is made, otherwise when `sig_item` brings it."""
        entry = self.flow.current
        if (self._locked or entry is None or index == entry.index
                or not 0 <= index < len(entry.items)):
            return
        self.media.clear(f"Loading item {index + 1} of {len(entry.items)}…")
        self.strip.set_current(index)
        self.flow.select_item(index)

    def on_thumbnail(self, case_id: str, index: int, thumb: SafeRendering) -> None:
        current = self.flow.current
        if current is not None and current.case.id == case_id:
            self.strip.set_thumbnail(index, thumb)

    def on_rendering(self, case_id: str, index: int, rendering: SafeRendering) -> None:
        current, shown = self.flow.current, self.viewer.subject
        if (current is not None and current.case.id == case_id and current.index == index
                and self.media.active is self.viewer
                and (shown is None or shown == current.subject)):
            self.viewer.add_rendering(rendering)

    def on_sync_state(self, state: SyncState) -> None:
        counts = state.counts
        link = "Online" if state.online else (
            f"Offline, retrying in {retry_text(state.retry_in_s)}" if state.retry_in_s
            else "Offline")
        text = f"{link} · {counts.pending} pending · {counts.synced} synced"
        refused = sum(1 for p in state.problems if not_counted(p))
        to_resolve = counts.conflicts + counts.invalid - refused
        if to_resolve > 0:
            text += f" · {to_resolve} to resolve (Ctrl+Shift+C)"
        if refused:
            text += f" · {refused} not counted (Ctrl+Shift+C)"
        self.sync_label.setText(text)
        self.sync_label.setToolTip(state.last_error or "All changes are kept locally until "
                                   "the service confirms them.")
        new = [p for p in state.problems if p.client_id not in self._shown_problems]
        self._shown_problems.update(p.client_id for p in new)
        if new:
            first = new[0]
            if not_counted(first):
                self.show_error(f"{problem_text(first)}. Ctrl+Shift+C lists them all.")
            else:
                self.show_error(f"Not applied by the service: case {first.case_id or '-'} "
                                f"({first.kind}): {first.reason}. Ctrl+Shift+C lists them all.")

    def show_conflicts(self) -> None:
        """Every item the service would not apply, with its case and reason; refused exposure
        and break reports read "Not counted"."""
        problems = self.flow.sync_state.problems if self.flow.sync_state else []
        text = "\n".join(problem_text(p) for p in problems) or (
            "Nothing to resolve: the service applied all.")
        QMessageBox.information(self, "Items the service did not apply", text)

    # ------------------------------------------------------------------ safeguards

    def _exposed(self, event: ExposureEvent) -> None:
        self.wellness.record(event)

    def apply_verdict(self, verdict: Verdict) -> None:
        """Obey the gate at once: lock and hide on a refusal, unlock when it clears; new
        display rules (each case's by its harm category) re-render what is on screen and
        cached."""
        before = self.media.policy
        self.media.policy = viewer_policy(verdict.display_for(self._category_on_screen()))
        if self.flow.restyle(verdict.display_for):
            self.viewer.forget_sharp()  # a reveal in progress ends, booked to its own case
        if self.media.policy != before:
            self._show_step(int(self.media.painted_step or RevealStep.BLURRED))
        self.meter.update_from(self.wellness.policy, self.wellness.ledger, verdict,
                               self.wellness.clock.now())
        if self._close_state != "open":
            return
        if not verdict.allowed:
            self._lock(verdict)
            release, pull = way_out_of(verdict)
            self.overlay.show_verdict(verdict, release=release and self.act_release.isEnabled(),
                                      pull=pull and self.act_pull.isEnabled())
        elif self._locked:
            self._lock(None)

    def _category_on_screen(self) -> HarmCategory | None:
        """The harm category whose display rules the viewer obeys: the item on screen's, else
        the case being opened's (None: the team's defaults)."""
        shown = self.media.subject
        if shown is not None:
            return shown.harm_category
        return self.flow.current.case.harm_category if self.flow.current is not None else None

    def on_refused(self, exc: ClientError) -> None:
        """The service refused a lease (break, cap, shift limit): say so and when."""
        self.show_error(str(exc))

    def _lock(self, verdict: Verdict | None) -> None:
        """Lock for a refusing verdict (None: unlock). Content and decisions are locked; what
        stays usable is `way_out_of` the verdict."""
        locked = verdict is not None
        if locked and not self._locked:
            self.media.hide_now()
            self.strip.set_hidden(True)
        self._locked = locked
        self._lock_verdict = verdict
        self._refresh_commands()
        if not locked:
            self.overlay.hide()
            self.media.unhide()
            self.strip.set_hidden(False)
            self.media.setFocus()

    def _refresh_commands(self) -> None:
        """Enable what may be used now: everything while reviewing (a decision only with a
        case open); under a lock the window's own commands and the way out; nothing while
        saving at quit."""
        always = {self.act_quit, self.act_theme, self.act_palette}
        keep: set[QAction] | None = None
        if self._close_state != "open":
            keep = set()
        elif self._lock_verdict is not None:
            release, pull = way_out_of(self._lock_verdict)
            keep = always | ({self.act_release} if release else set()) | (
                {self.act_pull} if pull else set())
        decisions = set(self.decision_bar.decision_actions.values())
        for action in self._commands:
            enabled = keep is None or action in keep
            if action in decisions:
                enabled = enabled and self.flow.current is not None
            if action in self.decision_bar.appeal_actions:
                enabled = enabled and self.decision_bar.under_appeal
            if action in self._playback:
                enabled = enabled and self.media.plays
            if action in (self.act_next_item, self.act_prev_item):
                enabled = enabled and self.flow.current is not None and len(
                    self.flow.current.items) > 1
            action.setEnabled(enabled)
        self.queue.set_locked(keep is not None, release=keep is not None
                              and self.act_release in keep,
                              pull=keep is not None and self.act_pull in keep)

    @property
    def locked(self) -> bool:
        return self._locked

    def show_error(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    def _show_step(self, step: int) -> None:
        """The reveal step on screen, and, where the item's category forbids colour, that the
        stepped reveal stops at sharp grayscale for it."""
        text = STEP_NAMES.get(step, "")  # type: ignore[call-overload]
        category = self._category_on_screen()
        if text and category is not None and not self.media.policy.colour_allowed:
            text += f" · colour not allowed for {category.value.replace('_', ' ')}"
        self.step_label.setText(text)

    # ------------------------------------------------------------------ commands

    def on_matches(self, case_id: str, found: object) -> None:
        """The open case's matches arrived: the banner shows them (stale ones are dropped)."""
        if case_id != self.flow.open_id:
            return
        self.match_banner.set_matches(case_id, found if isinstance(found, CaseMatches)
                                      else None)

    def on_appeal(self, case_id: str, appeal: object) -> None:
        """The open case's appeal arrived: the banner and Uphold/Overturn, or neither."""
        if case_id != self.flow.open_id:
            return
        self.appeal_banner.set_appeal(appeal if isinstance(appeal, Appeal) else None)
        self.decision_bar.set_appeal(self.appeal_banner.appeal is not None)
        self._refresh_commands()

    def decide_appeal(self, draft: AppealDraft) -> None:
        if self._locked or self.flow.current is None:
            return
        self.media.clear()
        self.appeal_banner.set_appeal(None)
        self.flow.decide_appeal(draft)

    def apply_match(self) -> None:
        """The earlier decision, applied without revealing: the media stays blurred."""
        if self._locked or self.flow.current is None or not self.match_banner.can_apply:
            return
        self.media.clear()
        self.match_banner.set_matches(None, None)
        self.flow.apply_match()

    def decide_group(self) -> None:
        """Arms (or disarms) the group decision: the next decision taken on the viewed case,
        whatever action it is, goes to every case of its near-duplicate group."""
        if self._locked or self.flow.current is None or not self.match_banner.can_group:
            return
        armed = not self.match_banner.group_armed
        self.match_banner.set_group_armed(armed)
        self.statusBar().showMessage(
            "Group decision on: decide this case (R, K, T or L) and the whole group is "
            "decided the same way." if armed else
            "Group decision off: the next decision is for this case only.", 8000)

    def decide(self, draft: DecisionDraft) -> None:
        if self._locked or self.flow.current is None:
            return
        group = self.match_banner.group_armed
        if group and draft.action not in CLOSING_ACTIONS:
            self.show_error("A group is decided remove, keep, restrict or label: escalate or "
                            "ask for information on this case alone (Ctrl+Shift+G turns the "
                            "group decision off).")
            return
        self.media.clear()  # the reveal ends here, booked to the item decided
        if group:
            self.match_banner.set_matches(None, None)
            self.flow.decide_group(draft.action, policy_refs=draft.policy_refs,
                                   reason=draft.reason, legal_ground=draft.legal_ground,
                                   claim=draft.claim, reply_template=draft.reply_template)
            return
        self.flow.decide(draft.action, policy_refs=draft.policy_refs, reason=draft.reason,
                         escalate_to=draft.escalate_to, legal_ground=draft.legal_ground,
                         claim=draft.claim, reply_template=draft.reply_template)

    def _go(self, delta: int) -> None:
        cases = [c.id for c in self.flow.cases if c.id not in self.flow.decided]
        if not cases:
            return
        current = self.flow.open_id
        i = cases.index(current) if current in cases else -delta
        self.flow.open(cases[(i + delta) % len(cases)])

    def toggle_hidden(self) -> None:
        if self._locked:
            return
        if self.media.hidden:
            self.media.unhide()
            self.strip.set_hidden(False)
        else:
            self.media.hide_now()
            self.strip.set_hidden(True)

    def focus_reply(self) -> None:
        self.decision_bar.reply.setFocus()
        self.decision_bar.reply.showPopup()

    def focus_citation(self) -> None:
        self.decision_bar.citation.setFocus()
        self.decision_bar.citation.showPopup()

    def add_note(self) -> None:
        if self.flow.current is None:
            return
        text, ok = QInputDialog.getMultiLineText(self, "Note", "Note on this case:")
        if ok and text.strip():
            self.flow.add_note(text.strip())

    def open_palette(self) -> None:
        entry = self.flow.current
        context = f"Case {entry.case.id} · {item_text(entry)}" if entry is not None else ""
        CommandPalette(self._commands, self, context=context).exec()

    def edit_personal(self) -> None:
        dialog = PersonalSettingsDialog(self.wellness.policy.display, self.wellness.personal,
                                        self, own_display=tuple(
                                            self.wellness.policy.display_by_category))
        if dialog.exec() == PersonalSettingsDialog.DialogCode.Accepted:
            personal = dialog.personal()
            save_personal(self.settings, personal)
            self.wellness.set_personal(personal)

    def show_about(self) -> None:
        """Help > About: the version, and what the tool does and does not claim."""
        QMessageBox.about(self, "About Reviewer workstation", about_text())

    def toggle_theme(self) -> None:
        theme = "light" if self.settings.value("theme", "dark") == "dark" else "dark"
        self.settings.setValue("theme", theme)
        apply_theme(theme)

    # ------------------------------------------------------------------ hold to reveal

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and self.isActiveWindow():
            key_event: QKeyEvent = event  # type: ignore[assignment]
            if key_event.key() == HOLD_KEY and not isinstance(
                    QApplication.focusWidget(), _TEXT_INPUTS):
                if not key_event.isAutoRepeat() and not self._locked:
                    if kind == QEvent.Type.KeyPress:
                        self.media.begin_hold()
                    else:
                        self.media.end_hold()
                return True
        elif kind == QEvent.Type.ApplicationDeactivate:
            self.media.end_hold()
        return False

    # ------------------------------------------------------------------ state

    def _restore(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 900)
        for key, widget in (("window/mainSplit", self.split),
                            ("window/caseSplit", self.case_view.splitter)):
            state = self.settings.value(key)
            if isinstance(state, QByteArray):
                widget.restoreState(state)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def save_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/mainSplit", self.split.saveState())
        self.settings.setValue("window/caseSplit", self.case_view.splitter.saveState())
        self.settings.sync()

    @property
    def saving(self) -> bool:
        """Quit was asked and the work is being saved (the window is still up)."""
        return self._close_state == "saving"

    def show_saving(self, detail: str | None = None) -> None:
        """Quit was asked: hide the content (ending a reveal, which queues its exposure event),
        lock every command and say that the work is being saved."""
        self.media.hide_now()
        self._locked = True
        if self._close_state == "open":
            self._close_state = "saving"
        self._refresh_commands()
        if detail is None:
            self.overlay.show_saving()
        else:
            self.overlay.show_saving(detail)
        self.statusBar().showMessage("Saving your work…")

    def allow_close(self) -> None:
        """The work is saved: the next close goes through."""
        self._close_state = "closing"

    def finish_close(self) -> None:
        """The work is saved: close now."""
        self.allow_close()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if self._close_state == "open" and self.before_close is not None:
            event.ignore()
            self.show_saving()
            self.before_close()
            return
        if self._close_state == "saving":
            event.ignore()  # it closes by itself when the work is saved
            return
        self._close_state = "closing"
        self.media.hide_now()
        self.save_state()
        QApplication.instance().removeEventFilter(self)  # type: ignore[union-attr]
        self.sig_closing.emit()
        super().closeEvent(event)


def about_text() -> str:
    """The About box: the one version number, and no claim of a benefit the tool lacks."""
    return (f"<p><b>Reviewer workstation {html.escape(__version__)}</b></p>"
            "<p>For trust-and-safety specialists reviewing escalated reports. Media is "
            "shown blurred and grayscale until you reveal it, exposure is counted and "
            "breaks are enforced by the review service.</p>"
            "<p>This tool claims no medical or psychological benefit: its safeguards limit "
            "what is shown and for how long; they do not prevent or treat harm. If the work "
            "affects you, talk to your wellness lead or a health professional.</p>")


def viewer_policy(display: DisplaySettings) -> ViewerPolicy:
    """The viewer's rules from one harm category's effective display settings (the team's
    policy with the category's own settings, made safer by personal ones)."""
    return ViewerPolicy(
        blur_width=display.blur_width_px,
        grayscale=display.grayscale,
        reveal_modes=frozenset(RevealMode(str(m)) for m in display.reveal_modes),
        auto_reblur_s=float(display.auto_reblur_seconds),
        warning_from_severity=display.warning_from_severity,
        colour_allowed=display.colour_allowed,
        outline_offered=display.outline_offered,
    )


def strip_item(item: ItemMedia) -> StripItem:
    """One item's tile: a picture's thumbnail (once made), a kind badge otherwise, withheld
    when it has no bytes or could not be made safe."""
    kind = str(item.kind) if item.kind is not None else "image"
    length = clock_text(item.media.duration_ms) if item.media is not None and hasattr(
        item.media, "duration_ms") else ""
    return StripItem(kind=kind, thumb=item.thumb, detail=length,
                     withheld=item.media is None or item.data is None or item.problem is not None
                     or (item.thumb is not None and item.thumb.placeholder))


def item_text(entry: CaseMedia) -> str:
    """The item on screen for the status line and the palette: "Item 2 of 3 · video 0:08"."""
    item = entry.item
    kind = str(item.kind) if item.kind is not None else "no media"
    length = clock_text(getattr(item.media, "duration_ms", None)) if item.media else ""
    words = f"{kind} {length}".strip()
    return f"Item {entry.index + 1} of {len(entry.items)} · {words}"
