"""Synthetic test media: strong colours, shapes and the words SIMULATED CONTENT, plus a corpus
of hostile files. Nothing here depicts anything real. Qt is used to encode, so only GUI tests
import this module."""

from __future__ import annotations

import gzip
import io
import struct
import zlib

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

SYNTHETIC_COLOURS = ("#ff0000", "#00ff00", "#0000ff", "#ff00ff", "#ffff00", "#00ffff")
"""Every synthetic picture is painted in these; seeing one on screen means a safeguard failed."""


def colourful_image(width: int = 1280, height: int = 720, seed: int = 0) -> QImage:
    """Saturated colour blocks and text: any colour pixel on screen means a safeguard failed."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    colours = SYNTHETIC_COLOURS
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
    """`image` in `fmt` as Qt writes it (Qt cannot write GIF, so Pillow does that one)."""
    if fmt.upper() == "GIF":
        return _gif(image)
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


def _gif(image: QImage) -> bytes:
    png = Image.open(io.BytesIO(encode(image, "PNG"))).convert("RGB")
    out = io.BytesIO()
    png.convert("P", palette=Image.Palette.ADAPTIVE).save(out, format="GIF")
    return out.getvalue()


def svg_picture(width: int = 640, height: int = 360, *, sized: bool = True,
                view_box: bool = True) -> bytes:
    """Colour bands and SIMULATED CONTENT as SVG text. Without `sized` the renderer picks the
    size from the viewBox (or its own default): either way Qt's SVG plugin draws it."""
    size = f' width="{width}" height="{height}"' if sized else ""
    box = f' viewBox="0 0 {width} {height}"' if view_box else ""
    band = width // len(SYNTHETIC_COLOURS) + 1
    bands = "".join(f'<rect x="{i * (band - 1)}" y="0" width="{band}" height="{height}" '
                    f'fill="{colour}"/>' for i, colour in enumerate(SYNTHETIC_COLOURS))
    text = (f'<text x="{width // 2}" y="{height // 2}" font-size="{height // 10}" '
            'text-anchor="middle">SIMULATED CONTENT</text>')
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg"{size}{box}>{bands}{text}</svg>\n').encode()


def tga_picture(width: int = 160, height: int = 90) -> bytes:
    """An uncompressed 24-bit TGA 2.0: the format has no magic number, so Qt guesses it from
    header fields (a non-empty image id keeps the ICO plugin from claiming it first)."""
    image = colourful_image(width, height).convertToFormat(QImage.Format.Format_BGR888)
    raw = bytes(image.constBits())
    stride = image.bytesPerLine()
    pixels = b"".join(raw[y * stride: y * stride + width * 3] for y in range(height))
    image_id = b"SIMULATED"
    header = struct.pack("<BBBHHBHHHHBB", len(image_id), 0, 2, 0, 0, 0, 0, 0, width, height,
                         24, 0x20)
    footer = struct.pack("<II", 0, 0) + b"TRUEVISION-XFILE.\x00"
    return header + image_id + pixels + footer


def foreign_format_corpus() -> dict[str, bytes]:
    """Name -> well-formed synthetic pictures in formats this Qt CAN decode but the viewer must
    refuse (it decodes only JPEG, PNG, GIF and WebP)."""
    picture = colourful_image(160, 90)
    icon = colourful_image(64, 64)
    svg = svg_picture()
    return {
        "svg_sized": svg,
        "svg_viewbox_only": svg_picture(sized=False),
        "svg_no_size_at_all": svg_picture(sized=False, view_box=False),
        "svgz": gzip.compress(svg),
        "tiff": encode(picture, "TIFF"),
        "bmp": encode(picture, "BMP"),
        "ico": encode(icon, "ICO"),
        "cur": encode(icon, "CUR"),
        "ppm": encode(picture, "PPM"),
        "pgm": encode(picture, "PGM"),
        "pbm": encode(picture, "PBM"),
        "xpm": encode(picture, "XPM"),
        "xbm": encode(picture, "XBM"),
        "wbmp": encode(picture, "WBMP"),
        "tga": tga_picture(),
    }


def bad_media_corpus() -> dict[str, bytes]:
    """Name -> bytes of files the viewer must withhold (each must give the placeholder)."""
    jpeg = encode(colourful_image(640, 360), "JPEG")
    png = encode(colourful_image(640, 360), "PNG")
    gif = encode(colourful_image(160, 90), "GIF")
    webp = encode(colourful_image(640, 360), "WEBP")
    svg = svg_picture()
    return {
        **foreign_format_corpus(),
        "truncated_gif": gif[: len(gif) // 2],
        "truncated_webp": webp[: len(webp) // 2],
        "polyglot_png_magic_then_svg": b"\x89PNG\r\n\x1a\n" + svg,
        "polyglot_webp_magic_then_svg": b"RIFF" + struct.pack("<I", len(svg) + 8) + b"WEBPVP8 "
        + svg,
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


def synthetic_colour_pixels(image: QImage, tolerance: int = 48) -> int:
    """How many pixels of `image` are near one of SYNTHETIC_COLOURS (each channel within
    `tolerance` of 0 or 255, as those colours are): 0 means none of them reached the screen.

    Every pixel is checked, at C speed: each channel is classed low/high/middle by a byte
    table, and the three classes are summed bytewise (as big integers, no carries) into one
    code per pixel, which `bytes.count` then tallies."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, stride = image.width() * 3, image.bytesPerLine()
    raw = bytes(image.constBits())
    rows = b"".join(raw[y * stride: y * stride + width] for y in range(image.height()))
    pixels = len(rows) // 3
    code = 0
    for channel, weight in enumerate((1, 2, 4)):
        table = bytes(0 if v <= tolerance else weight if v >= 255 - tolerance else 8
                      for v in range(256))
        code += int.from_bytes(rows[channel::3].translate(table), "big")
    codes = code.to_bytes(pixels, "big")
    wanted = {(c.red() > 127) + 2 * (c.green() > 127) + 4 * (c.blue() > 127)
              for c in map(QColor, SYNTHETIC_COLOURS)}
    return sum(codes.count(bytes([value])) for value in wanted)


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
