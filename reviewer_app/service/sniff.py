"""Content-Type from the bytes themselves: what a file claims to be is checked at ingest.

Only formats the reviewer tool can safeguard are accepted; anything else is refused. Text has
no magic bytes: it is accepted only when declared "text/plain", and then only as strict UTF-8
without control characters (which could hide content or confuse a terminal or a viewer).
"""

from __future__ import annotations

import re

from reviewer_app.domain import MediaKind, sniff_image

TEXT_TYPE = "text/plain"
MAX_TEXT_BYTES = 1024 * 1024
"""A case's text item is a post, chat or caption: 1 MiB is far more than any of them."""
_TEXT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Unicode's control characters (category Cc) other than tab, newline and carriage return."""


class UnsupportedMedia(ValueError):
    """The bytes are not a format we accept, or do not match the declared Content-Type."""


def sniff(data: bytes) -> tuple[str, MediaKind]:
    """The content type and kind the bytes really are.

    Pictures are recognised by `domain.sniff_image`, the same test the viewer applies, so the
    service never takes in a picture format that the reviewer's viewer would withhold.
    """
    if not data:
        raise UnsupportedMedia("the file is empty")
    image = sniff_image(data)
    if image is not None:
        return image, MediaKind.IMAGE
    head = data[:64]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav", MediaKind.AUDIO
    if head[4:8] == b"ftyp":
        return "video/mp4", MediaKind.VIDEO
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm", MediaKind.VIDEO
    if head.startswith(b"OggS"):
        return "audio/ogg", MediaKind.AUDIO
    raise UnsupportedMedia("unrecognised media format")


def check_text(data: bytes) -> None:
    """Refuses what is not plain UTF-8 text of an acceptable size."""
    if not data:
        raise UnsupportedMedia("the text is empty")
    if len(data) > MAX_TEXT_BYTES:
        raise UnsupportedMedia(f"the text is {len(data)} bytes, more than {MAX_TEXT_BYTES}")
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise UnsupportedMedia(f"the text is not valid UTF-8 (at byte {exc.start})") from exc
    control = _TEXT_CONTROL.search(text)
    if control is not None:
        raise UnsupportedMedia(f"the text holds the control character "
                               f"U+{ord(control.group()):04X} (at character {control.start()})")


def checked_type(data: bytes, declared: str | None) -> tuple[str, MediaKind]:
    """The sniffed type, refusing a declared type that disagrees with the bytes."""
    want = declared.split(";")[0].strip().lower() if declared is not None else None
    if want == TEXT_TYPE:
        if sniff_image(data) is not None:
            raise UnsupportedMedia(f"declared {TEXT_TYPE} but the bytes are a picture")
        check_text(data)
        return TEXT_TYPE, MediaKind.TEXT
    try:
        actual, kind = sniff(data)
    except UnsupportedMedia as exc:
        if want is None or not data:
            raise
        raise UnsupportedMedia(f"declared {want} but the bytes are no format we accept "
                               "(not what the file claims to be)") from exc
    if want is not None:
        if want == "image/jpg":
            want = "image/jpeg"
        if want != actual:
            raise UnsupportedMedia(f"declared {want} but the bytes are {actual}")
    return actual, kind
