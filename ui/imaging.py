"""Untrusted bytes -> safeguarded QImage, meant to run in a worker thread.

The promise: what leaves this module is either a safeguarded rendering of the requested step
or a placeholder. The blurred rendering is made by decoding straight to a tiny size (the
detail is never decoded at all), converting to 8-bit grayscale, then smoothly upscaling; so a
bug further up can at worst show a blur, never the raw picture. Any failure (unknown format,
corrupt data, a header claiming a bomb, an allocation refused) gives the placeholder.

Only JPEG, PNG, GIF and WebP are decoded (`domain.IMAGE_CONTENT_TYPES`, the service's list),
decided from the magic bytes by `domain.sniff_image`; Qt is then held to that one plugin, so
an SVG, TIFF, BMP or any other format Qt happens to read is never decoded at all.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QImageReader, QPainter, QPen

from reviewer_app.domain import sniff_image
from ui.outline import outline

ALLOCATION_LIMIT_MB = 128
"""QImageReader refuses any single decode that would allocate more than this."""

MAX_SOURCE_PIXELS = 80_000_000
"""Largest source picture accepted (about 10,000 x 8,000); larger headers are treated as bombs."""

MAX_INPUT_BYTES = 64 * 1024 * 1024

DEFAULT_BLUR_WIDTH = 48
"""Decode width of the blurred step when no policy says otherwise (the policy's
`DisplaySettings.blur_width_px` is the source of truth)."""


class RevealStep(enum.IntEnum):
    """The stepped reveal of SAFEGUARDS.md, from safest to least safe. OUTLINE (edges only,
    see `ui.outline`) exists only where the item's category display offers it. The values are
    never stored: they order the steps and travel in signals within one process."""

    BLURRED = 0
    OUTLINE = 1
    SHARP_GRAY = 2
    COLOUR = 3


@dataclass(frozen=True)
class SafeRendering:
    """A rendering that may be painted. `placeholder` is True when the media was withheld."""

    image: QImage
    step: RevealStep
    placeholder: bool = False
    problem: str | None = None


class UnsafeMedia(Exception):
    """The bytes could not be turned into a safeguarded rendering; the message says why."""


NOT_AN_ALLOWED_PICTURE = "the media is not a JPEG, PNG, GIF or WebP picture"
"""Why a file outside `domain.IMAGE_CONTENT_TYPES` was withheld, as the reviewer reads it."""


def _qt_format(content_type: str) -> bytes:
    """Qt's plugin key for an allowed content type ("image/jpeg" -> b"jpeg")."""
    return content_type.removeprefix("image/").encode("ascii")


def _open_reader(data: bytes) -> tuple[QImageReader, QBuffer]:
    if not data:
        raise UnsafeMedia("the media file is empty")
    if len(data) > MAX_INPUT_BYTES:
        raise UnsafeMedia("the media file is larger than the viewer accepts")
    content_type = sniff_image(data)
    if content_type is None:
        raise UnsafeMedia(NOT_AN_ALLOWED_PICTURE)
    _check_complete(data, content_type)
    QImageReader.setAllocationLimit(ALLOCATION_LIMIT_MB)
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    try:
        reader = _strict_reader(buffer, content_type)
    except UnsafeMedia:
        buffer.close()
        raise
    try:
        _check_size(reader.size())
    except UnsafeMedia:
        _release(reader, buffer)
        raise
    return reader, buffer


def _check_size(size: QSize) -> None:
    if not size.isValid() or size.width() <= 0 or size.height() <= 0:
        raise UnsafeMedia("the picture's header gives no usable size")
    if size.width() * size.height() > MAX_SOURCE_PIXELS:
        raise UnsafeMedia(
            f"the picture claims {size.width()}x{size.height()} pixels, more than the viewer "
            "will decode (a possible decompression bomb)"
        )


def _strict_reader(buffer: QBuffer, content_type: str) -> QImageReader:
    """A reader held to the one plugin of `content_type`: Qt may neither guess from the content
    nor fall back to another plugin, so bytes that are not really that format are refused."""
    wanted = _qt_format(content_type)
    reader = QImageReader(buffer, wanted)
    reader.setAutoDetectImageFormat(False)
    reader.setDecideFormatFromContent(False)
    reader.setAutoTransform(True)
    if not reader.canRead() or bytes(reader.format().data()) != wanted:
        _detach(reader)
        raise UnsafeMedia(f"the media is not a readable {wanted.decode().upper()} picture")
    return reader


def _detach(reader: QImageReader) -> None:
    """Drop the reader's plugin while its buffer still exists: some handlers touch the device
    as they are destroyed, and Python may free the buffer first."""
    reader.setDevice(None)  # type: ignore[arg-type]  # the stubs omit that Qt takes nullptr


def _release(reader: QImageReader, buffer: QBuffer) -> None:
    _detach(reader)
    buffer.close()


_END_MARKERS = {"image/jpeg": b"\xff\xd9", "image/png": b"IEND", "image/gif": b"\x3b"}


def _check_complete(data: bytes, content_type: str) -> None:
    """Refuse files cut short: decoders would quietly paint what they got and fill the rest."""
    name = _qt_format(content_type).decode().upper()
    if content_type == "image/webp":
        complete = len(data) >= 8 + int.from_bytes(data[4:8], "little")
    else:
        tail = data[-64 * 1024:] if content_type == "image/jpeg" else data[-16:]
        complete = _END_MARKERS[content_type] in tail
    if not complete:
        raise UnsafeMedia(f"the {name} file is incomplete (cut short or damaged)")


def _fit(source: QSize, bound: QSize) -> QSize:
    """`source` scaled to fit inside `bound`, aspect kept, never enlarged, never empty."""
    scaled = source.scaled(bound, Qt.AspectRatioMode.KeepAspectRatio)
    if scaled.width() > source.width():
        scaled = QSize(source)
    return QSize(max(1, scaled.width()), max(1, scaled.height()))


def _decode(data: bytes, bound: QSize) -> tuple[QImage, QSize]:
    reader, buffer = _open_reader(data)
    try:
        source = reader.size()
        reader.setScaledSize(_fit(source, bound))
        image = reader.read()
        error = reader.errorString()
    finally:
        _release(reader, buffer)
    if image.isNull():
        raise UnsafeMedia(f"the picture could not be decoded ({error})")
    return image, source


def render(data: bytes, step: RevealStep, display: QSize, *,
           blur_width: int = DEFAULT_BLUR_WIDTH, grayscale: bool = True) -> SafeRendering:
    """Render `data` at `step` to fit `display`; never raises, fails closed to a placeholder.

    `grayscale` applies to the blurred step (team policy may allow a colour blur); the
    outline and sharp-gray steps are always gray (the outline is made from the grayscale
    decode at display size), and only COLOUR shows colour.
    """
    try:
        if step is RevealStep.BLURRED:
            width = max(4, min(640, int(blur_width)))
            tiny, source = _decode(data, QSize(width, width))
            if grayscale:
                tiny = tiny.convertToFormat(QImage.Format.Format_Grayscale8)
            else:
                tiny = tiny.convertToFormat(QImage.Format.Format_RGB32)
            image = _smooth_upscale(tiny, _fit_up(source, display))
        else:
            image, _ = _decode(data, display)
            wanted = (QImage.Format.Format_RGB32 if step is RevealStep.COLOUR
                      else QImage.Format.Format_Grayscale8)
            image = image.convertToFormat(wanted)
            if step is RevealStep.OUTLINE and not image.isNull():
                image = outline(image)
        if image.isNull():
            raise UnsafeMedia("the viewer ran out of memory while preparing the picture")
        return SafeRendering(image=image, step=step)
    except UnsafeMedia as exc:
        return SafeRendering(image=placeholder(display, str(exc)), step=RevealStep.BLURRED,
                             placeholder=True, problem=str(exc))
    except Exception as exc:  # any decoder surprise must still fail closed
        problem = f"the picture could not be prepared safely ({type(exc).__name__})"
        return SafeRendering(image=placeholder(display, problem), step=RevealStep.BLURRED,
                             placeholder=True, problem=problem)


THUMBNAIL_SIZE = QSize(96, 64)
THUMBNAIL_DECODE_WIDTH = 12
"""A strip thumbnail keeps no more detail than the strongest blur of the main view."""


def thumbnail(data: bytes) -> SafeRendering:
    """The strip's thumbnail of an image item: blurred (at the strongest blur's width) and
    grayscale whatever the policy allows, or the placeholder card at thumbnail size."""
    return render(data, RevealStep.BLURRED, THUMBNAIL_SIZE,
                  blur_width=THUMBNAIL_DECODE_WIDTH, grayscale=True)


def _fit_up(source: QSize, bound: QSize) -> QSize:
    """`source` scaled to fill `bound` with aspect kept (may enlarge: the blur is upscaled)."""
    scaled = source.scaled(bound, Qt.AspectRatioMode.KeepAspectRatio)
    return QSize(max(1, scaled.width()), max(1, scaled.height()))


def _smooth_upscale(tiny: QImage, target: QSize) -> QImage:
    """Bilinear upscale of the tiny decode, in one step, gray to gray. (Two steps through a
    quarter-size middle cost a third more and gave the same picture within 2 levels of 255 on
    average; the blur comes from the tiny decode, not from how it is enlarged.)"""
    return tiny.scaled(target, Qt.AspectRatioMode.IgnoreAspectRatio,
                       Qt.TransformationMode.SmoothTransformation)


def placeholder(display: QSize, reason: str) -> QImage:
    """A calm, content-free card saying the media was withheld and why."""
    size = QSize(max(320, display.width()), max(180, display.height()))
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor("#2b2d31"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#5c6068"), 3, Qt.PenStyle.DashLine))
        painter.drawRect(image.rect().adjusted(8, 8, -9, -9))
        painter.setPen(QColor("#d8dadf"))
        font = QFont()
        font.setPointSize(14)
        painter.setFont(font)
        text = f"Media withheld\n\nNo safeguarded rendering could be made:\n{reason}"
        box = QRect(image.rect().adjusted(32, 32, -32, -32))
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), text)
    finally:
        painter.end()
    return image
