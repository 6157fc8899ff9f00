"""Display settings per harm category reach the running workstation: the lead makes
child-safety media blurred harder, warned about from severity 1 and never in colour; after
its next sync the specialist's viewer shows a child-safety case so, while a graphic-violence
case made from the very same picture keeps the team's defaults. Real service on loopback."""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from reviewer_app.domain import HarmCategory, Severity
from safeguards import BLUR_WIDTHS, PersonalSettings
from tests.gui.test_safeguards_ui import lead_sets_team_policy
from tests.gui.test_workstation import WAIT_MS, case_on_screen, press
from tests.helpers.cases import add_urgent_case
from tests.helpers.synthetic_media import max_saturation
from ui.imaging import RevealStep
from ui.render_cache import RenderStyle

CHILD, GORE = HarmCategory.CHILD_SAFETY, HarmCategory.GRAPHIC_VIOLENCE
CHILD_DISPLAY = {"blur_strength": 10, "warning_from_severity": 1, "colour_allowed": False,
                 "reveal_modes": ["hold", "lens", "stepped"]}
"""What the lead sets for child safety (stepped stays allowed: V must stop short of colour)."""


@pytest.fixture
def low_child_and_gore(live_service: Any) -> dict[HarmCategory, str]:
    """Two low-severity cases the first lease takes, from the same synthetic picture."""
    return {category: add_urgent_case(live_service.db_url, category, Severity.LOW)
            for category in (CHILD, GORE)}


def open_case(qtbot: Any, ws: Any, case_id: str) -> None:
    """Walk the queue by keyboard (Ctrl+Down) to this case."""
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    for _ in range(len(ws.flow.cases) + 1):
        if ws.flow.current.case.id == case_id:
            return
        current = ws.flow.current.case.id
        QTest.keyClick(ws.window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda c=current: case_on_screen(ws) and ws.flow.current.case.id != c,
                        timeout=WAIT_MS)
    assert ws.flow.current.case.id == case_id


def painted_in(qtbot: Any, ws: Any, style: RenderStyle) -> None:
    """Wait until the open case's blur on screen is the one made in `style`."""
    def ready() -> bool:
        entry, viewer = ws.flow.current, ws.window.viewer
        blurred = entry.renderings.get(RevealStep.BLURRED) if entry is not None else None
        return (entry is not None and entry.style == style and blurred is not None
                and viewer._renderings.get(RevealStep.BLURRED) is blurred
                and viewer.painted_step is RevealStep.BLURRED)

    qtbot.waitUntil(ready, timeout=WAIT_MS)


def media_area(ws: Any) -> QImage:
    """The viewer as it is on screen, cropped to where the picture is painted."""
    viewer = ws.window.viewer
    blurred = viewer._renderings[RevealStep.BLURRED]
    box = viewer._target_rect(blurred.image.size()).toRect().adjusted(4, 4, -4, -4)
    return viewer.grab().toImage().copy(box.intersected(QRect(0, 0, viewer.width(),
                                                              viewer.height())))


def high_frequency_energy(image: QImage) -> float:
    """RMS of what a 3 px Gaussian smooths away: the detail left in the picture. A stronger
    blur leaves less (measured on this case's picture at 900x500: 40 px wide 0.93, 18 px
    0.29, 12 px 0.17). An edge filter is no good here: it also answers to the kinks of the
    bilinear upscale."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    raw = bytes(gray.constBits())
    pil = Image.frombuffer("L", (gray.width(), gray.height()), raw, "raw", "L",
                           gray.bytesPerLine(), 1)
    detail = ImageChops.difference(pil, pil.filter(ImageFilter.GaussianBlur(3)))
    return float(ImageStat.Stat(detail).rms[0])


def test_per_category_display_settings_reach_the_viewer_after_the_next_sync(
        qtbot: Any, low_child_and_gore: dict[HarmCategory, str], workstation: Any,
        live_service: Any) -> None:
    ws = workstation
    flow, viewer = ws.flow, ws.window.viewer
    child_id, gore_id = low_child_and_gore[CHILD], low_child_and_gore[GORE]
    qtbot.waitUntil(lambda: case_on_screen(ws) and ws.wellness.policy_etag is not None
                    and {child_id, gore_id} <= {c.id for c in flow.cases}, timeout=WAIT_MS)

    changed = lead_sets_team_policy(live_service, {"display_by_category": {"child_safety":
                                                                           CHILD_DISPLAY}})
    ws.sync.wake()  # the next pass reads the policy by ETag
    qtbot.waitUntil(lambda: ws.wellness.policy.version == changed["version"], timeout=WAIT_MS)
    team = ws.wellness.policy.display
    assert team.blur_strength < 10
    team_style = RenderStyle(blur_width=team.blur_width_px, grayscale=True, colour_allowed=True)
    child_style = RenderStyle(blur_width=BLUR_WIDTHS[10], grayscale=True, colour_allowed=False)

    # the child-safety case: its own warning threshold, blur and no colour
    open_case(qtbot, ws, child_id)
    assert viewer.interstitial  # severity 1 warns here; the team's threshold is 3
    assert ws.wellness.verdict.interstitial
    press(ws, Qt.Key.Key_Return)
    painted_in(qtbot, ws, child_style)
    assert viewer.policy.blur_width == BLUR_WIDTHS[10]
    assert not viewer.policy.colour_allowed
    child_grab = media_area(ws)
    child_bytes = flow.current.data
    assert "colour not allowed for child safety" in ws.window.step_label.text()
    qtbot.waitUntil(lambda: viewer.has_step(RevealStep.SHARP_GRAY), timeout=WAIT_MS)
    press(ws, Qt.Key.Key_V)
    assert viewer.painted_step is RevealStep.SHARP_GRAY
    assert "colour not allowed for child safety" in ws.window.step_label.text()
    assert max_saturation(media_area(ws)) == 0
    press(ws, Qt.Key.Key_V)  # where colour would come: back to the blur instead
    assert viewer.painted_step is RevealStep.BLURRED
    assert max_saturation(media_area(ws)) == 0
    assert RevealStep.COLOUR not in flow.current.renderings  # never even decoded
    flow.request_step(RevealStep.COLOUR)
    assert RevealStep.COLOUR not in flow.current.renderings

    # the graphic-violence case: the team's defaults, from the very same picture
    open_case(qtbot, ws, gore_id)
    assert not viewer.interstitial
    painted_in(qtbot, ws, team_style)
    assert flow.current.data == child_bytes  # so only the display settings differ
    assert viewer.policy.blur_width == team.blur_width_px
    gore_grab = media_area(ws)
    # Both cases hold the same picture, so the service flags them as near-duplicates and one
    # of them shows the match banner, which takes a little of the viewer's height. Compare
    # the two at one size: the smoothing of the downscale only lowers the gore case's detail,
    # which makes the comparison below harder to pass, never easier.
    if gore_grab.size() != child_grab.size():
        smaller = child_grab.size().boundedTo(gore_grab.size())
        child_grab, gore_grab = (grab.scaled(smaller, Qt.AspectRatioMode.IgnoreAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation)
                                 for grab in (child_grab, gore_grab))
    assert max_saturation(child_grab) == 0
    assert max_saturation(gore_grab) == 0
    child_energy = high_frequency_energy(child_grab)
    gore_energy = high_frequency_energy(gore_grab)
    assert child_energy < gore_energy * 0.5, (child_energy, gore_energy)
    assert "colour not allowed" not in ws.window.step_label.text()
    cached_child = flow.cache.peek(child_id)
    if cached_child is not None and cached_child.renderings:  # prefetched in its own style
        assert cached_child.style == child_style
    qtbot.waitUntil(lambda: viewer.has_step(RevealStep.SHARP_GRAY), timeout=WAIT_MS)
    press(ws, Qt.Key.Key_V)
    assert viewer.painted_step is RevealStep.SHARP_GRAY
    qtbot.waitUntil(lambda: viewer.has_step(RevealStep.COLOUR), timeout=WAIT_MS)
    press(ws, Qt.Key.Key_V)
    assert viewer.painted_step is RevealStep.COLOUR
    assert max_saturation(media_area(ws)) > 100

    # a reviewer's own "no colour" ends a colour reveal at once and holds everywhere
    ws.wellness.set_personal(PersonalSettings(colour_allowed=False))
    assert viewer.painted_step is RevealStep.BLURRED
    assert not viewer.policy.colour_allowed
    assert "colour not allowed for graphic violence" in ws.window.step_label.text()
    qtbot.waitUntil(lambda: flow.current.style is not None
                    and not flow.current.style.colour_allowed, timeout=WAIT_MS)
    assert RevealStep.COLOUR not in flow.current.renderings


def test_a_category_setting_that_arrives_re_renders_the_open_case_and_leaves_the_others(
        qtbot: Any, low_child_and_gore: dict[HarmCategory, str], workstation: Any,
        live_service: Any) -> None:
    """While a child-safety case is open, the lead's stronger child-safety blur arrives: the
    open case is rendered again at the new blur; a graphic-violence case keeps its rendering."""
    ws = workstation
    flow = ws.flow
    child_id, gore_id = low_child_and_gore[CHILD], low_child_and_gore[GORE]
    qtbot.waitUntil(lambda: case_on_screen(ws) and ws.wellness.policy_etag is not None,
                    timeout=WAIT_MS)
    open_case(qtbot, ws, gore_id)
    qtbot.waitUntil(lambda: RevealStep.BLURRED in flow.current.renderings, timeout=WAIT_MS)
    open_case(qtbot, ws, child_id)
    if ws.window.viewer.interstitial:
        press(ws, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: flow.current.style is not None, timeout=WAIT_MS)
    before_style = flow.current.style
    assert before_style.blur_width != BLUR_WIDTHS[10]
    gore_entry = flow.cache.peek(gore_id)
    assert gore_entry is not None
    qtbot.waitUntil(lambda: RevealStep.BLURRED in gore_entry.renderings, timeout=WAIT_MS)
    gore_blur = gore_entry.renderings[RevealStep.BLURRED]

    changed = lead_sets_team_policy(live_service, {"display_by_category": {"child_safety":
                                                                           CHILD_DISPLAY}})
    ws.sync.wake()
    qtbot.waitUntil(lambda: ws.wellness.policy.version == changed["version"], timeout=WAIT_MS)
    painted_in(qtbot, ws, RenderStyle(blur_width=BLUR_WIDTHS[10], grayscale=True,
                                      colour_allowed=False))
    assert ws.window.viewer.policy.warning_from_severity == 1
    assert gore_entry.renderings.get(RevealStep.BLURRED) is gore_blur  # not its category
