"""The viewer is opaque to Qt (it paints every pixel itself, so the window beneath is not
painted first on each case switch). The adversary: a pixel it leaves unpainted would still
show what was there before, such as the last case's revealed colour picture. Each state is
painted over a canvas of pure red standing for that picture: none of it may remain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QRegion
from PySide6.QtWidgets import QWidget

from reviewer_app.domain import HarmCategory, Severity
from tests.helpers.synthetic_media import colourful_image, encode, max_saturation
from ui.imaging import RevealStep, render
from ui.render_cache import ExposureSubject
from ui.views.media_viewer import MediaViewer

ITEM = ExposureSubject(case_id="case-1", media_id="media-1",
                       harm_category=HarmCategory.GRAPHIC_VIOLENCE, severity=Severity.LOW)
STALE = QColor(255, 0, 0)


def _painted_over_stale(viewer: MediaViewer) -> QImage:
    """The viewer's own paint over a canvas of the stale colour (no window background)."""
    canvas = QImage(viewer.size(), QImage.Format.Format_ARGB32_Premultiplied)
    canvas.fill(STALE)
    viewer.render(canvas, QPoint(), QRegion(), QWidget.RenderFlag.DrawChildren)
    return canvas


def _stale_pixels(image: QImage) -> int:
    stale = STALE.rgb()
    return sum(1 for y in range(0, image.height(), 3) for x in range(0, image.width(), 3)
               if image.pixel(x, y) == stale)


def _picture(viewer: MediaViewer) -> None:
    viewer.show_item(render(encode(colourful_image(1920, 1080), "JPEG"), RevealStep.BLURRED,
                            viewer.display_size()), ITEM)


STATES: dict[str, Callable[[MediaViewer], None]] = {
    "a picture made for its size": _picture,
    "zoomed out": lambda v: (_picture(v), v.zoom_out()),
    "the lens on": lambda v: (_picture(v), v.toggle_lens()),
    "hidden": lambda v: (_picture(v), v.hide_now()),
    "no media": lambda v: v.clear("No case open"),
}


@pytest.mark.parametrize("size", [(700, 520), (1000, 300)], ids=["bands above", "bands beside"])
@pytest.mark.parametrize("state", list(STATES))
def test_no_pixel_of_what_was_there_before_remains(qtbot: Any, state: str,
                                                   size: tuple[int, int]) -> None:
    viewer = MediaViewer()
    qtbot.addWidget(viewer)
    viewer.resize(*size)  # taller or wider than 16:9: the picture has bands
    viewer.show()
    qtbot.waitExposed(viewer)
    STATES[state](viewer)
    painted = _painted_over_stale(viewer)
    assert _stale_pixels(painted) == 0
    assert max_saturation(painted) == 0  # gray picture, gray bands


def test_the_picture_is_copied_whole_centred_and_the_bands_are_the_background(
        qtbot: Any) -> None:
    viewer = MediaViewer()
    qtbot.addWidget(viewer)
    viewer.resize(700, 520)
    viewer.show()
    qtbot.waitExposed(viewer)
    _picture(viewer)
    rendering = viewer._renderings[RevealStep.BLURRED].image
    height = rendering.height()
    assert rendering.width() == 700  # made for the viewer's width
    assert 380 < height < 400
    painted = _painted_over_stale(viewer)
    top = (520 - height) // 2  # whole pixels: copied as made, not resampled half a pixel off
    background = viewer.palette().window().color().rgb()
    assert painted.pixel(350, top // 2) == background
    assert painted.pixel(350, 520 - top // 2) == background
    gray = rendering.convertToFormat(QImage.Format.Format_RGB32)
    for x, y in ((0, 0), (350, height // 2), (699, height - 1)):
        assert painted.pixel(x, top + y) == gray.pixel(x, y)
    assert viewer.testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
