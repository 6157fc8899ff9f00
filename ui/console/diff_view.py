"""The draft against the policy in force, field by field: path, old -> new, in words."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.console.policy_diff import Change, diff
from ui.console.wording import value_text


def change_line(change: Change) -> str:
    """`display.blur_strength: strong (6 …) -> maximum (9 …)`."""
    return (f"{change.path}: {value_text(change.path, change.old)} -> "
            f"{value_text(change.path, change.new)}")


class DiffView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyDiff")
        self.heading = QLabel("No changes yet.", self)
        self.table = QTableWidget(0, 3, self)
        self.table.setAccessibleName("Changes against the policy in force")
        self.table.setHorizontalHeaderLabels(["Field", "In force", "Your draft"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setColumnWidth(0, 260)
        self.table.setColumnWidth(1, 240)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        self.changes: list[Change] = []

    def compare(self, in_force: dict[str, Any] | None, draft: dict[str, Any]) -> list[Change]:
        self.changes = diff(in_force, draft) if in_force is not None else []
        self.table.setRowCount(len(self.changes))
        for row, change in enumerate(self.changes):
            for column, text in enumerate((change.path, value_text(change.path, change.old),
                                           value_text(change.path, change.new))):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.resizeColumnToContents(0)
        self.table.resizeRowsToContents()
        count = len(self.changes)
        self.heading.setText(
            "No changes against the policy in force." if count == 0 else
            f"<b>{count} change{'s' if count != 1 else ''}</b> against the policy in force:")
        return self.changes

    def lines(self) -> list[str]:
        return [change_line(c) for c in self.changes]
