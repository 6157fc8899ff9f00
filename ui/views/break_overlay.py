"""The break overlay: covers the whole window, hides all content, shows a calm countdown.

It has no close button and swallows every key and click that is not its own; while it shows,
the window disables every content and decision command (see MainWindow.apply_verdict). Only a
self-initiated break offers "End break". At a cap or the end of the graphic shift (no break
running) it offers the way out, and names only keys the window has left enabled: give the
undecided cases back, pull cases of other categories. The mood check-in is optional and
private: it goes into the break event for the reviewer's own record, and leads only ever see
aggregates. At quit it says that the work is being saved.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPaintEvent
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from reviewer_app.domain import ProblemCode
from safeguards import ReviewerState, Verdict
from ui.views.case_view import hours_minutes

STATE_TEXT = {
    ReviewerState.MICRO_BREAK: "A short pause after a severe item.",
    ReviewerState.SCHEDULED_BREAK: "Time for your scheduled break.",
    ReviewerState.SELF_BREAK: "You chose to take a break.",
    ReviewerState.CAP_REACHED: "You reached an exposure limit. Take a break; there is no "
                               "penalty for this.",
    ReviewerState.SHIFT_OVER: "Your time in graphic queues is over for today. Other work can "
                              "go on; graphic cases come back tomorrow.",
}
CAP_TEXT = "You reached an exposure limit for this kind of case. There is no penalty for this."
SHIFT_OVER_TEXT = ("Your time in graphic queues is over for today; graphic cases come back "
                   "tomorrow. There is no penalty for this.")
RELEASE_AND_PULL_TEXT = ("Give your undecided cases back with Ctrl+Shift+L, then pull cases of "
                         "other categories with Ctrl+L.")
RELEASE_TEXT = "Give your undecided cases back with Ctrl+Shift+L so a colleague can take them."
ALL_CAPPED_TEXT = "Every kind of case is at its limit for now."
RELEASE_IN_BREAK_TEXT = ("Your cases stay yours meanwhile; Ctrl+Shift+L gives the undecided ones "
                         "back to the queue.")
SAVING_TEXT = ("Your decisions, notes and exposure reports are being written and sent to the "
               "service; the window closes when they are safe.")


def countdown(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def frees_in(seconds: float) -> str:
    """When a limit frees, as a person reads it."""
    return "Back in under a minute" if seconds < 60 else f"Back in {hours_minutes(seconds)}"


class BreakOverlay(QWidget):
    """Signals:
        sig_end_requested(): the reviewer asked to end a self-initiated break.
        sig_mood(int): the optional check-in, 1 (low) to 5 (good).
        sig_release_requested(): give the undecided cases back (as Ctrl+Shift+L).
        sig_pull_requested(): pull cases of other categories (as Ctrl+L).
    """

    sig_end_requested = Signal()
    sig_mood = Signal(int)
    sig_release_requested = Signal()
    sig_pull_requested = Signal()

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
        self.mood_row = QWidget(self)
        mood_row = QHBoxLayout(self.mood_row)
        mood_row.addStretch(1)
        mood_row.addWidget(QLabel("How are you? (private, optional)", self.mood_row))
        self.mood = QButtonGroup(self)
        for value in range(1, 6):
            button = QPushButton(str(value), self.mood_row)
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
        self.give_back = QPushButton("Give my undecided cases back (Ctrl+Shift+L)", self)
        self.give_back.setObjectName("giveBack")
        self.give_back.setAccessibleName("Give undecided cases back")
        self.give_back.clicked.connect(self.sig_release_requested)
        self.pull_other = QPushButton("Pull cases of other categories (Ctrl+L)", self)
        self.pull_other.setObjectName("pullOther")
        self.pull_other.setAccessibleName("Pull cases of other categories")
        self.pull_other.clicked.connect(self.sig_pull_requested)
        ways_out = QHBoxLayout()
        ways_out.addStretch(1)
        ways_out.addWidget(self.give_back)
        ways_out.addWidget(self.pull_other)
        ways_out.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        for w in (self.title, self.clock, self.detail, self.hint):
            layout.addWidget(w)
        layout.addWidget(self.mood_row)
        layout.addLayout(ways_out)
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

    def show_verdict(self, verdict: Verdict, *, release: bool = False,
                     pull: bool = False) -> None:
        """Show (or update) the overlay for a refusing verdict. `release` and `pull` say which
        ways out the window has left enabled; the text names only those."""
        self.verdict = verdict
        info = verdict.current_break
        if info is not None:
            self.title.setText("Break")
            text = STATE_TEXT.get(info.state, "Break.")
            self.detail.setText(f"{text} {RELEASE_IN_BREAK_TEXT}" if release else text)
            open_ended = info.length_seconds is None
            self.clock.setText(countdown(info.elapsed_seconds if open_ended
                                         else info.remaining_seconds))
        else:
            self.title.setText("Limit reached")
            shift_over = verdict.reason is ProblemCode.SHIFT_LIMIT
            parts = [SHIFT_OVER_TEXT if shift_over else CAP_TEXT]
            if release and pull:
                parts.append(RELEASE_AND_PULL_TEXT)
            elif release:
                parts.append(RELEASE_TEXT)
            if not pull:
                parts.append(ALL_CAPPED_TEXT)
            self.detail.setText(" ".join(parts))
            self.clock.setText(frees_in(verdict.retry_after_seconds)
                               if verdict.retry_after_seconds else "")
        self.hint.show()
        self.mood_row.show()
        self.give_back.setVisible(release and info is None)
        self.pull_other.setVisible(pull and info is None)
        self.end.setVisible(verdict.can_end_break)
        self._raise_over_host()

    def show_saving(self, detail: str = SAVING_TEXT) -> None:
        """Quitting: the content stays covered while the work is saved."""
        self.verdict = None
        self.title.setText("Saving your work…")
        self.clock.setText("")
        self.detail.setText(detail)
        for widget in (self.hint, self.mood_row, self.give_back, self.pull_other, self.end):
            widget.hide()
        self._raise_over_host()

    def text(self) -> str:
        """Everything the overlay says now, buttons included (what a screen reader reads)."""
        widgets = (self.title, self.clock, self.detail, self.hint, self.give_back,
                   self.pull_other, self.end)
        return "\n".join(w.text() for w in widgets if w.isVisibleTo(self) and w.text())

    def _raise_over_host(self) -> None:
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
