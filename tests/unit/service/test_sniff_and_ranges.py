"""Media checks at ingest and Range parsing: pure functions, no service needed."""

from __future__ import annotations

import pytest

from reviewer_app.domain import MediaKind
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.media import _parse_range
from reviewer_app.service.problems import ProblemError
from reviewer_app.service.sniff import MAX_TEXT_BYTES, UnsupportedMedia, checked_type, sniff


def test_sniff_reads_the_bytes_not_the_claim() -> None:
    png = synthetic_image(1, width=32, height=18, fmt="PNG")
    jpeg = synthetic_image(1, width=32, height=18, fmt="JPEG")
    assert sniff(png) == ("image/png", MediaKind.IMAGE)
    assert sniff(jpeg) == ("image/jpeg", MediaKind.IMAGE)
    assert checked_type(jpeg, "image/jpg")[0] == "image/jpeg"
    with pytest.raises(UnsupportedMedia, match="declared image/png"):
        checked_type(jpeg, "image/png")


@pytest.mark.parametrize("data", [b"", b"<html><script>", b"%PDF-1.7", b"\x00" * 64])
def test_unknown_formats_are_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedMedia):
        sniff(data)


@pytest.mark.parametrize(("header", "span"), [
    ("bytes=0-9", (0, 9)),
    ("bytes=10-", (10, 99)),
    ("bytes=-10", (90, 99)),
    ("bytes=90-500", (90, 99)),
    ("bytes=0-0", (0, 0)),
    ("bytes=0-9,20-29", None),
    ("items=0-9", None),
    ("bytes=-", None),
])
def test_range_header(header: str, span: tuple[int, int] | None) -> None:
    assert _parse_range(header, 100) == span


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=50-40", "bytes=-0"])
def test_unsatisfiable_ranges_are_416(header: str) -> None:
    with pytest.raises(ProblemError) as caught:
        _parse_range(header, 100)
    assert caught.value.status == 416
    assert caught.value.headers["Content-Range"] == "bytes */100"


def test_text_is_taken_only_when_declared_and_clean() -> None:
    text = "SIMULATED CONTENT\n\tÜnïcödé line\r\n".encode()
    assert checked_type(text, "text/plain; charset=utf-8") == ("text/plain", MediaKind.TEXT)
    with pytest.raises(UnsupportedMedia):
        checked_type(text, None)  # text has no magic: never guessed
    with pytest.raises(UnsupportedMedia, match="picture"):
        checked_type(synthetic_image(1, width=32, height=18, fmt="PNG"), "text/plain")


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    (b"caf\xe9", "not valid UTF-8"),
    (b"a\x00b", r"U\+0000"),
    (b"bell\x07", r"U\+0007"),
    ("c1 \u0085 control".encode(), r"U\+0085"),
    (b"\x1b[31mred", r"U\+001B"),
    (b"x" * (MAX_TEXT_BYTES + 1), "more than"),
])
def test_text_that_is_not_plain_utf8_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(UnsupportedMedia, match=reason):
        checked_type(data, "text/plain")


def test_the_largest_text_is_accepted() -> None:
    assert checked_type(b"y" * MAX_TEXT_BYTES, "text/plain")[1] is MediaKind.TEXT
