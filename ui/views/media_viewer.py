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
own case and media. That reveal (its steps, its re-blur, what it books) is
`ui.reveal.RevealState`, the one the clip, recording and text views use too.

The viewer only ever holds `SafeRendering`s from `ui.imaging`; it never sees raw bytes, so
whatever it paints went through the safeguarded pipeline or is the placeholder.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from safeguards import RevealMode
from ui.imaging import RevealStep, SafeRendering
from ui.render_cache import ExposureSubject
from ui.reveal import RevealState, ViewerPolicy

__all__ = ["ExposureSubject", "MediaViewer", "RevealMode", "ViewerPolicy"]

LENS_RADIUS = 90


class MediaViewer(QWidget):
    """Paints one item of media through the safeguarded pipeline; its reveal is a
    `ui.reveal.RevealState`.

    Signals:
        sig_exposure(object, str, int): an exposure ended: its ExposureSubject, the kind
            ("shown"/"revealed") and the duration in ms.
        sig_step_changed(int): the painted RevealStep changed (for the status line).
        sig_needs_step(int): a reveal asked for a rendering that is not ready yet.
        sig_display(QSize): the viewer's size in device pixels changed (renderings made for
            it are painted as they are, without scaling).
    """

    sig_exposure = Signal(object, str, int)
    sig_step_changed = Signal(int)
    sig_needs_step = Signal(int)
    sig_display = Signal(QSize)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mediaViewer")
        self.setAccessibleName("Safeguarded media")
        self.setAccessibleDescription("Blurred grayscale unless revealed on purpose")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(320, 200))
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # paintEvent fills every pixel, so Qt need not paint the window beneath it first
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._renderings: dict[RevealStep, SafeRendering] = {}
        self._label = ""
        self._lens_pos: QPoint | None = None
        self._zoom = 1.0
        self._fitted: dict[int, QImage] = {}
        """Renderings of another size than the widget's, scaled once to fit it (by cacheKey)."""
        self._reveal = RevealState(self, ready=self._ready, painted=lambda: self.painted_step)
        self._reveal.sig_exposure.connect(self.sig_exposure)
        self._reveal.sig_step_changed.connect(self.sig_step_changed)
        self._reveal.sig_needs_step.connect(self._needs_step)
        self._reveal.sig_changed.connect(self.update)

    @property
    def reveal(self) -> RevealState:
        """The reveal of the item on screen."""
        return self._reveal

    # ------------------------------------------------------------------ rules

    @property
    def policy(self) -> ViewerPolicy:
        return self._reveal.policy

    @policy.setter
    def policy(self, policy: ViewerPolicy) -> None:
        """New rules for what is on screen: a reveal they no longer allow ends at once (booked
        to its item), and a running re-blur countdown never outlasts the new seconds."""
        self._reveal.policy = policy

    # ------------------------------------------------------------------ content

    def clear(self, message: str = "") -> None:
        """Drop the current item (ending any reveal first, so its exposure is booked to it)."""
        self._reveal.clear()
        self._renderings.clear()
        self._fitted.clear()
        self._label = message
        self._zoom = 1.0
        self.update()

    def show_item(self, blurred: SafeRendering, subject: ExposureSubject | None, *,
                  label: str = "") -> None:
        """Start a new item with its blurred rendering; high severity waits behind a warning.

        `subject` is what every exposure of this item is booked to (None: nothing to count,
        e.g. a case without a picture, which only ever shows the placeholder)."""
        self.clear()
        self._renderings[RevealStep.BLURRED] = blurred
        self._label = label
        self._reveal.open_item(subject, withheld=blurred.placeholder)
        self._reveal.report_shown()
        self.update()

    def add_rendering(self, rendering: SafeRendering) -> None:
        """A rendering of the item on screen arrived from the decode pool. A sharper step is
        used only when a reveal asks; a blurred one is the item re-rendered under new display
        rules and replaces the blur at once (a placeholder too: fail closed)."""
        if RevealStep.BLURRED not in self._renderings:
            return
        if rendering.step is RevealStep.BLURRED:
            self._reveal.end_reveal()
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
        self._reveal.end_reveal()
        for step in (RevealStep.OUTLINE, RevealStep.SHARP_GRAY, RevealStep.COLOUR):
            self._renderings.pop(step, None)
        self.update()

    @property
    def subject(self) -> ExposureSubject | None:
        """The item on screen (its case and media), or None."""
        return self._reveal.subject

    def has_step(self, step: RevealStep) -> bool:
        return step in self._renderings

    @property
    def is_placeholder(self) -> bool:
        blurred = self._renderings.get(RevealStep.BLURRED)
        return blurred is not None and blurred.placeholder

    @property
    def painted_step(self) -> RevealStep | None:
        """What is on screen now (None when blanked, behind the warning, or empty)."""
        if (self._reveal.hidden or self._reveal.interstitial
                or RevealStep.BLURRED not in self._renderings):
            return None
        wanted = self._reveal.wanted_step()
        return wanted if wanted in self._renderings else RevealStep.BLURRED

    @property
    def interstitial(self) -> bool:
        return self._reveal.interstitial

    @property
    def hidden(self) -> bool:
        return self._reveal.hidden

    def _ready(self) -> bool:
        return RevealStep.BLURRED in self._renderings and not self.is_placeholder

    def _needs_step(self, step: int) -> None:
        if RevealStep(step) not in self._renderings:
            self.sig_needs_step.emit(step)

    # ------------------------------------------------------------------ safety

    def hide_now(self) -> None:
        """Blank the content at once; it stays blank until `unhide()`."""
        self._reveal.hide_now()
        self.repaint()

    def unhide(self) -> None:
        self._reveal.unhide()

    def acknowledge_warning(self) -> None:
        """The reviewer read the category warning and chose to see the blurred preview."""
        self._reveal.acknowledge_warning()

    # ------------------------------------------------------------------ reveal

    def begin_hold(self) -> None:
        self._reveal.begin_hold()

    def end_hold(self) -> None:
        self._reveal.end_hold()

    def toggle_lens(self) -> bool:
        """Switch the lens on or off; returns whether it is on."""
        on = self._reveal.toggle_lens()
        self.update()
        return on

    def steps(self) -> list[RevealStep]:
        """The stepped reveal for the item on screen, in order: blur, the outline where it is
        offered, sharp gray, colour where it is allowed."""
        return self._reveal.steps()

    def step_reveal(self) -> RevealStep:
        """Blur -> outline (if offered) -> sharp gray -> colour (if allowed) -> blur; each step
        re-blurs by itself after the policy's seconds. Returns the step now wanted."""
        return self._reveal.step_reveal()

    def reblur(self) -> None:
        """Back to the blurred step (the auto re-blur timer and the stepped toggle end here)."""
        self._reveal.reblur()

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
        if self._reveal.lens:
            self._lens_pos = event.position().toPoint()
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self._lens_pos = None
        self.update()

    def hideEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self._reveal.end_reveal()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self._fitted.clear()
        self.sig_display.emit(self.display_size())
        super().resizeEvent(event)

    def display_size(self) -> QSize:
        """The widget's size in device pixels: what a rendering fits to be painted unscaled."""
        ratio = self.devicePixelRatioF()
        return QSize(max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio)))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        try:
            background = self.palette().window()
            if self._paint_picture(painter, background):
                return
            painter.fillRect(self.rect(), background)
            if self._reveal.hidden:
                self._paint_message(painter, "Content hidden.\nPress H to show the blurred view.")
                return
            blurred = self._renderings.get(RevealStep.BLURRED)
            if blurred is None:
                self._paint_message(painter, self._label or "No media")
                return
            if self._reveal.interstitial:
                self._paint_message(painter, self._label + "\n\nThe media stays blurred and "
                                    "grayscale.\nPress Enter to show the blurred preview.")
                return
            step = self.painted_step or RevealStep.BLURRED
            target = self._target_rect(blurred.image.size())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._fit(self._renderings[step].image, target))
            sharp = self._renderings.get(RevealStep.SHARP_GRAY)
            if self._reveal.lens and self._lens_pos is not None and sharp is not None:
                path = QPainterPath()
                path.addEllipse(QPointF(self._lens_pos), LENS_RADIUS, LENS_RADIUS)
                painter.setClipPath(path)
                painter.drawImage(target, self._fit(sharp.image, target))
        finally:
            painter.end()

    def _paint_picture(self, painter: QPainter, background: QBrush) -> bool:
        """The common paint, a rendering made for this size shown as it is (no lens, no
        zoom): the picture copied whole and only the bands beside it filled. Returns False,
        having painted nothing, for every other case: the caller then fills the whole widget
        first (the viewer is opaque: what it leaves unpainted would show what was there)."""
        blurred = self._renderings.get(RevealStep.BLURRED)
        if (blurred is None or self._reveal.hidden or self._reveal.interstitial
                or self._reveal.lens or self._zoom != 1.0 or self.devicePixelRatioF() != 1.0):
            return False
        image = self._renderings[self.painted_step or RevealStep.BLURRED].image
        fitted = blurred.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        if image.size() != fitted:
            return False
        whole = QRect(QPoint((self.width() - fitted.width()) // 2,
                             (self.height() - fitted.height()) // 2), fitted)
        width, height = self.width(), self.height()
        for band in (QRect(0, 0, whole.left(), height),  # left, right, above, below
                     QRect(whole.right() + 1, 0, width - whole.right() - 1, height),
                     QRect(whole.left(), 0, whole.width(), whole.top()),
                     QRect(whole.left(), whole.bottom() + 1, whole.width(),
                           height - whole.bottom() - 1)):
            if not band.isEmpty():
                painter.fillRect(band, background)
        painter.drawImage(whole.topLeft(), image)
        return True

    def _fit(self, image: QImage, target: QRectF) -> QImage:
        """`image` at the size it is painted, when it fits the widget: made once per size, not
        smoothly scaled on every paint (zoomed views are scaled by the painter)."""
        ratio = self.devicePixelRatioF()
        size = QSize(round(target.width() * ratio), round(target.height() * ratio))
        if self._zoom != 1.0 or image.size() == size or size.isEmpty():
            return image
        key = image.cacheKey()
        fitted = self._fitted.get(key)
        if fitted is None or fitted.size() != size:
            if len(self._fitted) >= 4:
                self._fitted.clear()
            fitted = image.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio,
                                  Qt.TransformationMode.SmoothTransformation)
            self._fitted[key] = fitted
        return fitted

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
