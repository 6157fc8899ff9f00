"""After a 412: someone saved the team's policy while the lead was editing. Per field, the
version both started from (base), theirs and yours; the lead picks one for each, and the
result is saved against their ETag. Fields both changed differently are marked and must be
looked at; nothing is picked silently for them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.console.policy_diff import MergeField, merge_fields, merged
from ui.console.wording import value_text

PICKS = ("base", "theirs", "yours")


class MergeDialog(QDialog):
    """`picks` holds the version chosen per field path; `result()` is the merged policy."""

    def __init__(self, message: str, base: dict[str, Any], theirs: dict[str, Any],
                 yours: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Someone else saved the policy: merge")
        self.setObjectName("mergeDialog")
        self.resize(1100, 600)
        self.theirs = theirs
        self.fields: list[MergeField] = merge_fields(base, theirs, yours)
        self.picks: dict[str, str] = {f.path: f.suggested for f in self.fields}
        self._groups: list[QButtonGroup] = []
        self.message = QLabel(message, self)
        self.message.setObjectName("conflictMessage")
        self.message.setWordWrap(True)
        help_text = QLabel(
            "For each field, pick the version to keep. Where only they changed a field, theirs "
            "is picked; where only you did, yours. <b>Fields marked ⚠ were changed by both</b>: "
            "check each. Keys: Alt+T takes theirs for every field, Alt+Y yours.", self)
        help_text.setWordWrap(True)
        self.table = QTableWidget(len(self.fields), 4, self)
        self.table.setAccessibleName("Fields to merge")
        self.table.setHorizontalHeaderLabels(["Field", "Base (when you started)", "Theirs",
                                              "Yours"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for row, field in enumerate(self.fields):
            mark = "⚠ " if field.conflict else ""
            self.table.setItem(row, 0, QTableWidgetItem(mark + field.path))
            group = QButtonGroup(self)
            for column, pick in enumerate(PICKS, start=1):
                button = QRadioButton(value_text(field.path, field.value(pick)), self.table)
                button.setToolTip(f"{pick}: {value_text(field.path, field.value(pick))}")
                button.setChecked(self.picks[field.path] == pick)
                button.toggled.connect(
                    lambda on, p=field.path, k=pick: self._picked(on, p, k))
                group.addButton(button)
                self.table.setCellWidget(row, column, button)
            self._groups.append(group)
        self.table.resizeRowsToContents()
        self.buttons = QDialogButtonBox(self)
        self.save = self.buttons.addButton("&Save the merged policy",
                                           QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Alt+T"), self, lambda: self.pick_all("theirs"))
        QShortcut(QKeySequence("Alt+Y"), self, lambda: self.pick_all("yours"))
        row_layout = QHBoxLayout()
        row_layout.addStretch(1)
        row_layout.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(help_text)
        layout.addWidget(self.table, 1)
        layout.addLayout(row_layout)
        self.save.setFocus(Qt.FocusReason.OtherFocusReason)

    def _picked(self, on: bool, path: str, version: str) -> None:
        if on:
            self.picks[path] = version

    def pick(self, path: str, version: str) -> None:
        """Keep `version` ("base", "theirs" or "yours") of the field at `path`."""
        row = next(i for i, f in enumerate(self.fields) if f.path == path)
        button = self.table.cellWidget(row, PICKS.index(version) + 1)
        assert isinstance(button, QRadioButton)
        button.setChecked(True)
        self.picks[path] = version

    def pick_all(self, version: str) -> None:
        for field in self.fields:
            self.pick(field.path, version)

    def result_policy(self) -> dict[str, Any]:
        """Theirs with the picked version of every field."""
        return merged(self.theirs, self.fields, self.picks)
