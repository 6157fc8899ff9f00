"""Content-Type from the bytes themselves: what a file claims to be is checked at ingest.

Only formats the reviewer tool can safeguard are accepted; anything else is refused.
"""

from __future__ import annotations

from reviewer_app.domain import MediaKind, sniff_image


class UnsupportedMedia(ValueError):
    """The bytes are not a format we accept, or do not match the declared Content-Type."""


def sniff(data: bytes) -> tuple[str, MediaKind]:
    """The content type and kind the bytes really are.

    Pictures are recognised by `domain.sniff_image`, the same test the viewer applies, so the
    service never takes in a picture format that the reviewer's viewer would withhold.
    """
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


def checked_type(data: bytes, declared: str | None) -> tuple[str, MediaKind]:
    """The sniffed type, refusing a declared type that disagrees with the bytes."""
    actual, kind = sniff(data)
    if declared is not None:
        want = declared.split(";")[0].strip().lower()
        if want == "image/jpg":
            want = "image/jpeg"
        if want != actual:
            raise UnsupportedMedia(f"declared {want} but the bytes are {actual}")
    return actual, kind
