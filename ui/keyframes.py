"""The keyframe strip: safeguarded thumbnails at regular points of a clip; a click seeks.

A reviewer can scan a clip without playing it. The thumbnails are decoded with PyAV from the
in-memory bytes on a worker thread (never the GUI thread): each is read as gray at a small
size, averaged down to the blur width and smoothly enlarged, the same look as the viewer's
blurred step. Colour is never decoded. A clip that cannot be decoded gives an empty strip
with a note, never an exception on the GUI thread.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

import av
import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.workers import Workers

__all__ = ["Keyframe", "KeyframeStrip", "decode_keyframes"]

THUMB_SIZE = QSize(112, 63)
DEFAULT_COUNT = 10
THUMB_BLUR_WIDTH = 24
"""Thumbnails keep no more detail than a strong blur: they are for finding a place, not
for judging it."""

MAX_DECODE_SIDE = 8192


class KeyframeError(Exception):
    """The clip's keyframes could not be decoded; the message says why."""


@dataclass(frozen=True)
class Keyframe:
    position_ms: int
    image: QImage


def _blur(gray: np.ndarray, blur_width: int) -> QImage:
    pixels = np.ascontiguousarray(gray, dtype=np.uint8)
    height, width = pixels.shape
    image = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    tiny = image.scaledToWidth(max(4, min(blur_width, width)),
                               Qt.TransformationMode.SmoothTransformation)
    return tiny.scaled(THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                       Qt.TransformationMode.SmoothTransformation)


def _gray_small(frame: av.VideoFrame) -> np.ndarray:
    """The frame as gray at about four times the blur width (swscale averages it down)."""
    width = max(16, THUMB_SIZE.width())
    height = max(2, round(width * frame.height / max(1, frame.width)))
    small = frame.reformat(width=width, height=height, format="gray", interpolation="AREA")
    return small.to_ndarray(format="gray")


def decode_keyframes(data: bytes, count: int = DEFAULT_COUNT,
                     blur_width: int = THUMB_BLUR_WIDTH) -> list[Keyframe]:
    """`count` blurred gray thumbnails at evenly spaced points; raises KeyframeError.

    Meant for a worker thread: it decodes."""
    if not data:
        raise KeyframeError("the clip is empty")
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                raise KeyframeError("the file holds no video stream")
            stream = container.streams.video[0]
            if not (0 < stream.codec_context.width <= MAX_DECODE_SIDE
                    and 0 < stream.codec_context.height <= MAX_DECODE_SIDE):
                raise KeyframeError("the video gives no usable frame size")
            duration_s = _duration_s(container, stream)
            points = [duration_s * (i + 0.5) / count for i in range(count)] if duration_s else [0.0]
            frames: list[Keyframe] = []
            for at in points:
                found = _frame_near(container, stream, at)
                if found is not None and (not frames or found[0] != frames[-1].position_ms):
                    frames.append(Keyframe(found[0], _blur(found[1], blur_width)))
    except KeyframeError:
        raise
    except Exception as exc:  # any decoder surprise is a note, never a crash
        raise KeyframeError(f"the clip could not be decoded ({type(exc).__name__})") from exc
    if not frames:
        raise KeyframeError("no frame of the clip could be decoded")
    return frames


def _duration_s(container: av.container.InputContainer, stream: av.video.stream.VideoStream
                ) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return 0.0


def _frame_near(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                at_s: float) -> tuple[int, np.ndarray] | None:
    """The first decodable frame at or after the keyframe before `at_s`."""
    base = stream.time_base
    target = int(at_s / base) if base else 0
    container.seek(target + (stream.start_time or 0), stream=stream, backward=True)
    try:
        for frame in container.decode(stream):
            when = float(frame.time) if frame.time is not None else at_s
            return int(when * 1000), _gray_small(frame)
    except av.error.FFmpegError:
        return None
    return None


class KeyframeStrip(QWidget):
    """A row of blurred gray thumbnails under the picture; a click asks to seek there.

    Signals:
        sig_seek(int): seek to this position (ms).
        sig_ready(int): the thumbnails arrived (how many; 0 with a note on failure).
        sig_failed(str): the clip's frames could not be decoded (why): the view withholds it.
    """

    sig_seek = Signal(int)
    sig_ready = Signal(int)
    sig_failed = Signal(str)

    def __init__(self, workers: Workers, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyframeStrip")
        self.setAccessibleName("Keyframes")
        self.setAccessibleDescription("Blurred grayscale thumbnails; click one to seek there")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(THUMB_SIZE.height() + 8)
        self._workers = workers
        self._frames: list[Keyframe] = []
        self._note = ""
        self._generation = 0
        self._busy = False
        self.decode_thread: int | None = None
        """The thread the last decode ran on (tests check it is not the GUI thread)."""

    @property
    def keyframes(self) -> list[Keyframe]:
        return list(self._frames)

    @property
    def note(self) -> str:
        return self._note

    @property
    def busy(self) -> bool:
        return self._busy

    def clear(self) -> None:
        self._generation += 1
        self._frames = []
        self._note = ""
        self._busy = False
        self.update()

    def load(self, data: bytes, count: int = DEFAULT_COUNT) -> None:
        """Decode the strip of `data` on the decode pool; the result replaces this strip only
        if no newer load or clear came in the meantime."""
        self.clear()
        generation = self._generation
        self._busy = True
        self._note = "Loading keyframes..."

        def op() -> list[Keyframe]:
            self.decode_thread = threading.get_ident()
            return decode_keyframes(data, count)

        def done(frames: list[Keyframe]) -> None:
            if generation == self._generation:
                self._finish(frames, "")

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._finish([], f"Keyframes unavailable: {exc}")
                self.sig_failed.emit(str(exc))

        self._workers.run(op, done, failed, pool=self._workers.decode_pool)

    def fail(self, note: str) -> None:
        """No strip for this item (the clip itself was withheld)."""
        self.clear()
        self._note = note
        self.sig_ready.emit(0)

    def _finish(self, frames: list[Keyframe], note: str) -> None:
        self._busy = False
        self._frames = frames
        self._note = note
        self.update()
        self.sig_ready.emit(len(frames))

    def _slot(self, index: int) -> QRect:
        return QRect(4 + index * (THUMB_SIZE.width() + 4), 4, THUMB_SIZE.width(),
                     THUMB_SIZE.height())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        point = event.position().toPoint()
        for index, frame in enumerate(self._frames):
            if self._slot(index).contains(point):
                self.sig_seek.emit(frame.position_ms)
                return
        super().mousePressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), self.palette().window())
            if not self._frames:
                painter.setPen(QColor(self.palette().windowText().color()))
                painter.drawText(self.rect().adjusted(8, 0, -8, 0),
                                 int(Qt.AlignmentFlag.AlignVCenter), self._note)
                return
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            for index, frame in enumerate(self._frames):
                slot = self._slot(index)
                fitted = frame.image.size().scaled(slot.size(), Qt.AspectRatioMode.KeepAspectRatio)
                target = QRect(slot.x() + (slot.width() - fitted.width()) // 2,
                               slot.y() + (slot.height() - fitted.height()) // 2,
                               fitted.width(), fitted.height())
                painter.drawImage(target, frame.image)
        finally:
            painter.end()
