"""The strip of a case's items, shown when it has more than one: a safeguarded thumbnail per
item (a picture's blurred grayscale thumbnail from the decode pool, a kind badge for a clip,
a recording or a text, the withheld look for an item that could not be fetched or made
safe), the item on screen highlighted. A click picks an item; the window's keys move along.

The strip never decodes anything: it paints only `SafeRendering`s made by `ui.imaging` (at
most the strongest blur's detail, always gray) and plain shapes; hidden, it paints nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.imaging import SafeRendering

TILE = QSize(96, 64)
GAP = 8

KIND_BADGES = {"image": "PICTURE", "video": "VIDEO", "audio": "AUDIO", "text": "TEXT"}


@dataclass
class StripItem:
    """What one tile shows: the item's kind, its thumbnail (pictures, once made) and whether
    it was withheld."""

    kind: str
    thumb: SafeRendering | None = None
    withheld: bool = False
    detail: str = ""
    """A short note under the badge, e.g. a clip's length ("0:08")."""


class ItemStrip(QWidget):
    """Signals:
        sig_picked(int): the reviewer clicked the tile of this item.
    """

    sig_picked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("itemStrip")
        self.setAccessibleName("Items of the case")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(TILE.height() + 2 * GAP)
        self.items: list[StripItem] = []
        self.current = 0
        self._hidden = False
        self.hide()

    def set_items(self, items: list[StripItem], current: int = 0) -> None:
        """The case's items; the strip shows only for more than one."""
        self.items = items
        self.current = current
        self.setVisible(len(items) > 1)
        self._describe()
        self.update()

    def set_current(self, index: int) -> None:
        self.current = index
        self._describe()
        self.update()

    def set_thumbnail(self, index: int, thumb: SafeRendering) -> None:
        if 0 <= index < len(self.items):
            self.items[index].thumb = thumb
            self.items[index].withheld = self.items[index].withheld or thumb.placeholder
            self.update()

    def set_hidden(self, hidden: bool) -> None:
        """Hide-now blanks the strip as well."""
        self._hidden = hidden
        self.update()

    def tile_rect(self, index: int) -> QRect:
        return QRect(GAP + index * (TILE.width() + GAP), GAP, TILE.width(), TILE.height())

    def _describe(self) -> None:
        if self.items:
            self.setAccessibleDescription(f"Item {self.current + 1} of {len(self.items)}")

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        point = event.position().toPoint()
        for index in range(len(self.items)):
            if self.tile_rect(index).contains(point):
                self.sig_picked.emit(index)
                return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), self.palette().window())
            if self._hidden:
                return
            for index, item in enumerate(self.items):
                self._paint_tile(painter, self.tile_rect(index), item, index == self.current)
        finally:
            painter.end()

    def _paint_tile(self, painter: QPainter, box: QRect, item: StripItem, current: bool) -> None:
        painter.fillRect(box, QColor("#2b2d31"))
        thumb = item.thumb
        if item.withheld:
            painter.setPen(QPen(QColor("#5c6068"), 2, Qt.PenStyle.DashLine))
            painter.drawRect(box.adjusted(3, 3, -4, -4))
            self._paint_words(painter, box, "WITHHELD", item.detail)
        elif thumb is not None and not thumb.placeholder:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            size = thumb.image.size().scaled(box.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            painter.drawImage(target, thumb.image)
        else:
            self._paint_words(painter, box, KIND_BADGES.get(item.kind, item.kind.upper()),
                              item.detail)
        if current:
            painter.setPen(QPen(self.palette().highlight().color(), 3))
            painter.drawRect(box.adjusted(1, 1, -2, -2))

    def _paint_words(self, painter: QPainter, box: QRect, badge: str, detail: str) -> None:
        painter.setPen(QColor("#d8dadf"))
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        text = f"{badge}\n{detail}" if detail else badge
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
