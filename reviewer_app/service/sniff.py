"""Content-Type from the bytes themselves: what a file claims to be is checked at ingest.

Only formats the reviewer tool can safeguard are accepted; anything else is refused.
"""

from __future__ import annotations

from reviewer_app.domain import MediaKind


class UnsupportedMedia(ValueError):
    """The bytes are not a format we accept, or do not match the declared Content-Type."""


def sniff(data: bytes) -> tuple[str, MediaKind]:
    """The content type and kind the bytes really are."""
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", MediaKind.IMAGE
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", MediaKind.IMAGE
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif", MediaKind.IMAGE
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", MediaKind.IMAGE
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
