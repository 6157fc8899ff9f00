"""Pictures are rendered for the viewer's own size, and a rendering of another size is scaled
once, not on every paint; what is painted is still the safeguarded (gray, blurred) rendering."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize

from reviewer_app.domain import HarmCategory, Severity
from tests.helpers.synthetic_media import colourful_image, encode, max_saturation
from ui.imaging import RevealStep, render
from ui.render_cache import ExposureSubject
from ui.review_flow import MAX_DISPLAY, ReviewFlow
from ui.views.media_viewer import MediaViewer
from ui.workers import Workers

ITEM = ExposureSubject(case_id="case-1", media_id="media-1",
                       harm_category=HarmCategory.GRAPHIC_VIOLENCE, severity=Severity.LOW)


def test_the_viewer_reports_its_size_and_the_flow_renders_for_it(qtbot: Any) -> None:
    viewer = MediaViewer()
    qtbot.addWidget(viewer)
    workers = Workers()
    flow = ReviewFlow(None, workers)  # type: ignore[arg-type]  # no session is asked here
    viewer.sig_display.connect(flow.set_display)
    viewer.resize(700, 420)
    viewer.show()
    qtbot.waitExposed(viewer)
    assert viewer.display_size() == QSize(700, 420)
    assert flow.display == QSize(700, 420)
    flow.set_display(QSize(8000, 5000))
    assert flow.display == MAX_DISPLAY
    flow.set_display(QSize(8, 8))  # a squeezed viewer: renderings keep a usable size
    assert flow.display == MAX_DISPLAY
    flow.stop()


def test_a_rendering_of_another_size_is_scaled_once_and_stays_gray(qtbot: Any) -> None:
    viewer = MediaViewer()
    qtbot.addWidget(viewer)
    viewer.resize(640, 400)
    viewer.show()
    qtbot.waitExposed(viewer)
    blurred = render(encode(colourful_image(1920, 1080), "JPEG"), RevealStep.BLURRED,
                     QSize(1280, 720))
    viewer.show_item(blurred, ITEM)
    first = viewer.grab().toImage()
    fitted = list(viewer._fitted.values())
    assert [image.size() for image in fitted] == [QSize(640, 360)]
    second = viewer.grab().toImage()
    assert list(viewer._fitted.values())[0] is fitted[0]  # made once, painted twice
    assert first == second
    assert max_saturation(first) == 0
    made_for_it = render(encode(colourful_image(1920, 1080), "JPEG"), RevealStep.BLURRED,
                         viewer.display_size())
    viewer.show_item(made_for_it, ITEM)
    viewer.grab()
    assert viewer._fitted == {}  # fits already: painted as it is
