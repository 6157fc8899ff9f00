"""The safeguarded media viewer: blurred grayscale by default, revealed only on purpose.

Reveal ways (SAFEGUARDS.md): hold a key (hidden again on release), a lens that sharpens only
the region under the pointer, and a stepped toggle blur -> outline -> sharp gray -> colour
that re-blurs by itself (the outline, edges only, only where the item's category offers it;
stopping at sharp gray where colour is not allowed). The rules are those of the
item on screen (its harm category's display, made safer by personal settings); new rules end
a reveal they no longer allow. Every reveal ends in `sig_exposure` with its duration and the
`ExposureSubject` it was of (the item on screen when it began, never "whatever is open now");
the first paint of a new item emits a `shown` exposure. `hide_now()` blanks everything at
once, and leaving an item (`clear`, `show_item`) ends its reveal first, so it is booked to its
own case and media.

The viewer only ever holds `SafeRendering`s from `ui.imaging`; it never sees raw bytes, so
whatever it paints went through the safeguarded pipeline or is the placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QElapsedTimer, QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from reviewer_app.domain import ExposureKind
from safeguards import RevealMode
from ui.imaging import RevealStep, SafeRendering
from ui.render_cache import ExposureSubject

__all__ = ["ExposureSubject", "MediaViewer", "RevealMode", "ViewerPolicy"]

LENS_RADIUS = 90


@dataclass(frozen=True)
class ViewerPolicy:
    """The display rules the viewer obeys for the item on screen: its harm category's display
    (the team's, with the category's own settings), made only safer by personal ones."""

    blur_width: int = 48
    grayscale: bool = True
    reveal_modes: frozenset[RevealMode] = field(default_factory=lambda: frozenset(RevealMode))
    auto_reblur_s: float = 10.0
    warning_from_severity: int = 3
    colour_allowed: bool = True
    """False: the stepped reveal stops at sharp grayscale; colour is never shown."""
    outline_offered: bool = False
    """True: the stepped reveal goes through an outline rendering (edges only) before sharp
    grayscale."""


class MediaViewer(QWidget):
    """Paints one item of media through the safeguarded pipeline.

    Signals:
        sig_exposure(object, str, int): an exposure ended: its ExposureSubject, the kind
            ("shown"/"revealed") and the duration in ms.
        sig_step_changed(int): the painted RevealStep changed (for the status line).
        sig_needs_step(int): a reveal asked for a rendering that is not ready yet.
    """

    sig_exposure = Signal(object, str, int)
    sig_step_changed = Signal(int)
    sig_needs_step = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mediaViewer")
        self.setAccessibleName("Safeguarded media")
        self.setAccessibleDescription("Blurred grayscale unless revealed on purpose")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(320, 200))
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._policy = ViewerPolicy()
        self._renderings: dict[RevealStep, SafeRendering] = {}
        self._subject: ExposureSubject | None = None
        self._label = ""
        self._hidden = False
        self._interstitial = False
        self._step = RevealStep.BLURRED
        self._holding = False
        self._lens = False
        self._lens_pos: QPoint | None = None
        self._zoom = 1.0
        self._reveal_clock = QElapsedTimer()
        self._reblur = QTimer(self)
        self._reblur.setSingleShot(True)
        self._reblur.timeout.connect(self.reblur)
        self._shown_reported = False

    # ------------------------------------------------------------------ rules

    @property
    def policy(self) -> ViewerPolicy:
        return self._policy

    @policy.setter
    def policy(self, policy: ViewerPolicy) -> None:
        """New rules for what is on screen: a reveal they no longer allow ends at once (booked
        to its item), and a running re-blur countdown never outlasts the new seconds."""
        if policy == self._policy:
            return
        self._policy = policy
        modes = policy.reveal_modes
        if self._holding and RevealMode.HOLD not in modes:
            self.end_hold()
        if self._lens and RevealMode.LENS not in modes:
            self.toggle_lens()
        if self._step is not RevealStep.BLURRED and (
                RevealMode.STEPPED not in modes
                or (self._step is RevealStep.COLOUR and not policy.colour_allowed)
                or (self._step is RevealStep.OUTLINE and not policy.outline_offered)):
            self.reblur()
        elif self._reblur.isActive() and self._reblur.remainingTime() > policy.auto_reblur_s * 1000:
            self._reblur.start(int(policy.auto_reblur_s * 1000))
        self.update()

    # ------------------------------------------------------------------ content

    def clear(self, message: str = "") -> None:
        """Drop the current item (ending any reveal first, so its exposure is booked to it)."""
        self._end_reveal()
        self._renderings.clear()
        self._subject = None
        self._label = message
        self._interstitial = False
        self._shown_reported = False
        self._step = RevealStep.BLURRED
        self._zoom = 1.0
        self.update()

    def show_item(self, blurred: SafeRendering, subject: ExposureSubject | None, *,
                  label: str = "") -> None:
        """Start a new item with its blurred rendering; high severity waits behind a warning.

        `subject` is what every exposure of this item is booked to (None: nothing to count,
        e.g. a case without a picture, which only ever shows the placeholder)."""
        self.clear()
        self._renderings[RevealStep.BLURRED] = blurred
        self._subject = subject
        self._label = label
        severity = int(subject.severity) if subject is not None else 0
        self._interstitial = (severity >= self.policy.warning_from_severity
                              and not blurred.placeholder)
        self._report_shown()
        self.update()

    def add_rendering(self, rendering: SafeRendering) -> None:
        """A rendering of the item on screen arrived from the decode pool. A sharper step is
        used only when a reveal asks; a blurred one is the item re-rendered under new display
        rules and replaces the blur at once (a placeholder too: fail closed)."""
        if RevealStep.BLURRED not in self._renderings:
            return
        if rendering.step is RevealStep.BLURRED:
            self._end_reveal()
            self._renderings = {RevealStep.BLURRED: rendering}
        elif rendering.placeholder or self.is_placeholder:
            return
        elif rendering.step is RevealStep.COLOUR and not self.policy.colour_allowed:
            return  # not for this item: its category forbids colour
        elif rendering.step is RevealStep.OUTLINE and not self.policy.outline_offered:
            return  # not offered for this item's category
        else:
            self._renderings[rendering.step] = rendering
        self.update()

    def forget_sharp(self) -> None:
        """The display rules changed: end any reveal (booked to this item) and drop the sharper
        renderings until they are made again; the blur stays up until its re-rendering."""
        self._end_reveal()
        for step in (RevealStep.OUTLINE, RevealStep.SHARP_GRAY, RevealStep.COLOUR):
            self._renderings.pop(step, None)
        self.update()

    @property
    def subject(self) -> ExposureSubject | None:
        """The item on screen (its case and media), or None."""
        return self._subject

    def has_step(self, step: RevealStep) -> bool:
        return step in self._renderings

    @property
    def is_placeholder(self) -> bool:
        blurred = self._renderings.get(RevealStep.BLURRED)
        return blurred is not None and blurred.placeholder

    @property
    def painted_step(self) -> RevealStep | None:
        """What is on screen now (None when blanked, behind the warning, or empty)."""
        if self._hidden or self._interstitial or RevealStep.BLURRED not in self._renderings:
            return None
        wanted = self._wanted_step()
        return wanted if wanted in self._renderings else RevealStep.BLURRED

    @property
    def interstitial(self) -> bool:
        return self._interstitial

    @property
    def hidden(self) -> bool:
        return self._hidden

    # ------------------------------------------------------------------ safety

    def hide_now(self) -> None:
        """Blank the content at once; it stays blank until `unhide()`."""
        self._end_reveal()
        self._hidden = True
        self.repaint()

    def unhide(self) -> None:
        self._hidden = False
        self._report_shown()  # an item that arrived while hidden is first shown now
        self.update()

    def acknowledge_warning(self) -> None:
        """The reviewer read the category warning and chose to see the blurred preview."""
        if self._interstitial:
            self._interstitial = False
            self._report_shown()
            self.update()

    # ------------------------------------------------------------------ reveal

    def _can_reveal(self) -> bool:
        return (not self._hidden and not self._interstitial and not self.is_placeholder
                and RevealStep.BLURRED in self._renderings)

    def begin_hold(self) -> None:
        if RevealMode.HOLD in self.policy.reveal_modes and self._can_reveal() and not self._holding:
            self._holding = True
            self._start_reveal(RevealStep.SHARP_GRAY)

    def end_hold(self) -> None:
        if self._holding:
            self._holding = False
            self._end_reveal()

    def toggle_lens(self) -> bool:
        """Switch the lens on or off; returns whether it is on."""
        if self._lens:
            self._lens = False
            self._end_reveal()
        elif RevealMode.LENS in self.policy.reveal_modes and self._can_reveal():
            self._lens = True
            self._start_reveal(RevealStep.SHARP_GRAY)
        self.update()
        return self._lens

    def steps(self) -> list[RevealStep]:
        """The stepped reveal for the item on screen, in order: blur, the outline where it is
        offered, sharp gray, colour where it is allowed."""
        found = [RevealStep.BLURRED]
        if self.policy.outline_offered:
            found.append(RevealStep.OUTLINE)
        found.append(RevealStep.SHARP_GRAY)
        if self.policy.colour_allowed:
            found.append(RevealStep.COLOUR)
        return found

    def step_reveal(self) -> RevealStep:
        """Blur -> outline (if offered) -> sharp gray -> colour (if allowed) -> blur; each step
        re-blurs by itself after the policy's seconds. Returns the step now wanted."""
        if RevealMode.STEPPED not in self.policy.reveal_modes or not self._can_reveal():
            return self._step
        steps = self.steps()
        later = [step for step in steps if step > self._step]
        nxt = later[0] if later else RevealStep.BLURRED
        if nxt is RevealStep.BLURRED:
            self.reblur()
            return self._step
        if self._step is RevealStep.BLURRED:
            self._start_reveal(nxt)
        self._step = nxt
        if nxt not in self._renderings:
            self.sig_needs_step.emit(int(nxt))
        self._reblur.start(int(self.policy.auto_reblur_s * 1000))
        self.sig_step_changed.emit(int(self.painted_step or 0))
        self.update()
        return nxt

    def reblur(self) -> None:
        """Back to the blurred step (the auto re-blur timer and the stepped toggle end here)."""
        self._reblur.stop()
        if self._step is not RevealStep.BLURRED:
            self._step = RevealStep.BLURRED
            if not self._holding and not self._lens:
                self._finish_reveal_clock()
            self.sig_step_changed.emit(int(RevealStep.BLURRED))
            self.update()

    def _start_reveal(self, step: RevealStep) -> None:
        if not self._reveal_clock.isValid():
            self._reveal_clock.start()
        if step not in self._renderings:
            self.sig_needs_step.emit(int(step))
        self.update()

    def _end_reveal(self) -> None:
        self._holding = False
        self._lens = False
        self._reblur.stop()
        self._step = RevealStep.BLURRED
        self._finish_reveal_clock()
        self.update()

    def _finish_reveal_clock(self) -> None:
        if self._reveal_clock.isValid():
            elapsed = int(self._reveal_clock.elapsed())
            self._reveal_clock.invalidate()
            if self._subject is not None:
                self.sig_exposure.emit(self._subject, str(ExposureKind.REVEALED), elapsed)

    def _report_shown(self) -> None:
        if (not self._shown_reported and not self._interstitial and not self._hidden
                and not self.is_placeholder and self._subject is not None
                and RevealStep.BLURRED in self._renderings):
            self._shown_reported = True
            self.sig_exposure.emit(self._subject, str(ExposureKind.SHOWN), 0)

    def _wanted_step(self) -> RevealStep:
        step = max(RevealStep.SHARP_GRAY, self._step) if self._holding else self._step
        if step is RevealStep.COLOUR and not self.policy.colour_allowed:
            return RevealStep.SHARP_GRAY  # never painted, whatever asked for it
        if step is RevealStep.OUTLINE and not self.policy.outline_offered:
            return RevealStep.BLURRED
        return step

    # ------------------------------------------------------------------ zoom

    def zoom_in(self) -> None:
        self._zoom = min(8.0, self._zoom * 1.25)
        self.update()

    def zoom_out(self) -> None:
        self._zoom = max(0.25, self._zoom / 1.25)
        self.update()

    def zoom_fit(self) -> None:
        self._zoom = 1.0
        self.update()

    # ------------------------------------------------------------------ events

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._lens:
            self._lens_pos = event.position().toPoint()
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self._lens_pos = None
        self.update()

    def hideEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self._end_reveal()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), self.palette().window())
            if self._hidden:
                self._paint_message(painter, "Content hidden.\nPress H to show the blurred view.")
                return
            blurred = self._renderings.get(RevealStep.BLURRED)
            if blurred is None:
                self._paint_message(painter, self._label or "No media")
                return
            if self._interstitial:
                self._paint_message(painter, self._label + "\n\nThe media stays blurred and "
                                    "grayscale.\nPress Enter to show the blurred preview.")
                return
            step = self.painted_step or RevealStep.BLURRED
            target = self._target_rect(blurred.image.size())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._renderings[step].image)
            sharp = self._renderings.get(RevealStep.SHARP_GRAY)
            if self._lens and self._lens_pos is not None and sharp is not None:
                path = QPainterPath()
                path.addEllipse(QPointF(self._lens_pos), LENS_RADIUS, LENS_RADIUS)
                painter.setClipPath(path)
                painter.drawImage(target, sharp.image)
        finally:
            painter.end()

    def _target_rect(self, size: QSize) -> QRectF:
        bound = QSize(self.width(), self.height())
        fitted = size.scaled(bound, Qt.AspectRatioMode.KeepAspectRatio)
        w, h = fitted.width() * self._zoom, fitted.height() * self._zoom
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def _paint_message(self, painter: QPainter, text: str) -> None:
        painter.setPen(QColor(self.palette().windowText().color()))
        font = QFont(self.font())
        font.setPointSize(font.pointSize() + 2)
        painter.setFont(font)
        painter.drawText(self.rect().adjusted(24, 24, -24, -24),
                         int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), text)
