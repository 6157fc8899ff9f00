"""Undo (Ctrl+Z) and corrections (Ctrl+Shift+Z) on the workstation.

Undo takes the last decision back out of the outbox while it is unsent
(`ReviewSession.undo_last_decision`); its case opens again, undecided, as a fresh view
(blurred). When nothing is left to undo, or the sync engine sent it first, the status bar
says so. A synced decision is corrected instead: choose one of this computer's synced
decisions still in force, decide it again with a reason for the correction (and, when the
case's source asks for them, a legal ground or a claim's outcome, filled in from the decision
corrected); the correction goes through the outbox like any decision, refused before it is
queued when it lacks what the source needs. Every call runs on the session worker."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QWidget,
)

from reviewer_app.client.undo import AlreadySent, Correctable, NothingToUndo
from reviewer_app.domain import POLICY_CODES, Action, Decision
from ui.review_flow import ReviewFlow
from ui.views.source_fields import SourceFields

ACTIONS = [a for a in Action if a is not Action.ESCALATE]
"""What a correction may decide: a final decision (an escalation is not a correction)."""


def undo_last(flow: ReviewFlow) -> None:
    session = flow.session

    def op() -> tuple[Decision, list[Any]]:
        undone = session.undo_last_decision()
        return undone, session.leased_cases()

    def done(result: tuple[Decision, list[Any]]) -> None:
        undone, leased = result
        what = f"Undone: {undone.action.value} on case {undone.case_id}, never sent."
        if flow.reopen_undecided(undone.case_id, leased):
            flow.sig_message.emit(f"{what} It is open again, undecided.")
        else:
            flow.sig_message.emit(f"{what} Its lease has ended, so it went back to the queue.")

    def failed(exc: BaseException) -> None:
        if isinstance(exc, NothingToUndo | AlreadySent):
            flow.sig_message.emit(str(exc))
            return
        flow._failed(exc)

    flow.workers.run(op, done, failed)


def _label(c: Correctable) -> str:
    kind = "correction" if c.correction else "decision"
    when = c.decided_at.strftime("%H:%M")
    reason = f" - {c.reason[:40]}" if c.reason else ""
    return f"Case {c.case_id}: {c.action.value} ({kind}, {when}){reason}"


class CorrectionDialog(QDialog):
    """Which synced decision, the new decision, and why it is corrected (required)."""

    def __init__(self, choices: list[Correctable], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Correct a synced decision")
        self.choices = choices
        self.decision = QComboBox(self)
        for c in choices:
            self.decision.addItem(_label(c))
        self.action = QComboBox(self)
        for a in ACTIONS:
            self.action.addItem(a.value.replace("_", " "), a)
        self.citations = QLineEdit(self)
        self.citations.setPlaceholderText("policy codes, comma-separated")
        self.reason = QLineEdit(self)
        self.why = QLineEdit(self)
        self.why.setPlaceholderText("required: what was wrong")
        self.source_fields = SourceFields(self)
        fields = self.source_fields
        ground_row, claim_row = QHBoxLayout(), QHBoxLayout()
        ground_row.addWidget(fields.ground)
        ground_row.addWidget(fields.ground_text, 1)
        claim_row.addWidget(fields.outcome)
        claim_row.addWidget(fields.counter_notice)
        form = QFormLayout(self)
        form.addRow("Decision", self.decision)
        form.addRow("Decide instead", self.action)
        form.addRow("Policy citation", self.citations)
        form.addRow("Reason", self.reason)
        form.addRow("Why corrected", self.why)
        form.addRow("Legal ground (regulator, legal order)", ground_row)
        form.addRow("Claim outcome (IP claim)", claim_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.why.textChanged.connect(self._check)
        self.citations.textChanged.connect(self._check)
        self.decision.currentIndexChanged.connect(self._fill)
        self._fill()
        self._check()

    def _fill(self) -> None:
        """The chosen decision's own ground and claim outcome, to keep or change."""
        if self.choices:
            chosen = self.chosen()
            self.source_fields.fill(chosen.legal_ground, chosen.claim)

    def refs(self) -> list[str]:
        return [c.strip() for c in self.citations.text().split(",") if c.strip()]

    def _check(self) -> None:
        ok = bool(self.why.text().strip()) and all(r in POLICY_CODES for r in self.refs())
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        button.setEnabled(ok)

    def chosen(self) -> Correctable:
        return self.choices[self.decision.currentIndex()]


def correct(parent: QWidget, flow: ReviewFlow) -> None:
    """Ctrl+Shift+Z: the synced decisions are read off the GUI thread, then the dialog."""
    session = flow.session

    def chosen(choices: list[Correctable]) -> None:
        if not choices:
            flow.sig_message.emit("No synced decision to correct (within the correction "
                                  "window); an unsent one is undone with Ctrl+Z.")
            return
        dialog = CorrectionDialog(choices, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        old, action = dialog.chosen(), dialog.action.currentData()
        refs, reason, why = dialog.refs(), dialog.reason.text().strip(), dialog.why.text()
        ground, claim = dialog.source_fields.legal_ground(), dialog.source_fields.claim()

        def op() -> object:
            return session.correct_decision(old.client_id, action, correction_reason=why,
                                            policy_refs=refs, reason=reason,
                                            legal_ground=ground, claim=claim)

        flow.workers.run(op, lambda _body: flow.sig_message.emit(
            f"Correction of case {old.case_id} saved; it syncs like a decision."), flow._failed)

    flow.workers.run(session.correctable_decisions, chosen, flow._failed)
