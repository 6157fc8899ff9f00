"""Synthetic test media: strong colours, shapes and the words SIMULATED CONTENT, plus a corpus
of hostile files. Nothing here depicts anything real. Qt is used to encode, so only GUI tests
import this module."""

from __future__ import annotations

import struct
import zlib

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter


def colourful_image(width: int = 1280, height: int = 720, seed: int = 0) -> QImage:
    """Saturated colour blocks and text: any colour pixel on screen means a safeguard failed."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    colours = ["#ff0000", "#00ff00", "#0000ff", "#ff00ff", "#ffff00", "#00ffff"]
    image.fill(QColor(colours[seed % len(colours)]))
    painter = QPainter(image)
    for i in range(6):
        painter.fillRect(QRect(i * width // 6, height // 3, width // 6, height // 3),
                         QColor(colours[(i + seed + 1) % len(colours)]))
    font = QFont()
    font.setPixelSize(max(12, height // 10))
    painter.setFont(font)
    painter.setPen(QColor("#000000"))
    painter.drawText(image.rect(), int(Qt.AlignmentFlag.AlignCenter), "SIMULATED CONTENT")
    painter.end()
    return image


def encode(image: QImage, fmt: str = "PNG", quality: int = 90) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, fmt, quality), f"cannot encode {fmt}"
    return bytes(data)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def png_with_header(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG whose header claims width x height (8-bit gray), with the given compressed data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", idat or zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))


def deflate_bomb_png() -> bytes:
    """9,000 x 8,000 gray zeros (72 MP): a few hundred KB compressed, ~300 MB decoded as RGB."""
    width, height = 9000, 8000
    raw = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    parts = [raw.compress(row) for _ in range(height)]
    parts.append(raw.flush())
    return png_with_header(width, height, b"".join(parts))


def bad_media_corpus() -> dict[str, bytes]:
    """Name -> bytes of files the viewer must withhold (each must give the placeholder)."""
    jpeg = encode(colourful_image(640, 360), "JPEG")
    png = encode(colourful_image(640, 360), "PNG")
    return {
        "empty": b"",
        "truncated_jpeg": jpeg[: len(jpeg) // 8],
        "corrupt_png": png[:40] + bytes(200) + png[240:],
        "truncated_png": png[:100],
        "header_50000x50000": png_with_header(50_000, 50_000),
        "deflate_bomb": deflate_bomb_png(),
        "html_not_an_image": b"<!doctype html><html><body><img src=x></body></html>",
        "gif_header_only": b"GIF89a\x10\x00\x10\x00",
        "webp_header_only": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
        "random_noise": bytes((i * 7919) % 251 for i in range(4096)),
    }


def max_saturation(image: QImage) -> int:
    """The largest (max - min) of R, G, B over a grid of pixels: 0 for any gray image."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    worst = 0
    step_x = max(1, image.width() // 200)
    step_y = max(1, image.height() // 200)
    for y in range(0, image.height(), step_y):
        for x in range(0, image.width(), step_x):
            c = image.pixelColor(x, y)
            worst = max(worst, max(c.red(), c.green(), c.blue()) - min(c.red(), c.green(),
                                                                      c.blue()))
    return worst
