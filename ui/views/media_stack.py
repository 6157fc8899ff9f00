"""The media area of the case view: one widget per kind of item, the one for the item on screen
in front. Pictures go to the MediaViewer, texts to the TextView, clips to the VideoView and
recordings to the AudioView.

The window talks to the stack only: reveal, hide, warning, zoom and playback commands go to
the widget on screen; the display rules, hide-now and unhide go to every widget (an item
opened while the content is hidden stays hidden); the exposures of every widget leave through
one `sig_exposure`, each with the subject its widget reported. Switching widgets ends the
reveal of the one leaving (its hide event), so a reveal is booked to its own item.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from ui.audio import AudioView
from ui.imaging import RevealStep, SafeRendering
from ui.render_cache import ExposureSubject
from ui.video import VideoView
from ui.views.media_viewer import MediaViewer, ViewerPolicy
from ui.views.text_view import TextView
from ui.workers import Workers

PLAYBACK = ("play_pause", "skip", "step_frame", "faster", "slower", "toggle_audio")


class MediaStack(QStackedWidget):
    """Signals:
        sig_exposure(object, str, int): an exposure from any of the widgets (subject, kind, ms).
        sig_step_changed(int): the painted RevealStep of the widget on screen changed.
        sig_needs_step(int): the picture viewer asked for a rendering not made yet.
        sig_problem(str): a clip or recording fell back to the placeholder, with the reason.
    """

    sig_exposure = Signal(object, str, int)
    sig_step_changed = Signal(int)
    sig_needs_step = Signal(int)
    sig_problem = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, workers: Workers | None = None) -> None:
        """`workers`: the app's pools, where the clips' keyframes and waveforms are decoded
        (and drained on quit); without them each view makes its own."""
        super().__init__(parent)
        self.setObjectName("mediaStack")
        self.image = MediaViewer(self)
        self.text = TextView(self)
        self.video: Any = VideoView(self, workers=workers)
        self.audio: Any = AudioView(self, workers=workers)
        for widget in self.widgets:
            self.addWidget(widget)
            widget.sig_exposure.connect(self.sig_exposure)
            step_changed = getattr(widget, "sig_step_changed", None)
            if step_changed is not None:
                step_changed.connect(self.sig_step_changed)
            problem = getattr(widget, "sig_problem", None)
            if problem is not None:
                problem.connect(self.sig_problem)
        self.image.sig_needs_step.connect(self.sig_needs_step)
        self._policy = ViewerPolicy()
        self._hidden = False
        self.setCurrentWidget(self.image)

    @property
    def widgets(self) -> list[Any]:
        return [w for w in (self.image, self.text, self.video, self.audio) if w is not None]

    @property
    def active(self) -> Any:
        """The widget on screen."""
        return self.currentWidget()

    # ------------------------------------------------------------------ rules

    @property
    def policy(self) -> ViewerPolicy:
        return self._policy

    @policy.setter
    def policy(self, policy: ViewerPolicy) -> None:
        self._policy = policy
        for widget in self.widgets:
            widget.policy = policy

    # ------------------------------------------------------------------ items

    def _front(self, widget: QWidget) -> None:
        """Bring `widget` to the front, every other one emptied (its reveal booked first)."""
        for other in self.widgets:
            if other is not widget:
                other.clear()
        self.setCurrentWidget(widget)

    def clear(self, message: str = "") -> None:
        """Nothing on screen but `message` (every reveal ends first, booked to its item)."""
        self._front(self.image)
        self.image.clear(message)

    def show_picture(self, blurred: SafeRendering, subject: ExposureSubject | None, *,
                     label: str = "") -> None:
        self._front(self.image)
        self.image.show_item(blurred, subject, label=label)

    def show_text(self, text: str | None, subject: ExposureSubject | None, *,
                  problem: str | None = None, label: str = "") -> None:
        self._front(self.text)
        self.text.load(text, subject, problem=problem, label=label)

    def show_clip(self, kind: str, data: bytes | None, subject: ExposureSubject | None, *,
                  content_type: str, problem: str | None = None, label: str = "") -> bool:
        """A video or audio item; False when it cannot be opened here (the placeholder is up,
        the caller says why)."""
        widget = self.video if kind == "video" else self.audio
        if widget is None or data is None:
            self._front(self.image)
            self.image.clear(label)
            return False
        self._front(widget)
        widget.load(data, subject, content_type=content_type, label=label)
        return True

    # ------------------------------------------------------------------ safety

    @property
    def hidden(self) -> bool:
        return self._hidden

    def hide_now(self) -> None:
        self._hidden = True
        for widget in self.widgets:
            widget.hide_now()

    def unhide(self) -> None:
        self._hidden = False
        for widget in self.widgets:
            widget.unhide()

    @property
    def interstitial(self) -> bool:
        return bool(self.active.interstitial)

    @property
    def painted_step(self) -> RevealStep | None:
        return self.active.painted_step

    @property
    def is_placeholder(self) -> bool:
        return bool(self.active.is_placeholder)

    @property
    def subject(self) -> ExposureSubject | None:
        return self.active.subject

    # ------------------------------------------------------------------ commands

    def _call(self, name: str, *args: object) -> Any:
        method = getattr(self.active, name, None)
        return method(*args) if method is not None else None

    def begin_hold(self) -> None:
        self._call("begin_hold")

    def end_hold(self) -> None:
        for widget in self.widgets:  # a key released after a switch still ends the hold
            end = getattr(widget, "end_hold", None)
            if end is not None:
                end()

    def toggle_lens(self) -> None:
        self._call("toggle_lens")

    def step_reveal(self) -> None:
        self._call("step_reveal")

    def reblur(self) -> None:
        self._call("reblur")

    def acknowledge_warning(self) -> None:
        self._call("acknowledge_warning")

    def zoom_in(self) -> None:
        self._call("zoom_in")

    def zoom_out(self) -> None:
        self._call("zoom_out")

    def zoom_fit(self) -> None:
        self._call("zoom_fit")

    def open_search(self) -> bool:
        return self.active is self.text and self.text.open_search()

    @property
    def plays(self) -> bool:
        """Whether the widget on screen has playback (a clip or a recording)."""
        return self.active is not None and self.active in (self.video, self.audio)

    def play_pause(self) -> None:
        self._call("play_pause")

    def skip(self, seconds: float) -> None:
        self._call("skip", seconds)

    def step_frame(self, delta: int) -> None:
        self._call("step_frame", delta)

    def faster(self) -> None:
        self._call("faster")

    def slower(self) -> None:
        self._call("slower")

    def toggle_audio(self) -> None:
        self._call("toggle_audio")
