"""The caps of a policy as a table: one row per cap, added and removed by the lead; each row
says its cap in words and shows the engine's message for it when it has one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from ui.console.field_editors import (
    CategoriesEditor,
    ChoiceEditor,
    FieldEditor,
    NumberEditor,
    severity_editor,
)
from ui.console.wording import CAP_ACTIONS, MEASURES, WINDOWS, cap_text, span_text

COLUMNS = ("Categories", "From severity", "Window", "Measure", "Limit", "At the cap", "In words")
NEW_CAP: dict[str, Any] = {"categories": [], "min_severity": 3, "window": "day",
                           "measure": "revealed", "limit": 20, "action": None}


class CapRow:
    """The editors of one cap."""

    def __init__(self, parent: QWidget) -> None:
        self.categories = CategoriesEditor("all categories", parent)
        self.min_severity = severity_editor(parent)
        self.window = ChoiceEditor([(k, v) for k, v in WINDOWS.items()], parent)
        self.measure = ChoiceEditor([(k, v) for k, v in MEASURES.items()], parent)
        self.limit = NumberEditor(hint=None, parent=parent)
        self.action = ChoiceEditor([(k, v) for k, v in CAP_ACTIONS.items()], parent)
        self.words = QLabel(parent)
        self.words.setWordWrap(True)

    @property
    def editors(self) -> dict[str, FieldEditor]:
        return {"categories": self.categories, "min_severity": self.min_severity,
                "window": self.window, "measure": self.measure, "limit": self.limit,
                "action": self.action}

    def value(self) -> dict[str, Any]:
        return {name: editor.value() for name, editor in self.editors.items()}

    def set_value(self, cap: dict[str, Any]) -> None:
        full = {**NEW_CAP, **cap}
        for name, editor in self.editors.items():
            editor.blockSignals(True)
            editor.set_value(full[name])
            editor.blockSignals(False)

    def describe(self, problem: str) -> None:
        cap = self.value()
        unit = (f" (= {span_text(float(cap['limit']))})"
                if cap["measure"] == "seconds_revealed" else "")
        text = cap_text(cap) + unit
        self.words.setText(f"<span style='color:#e06c75'>{problem}</span><br>{text}"
                           if problem else text)
        self.words.setToolTip(problem or text)


class CapsEditor(QWidget):
    """Signals:
        sig_changed(): a cap was edited, added or removed.
    """

    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("capsEditor")
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setAccessibleName("Caps")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((130, 100, 130, 120, 110, 150)):
            self.table.setColumnWidth(column, width)
        self.table.verticalHeader().setDefaultSectionSize(44)
        self.add_button = QPushButton("&Add a cap", self)
        self.remove_button = QPushButton("&Remove the selected cap", self)
        self.add_button.clicked.connect(lambda: self.add_cap())
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.rows: list[CapRow] = []
        self.table.setMinimumHeight(200)

    def value(self) -> list[dict[str, Any]]:
        return [row.value() for row in self.rows]

    def set_value(self, caps: list[dict[str, Any]]) -> None:
        self.table.setRowCount(0)
        self.rows = []
        for cap in caps:
            self._append(cap)
        self.show_problems({})

    def add_cap(self, cap: dict[str, Any] | None = None) -> None:
        self._append(cap or NEW_CAP)
        self.table.selectRow(len(self.rows) - 1)
        self.sig_changed.emit()

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        if not rows and self.rows:
            rows = [len(self.rows) - 1]
        for index in rows:
            self.table.removeRow(index)
            del self.rows[index]
        if rows:
            self.sig_changed.emit()

    def _append(self, cap: dict[str, Any]) -> None:
        index = self.table.rowCount()
        self.table.insertRow(index)
        row = CapRow(self.table)
        row.set_value(cap)
        for column, editor in enumerate(row.editors.values()):
            self.table.setCellWidget(index, column, editor)
            editor.sig_changed.connect(self.sig_changed)
        self.table.setCellWidget(index, len(COLUMNS) - 1, row.words)
        self.rows.append(row)
        row.describe("")

    def show_problems(self, problems: dict[str, str]) -> None:
        """The engine's messages for caps (`caps[i]...` paths) beside their rows."""
        for index, row in enumerate(self.rows):
            found = [msg for path, msg in problems.items()
                     if path == f"caps[{index}]" or path.startswith(f"caps[{index}].")]
            row.describe("; ".join(found))
