"""The console's Quality tab: the team's share of decisions sampled for a blind second review,
agreement between first and second reviewers (percent and Cohen's kappa, overall, per policy
area, per first decider), and the disagreements, each resolved with a note. Every service call
runs on the console's serial worker (ui/workers.py); ids, actions and citations only, never
content or media."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewer_app.client.quality import QualityClient
from reviewer_app.contract import (
    AgreementFigures,
    QaAgreement,
    QaConfig,
    QaDisagreement,
    QaDisagreementList,
)
from ui.console.messages import console_message
from ui.workers import Workers

T = TypeVar("T")

AGREEMENT_COLUMNS = ("Scope", "Of", "n", "Agreed", "Agreement", "Cohen's kappa")
DISAGREEMENT_COLUMNS = ("Case", "Queue", "First decision", "Second review", "Reviewed",
                        "Resolved")


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def kappa_text(figures: AgreementFigures) -> str:
    if figures.kappa is None:
        return f"undefined ({figures.kappa_undefined})" if figures.kappa_undefined else "—"
    return f"{figures.kappa:.2f}"


def agreement_rows(agreement: QaAgreement) -> list[tuple[str, ...]]:
    rows = [("All", "", agreement.overall)]
    rows += [("Policy area", f.key.replace("_", " "), f) for f in agreement.by_policy_area]
    rows += [("First decider", f.key, f) for f in agreement.by_reviewer]
    return [(scope, of, str(f.n), str(f.agreed), percent_text(f.percent), kappa_text(f))
            for scope, of, f in rows]


def disagreement_row(d: QaDisagreement) -> tuple[str, ...]:
    def side(who: str, action: str, refs: list[str]) -> str:
        return f"{who}: {action}" + (f" ({', '.join(refs)})" if refs else "")

    resolved = (f"{d.resolved_by} at {d.resolved_at:%Y-%m-%d %H:%M}: {d.resolution_note}"
                if d.resolved_at is not None else "open")
    return (d.case_id, d.queue, side(d.first_reviewer, d.first_action.value,
                                     d.first_policy_refs),
            side(d.second_reviewer, d.second_action.value, d.second_policy_refs),
            f"{d.second_decided_at:%Y-%m-%d %H:%M} UTC", resolved)


def _table(columns: tuple[str, ...], name: str, parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))


class QualityPanel(QWidget):
    """Signals:
        sig_busy(bool): a service call started (True) or ended (False).
        sig_message(str): a sentence for the status line.
    """

    sig_busy = Signal(bool)
    sig_message = Signal(str)

    def __init__(self, client: QualityClient, workers: Workers,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.workers = workers
        self.team: str | None = None
        self.loading = False
        self.disagreements: list[QaDisagreement] = []
        self.figures: QaAgreement | None = None
        self.share = QSpinBox(self)
        self.share.setObjectName("qaShare")
        self.share.setRange(0, 100)
        self.share.setSuffix(" %")
        self.share.setAccessibleName("Share of decisions sampled for a second review")
        self.share_reason = QLineEdit(self)
        self.share_reason.setObjectName("qaShareReason")
        self.share_reason.setPlaceholderText("Why (audited)")
        self.save_share = QPushButton("Save the share", self)
        self.save_share.clicked.connect(self.save)
        self.config_note = QLabel(self)
        self.agreement = _table(AGREEMENT_COLUMNS, "qaAgreement", self)
        self.list = _table(DISAGREEMENT_COLUMNS, "qaDisagreements", self)
        self.note = QLineEdit(self)
        self.note.setObjectName("qaResolutionNote")
        self.note.setPlaceholderText("Resolution note for the disagreement selected (audited)")
        self.resolve_button = QPushButton("Resolve the disagreement selected", self)
        self.resolve_button.clicked.connect(self.resolve_selected)

        share_row = QHBoxLayout()
        share_label = QLabel("Blind second review of", self)
        share_label.setBuddy(self.share)
        share_row.addWidget(share_label)
        share_row.addWidget(self.share)
        share_row.addWidget(QLabel("of closing decisions", self))
        share_row.addWidget(self.share_reason, 1)
        share_row.addWidget(self.save_share)
        resolve_row = QHBoxLayout()
        resolve_row.addWidget(self.note, 1)
        resolve_row.addWidget(self.resolve_button)
        layout = QVBoxLayout(self)
        layout.addLayout(share_row)
        layout.addWidget(self.config_note)
        layout.addWidget(QLabel("<b>Agreement</b> between first and second reviewers "
                                "(action labels)", self))
        layout.addWidget(self.agreement, 1)
        layout.addWidget(QLabel("<b>Disagreements</b> (ids, actions and citations; no "
                                "content)", self))
        layout.addWidget(self.list, 2)
        layout.addLayout(resolve_row)
        self.list.setAccessibleName("Disagreements")
        self.agreement.setAccessibleName("Agreement")
        self.config_note.setTextFormat(Qt.TextFormat.PlainText)

    # ------------------------------------------------------------------ service calls

    def start(self, team: str) -> None:
        self.team = team
        self.refresh()

    def _call(self, op: Callable[[], T], done: Callable[[T], object], doing: str) -> None:
        self.sig_busy.emit(True)

        def ok(result: T) -> None:
            self.sig_busy.emit(False)
            done(result)

        def failed(exc: BaseException) -> None:
            self.loading = False
            self.sig_busy.emit(False)
            self.sig_message.emit(console_message(exc, doing))

        self.workers.run(op, ok, failed)

    def refresh(self) -> None:
        """The share, the agreement and the disagreements, in one call on the worker."""
        if self.team is None or self.loading:
            return
        team, client = self.team, self.client
        self.loading = True
        self._call(lambda: (client.config(team), client.agreement(team),
                            client.disagreements(team)),
                   lambda got: self._got(team, *got), "loading the quality figures")

    def _got(self, team: str, config: QaConfig, agreement: QaAgreement,
             listed: QaDisagreementList) -> None:
        self.loading = False
        if team != self.team:
            return
        self.share.setValue(config.share_percent)
        who = f" (set by {config.updated_by})" if config.updated_by else ""
        self.config_note.setText(f"{config.share_percent} % sampled{who}: {config.reason}")
        _fill(self.agreement, agreement_rows(agreement))
        self.figures = agreement
        self.disagreements = list(listed.disagreements)
        _fill(self.list, [disagreement_row(d) for d in self.disagreements])

    def save(self) -> None:
        if self.team is None:
            return
        reason = self.share_reason.text().strip()
        if not reason:
            self.sig_message.emit("Say why the share changes (it is audited).")
            return
        team, percent = self.team, self.share.value()
        self._call(lambda: self.client.set_share(team, percent, reason), self._saved,
                   "saving the share")

    def _saved(self, config: QaConfig) -> None:
        self.sig_message.emit(f"Blind second review of {config.share_percent} % of decisions")
        self.share_reason.clear()
        self.refresh()

    def resolve_selected(self) -> None:
        row = self.list.currentRow()
        note = self.note.text().strip()
        if self.team is None or not 0 <= row < len(self.disagreements):
            self.sig_message.emit("Select a disagreement first.")
            return
        if not note:
            self.sig_message.emit("Write the resolution note first.")
            return
        team, review_id = self.team, self.disagreements[row].review_id
        self._call(lambda: self.client.resolve(team, review_id, note), self._resolved,
                   "resolving the disagreement")

    def _resolved(self, resolved: QaDisagreement) -> None:
        self.sig_message.emit(f"Resolved the disagreement on case {resolved.case_id}")
        self.note.clear()
        self.refresh()
