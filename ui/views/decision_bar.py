"""The decision bar: every action on a single key, a policy citation, a reason.

The citation is preselected from the case's harm category so that a routine decision is one
key press; the reviewer changes it with C, and types a reason after W.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reviewer_app.contract import ReplyTemplate
from reviewer_app.domain import (
    POLICY_TAXONOMY,
    Action,
    Case,
    ClaimResolution,
    EscalationTeam,
    HarmCategory,
    LegalGround,
    PolicyArea,
    PolicyRef,
    Source,
    decision_shortfall,
)
from reviewer_app.replies import ReplyError
from ui.views.case_view import humanise
from ui.views.reply_preview import ReplyChooser, fill
from ui.views.source_fields import SourceFields

ACTION_KEYS: dict[Action, str] = {
    Action.REMOVE: "R",
    Action.KEEP: "K",
    Action.RESTRICT: "T",
    Action.LABEL: "L",
    Action.ESCALATE: "E",
    Action.REQUEST_INFO: "I",
}
ACTION_TITLES: dict[Action, str] = {
    Action.REMOVE: "Remove",
    Action.KEEP: "Keep",
    Action.RESTRICT: "Restrict (age/region)",
    Action.LABEL: "Label (warning screen)",
    Action.ESCALATE: "Escalate",
    Action.REQUEST_INFO: "Request info",
}
NEEDS_CITATION = frozenset({Action.REMOVE, Action.RESTRICT, Action.LABEL})

DEFAULT_CITATION: dict[HarmCategory, str] = {
    HarmCategory.GRAPHIC_VIOLENCE: "CS-VIO-1",
    HarmCategory.CHILD_SAFETY: "CS-CHILD-1",
    HarmCategory.SELF_HARM: "CS-SELF-1",
    HarmCategory.ANIMAL_WELFARE: "CS-ANIMAL-1",
    HarmCategory.HATE_HARASSMENT: "CS-HATE-1",
    HarmCategory.VIOLENT_EXTREMISM: "CS-EXT-1",
    HarmCategory.SCAMS_FRAUD: "AD-SCAM-1",
    HarmCategory.INTELLECTUAL_PROPERTY: "IP-COPY-1",
}
DEFAULT_BY_AREA: dict[PolicyArea, str] = {
    PolicyArea.REGULATORY: "REG-DSA-16",
    PolicyArea.INTELLECTUAL_PROPERTY: "IP-COPY-1",
    PolicyArea.ADVERTISING_COMMERCE: "AD-SCAM-1",
}


@dataclass(frozen=True)
class DecisionDraft:
    action: Action
    policy_refs: tuple[str, ...]
    reason: str
    escalate_to: EscalationTeam | None
    legal_ground: LegalGround | None = None
    claim: ClaimResolution | None = None
    reply_template: str | None = None


@dataclass(frozen=True)
class AppealDraft:
    """Uphold (no action), or overturn with the new action and its citations."""

    overturn: bool
    action: Action | None
    policy_refs: tuple[str, ...]
    reason: str
    legal_ground: LegalGround | None = None
    claim: ClaimResolution | None = None


FIELD_PROMPTS = {
    "legal_ground": "Choose a legal ground and explain it (Alt+G) before this decision.",
    "claim": "Choose the claim's outcome (Alt+O) before this decision.",
    "claim.counter_notice_possible": "Say whether a counter-notice is possible (Alt+O, then "
                                     "Tab) before deciding this copyright claim.",
}
"""What the bar says when `domain.DECISION_NEEDS` finds a field missing."""
LEGAL_SOURCES = frozenset({Source.REGULATOR, Source.LEGAL})


class DecisionBar(QWidget):
    """Signals:
        sig_decide(object): a DecisionDraft the reviewer committed to.
        sig_problem(str): a sentence explaining why a decision could not be made yet.
        sig_appeal(object): an AppealDraft, for a case under appeal.
    """

    sig_decide = Signal(object)
    sig_problem = Signal(str)
    sig_appeal = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.decision_actions: dict[Action, QAction] = {}
        buttons = QHBoxLayout()
        for action, key in ACTION_KEYS.items():
            qa = QAction(f"{ACTION_TITLES[action]} [{key}]", self)
            qa.setShortcut(QKeySequence(key))
            qa.setObjectName(f"decide_{action.value}")
            qa.triggered.connect(lambda _=False, a=action: self.commit(a))
            self.decision_actions[action] = qa
            button = QToolButton(self)
            button.setDefaultAction(qa)
            button.setAccessibleName(ACTION_TITLES[action])
            button.setObjectName(f"button_{action.value}")
            buttons.addWidget(button)
        self.appeal_actions: list[QAction] = []
        for title, key, name, slot in (("Uphold the appeal", "U", "appealUphold", self.uphold),
                                       ("Overturn the appeal", "O", "appealOverturn",
                                        self.overturn)):
            qa = QAction(f"{title} [{key}]", self)
            qa.setShortcut(QKeySequence(key))
            qa.setObjectName(name)
            qa.triggered.connect(slot)
            qa.setVisible(False)
            qa.setEnabled(False)
            self.appeal_actions.append(qa)
            button = QToolButton(self)
            button.setDefaultAction(qa)
            button.setAccessibleName(title)
            buttons.addWidget(button)
        self.under_appeal = False
        self.overturning = False
        buttons.addStretch(1)

        self.citation = QComboBox(self)
        self.citation.setObjectName("citation")
        self.citation.setAccessibleName("Policy citation")
        self.citable: frozenset[str] = frozenset()
        self.team = QComboBox(self)
        self.team.setObjectName("escalationTeam")
        self.team.setAccessibleName("Escalation team")
        for team in EscalationTeam:
            self.team.addItem(humanise(team), team.value)
        self.also_cite = QLineEdit(self)
        self.also_cite.setObjectName("alsoCite")
        self.also_cite.setAccessibleName("Further citations")
        self.also_cite.setPlaceholderText("Also cite (codes, comma-separated)")
        self.set_taxonomy(list(POLICY_TAXONOMY))
        self.reason = QLineEdit(self)
        self.reason.setObjectName("reason")
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("Reason (W to type, Enter to return to the case)")
        self.reason.setMaxLength(4000)

        self.source_fields = SourceFields(self)
        source = self.source_fields
        self.ground, self.ground_text = source.ground, source.ground_text
        self.outcome, self.counter_notice = source.outcome, source.counter_notice
        self.reply = ReplyChooser(self)
        source_row = QHBoxLayout()
        reply_label = QLabel("Repl&y", self)
        reply_label.setBuddy(self.reply)
        source_row.addWidget(reply_label)
        source_row.addWidget(self.reply)
        self.ground_label = QLabel("Legal &ground", self)
        self.ground_label.setBuddy(self.ground)
        self.outcome_label = QLabel("Claim &outcome", self)
        self.outcome_label.setBuddy(self.outcome)
        for widget in (self.ground_label, self.ground, self.ground_text, self.outcome_label,
                       self.outcome, self.counter_notice):
            source_row.addWidget(widget)
        source_row.addStretch(1)

        fields = QHBoxLayout()
        for label, widget in (("&Citation", self.citation), ("&Team", self.team)):
            lab = QLabel(label, self)
            lab.setBuddy(widget)
            fields.addWidget(lab)
            fields.addWidget(widget)
        fields.addWidget(self.also_cite)
        fields.addWidget(self.reason, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(fields)
        layout.addLayout(source_row)
        layout.addLayout(buttons)
        self.case: Case | None = None
        self.set_case(None)

    def set_taxonomy(self, refs: list[PolicyRef]) -> None:
        """The codes a decision may cite: the service's taxonomy once fetched (retired codes
        left out), the built-in one until then. The current choice is kept if still there."""
        chosen = str(self.citation.currentData() or "")
        self.citation.clear()
        self.citation.addItem("(no citation)", "")
        for ref in refs:
            self.citation.addItem(f"{ref.code}  {ref.title}", ref.code)
        self.citable = frozenset(ref.code for ref in refs)
        self.citation.setCurrentIndex(max(0, self.citation.findData(chosen)))
        completer = QCompleter([ref.code for ref in refs], self.also_cite)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.also_cite.setCompleter(completer)

    def set_appeal(self, open_appeal: bool) -> None:
        """The case is under appeal: Uphold (U) and Overturn (O) instead of a plain decision."""
        self.under_appeal, self.overturning = open_appeal, False
        for qa in self.appeal_actions:
            qa.setVisible(open_appeal)
            qa.setEnabled(open_appeal)

    def uphold(self) -> None:
        if self.under_appeal:
            self.sig_appeal.emit(AppealDraft(overturn=False, action=None, policy_refs=(),
                                             reason=self.reason.text().strip()))

    def overturn(self) -> None:
        if self.under_appeal:
            self.overturning = True
            self.sig_problem.emit("Overturn: press the new action's key (R, K, T, L, I).")

    def set_case(self, case: Case | None) -> None:
        """Reset the fields for a new case, preselecting the likely citation."""
        self.case = case
        self.set_appeal(False)
        self.reason.clear()
        self.also_cite.clear()
        self.source_fields.fill(None, None)
        self.reply.set_templates([])  # the case's own come from the session (main window)
        self._show_source_fields(case)
        code = ""
        if case is not None:
            code = DEFAULT_CITATION.get(case.harm_category) or DEFAULT_BY_AREA.get(
                case.policy_area, "")
        self.citation.setCurrentIndex(max(0, self.citation.findData(code)))
        self.set_enabled(case is not None)

    def _show_source_fields(self, case: Case | None) -> None:
        """Only the fields the case's source asks for (domain.DECISION_NEEDS) are shown."""
        source = case.source if case is not None else None
        legal = source in LEGAL_SOURCES
        ip = source is Source.IP_CLAIM
        for widget in (self.ground_label, self.ground, self.ground_text):
            widget.setVisible(legal)
        for widget in (self.outcome_label, self.outcome):
            widget.setVisible(ip)
        copyright_claim = ip and case is not None and getattr(
            case.context, "claim_type", None) == "copyright"
        self.counter_notice.setVisible(copyright_claim)

    def legal_ground(self) -> LegalGround | None:
        return self.source_fields.legal_ground()

    def claim(self) -> ClaimResolution | None:
        return self.source_fields.claim()

    def source_shortfall(self, action: Action) -> str | None:
        """The sentence for the first field this decision lacks under the case's source (the
        service's rule table, so nothing is queued that the service would refuse)."""
        if self.case is None:
            return None
        need = decision_shortfall(self.case.source, self.case.context, action,
                                  self.legal_ground(), self.claim())
        if need is None:
            return None
        return FIELD_PROMPTS.get(need.field, f"This decision needs {need.field}.")

    def set_enabled(self, enabled: bool) -> None:
        for qa in self.decision_actions.values():
            qa.setEnabled(enabled)

    def citations(self) -> tuple[str, ...] | None:
        """The chosen citation then the further ones, in order, without repeats; None (and a
        sentence on sig_problem) when a further code is not in the taxonomy."""
        codes = [str(self.citation.currentData() or "")]
        codes += [c.strip().upper() for c in self.also_cite.text().split(",")]
        unknown = [c for c in codes if c and c not in self.citable]
        if unknown:
            self.sig_problem.emit(f"Not in the policy taxonomy: {', '.join(unknown)}.")
            return None
        return tuple(dict.fromkeys(c for c in codes if c))

    def _source_fields(self) -> tuple[LegalGround | None, ClaimResolution | None]:
        source = self.case.source if self.case is not None else None
        return (self.legal_ground() if source in LEGAL_SOURCES else None,
                self.claim() if source is Source.IP_CLAIM else None)

    def reply_for(self, action: Action) -> tuple[ReplyTemplate | None, str | None, str | None]:
        """(the reply template, its filled text, a sentence when it cannot be sent) for
        `action` with the bar as it stands: what `commit` would send, for the preview."""
        template, problem = self.reply.template_for(action)
        if template is None or problem is not None or self.case is None:
            return template, None, problem
        codes = [str(self.citation.currentData() or "")]
        codes += [c.strip().upper() for c in self.also_cite.text().split(",")]
        refs = tuple(dict.fromkeys(c for c in codes if c in self.citable))
        ground, claim = self._source_fields()
        team = EscalationTeam(self.team.currentData()) if action is Action.ESCALATE else None
        tried = self.reply.candidates(action) if self.reply.is_default else [template]
        failure: ReplyError | None = None
        for candidate in tried:
            try:
                return candidate, fill(candidate, self.case, action, policy_refs=refs,
                                       legal_ground=ground, claim=claim,
                                       escalate_to=team), None
            except ReplyError as exc:
                failure = exc
        if self.reply.is_default:
            return None, None, None  # no reply of this action fills for this case: none
        return template, None, (f"The reply \u201c{template.title}\u201d cannot be "
                                f"filled: {failure}. Fill it in, or choose another reply (Y) "
                                f"or No reply.")

    def commit(self, action: Action) -> None:
        if self.under_appeal and not self.overturning:
            self.sig_problem.emit("This case is an appeal: uphold (U) or overturn (O, then "
                                  "the new action's key).")
            return
        refs = self.citations()
        if refs is None:
            return
        if action in NEEDS_CITATION and not refs:
            self.sig_problem.emit(f"Pick a policy citation (C) before choosing "
                                  f"{ACTION_TITLES[action].lower()}.")
            return
        missing = self.source_shortfall(action)
        if missing is not None:
            self.sig_problem.emit(missing)
            return
        if self.under_appeal:
            if action is Action.ESCALATE:
                self.sig_problem.emit("An overturn takes a new action, not an escalation.")
                return
            ground, claim = self._source_fields()
            self.sig_appeal.emit(AppealDraft(overturn=True, action=action, policy_refs=refs,
                                             reason=self.reason.text().strip(),
                                             legal_ground=ground, claim=claim))
            return
        template, _text, reply_problem = self.reply_for(action)
        if reply_problem is not None:
            self.sig_problem.emit(reply_problem)
            return
        team = EscalationTeam(self.team.currentData()) if action is Action.ESCALATE else None
        self.sig_decide.emit(DecisionDraft(
            action=action,
            policy_refs=refs,
            reason=self.reason.text().strip(),
            escalate_to=team,
            legal_ground=self.legal_ground() if self.case and self.case.source in LEGAL_SOURCES
            else None,
            claim=self.claim() if self.case and self.case.source is Source.IP_CLAIM else None,
            reply_template=template.name if template is not None else None,
        ))
