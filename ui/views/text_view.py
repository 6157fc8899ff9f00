"""A text item of a case (the reported post, chat or caption), under the same safeguards.

The bytes are decoded as strict UTF-8 off the GUI thread (`decode_text`); anything else is
the placeholder, never a guess at an encoding. For severity at or above the policy's warning
threshold the text stays collapsed behind the category warning (the image interstitial's
wording) until the reviewer chooses to read it (Enter). Exposure is counted like a picture's:
"shown" once, when the words are first on screen (the collapsed warning does not count), and
"revealed" with the milliseconds a collapsed text stayed open, ended when the reviewer
leaves the item, hides the content or decides. Long texts scroll; Ctrl+F searches.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStackedLayout,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.imaging import RevealStep
from ui.render_cache import ExposureSubject
from ui.reveal import RevealState, ViewerPolicy

TEXT_KIND = "text"
"""`MediaKind.TEXT`'s value: a text/plain item."""

MAX_TEXT_BYTES = 2 * 1024 * 1024


class UndecodableText(ValueError):
    """The bytes are not a text the viewer shows; the message says why."""


def decode_text(data: bytes) -> str:
    """The words of a text item: strict UTF-8 (a leading byte-order mark dropped), no NUL
    bytes, at most MAX_TEXT_BYTES. Raises UndecodableText otherwise (fail closed)."""
    if len(data) > MAX_TEXT_BYTES:
        raise UndecodableText("the text is longer than the viewer accepts")
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise UndecodableText("the text is not valid UTF-8") from None
    if "\x00" in text:
        raise UndecodableText("the text holds binary data")
    return text.removeprefix("\ufeff")


_SCROLL_KEYS = {Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Up, Qt.Key.Key_Down,
                Qt.Key.Key_Home, Qt.Key.Key_End}


class TextView(QWidget):
    """Shows one text item, collapsed behind the category warning for high severity.

    The same reveal vocabulary as `MediaViewer` where it applies (`interstitial`, `hidden`,
    `painted_step`, `hide_now`, `unhide`, `acknowledge_warning`, `reblur`), so the window's
    commands go to whichever widget is on screen.

    Signals:
        sig_exposure(object, str, int): exactly like MediaViewer's (subject, kind, ms).
    """

    sig_exposure = Signal(object, str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("textView")
        self.setAccessibleName("Text of the case")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._text: str | None = None
        self._problem: str | None = None
        self._label = ""

        self.card = QLabel(self)
        self.card.setObjectName("textCard")
        self.card.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.card.setWordWrap(True)
        self.card.setTextFormat(Qt.TextFormat.PlainText)
        self.body = QPlainTextEdit(self)
        self.body.setObjectName("textBody")
        self.body.setReadOnly(True)
        self.body.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the window's keys keep working
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.search = QLineEdit(self)
        self.search.setObjectName("textSearch")
        self.search.setPlaceholderText("Find in the text (Enter: next, Esc: close)")
        self.search.setAccessibleName("Find in the text")
        self.matches = QLabel(self)
        self.search.textChanged.connect(self._search_changed)
        self.search.returnPressed.connect(self.find_next)
        bar = QWidget(self)
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.search, 1)
        row.addWidget(self.matches)
        self.search_bar = bar
        bar.hide()
        page = QWidget(self)
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.body, 1)
        column.addWidget(bar)
        self._pages = QStackedLayout(self)
        self._pages.addWidget(self.card)
        self._pages.addWidget(page)
        self._reveal = RevealState(self, ready=lambda: self._text is not None,
                                   painted=lambda: self.painted_step, warning_opens=True)
        self._reveal.sig_exposure.connect(self.sig_exposure)
        self._reveal.sig_changed.connect(self._refresh)
        self._refresh()

    # ------------------------------------------------------------------ rules

    @property
    def policy(self) -> ViewerPolicy:
        return self._reveal.policy

    @policy.setter
    def policy(self, policy: ViewerPolicy) -> None:
        self._reveal.policy = policy

    # ------------------------------------------------------------------ content

    def load(self, text: str | None, subject: ExposureSubject | None, *, problem: str | None = None,
             label: str = "") -> None:
        """Show a text item (None with `problem`: the placeholder). High severity waits
        collapsed behind the warning `label`."""
        self.clear()
        self._text, self._label = text, label
        self._problem = problem if text is None else None
        if text is None and not self._problem:
            self._problem = "the text could not be fetched"
        self._reveal.open_item(subject, withheld=text is None)
        self.body.setPlainText(text or "")
        self._refresh()
        self._reveal.report_shown()

    def clear(self, message: str = "") -> None:
        """Drop the item (ending a reveal first, so it is booked to it)."""
        self._reveal.clear()
        self._text = None
        self._problem = None
        self._label = message
        if not self.body.document().isEmpty():
            self.body.setPlainText("")
        self.close_search()
        self._refresh()

    @property
    def subject(self) -> ExposureSubject | None:
        return self._reveal.subject

    @property
    def text(self) -> str | None:
        return self._text

    @property
    def is_placeholder(self) -> bool:
        return self._problem is not None

    @property
    def interstitial(self) -> bool:
        """Collapsed behind the category warning."""
        return self._reveal.interstitial and self._text is not None

    @property
    def hidden(self) -> bool:
        return self._reveal.hidden

    @property
    def reveal(self) -> RevealState:
        """The reveal of the text on screen (opening it from the warning)."""
        return self._reveal

    @property
    def words_on_screen(self) -> bool:
        return self._text is not None and not self._reveal.hidden and not self.interstitial

    @property
    def painted_step(self) -> RevealStep | None:
        """SHARP_GRAY while the words are on screen (text has no blur), BLURRED for the
        placeholder; None when hidden, collapsed or empty."""
        if self._reveal.hidden:
            return None
        if self.is_placeholder:
            return RevealStep.BLURRED
        return RevealStep.SHARP_GRAY if self.words_on_screen else None

    # ------------------------------------------------------------------ safety

    def hide_now(self) -> None:
        """Blank at once; a text that was opened from the warning collapses again."""
        self._reveal.hide_now()
        self._refresh()
        self.repaint()

    def unhide(self) -> None:
        self._reveal.unhide()

    def acknowledge_warning(self) -> None:
        """The reviewer read the warning and chose to read the text: a reveal begins."""
        self._reveal.acknowledge_warning()

    def reblur(self) -> None:
        """Collapse a text opened from the warning again (its reveal is booked)."""
        self._reveal.reblur()

    def step_reveal(self) -> RevealStep:
        """Text has no steps: Enter opens a collapsed text."""
        return self.painted_step or RevealStep.BLURRED

    def _refresh(self) -> None:
        if self._reveal.hidden:
            self._card("Content hidden.\nPress H to show it again.")
        elif self.is_placeholder:
            self._card(f"Text withheld\n\nIt cannot be shown safely:\n{self._problem}")
        elif self._text is None:
            self._card(self._label or "No text")
        elif self.interstitial:
            self._card(self._label + "\n\nThe text stays collapsed.\n"
                       "Press Enter to read it.")
        else:
            self._pages.setCurrentIndex(1)
            return
        self.close_search()

    def _card(self, text: str) -> None:
        self.card.setText(text)
        self._pages.setCurrentIndex(0)

    # ------------------------------------------------------------------ search

    def open_search(self) -> bool:
        """Ctrl+F: the search field, only while the words are on screen."""
        if not self.words_on_screen:
            return False
        self.search_bar.show()
        self.search.setFocus()
        self.search.selectAll()
        return True

    def close_search(self) -> None:
        if self.search_bar.isVisible():
            self.search_bar.hide()
            self.setFocus()
        self.body.setExtraSelections([])

    def search_for(self, term: str) -> int:
        """Highlight every match of `term` (case-insensitive) and go to the first after the
        cursor; returns how many there are."""
        self.search.blockSignals(True)
        self.search.setText(term)
        self.search.blockSignals(False)
        return self._search_changed(term)

    def _search_changed(self, term: str) -> int:
        found = self._highlight(term)
        self.matches.setText(f"{found} found" if term else "")
        if found:
            self.body.moveCursor(QTextCursor.MoveOperation.Start)
            self.find_next()
        return found

    def find_next(self) -> bool:
        """Select the next match after the cursor, wrapping around at the end."""
        term = self.search.text()
        if not term or not self.words_on_screen:
            return False
        if self.body.find(term):
            return True
        self.body.moveCursor(QTextCursor.MoveOperation.Start)
        return self.body.find(term)

    @property
    def selected(self) -> str:
        return self.body.textCursor().selectedText()

    def _highlight(self, term: str) -> int:
        selections: list[QTextEdit.ExtraSelection] = []
        if term and self.words_on_screen:
            mark = QTextCharFormat()
            mark.setBackground(QColor("#b7791f"))
            mark.setForeground(QColor("#000000"))
            document = self.body.document()
            cursor = document.find(term, 0)
            while not cursor.isNull() and len(selections) < 10_000:
                selection = QTextEdit.ExtraSelection()
                selection.cursor = cursor
                selection.format = mark
                selections.append(selection)
                cursor = document.find(term, cursor, QTextDocument.FindFlag(0))
        self.body.setExtraSelections(selections)
        return len(selections)

    # ------------------------------------------------------------------ events

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape and self.search_bar.isVisible():
            self.close_search()
            return
        if event.key() in _SCROLL_KEYS and self.words_on_screen:
            bar = self.body.verticalScrollBar()
            step = {Qt.Key.Key_PageUp: -bar.pageStep(), Qt.Key.Key_PageDown: bar.pageStep(),
                    Qt.Key.Key_Up: -bar.singleStep(), Qt.Key.Key_Down: bar.singleStep(),
                    Qt.Key.Key_Home: -bar.maximum(), Qt.Key.Key_End: bar.maximum()}
            bar.setValue(bar.value() + step[Qt.Key(event.key())])
            return
        super().keyPressEvent(event)

    def hideEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self._reveal.end_reveal()
