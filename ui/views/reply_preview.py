"""The reply a decision sends: a chooser in the decision bar and a preview of the filled text.

The chooser lists the templates of the open case's source. Its default is "the first reply
for the action pressed" (the service lists a source's templates in order, the first of an
action is the default); "No reply" sends none; a named template must be one for the action
pressed, or the bar says so and decides nothing. The preview (Ctrl+R) fills the chosen
template for the case and the decision as the bar stands now, with the renderer the session
and the service use (`reviewer_app.replies`), so what it shows is what is sent. Filling is
pure computation on values already in memory; the templates reach the chooser from the
session's pool (`load_templates`), never from the GUI thread.

The default skips a template the case cannot fill (a case ingested without its source's
context, say) for the next one of the action, and sends no reply when none fills, so the
one-key decision never stalls on a reply nobody chose; the preview then says so. A template
the reviewer chose by name is sent as chosen, or the decision waits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from reviewer_app import replies
from reviewer_app.contract import ReplyTemplate
from reviewer_app.domain import (
    Action,
    Case,
    ClaimResolution,
    EscalationTeam,
    LegalGround,
    Source,
)

if TYPE_CHECKING:
    from ui.views.decision_bar import DecisionBar

FIRST_FOR_ACTION = "\x00first"
"""The chooser's default: the first template of the case's source for the action pressed."""
NO_REPLY = ""


class ReplyChooser(QComboBox):
    """The reply to send with the decision: the first for the action (default), none, or a
    named template of the case's source."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replyTemplate")
        self.setAccessibleName("Reply")
        self.templates: list[ReplyTemplate] = []
        self.set_templates([])

    def set_templates(self, templates: Sequence[ReplyTemplate]) -> None:
        """The templates of the open case's source, in the service's order; back to the
        default choice."""
        self.templates = list(templates)
        self.clear()
        self.addItem("Reply: the first for the action", FIRST_FOR_ACTION)
        self.addItem("No reply", NO_REPLY)
        for t in self.templates:
            self.addItem(f"{t.title}  ({', '.join(a.value for a in t.actions)})", t.name)
        self.setCurrentIndex(0)

    @property
    def is_default(self) -> bool:
        return bool(self.currentData() == FIRST_FOR_ACTION)

    def candidates(self, action: Action) -> list[ReplyTemplate]:
        """The templates of the case's source for `action`, in order."""
        return [t for t in self.templates if action in t.actions]

    def template_for(self, action: Action) -> tuple[ReplyTemplate | None, str | None]:
        """(the template to send with `action`, or None; a sentence when the choice does not
        fit the action)."""
        chosen = self.currentData()
        if chosen == NO_REPLY:
            return None, None
        if chosen == FIRST_FOR_ACTION:
            return next(iter(self.candidates(action)), None), None
        template = next((t for t in self.templates if t.name == chosen), None)
        if template is None or action not in template.actions:
            title = template.title if template else str(chosen)
            return None, (f"The reply \u201c{title}\u201d is not for {action.value}: choose "
                          f"another reply (Y) or No reply.")
        return template, None

    def actions_offered(self) -> list[Action]:
        """The actions the current choice has a reply for, in the bar's order."""
        return [a for a in Action if self.template_for(a)[0] is not None]


def fill(template: ReplyTemplate, case: Case, action: Action, *,
         policy_refs: Sequence[str] = (), legal_ground: LegalGround | None = None,
         claim: ClaimResolution | None = None,
         escalate_to: EscalationTeam | None = None) -> str:
    """The text the template makes for this decision (ReplyError naming what is missing)."""
    facts = replies.ReplyFacts.for_case(case, action, policy_refs=policy_refs,
                                        legal_ground=legal_ground, claim=claim,
                                        escalate_to=escalate_to)
    return replies.render(template.body, facts)


class ReplyPreview(QFrame):
    """The filled reply, shown before sending: for the action picked here (the first the
    choice has a reply for, by default). Hidden until asked for (Ctrl+R).

    Signals:
        sig_refresh(): the action picked here changed; the owner fills the text again.
    """

    sig_refresh = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replyPreview")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.heading = QLabel(self)
        self.heading.setObjectName("replyPreviewHeading")
        self.action = QComboBox(self)
        self.action.setObjectName("replyPreviewAction")
        self.action.setAccessibleName("Preview the reply for this action")
        self.action.currentIndexChanged.connect(lambda _i: self.sig_refresh.emit())
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("replyPreviewText")
        self.text.setAccessibleName("Reply preview")
        self.text.setReadOnly(True)
        self.text.setMaximumHeight(160)
        top = QHBoxLayout()
        top.addWidget(QLabel("Reply if you decide", self))
        top.addWidget(self.action)
        top.addWidget(self.heading, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.text)
        self.hide()

    def picked_action(self) -> Action | None:
        data = self.action.currentData()
        return Action(data) if data else None

    def set_actions(self, actions: Sequence[Action]) -> None:
        """The actions to offer, keeping the one picked when it is still offered."""
        keep = self.picked_action()
        self.action.blockSignals(True)
        self.action.clear()
        for a in actions:
            self.action.addItem(a.value.replace("_", " "), a.value)
        index = self.action.findData(keep.value) if keep in actions and keep else 0
        self.action.setCurrentIndex(max(0, index))
        self.action.blockSignals(False)

    def show_text(self, heading: str, text: str) -> None:
        self.heading.setText(heading)
        self.text.setPlainText(text)


def load_templates(run: Callable[..., Any], templates_of: Callable[[Source], list[Any]],
                   source: Source, done: Callable[[list[ReplyTemplate]], None]) -> None:
    """The session's templates of `source` through `run` (the session pool's Workers.run),
    handed to `done` on the GUI thread; none when they cannot be read."""
    run(lambda: templates_of(source), done, lambda _exc: done([]))


class ReplyDesk(QObject):
    """Keeps the decision bar's reply chooser and the preview in step with the open case: the
    case's templates from the session (off the GUI thread), the preview filled again whenever
    the choice, the citation, the legal ground or the claim outcome changes while it shows."""

    def __init__(self, bar: DecisionBar, preview: ReplyPreview, run: Callable[..., Any],
                 templates_of: Callable[[Source], list[Any]],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bar, self.preview = bar, preview
        self._run, self._templates_of = run, templates_of
        for combo in (bar.reply, bar.citation, bar.team, bar.ground, bar.outcome,
                      bar.counter_notice):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        for line in (bar.also_cite, bar.ground_text):
            line.textChanged.connect(lambda _t: self.refresh())
        preview.sig_refresh.connect(self.refresh)

    def set_case(self, case: Case | None) -> None:
        """A case opened (the bar has reset its chooser): bring its source's templates."""
        self.refresh()
        if case is None:
            return

        def done(templates: list[ReplyTemplate]) -> None:
            if self.bar.case is case:
                self.bar.reply.set_templates(templates)
                self.refresh()

        load_templates(self._run, self._templates_of, case.source, done)

    def toggle(self) -> None:
        self.preview.setVisible(not self.preview.isVisible())
        self.refresh()

    def refresh(self) -> None:
        if not self.preview.isVisible():
            return
        self.preview.set_actions(self.bar.reply.actions_offered())
        action = self.preview.picked_action()
        if self.bar.case is None:
            self.preview.show_text("", "No case is open.")
            return
        if action is None:
            self.preview.show_text("", "No reply is sent with this case's decisions "
                                       "(choose one with Y).")
            return
        template, text, problem = self.bar.reply_for(action)
        if template is None and problem is None:
            self.preview.show_text("", "None of this source's replies for this action can be "
                                       "filled for this case: no reply is sent.")
            return
        heading = f"{template.title} (version {template.version})" if template else ""
        self.preview.show_text(heading, text if text is not None else problem or "")
