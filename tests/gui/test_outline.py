"""The reduced-detail step against the real service: offered only for the categories the
lead's policy names, the stepped reveal goes through it there and skips it elsewhere, and
the outline rendering is grayscale. The lead's console offers it with a claim no larger than
the studies'."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage

from reviewer_app.domain import HarmCategory, Severity
from tests.gui.test_category_display import open_case
from tests.gui.test_safeguards_ui import lead_sets_team_policy
from tests.gui.test_workstation import WAIT_MS, press
from tests.helpers.cases import add_urgent_case
from tests.helpers.synthetic_media import colourful_image, encode, max_saturation
from ui.imaging import RevealStep, render

OFFERED, NOT_OFFERED = HarmCategory.ANIMAL_WELFARE, HarmCategory.SCAMS_FRAUD


@pytest.fixture
def outline_for_animal_welfare(live_service: Any) -> dict[HarmCategory, str]:
    lead_sets_team_policy(live_service, {"display_by_category": {
        str(OFFERED): {"outline_offered": True}}})
    return {category: add_urgent_case(live_service.db_url, category, Severity.LOW)
            for category in (OFFERED, NOT_OFFERED)}


def walk_the_steps(qtbot: Any, ws: Any) -> list[RevealStep]:
    """Press V until the blur is back; the steps painted on the way."""
    viewer, seen = ws.window.viewer, []
    for step in viewer.steps()[1:]:
        qtbot.waitUntil(lambda s=step: viewer.has_step(s), timeout=WAIT_MS)
    for _ in range(len(viewer.steps())):
        press(ws, Qt.Key.Key_V)
        seen.append(viewer.painted_step)
    return seen


def test_the_stepped_reveal_goes_through_the_outline_only_where_the_lead_offers_it(
        qtbot: Any, outline_for_animal_welfare: dict[HarmCategory, str],
        workstation: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: ws.wellness.policy.display_for(OFFERED).outline_offered,
                    timeout=WAIT_MS)
    open_case(qtbot, ws, outline_for_animal_welfare[OFFERED])
    viewer = ws.window.viewer
    assert viewer.policy.outline_offered
    seen = walk_the_steps(qtbot, ws)
    assert seen[0] is RevealStep.OUTLINE
    assert seen[1] is RevealStep.SHARP_GRAY
    assert seen[-1] is RevealStep.BLURRED
    outline = ws.flow.current.renderings[RevealStep.OUTLINE].image
    assert outline.format() is QImage.Format.Format_Grayscale8
    press_to(qtbot, ws, RevealStep.OUTLINE)
    assert "Outline" in ws.window.step_label.text()
    assert max_saturation(viewer.grab().toImage()) <= 8

    open_case(qtbot, ws, outline_for_animal_welfare[NOT_OFFERED])
    assert not ws.window.viewer.policy.outline_offered
    seen = walk_the_steps(qtbot, ws)
    assert RevealStep.OUTLINE not in seen
    assert seen[0] is RevealStep.SHARP_GRAY
    assert RevealStep.OUTLINE not in ws.flow.current.renderings  # never even decoded


def press_to(qtbot: Any, ws: Any, step: RevealStep) -> None:
    for _ in range(5):
        if ws.window.viewer.painted_step is step:
            return
        press(ws, Qt.Key.Key_V)
    assert ws.window.viewer.painted_step is step


def test_the_outline_rendering_keeps_edges_in_gray_only(qapp: Any) -> None:
    data = encode(colourful_image(1280, 720))
    result = render(data, RevealStep.OUTLINE, QSize(1280, 720))
    assert not result.placeholder
    assert result.step is RevealStep.OUTLINE
    assert result.image.format() is QImage.Format.Format_Grayscale8
    assert result.image.width() <= 640
    assert max_saturation(result.image.convertToFormat(QImage.Format.Format_RGB32)) == 0
    assert len(set(bytes(result.image.constBits()))) > 2  # edges on a flat ground
    assert render(b"not a picture", RevealStep.OUTLINE, QSize(640, 360)).placeholder


def test_the_lead_offers_it_per_category_with_the_studies_claim_only(qtbot: Any) -> None:
    from ui.console.category_display import OUTLINE_TIP, CategoryDisplayEditor

    editor = CategoryDisplayEditor()
    qtbot.addWidget(editor)
    editor.select(str(OFFERED))
    optional = editor.optional["outline_offered"]
    assert optional.inner.box.text() == "Offer an outline step (edges only)"
    assert optional.inner.box.toolTip() == OUTLINE_TIP == (
        "Studies found outline renderings reduced distress while keeping content judgeable.")
    optional.own.setChecked(True)
    optional.inner.box.setChecked(True)
    assert editor.value() == {str(OFFERED): {"outline_offered": True}}
    assert editor.display_for(str(OFFERED)).outline_offered
    assert not editor.display_for(str(NOT_OFFERED)).outline_offered
