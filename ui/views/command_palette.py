"""Ctrl+K: type a few letters of any command, Enter runs it. Lists each action's key too, and
says what is on screen (the case and its item, e.g. "Item 2 of 3 · video 0:08")."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)


class CommandPalette(QDialog):
    def __init__(self, actions: list[QAction], parent: QWidget | None = None, *,
                 context: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Commands")
        self.setObjectName("commandPalette")
        self.setModal(True)
        self._actions = actions
        self.filter = QLineEdit(self)
        self.filter.setAccessibleName("Filter commands")
        self.filter.setPlaceholderText("Type a command…")
        self.list = QListWidget(self)
        self.list.setAccessibleName("Commands")
        self.context = QLabel(context, self)
        self.context.setObjectName("paletteContext")
        self.context.setAccessibleName("On screen")
        self.context.setVisible(bool(context))
        layout = QVBoxLayout(self)
        layout.addWidget(self.context)
        layout.addWidget(self.filter)
        layout.addWidget(self.list)
        self.filter.textChanged.connect(self._refill)
        self.filter.returnPressed.connect(self._run_current)
        self.list.itemActivated.connect(lambda _item: self._run_current())
        self.resize(520, 360)
        self._refill("")

    def _refill(self, text: str) -> None:
        self.list.clear()
        words = text.lower().split()
        for action in self._actions:
            if not action.isEnabled():
                continue
            title = action.text().replace("&", "")
            if all(w in title.lower() for w in words):
                key = action.shortcut().toString()
                item = QListWidgetItem(f"{title}    {key}" if key and key not in title else title)
                item.setData(Qt.ItemDataRole.UserRole, action)
                self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            row = self.list.currentRow() + (1 if event.key() == Qt.Key.Key_Down else -1)
            self.list.setCurrentRow(max(0, min(self.list.count() - 1, row)))
            return
        super().keyPressEvent(event)

    def _run_current(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        action: QAction = item.data(Qt.ItemDataRole.UserRole)
        self.accept()
        action.trigger()
