"""The safeguarded pipeline fails closed: bad files give the placeholder, never raw pixels."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtGui import QImage, QImageReader

from reviewer_app.domain import (
    IMAGE_CONTENT_TYPES,
    HarmCategory,
    MediaKind,
    Severity,
    sniff_image,
)
from reviewer_app.service.sniff import UnsupportedMedia, sniff
from tests.helpers.synthetic_media import (
    bad_media_corpus,
    colourful_image,
    encode,
    foreign_format_corpus,
    max_saturation,
    svg_picture,
    synthetic_colour_pixels,
)
from ui.imaging import NOT_AN_ALLOWED_PICTURE, RevealStep, UnsafeMedia, _strict_reader, render
from ui.render_cache import ExposureSubject
from ui.views.media_viewer import MediaViewer

DISPLAY = QSize(640, 360)
FOREIGN = ["svg_sized", "svg_viewbox_only", "svg_no_size_at_all", "svgz", "tiff", "bmp", "ico",
           "cur", "ppm", "pgm", "pbm", "xpm", "xbm", "wbmp", "tga"]
MONOCHROME = {"pgm", "pbm", "xbm", "wbmp"}
"""Foreign formats that carry no colour at all, so only their decoded size proves Qt reads them."""
NAMES = ["empty", "truncated_jpeg", "corrupt_png", "truncated_png", "header_50000x50000",
         "deflate_bomb", "html_not_an_image", "gif_header_only", "webp_header_only",
         "random_noise", "truncated_gif", "truncated_webp", "polyglot_png_magic_then_svg",
         "polyglot_webp_magic_then_svg", *FOREIGN]
ALLOWED = ["PNG", "JPEG", "GIF", "WEBP"]


def bare_decode(data: bytes, fmt: bytes = b"") -> QImage:
    """What Qt makes of `data` when left to pick the plugin from the content (the viewer's old
    way), optionally told a format first; the proof that a refused file was decodable."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    if fmt:
        reader.setFormat(fmt)
    reader.setDecideFormatFromContent(True)
    image = reader.read()
    reader.setDevice(None)  # some handlers touch their device while being destroyed
    buffer.close()
    return image


@pytest.fixture(scope="module")
def corpus(qapp: object) -> dict[str, bytes]:
    files = bad_media_corpus()
    assert sorted(files) == sorted(NAMES)
    assert sorted(foreign_format_corpus()) == sorted(FOREIGN)
    return files


@pytest.mark.parametrize("name", NAMES)
def test_bad_media_gives_the_placeholder_with_a_reason(corpus: dict[str, bytes],
                                                       name: str) -> None:
    result = render(corpus[name], RevealStep.BLURRED, DISPLAY)
    assert result.placeholder, f"{name} was rendered instead of withheld"
    assert result.problem
    assert max_saturation(result.image) < 30


@pytest.mark.parametrize("name", NAMES)
def test_no_reveal_step_of_bad_media_yields_pixels(corpus: dict[str, bytes], name: str) -> None:
    for step in RevealStep:
        result = render(corpus[name], step, DISPLAY)
        assert result.placeholder is True, f"{name} was rendered at {step.name}"
        assert result.problem
        assert synthetic_colour_pixels(result.image) == 0


@pytest.mark.parametrize("name", FOREIGN)
def test_qt_here_decodes_each_foreign_format_so_refusing_it_proves_something(
        corpus: dict[str, bytes], name: str) -> None:
    """Each refused format is one this Qt reads when left to choose: the viewer's own
    allowlist, not a missing plugin, is what keeps it off the screen."""
    image = bare_decode(corpus[name])
    assert not image.isNull(), f"this Qt cannot decode {name}: the corpus entry proves nothing"
    assert image.width() >= 64
    assert image.height() >= 64
    if name not in MONOCHROME:
        assert synthetic_colour_pixels(image) > 0


@pytest.mark.parametrize("name", FOREIGN)
def test_foreign_formats_are_refused_by_the_allowlist_at_every_step(
        corpus: dict[str, bytes], name: str) -> None:
    assert sniff_image(corpus[name]) is None
    for step in RevealStep:
        result = render(corpus[name], step, QSize(1280, 720))
        assert result.placeholder is True
        assert result.problem == NOT_AN_ALLOWED_PICTURE
        assert synthetic_colour_pixels(result.image) == 0


@pytest.mark.parametrize("content_type", IMAGE_CONTENT_TYPES)
def test_a_format_named_to_qt_is_not_enough_the_viewer_forbids_other_plugins(
        qapp: object, content_type: str) -> None:
    """Told "png" but left to decide from the content, Qt quietly decodes an SVG (and still
    reports "png"); the viewer's reader, told the sniffed type, must refuse it instead."""
    svg = svg_picture()
    loose = bare_decode(svg, content_type.removeprefix("image/").encode())
    assert not loose.isNull()
    assert synthetic_colour_pixels(loose) > 0
    buffer = QBuffer()
    buffer.setData(QByteArray(svg))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    with pytest.raises(UnsafeMedia, match="not a readable"):
        _strict_reader(buffer, content_type)
    buffer.close()


def test_a_polyglot_with_png_magic_is_read_as_png_or_not_at_all(qapp: object) -> None:
    polyglot = b"\x89PNG\r\n\x1a\n" + svg_picture()
    assert sniff_image(polyglot) == "image/png"
    for step in RevealStep:
        result = render(polyglot, step, DISPLAY)
        assert result.placeholder is True
        assert synthetic_colour_pixels(result.image) == 0


@pytest.mark.parametrize("fmt", ALLOWED)
def test_every_allowed_format_renders_at_every_step(qapp: object, fmt: str) -> None:
    data = encode(colourful_image(640, 360), fmt)
    assert sniff_image(data) in IMAGE_CONTENT_TYPES
    for step in RevealStep:
        result = render(data, step, DISPLAY)
        assert not result.placeholder, f"{fmt} at {step.name}: {result.problem}"
    assert synthetic_colour_pixels(render(data, RevealStep.COLOUR, DISPLAY).image) > 0


def test_the_service_and_the_viewer_agree_on_every_file(corpus: dict[str, bytes]) -> None:
    """Ingest and viewer use one sniffing function: a file the service would refuse as a
    picture is withheld by the viewer, and a type the service stores is the viewer's type."""
    good = {fmt: encode(colourful_image(320, 180), fmt) for fmt in ALLOWED}
    for name, data in {**corpus, **good}.items():
        try:
            service_type, kind = sniff(data)
        except UnsupportedMedia:
            service_type, kind = None, None
        client_type = sniff_image(data)
        if kind is MediaKind.IMAGE:
            assert service_type == client_type, name
        else:
            assert client_type is None, name
            assert render(data, RevealStep.COLOUR, DISPLAY).placeholder, name
    for fmt, data in good.items():
        assert sniff(data) == (f"image/{fmt.lower()}", MediaKind.IMAGE)
        assert not render(data, RevealStep.COLOUR, DISPLAY).placeholder


@pytest.mark.parametrize("fmt", ALLOWED)
def test_blurred_step_is_grayscale_small_detail_and_display_sized(qapp: object, fmt: str) -> None:
    data = encode(colourful_image(1920, 1080), fmt)
    result = render(data, RevealStep.BLURRED, QSize(1280, 720), blur_width=48)
    assert not result.placeholder
    assert result.image.format() == QImage.Format.Format_Grayscale8
    assert result.image.size() == QSize(1280, 720)
    assert max_saturation(result.image) == 0


def test_blurred_step_carries_no_more_detail_than_its_decode_width(qapp: object) -> None:
    """A smaller decode width (a stronger blur) lets fewer edges survive the pipeline."""
    data = encode(colourful_image(1920, 1080), "PNG")
    weak = render(data, RevealStep.BLURRED, QSize(1280, 720), blur_width=160).image
    strong = render(data, RevealStep.BLURRED, QSize(1280, 720), blur_width=12).image

    def edges(image: QImage) -> int:
        row = [image.pixelColor(x, 540 * 720 // 1080).value() for x in range(image.width())]
        return sum(1 for a, b in zip(row, row[1:], strict=False) if abs(a - b) > 12)

    assert edges(strong) < edges(weak)


def test_sharp_gray_is_gray_and_colour_is_colour(qapp: object) -> None:
    data = encode(colourful_image(800, 450), "PNG")
    assert max_saturation(render(data, RevealStep.SHARP_GRAY, DISPLAY).image) == 0
    assert max_saturation(render(data, RevealStep.COLOUR, DISPLAY).image) > 200


def test_a_wrong_extension_is_decoded_by_content_and_still_safeguarded(qapp: object) -> None:
    """PNG bytes that claim to be a JPEG are sniffed, not trusted, and still blurred gray."""
    data = encode(colourful_image(640, 360), "PNG")
    result = render(data, RevealStep.BLURRED, DISPLAY)
    assert not result.placeholder
    assert max_saturation(result.image) == 0


@pytest.mark.parametrize("name", NAMES)
def test_the_viewer_paints_only_the_placeholder_for_bad_media(
        qtbot: object, corpus: dict[str, bytes], name: str) -> None:
    viewer = MediaViewer()
    qtbot.addWidget(viewer)  # type: ignore[attr-defined]
    viewer.resize(640, 400)
    viewer.show()
    subject = ExposureSubject(case_id="case-1", media_id="media-1",
                              harm_category=HarmCategory.GRAPHIC_VIOLENCE,
                              severity=Severity.SEVERE)
    viewer.show_item(render(corpus[name], RevealStep.BLURRED, DISPLAY), subject)
    assert viewer.is_placeholder
    assert not viewer.interstitial
    viewer.step_reveal()
    viewer.begin_hold()
    viewer.toggle_lens()
    assert max_saturation(viewer.grab().toImage()) < 30


def test_the_default_team_blur_leaves_no_legible_detail(qapp: object) -> None:
    """The shipped "strong" default must actually hide detail: far fewer edges survive than in
    the sharp rendering of the same synthetic picture (text and shapes)."""
    from safeguards import load_profile

    width = load_profile("standard").display.blur_width_px
    data = encode(colourful_image(1920, 1080), "PNG")
    blurred = render(data, RevealStep.BLURRED, QSize(1280, 720), blur_width=width).image
    sharp = render(data, RevealStep.SHARP_GRAY, QSize(1280, 720)).image

    def edge_energy(image: QImage) -> int:
        total = 0
        for y in range(0, image.height(), 9):
            row = [image.pixelColor(x, y).value() for x in range(0, image.width(), 2)]
            total += sum(abs(a - b) for a, b in zip(row, row[1:], strict=False) if abs(a - b) > 6)
        return total

    assert edge_energy(blurred) * 10 < edge_energy(sharp)
