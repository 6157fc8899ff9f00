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

from reviewer_app.domain import (
    POLICY_CODES,
    POLICY_TAXONOMY,
    Action,
    Case,
    EscalationTeam,
    HarmCategory,
    PolicyArea,
)
from ui.views.case_view import humanise

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


class DecisionBar(QWidget):
    """Signals:
        sig_decide(object): a DecisionDraft the reviewer committed to.
        sig_problem(str): a sentence explaining why a decision could not be made yet.
    """

    sig_decide = Signal(object)
    sig_problem = Signal(str)

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
        buttons.addStretch(1)

        self.citation = QComboBox(self)
        self.citation.setObjectName("citation")
        self.citation.setAccessibleName("Policy citation")
        self.citation.addItem("(no citation)", "")
        for ref in POLICY_TAXONOMY:
            self.citation.addItem(f"{ref.code}  {ref.title}", ref.code)
        self.team = QComboBox(self)
        self.team.setObjectName("escalationTeam")
        self.team.setAccessibleName("Escalation team")
        for team in EscalationTeam:
            self.team.addItem(humanise(team), team.value)
        self.also_cite = QLineEdit(self)
        self.also_cite.setObjectName("alsoCite")
        self.also_cite.setAccessibleName("Further citations")
        self.also_cite.setPlaceholderText("Also cite (codes, comma-separated)")
        completer = QCompleter([ref.code for ref in POLICY_TAXONOMY], self.also_cite)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.also_cite.setCompleter(completer)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("reason")
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("Reason (W to type, Enter to return to the case)")
        self.reason.setMaxLength(4000)

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
        layout.addLayout(buttons)
        self.set_case(None)

    def set_case(self, case: Case | None) -> None:
        """Reset the fields for a new case, preselecting the likely citation."""
        self.reason.clear()
        self.also_cite.clear()
        code = ""
        if case is not None:
            code = DEFAULT_CITATION.get(case.harm_category) or DEFAULT_BY_AREA.get(
                case.policy_area, "")
        self.citation.setCurrentIndex(max(0, self.citation.findData(code)))
        self.set_enabled(case is not None)

    def set_enabled(self, enabled: bool) -> None:
        for qa in self.decision_actions.values():
            qa.setEnabled(enabled)

    def citations(self) -> tuple[str, ...] | None:
        """The chosen citation then the further ones, in order, without repeats; None (and a
        sentence on sig_problem) when a further code is not in the taxonomy."""
        codes = [str(self.citation.currentData() or "")]
        codes += [c.strip().upper() for c in self.also_cite.text().split(",")]
        unknown = [c for c in codes if c and c not in POLICY_CODES]
        if unknown:
            self.sig_problem.emit(f"Not in the policy taxonomy: {', '.join(unknown)}.")
            return None
        return tuple(dict.fromkeys(c for c in codes if c))

    def commit(self, action: Action) -> None:
        refs = self.citations()
        if refs is None:
            return
        if action in NEEDS_CITATION and not refs:
            self.sig_problem.emit(f"Pick a policy citation (C) before choosing "
                                  f"{ACTION_TITLES[action].lower()}.")
            return
        team = EscalationTeam(self.team.currentData()) if action is Action.ESCALATE else None
        self.sig_decide.emit(DecisionDraft(
            action=action,
            policy_refs=refs,
            reason=self.reason.text().strip(),
            escalate_to=team,
        ))
