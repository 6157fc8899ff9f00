"""A section of the policy form: each field with its editor, the engine's message about it
right under it (empty while the value is valid), and its meaning below that."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QWidget

from ui.console.field_editors import FieldEditor

ERROR_STYLE = "color: #e06c75;"
MEANING_STYLE = "color: #9a9ea6;"


def error_label(parent: QWidget) -> QLabel:
    label = QLabel("", parent)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setAccessibleName("Problem")
    label.hide()
    return label


def show_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class FieldGrid(QGroupBox):
    """Fields of one section by path; `section_error` shows a message about the whole section
    (a rule joining two fields, such as a micro-break longer than the break)."""

    def __init__(self, title: str, path: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.path = path
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(1, 1)
        self.grid.setVerticalSpacing(2)
        self.editors: dict[str, FieldEditor] = {}
        self.errors: dict[str, QLabel] = {}
        self.section_error = error_label(self)
        self.grid.addWidget(self.section_error, 0, 0, 1, 2)
        self.errors[path] = self.section_error

    def add(self, path: str, title: str, editor: FieldEditor, meaning: str) -> FieldEditor:
        row = self.grid.rowCount()
        label = QLabel(title, self)
        label.setBuddy(editor)
        editor.setAccessibleName(title.replace("&", ""))
        note = QLabel(meaning, self)
        note.setWordWrap(True)
        note.setStyleSheet(MEANING_STYLE)
        error = error_label(self)
        note.setContentsMargins(0, 0, 0, 6)
        self.grid.addWidget(label, row, 0)
        self.grid.addWidget(editor, row, 1)
        self.grid.addWidget(error, row + 1, 1)
        self.grid.addWidget(note, row + 2, 1)
        self.editors[path] = editor
        self.errors[path] = error
        return editor
