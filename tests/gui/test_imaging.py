"""The safeguarded pipeline fails closed: bad files give the placeholder, never raw pixels."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from tests.helpers.synthetic_media import bad_media_corpus, colourful_image, encode, max_saturation
from ui.imaging import RevealStep, render
from ui.views.media_viewer import MediaViewer

DISPLAY = QSize(640, 360)
NAMES = ["empty", "truncated_jpeg", "corrupt_png", "truncated_png", "header_50000x50000",
         "deflate_bomb", "html_not_an_image", "gif_header_only", "webp_header_only",
         "random_noise"]


@pytest.fixture(scope="module")
def corpus(qapp: object) -> dict[str, bytes]:
    files = bad_media_corpus()
    assert sorted(files) == sorted(NAMES)
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
    for step in (RevealStep.SHARP_GRAY, RevealStep.COLOUR):
        assert render(corpus[name], step, DISPLAY).placeholder


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "BMP"])
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
    viewer.show_item(render(corpus[name], RevealStep.BLURRED, DISPLAY), severity=4)
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
