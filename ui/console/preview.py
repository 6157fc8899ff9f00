"""A live preview of a policy's display on a SYNTHETIC picture (shapes, strong colours and the
words SIMULATED CONTENT): blurred, sharp grayscale and colour (when allowed), rendered by the
same `ui.imaging.render` the reviewers' viewer uses, at the same size, so the lead sees what
reviewers will see. Leads never see case media: this picture is made here.

Renders run on the decode pool; a result for settings that have changed since is dropped.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QWidget

from safeguards import DisplaySettings
from ui.console.wording import blur_words, category_text, severity_text
from ui.imaging import RevealStep, SafeRendering, render
from ui.workers import Workers

REVIEWER_DISPLAY = QSize(1280, 720)
"""The size the workstation renders media at (ReviewFlow's default): the preview renders there
too and is scaled down on screen, like the viewer scales to its window."""
_COLOURS = ("#ff0000", "#00c000", "#0040ff", "#ff00ff", "#ffd000", "#00d0d0")


def synthetic_picture(width: int = 1280, height: int = 720) -> bytes:
    """A PNG of saturated shapes and "SIMULATED CONTENT": nothing real, ever."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#ffd000"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for i, colour in enumerate(_COLOURS):
            painter.fillRect(QRect(i * width // 6, 0, width // 6, height // 4), QColor(colour))
        painter.setBrush(QColor("#ff0000"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QRectF(width * 0.06, height * 0.32, width * 0.26, height * 0.5))
        painter.setBrush(QColor("#0040ff"))
        painter.drawPolygon(QPolygonF([QPointF(width * 0.70, height * 0.85),
                                       QPointF(width * 0.95, height * 0.85),
                                       QPointF(width * 0.82, height * 0.30)]))
        painter.setPen(QPen(QColor("#00c000"), max(4, width // 80)))
        painter.drawLine(QPointF(0, height * 0.95), QPointF(width, height * 0.55))
        font = QFont()
        font.setPixelSize(max(12, height // 9))
        font.setBold(True)
        painter.setFont(font)
        box = QRect(width // 8, height * 2 // 5, width * 3 // 4, height // 5)
        painter.fillRect(box, QColor("#000000"))
        painter.setPen(QColor("#ffffff"))
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), "SIMULATED CONTENT")
    finally:
        painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # stubs want bytes
    buffer.close()
    return bytes(data.data())


class PreviewPanel(QWidget):
    """One step of the preview: the rendering scaled to fit, or a sentence when there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(QSize(240, 135))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.rendering: SafeRendering | None = None
        self.message = "Rendering…"

    def show_rendering(self, rendering: SafeRendering | None, message: str = "") -> None:
        self.rendering = rendering
        self.message = message
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor("#202225"))
            if self.rendering is None:
                painter.setPen(QColor("#b9bbbe"))
                painter.drawText(self.rect().adjusted(8, 8, -8, -8),
                                 int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                                 self.message)
                return
            image = self.rendering.image
            fitted = image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = (self.width() - fitted.width()) / 2
            y = (self.height() - fitted.height()) / 2
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(x, y, fitted.width(), fitted.height()), image)
        finally:
            painter.end()


class PolicyPreview(QWidget):
    """The three reveal steps of a display, side by side, with what each means.

    Signals:
        sig_rendered(): every panel shows the display last asked for.
    """

    sig_rendered = Signal()

    def __init__(self, workers: Workers, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyPreview")
        self.setAccessibleName("Preview on a synthetic picture")
        self.workers = workers
        self.source = synthetic_picture(REVIEWER_DISPLAY.width(), REVIEWER_DISPLAY.height())
        self.display: DisplaySettings | None = None
        self.category: str | None = None
        self._generation = 0
        self._waiting: set[RevealStep] = set()
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.panels = {step: PreviewPanel(self) for step in RevealStep}
        self.captions = {step: QLabel(self) for step in RevealStep}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.heading, 0, 0, 1, len(RevealStep))
        for column, step in enumerate(RevealStep):
            self.panels[step].setAccessibleName(f"Preview: {step.name.lower()}")
            self.captions[step].setWordWrap(True)
            grid.addWidget(self.panels[step], 1, column)
            grid.addWidget(self.captions[step], 2, column)

    @property
    def ready(self) -> bool:
        return not self._waiting and self.display is not None

    def show_display(self, display: DisplaySettings, category: str | None = None) -> None:
        """Render `display` (the team's, or one category's with the team's defaults under it)."""
        if display == self.display and category == self.category and not self._waiting:
            return
        self.display, self.category = display, category
        self._generation += 1
        generation = self._generation
        whose = (f"{category_text(category)} media" if category
                 else "media of every category without its own settings")
        self.heading.setText(
            f"<b>What reviewers see</b> for {whose} (a synthetic picture, rendered by the "
            f"viewer's own safeguarded pipeline). Warning screen before media of severity "
            f"{severity_text(display.warning_from_severity)} or higher. Reveal by "
            f"{', '.join(str(m) for m in display.reveal_modes)}; re-blurs after "
            f"{display.auto_reblur_seconds} s.")
        self.captions[RevealStep.BLURRED].setText(
            f"Before any reveal: {blur_words(display.blur_strength)}, "
            f"{'grayscale' if display.grayscale else 'in colour'}")
        self.captions[RevealStep.SHARP_GRAY].setText("Revealed: sharp, always grayscale")
        steps = [RevealStep.BLURRED, RevealStep.SHARP_GRAY]
        if display.outline_offered:
            self.captions[RevealStep.OUTLINE].setText(
                "Outline step (edges only): studies found outline renderings reduced "
                "distress while keeping content judgeable")
            steps.append(RevealStep.OUTLINE)
        else:
            self.captions[RevealStep.OUTLINE].setText("No outline step")
            self.panels[RevealStep.OUTLINE].show_rendering(
                None, "The outline step is not offered for this media.")
        if display.colour_allowed:
            self.captions[RevealStep.COLOUR].setText("Revealed in colour (last step)")
            steps.append(RevealStep.COLOUR)
        else:
            self.captions[RevealStep.COLOUR].setText("Colour is never shown")
            self.panels[RevealStep.COLOUR].show_rendering(
                None, "Colour is not allowed: the reveal stops at sharp grayscale.")
        self._waiting = set(steps)
        for step in steps:
            if self.panels[step].rendering is None or step is RevealStep.BLURRED:
                self.panels[step].show_rendering(None, "Rendering…")
            self._render(step, display, generation)

    def _render(self, step: RevealStep, display: DisplaySettings, generation: int) -> None:
        data, width, gray = self.source, display.blur_width_px, display.grayscale

        def op() -> SafeRendering:
            return render(data, step, REVIEWER_DISPLAY, blur_width=width, grayscale=gray)

        self.workers.decode(op, lambda r: self._rendered(step, r, generation))

    def _rendered(self, step: RevealStep, rendering: SafeRendering, generation: int) -> None:
        if generation != self._generation:
            return
        self.panels[step].show_rendering(rendering)
        self._waiting.discard(step)
        if not self._waiting:
            self.sig_rendered.emit()
