"""The frame safeguard: a decoded video frame -> a QImage that may be painted, or None.

Every frame the video sink delivers passes through `safeguard()` before anything is painted.
Below the colour step, colour never exists at all: the luma (Y) plane of a YUV frame is read
straight into a Grayscale8 image, and the chroma planes are never touched. The blurred step
keeps only a few dozen pixels across (read with a stride, then averaged down), so a bug
further on can at worst paint a blur. Frames of a format we cannot read the luma of, or that
cannot be mapped, give None: the caller keeps its last safe frame or shows the placeholder.

The per-frame work is kept small (a 1080p30 clip must keep up at 2x on the GUI thread): the
luma is read with an integer stride down to about the size needed, never scaled whole.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame, QVideoFrameFormat

from ui.imaging import RevealStep
from ui.outline import OUTLINE_WIDTH, outline

__all__ = ["BLUR_MIDDLE_FACTOR", "frame_luma", "is_supported", "safeguard"]

PF = QVideoFrameFormat.PixelFormat

_PLANAR_8BIT = frozenset({
    PF.Format_YUV420P, PF.Format_YUV422P, PF.Format_YV12, PF.Format_NV12, PF.Format_NV21,
    PF.Format_IMC1, PF.Format_IMC2, PF.Format_IMC3, PF.Format_IMC4, PF.Format_Y8,
})
"""Formats whose plane 0 is the 8-bit luma."""

_PLANAR_16BIT_HIGH = frozenset({PF.Format_P010, PF.Format_P016, PF.Format_Y16})
"""Plane 0 is 16-bit luma with the significant bits at the top: its high byte is the luma."""

_PLANAR_10BIT_LOW = frozenset({PF.Format_YUV420P10})
"""Plane 0 is 16-bit luma holding 10 bits at the bottom."""

_PACKED_Y_OFFSET = {PF.Format_YUYV: 0, PF.Format_UYVY: 1}
"""Packed 4:2:2: luma in every second byte, at this offset."""

_RGB = frozenset({
    PF.Format_ARGB8888, PF.Format_ARGB8888_Premultiplied, PF.Format_XRGB8888,
    PF.Format_BGRA8888, PF.Format_BGRA8888_Premultiplied, PF.Format_BGRX8888,
    PF.Format_ABGR8888, PF.Format_XBGR8888, PF.Format_RGBA8888, PF.Format_RGBX8888,
})
"""No luma plane: converted whole by Qt, then to Grayscale8 before anything else sees it."""

BLUR_MIDDLE_FACTOR = 4
"""The blur is made at `blur_width` and smoothly enlarged this many times; the painter does
the last (smooth) step to the screen, which keeps the per-frame cost independent of it."""

MAX_SIDE = 8192


def is_supported(frame: QVideoFrame) -> bool:
    """Whether the safeguard can read a gray picture from this frame's format."""
    fmt = frame.pixelFormat()
    return (fmt in _PLANAR_8BIT or fmt in _PLANAR_16BIT_HIGH or fmt in _PLANAR_10BIT_LOW
            or fmt in _PACKED_Y_OFFSET or fmt in _RGB)


def _stride_for(width: int, height: int, bound: QSize) -> int:
    """The largest integer stride that still leaves at least `bound` pixels each way."""
    kx = width // max(1, bound.width())
    ky = height // max(1, bound.height())
    return max(1, min(kx, ky))


def _luma_view(frame: QVideoFrame) -> np.ndarray | None:
    """A (height, width) uint8 view of the mapped frame's luma (valid until unmap), or None."""
    fmt = frame.pixelFormat()
    width, height = frame.width(), frame.height()
    stride = frame.bytesPerLine(0)
    bits = frame.bits(0)
    if bits is None:
        return None
    buf = np.frombuffer(bits, dtype=np.uint8)
    if buf.size < stride * height:
        return None
    rows = buf[:stride * height].reshape(height, stride)
    if fmt in _PLANAR_8BIT:
        return rows[:, :width]
    if fmt in _PLANAR_16BIT_HIGH:
        return rows[:, 1:2 * width:2]  # little-endian: the high byte of each sample
    if fmt in _PLANAR_10BIT_LOW:
        wide = rows[:, :2 * width].view("<u2")
        return (wide >> 2).astype(np.uint8)
    if fmt in _PACKED_Y_OFFSET:
        offset = _PACKED_Y_OFFSET[fmt]
        return rows[:, offset:offset + 2 * width:2]
    return None


def _gray_image(pixels: np.ndarray) -> QImage:
    """A Grayscale8 QImage owning a copy of `pixels` (so it outlives the mapped frame)."""
    pixels = np.ascontiguousarray(pixels)
    height, width = pixels.shape
    return QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()


def _rgb_to_gray(frame: QVideoFrame, bound: QSize) -> QImage:
    """An RGB frame: Qt converts it, then Grayscale8 right away (nothing keeps the colour)."""
    image = frame.toImage()
    if image.isNull():
        return image
    if image.width() > bound.width() * 2:
        image = image.scaled(bound * 2, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.FastTransformation)
    return image.convertToFormat(QImage.Format.Format_Grayscale8)


def frame_luma(frame: QVideoFrame, bound: QSize) -> QImage | None:
    """The frame's luma as Grayscale8, read with an integer stride so it is no smaller than
    `bound` (aspect kept); None when the frame cannot be read as gray."""
    if not frame.isValid() or not is_supported(frame):
        return None
    width, height = frame.width(), frame.height()
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        return None
    if frame.pixelFormat() in _RGB:
        image = _rgb_to_gray(frame, bound)
        return None if image.isNull() else image
    if not frame.map(QVideoFrame.MapMode.ReadOnly):
        return None
    try:
        luma = _luma_view(frame)
        if luma is None:
            return None
        k = _stride_for(width, height, bound)
        return _gray_image(luma[::k, ::k])
    finally:
        frame.unmap()


def _blurred(frame: QVideoFrame, blur_width: int) -> QImage | None:
    width = max(4, min(640, int(blur_width)))
    middle = QSize(width * BLUR_MIDDLE_FACTOR, max(1, width * BLUR_MIDDLE_FACTOR * 9 // 16))
    gray = frame_luma(frame, middle)
    if gray is None:
        return None
    tiny = gray.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    target = QSize(width * BLUR_MIDDLE_FACTOR,
                   max(1, round(width * BLUR_MIDDLE_FACTOR * gray.height() / gray.width())))
    return tiny.scaled(target, Qt.AspectRatioMode.IgnoreAspectRatio,
                       Qt.TransformationMode.SmoothTransformation)


def safeguard(frame: QVideoFrame, step: RevealStep, display: QSize, *, blur_width: int,
              colour_allowed: bool) -> QImage | None:
    """The frame as it may be painted at `step`, sized for `display` (the painter fits it);
    None when it cannot be safeguarded. Only COLOUR, where allowed, shows colour."""
    try:
        if step is RevealStep.BLURRED:
            return _blurred(frame, blur_width)
        if step is RevealStep.OUTLINE:
            gray = frame_luma(frame, QSize(OUTLINE_WIDTH, OUTLINE_WIDTH * 9 // 16))
            return None if gray is None else outline(gray)
        if step is RevealStep.COLOUR and colour_allowed:
            if not frame.isValid() or not is_supported(frame):
                return None
            image = frame.toImage()
            if image.isNull():
                return None
            return image.scaled(display, Qt.AspectRatioMode.KeepAspectRatio,
                                Qt.TransformationMode.FastTransformation)
        return frame_luma(frame, display)
    except (RuntimeError, ValueError, MemoryError):
        return None
