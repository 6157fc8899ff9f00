"""One list of picture formats, one sniffing function: ingest and viewer can never disagree.

Qt-free: the pictures are synthetic (flat colours) and encoded with Pillow. The viewer's own
decoder is checked against the same function in tests/gui/test_imaging.py.
"""

from __future__ import annotations

import gzip
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from reviewer_app.domain import IMAGE_CONTENT_TYPES, MediaKind, sniff_image
from reviewer_app.service.sniff import UnsupportedMedia, checked_type, sniff

SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="36">'
       b'<rect width="64" height="36" fill="#ff0000"/></svg>')
SVG_VIEWBOX_ONLY = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 36">'
                    b'<rect width="64" height="36" fill="#00ff00"/></svg>')


def _encoded(fmt: str, **options: object) -> bytes:
    picture = Image.new("RGB", (64, 36), (255, 0, 255))
    if fmt == "XBM":
        picture = picture.convert("1")
    elif fmt in ("PBM", "PGM"):  # Pillow writes both through its PPM plugin, by mode
        picture, fmt = picture.convert("1" if fmt == "PBM" else "L"), "PPM"
    out = io.BytesIO()
    picture.save(out, format=fmt, **options)
    return out.getvalue()


ALLOWED: dict[str, tuple[bytes, str]] = {
    "png": (_encoded("PNG"), "image/png"),
    "jpeg": (_encoded("JPEG"), "image/jpeg"),
    "gif87a": (_encoded("GIF"), "image/gif"),
    "gif89a": (b"GIF89a" + _encoded("GIF")[6:], "image/gif"),
    "webp_lossy": (_encoded("WEBP"), "image/webp"),
    "webp_lossless": (_encoded("WEBP", lossless=True), "image/webp"),
}

REFUSED: dict[str, bytes] = {
    "svg_sized": SVG,
    "svg_viewbox_only": SVG_VIEWBOX_ONLY,
    "svgz": gzip.compress(SVG),
    "tiff": _encoded("TIFF"),
    "bmp": _encoded("BMP"),
    "ico": _encoded("ICO"),
    "ppm": _encoded("PPM"),
    "pgm": _encoded("PGM"),
    "pbm": _encoded("PBM"),
    "xbm": _encoded("XBM"),
    "xpm": b'/* XPM */\nstatic char *s[] = {"2 1 1 1", "a c #ff0000", "aa"};\n',
    "tga": _encoded("TGA"),
    "pcx": _encoded("PCX"),
    "qoi": _encoded("QOI"),
    "pdf": _encoded("PDF"),
    "icns": _encoded("ICNS"),
    "jpeg2000": _encoded("JPEG2000"),
    "html": b"<!doctype html><html><body><img src=x></body></html>",
    "empty": b"",
    "png_magic_cut_short": b"\x89PNG\r\n",
    "jpeg_magic_cut_short": b"\xff\xd8",
    "riff_webp_without_a_picture_chunk": b"RIFF\x10\x00\x00\x00WEBPJUNK\x00\x00\x00\x00",
    "gif_lookalike": b"GIF88a" + bytes(16),
}

AUDIO_VIDEO: dict[str, tuple[bytes, str, MediaKind]] = {
    "wav": (b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(16), "audio/wav", MediaKind.AUDIO),
    "mp4": (b"\x00\x00\x00\x18ftypisom" + bytes(16), "video/mp4", MediaKind.VIDEO),
    "webm": (b"\x1a\x45\xdf\xa3" + bytes(16), "video/webm", MediaKind.VIDEO),
    "ogg": (b"OggS" + bytes(16), "audio/ogg", MediaKind.AUDIO),
}

CORPUS: dict[str, bytes] = {
    **{name: data for name, (data, _) in ALLOWED.items()},
    **REFUSED,
    **{name: data for name, (data, _, _) in AUDIO_VIDEO.items()},
}


def test_the_list_is_the_four_formats_the_viewer_can_safeguard() -> None:
    assert sorted(IMAGE_CONTENT_TYPES) == ["image/gif", "image/jpeg", "image/png", "image/webp"]
    assert {expected for _, expected in ALLOWED.values()} == set(IMAGE_CONTENT_TYPES)


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_each_allowed_picture_is_known_by_its_magic(name: str) -> None:
    data, expected = ALLOWED[name]
    assert sniff_image(data) == expected
    assert sniff_image(data + b"trailing bytes do not change the verdict") == expected


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_every_other_format_is_refused(name: str) -> None:
    assert sniff_image(REFUSED[name]) is None


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_a_claim_in_the_name_or_header_text_is_not_consulted(name: str) -> None:
    """Only the leading magic counts: an allowed picture's magic buried later is not enough."""
    data, _ = ALLOWED[name]
    assert sniff_image(b"BM" + data) is None
    assert sniff_image(SVG + data) is None


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_the_service_and_the_viewer_agree_on_every_corpus_file(name: str) -> None:
    client = sniff_image(CORPUS[name])
    try:
        service: tuple[str, MediaKind] | None = sniff(CORPUS[name])
    except UnsupportedMedia:
        service = None
    if client is not None:
        assert service == (client, MediaKind.IMAGE)
    else:
        assert service is None or service[1] is not MediaKind.IMAGE


@pytest.mark.parametrize("name", sorted(AUDIO_VIDEO))
def test_the_service_keeps_sniffing_audio_and_video(name: str) -> None:
    data, content_type, kind = AUDIO_VIDEO[name]
    assert sniff(data) == (content_type, kind)
    assert sniff_image(data) is None


@given(prefix=st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a",
                               b"RIFF\x00\x00\x00\x00WEBPVP8L", b"RIFF\x00\x00\x00\x00WAVE"]),
       rest=st.binary(max_size=64))
def test_service_and_viewer_agree_on_any_bytes(prefix: bytes, rest: bytes) -> None:
    data = prefix + rest
    client = sniff_image(data)
    assert client is None or client in IMAGE_CONTENT_TYPES
    try:
        service_type, kind = sniff(data)
    except UnsupportedMedia:
        assert client is None
        return
    assert (kind is MediaKind.IMAGE) == (client is not None)
    if client is not None:
        assert service_type == client


def test_the_declared_type_must_match_the_sniffed_picture() -> None:
    """Ingest still refuses a declared type the bytes contradict, now with the shared sniff."""
    data, _ = ALLOWED["webp_lossy"]
    assert checked_type(data, "image/webp") == ("image/webp", MediaKind.IMAGE)
    with pytest.raises(UnsupportedMedia, match="declared image/png"):
        checked_type(data, "image/png")
    with pytest.raises(UnsupportedMedia):
        checked_type(REFUSED["svg_sized"], "image/svg+xml")
