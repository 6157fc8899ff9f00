"""The break overlay: covers the whole window, hides all content, shows a calm countdown.

It has no close button and swallows every key and click that is not its own; while it shows,
the window disables every content and decision command (see MainWindow.apply_verdict). Only a
self-initiated break offers "End break". The mood check-in is optional and private: it goes
into the break event for the reviewer's own record, and leads only ever see aggregates.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPaintEvent
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from reviewer_app.domain import ProblemCode
from safeguards import ReviewerState, Verdict

STATE_TEXT = {
    ReviewerState.MICRO_BREAK: "A short pause after a severe item.",
    ReviewerState.SCHEDULED_BREAK: "Time for your scheduled break.",
    ReviewerState.SELF_BREAK: "You chose to take a break.",
    ReviewerState.CAP_REACHED: "You reached an exposure limit. Take a break; there is no "
                               "penalty for this.",
    ReviewerState.SHIFT_OVER: "Your time in graphic queues is over for today. Other work can "
                              "go on; graphic cases come back tomorrow.",
}
CAP_TEXT = ("You reached an exposure limit for this kind of case. There is no penalty for this. "
            "Give the case back (Ctrl+Shift+L) so a colleague takes it; other cases continue.")


def countdown(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


class BreakOverlay(QWidget):
    """Signals:
        sig_end_requested(): the reviewer asked to end a self-initiated break.
        sig_mood(int): the optional check-in, 1 (low) to 5 (good).
    """

    sig_end_requested = Signal()
    sig_mood = Signal(int)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._host = parent
        self.setObjectName("breakOverlay")
        self.setAccessibleName("Break")
        self.setAutoFillBackground(False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.title = QLabel("Break", self)
        self.title.setObjectName("breakTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clock = QLabel("", self)
        self.clock.setObjectName("breakCountdown")
        self.clock.setAccessibleName("Time left in the break")
        self.clock.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel("", self)
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel("Look away from the screen, stretch, breathe out slowly. A simple "
                           "visual puzzle game can help after difficult content.", self)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mood_row = QHBoxLayout()
        mood_row.addStretch(1)
        mood_row.addWidget(QLabel("How are you? (private, optional)", self))
        self.mood = QButtonGroup(self)
        for value in range(1, 6):
            button = QPushButton(str(value), self)
            button.setCheckable(True)
            button.setAccessibleName(f"Mood {value} of 5")
            self.mood.addButton(button, value)
            mood_row.addWidget(button)
        mood_row.addStretch(1)
        self.mood.idClicked.connect(self.sig_mood)
        self.end = QPushButton("End break", self)
        self.end.setObjectName("endBreak")
        self.end.setAccessibleName("End break")
        self.end.clicked.connect(self.sig_end_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        for w in (self.title, self.clock, self.detail, self.hint):
            layout.addWidget(w)
        layout.addLayout(mood_row)
        layout.addWidget(self.end, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(3)
        font = self.clock.font()
        font.setPointSize(font.pointSize() * 4)
        self.clock.setFont(font)
        title_font = self.title.font()
        title_font.setPointSize(title_font.pointSize() * 2)
        self.title.setFont(title_font)
        self.verdict: Verdict | None = None
        parent.installEventFilter(self)
        self.hide()

    def show_verdict(self, verdict: Verdict) -> None:
        """Show (or update) the overlay for a refusing verdict."""
        self.verdict = verdict
        info = verdict.current_break
        if info is not None:
            self.title.setText("Break")
            self.detail.setText(STATE_TEXT.get(info.state, "Break."))
            open_ended = info.length_seconds is None
            self.clock.setText(countdown(info.elapsed_seconds if open_ended
                                         else info.remaining_seconds))
        else:
            self.title.setText("Limit reached")
            shift_over = verdict.reason is ProblemCode.SHIFT_LIMIT
            self.detail.setText(STATE_TEXT[ReviewerState.SHIFT_OVER] if shift_over else CAP_TEXT)
            self.clock.setText(countdown(verdict.retry_after_seconds or 0)
                               if verdict.retry_after_seconds else "")
        self.end.setVisible(verdict.can_end_break)
        self.setGeometry(self._host.rect())
        if not self.isVisible():
            self.mood.setExclusive(False)
            for button in self.mood.buttons():
                button.setChecked(False)
            self.mood.setExclusive(True)
            self.show()
        self.raise_()
        self.setFocus()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        gradient = QLinearGradient(0, 0, 0, self.height())
        gradient.setColorAt(0.0, QColor("#1d2b36"))
        gradient.setColorAt(1.0, QColor("#2d3b33"))
        painter.fillRect(self.rect(), gradient)
        painter.end()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._host.rect())
        return False

    def keyPressEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        """Swallow keys: nothing typed during a break reaches the case below."""

    def mousePressEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        """Swallow clicks that are not on the overlay's own buttons."""
