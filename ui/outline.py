"""The reduced-detail step: an outline rendering of a grayscale picture or video frame.

Between the blur and the sharp grayscale, a lead's policy may offer a rendering that keeps
only the edges of a scene and drops its texture and shading, so that what happens can be
judged while less of how it looks is seen. Studies of such renderings found that they reduced
distress while keeping content judgeable; the tool claims no more than that.

The input is always already grayscale (an 8-bit luma plane): colour never reaches this
module. The work is plain array arithmetic (numpy), safe to run on any worker thread.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

OUTLINE_WIDTH = 640
"""Edges are found at this width at most: finer detail than this is not part of an outline."""


def gray_array(image: QImage) -> np.ndarray:
    """A copy of a Grayscale8 image's pixels as a (height, width) uint8 array."""
    if image.format() is not QImage.Format.Format_Grayscale8:
        image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    height, width, stride = image.height(), image.width(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * height)
    return rows.reshape(height, stride)[:, :width].copy()


def array_image(pixels: np.ndarray) -> QImage:
    """A Grayscale8 QImage that owns a copy of a (height, width) uint8 array."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = pixels.shape
    return QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()


def outline_pixels(gray: np.ndarray) -> np.ndarray:
    """Dark edges on a light, flat ground: the Sobel gradient of the luma plane (already
    smoothed by the downscale before it), kept only where it is among the strongest tenth."""
    h, w = gray.shape
    if h < 3 or w < 3:
        return np.full(gray.shape, 235, dtype=np.uint8)
    p = np.pad(gray, 1, mode="edge").astype(np.int16)
    right = p[0:h, 2:] + 2 * p[1:h + 1, 2:] + p[2:, 2:]
    left = p[0:h, :w] + 2 * p[1:h + 1, :w] + p[2:, :w]
    below = p[2:, 0:w] + 2 * p[2:, 1:w + 1] + p[2:, 2:]
    above = p[:h, 0:w] + 2 * p[:h, 1:w + 1] + p[:h, 2:]
    magnitude = np.abs(right - left) + np.abs(below - above)
    flat = magnitude.ravel()
    tenth = flat.size - max(1, flat.size // 10)
    threshold = max(32, int(np.partition(flat, tenth)[tenth]))
    strength = np.minimum(np.maximum(magnitude - threshold, 0) * 200 // threshold, 200)
    return (235 - strength).astype(np.uint8)


def outline(image: QImage) -> QImage:
    """The outline rendering of a grayscale `image`, at most OUTLINE_WIDTH across (the viewer
    scales it to the screen like any rendering). Never colour: the result is Grayscale8."""
    small = image
    if image.width() > OUTLINE_WIDTH:
        small = image.scaledToWidth(OUTLINE_WIDTH, Qt.TransformationMode.SmoothTransformation)
    return array_image(outline_pixels(gray_array(small)))
