"""Several items per case against the real service on loopback: each item is shown, revealed
and counted on its own, a reveal is booked to the item it was of (also when the reviewer moves
on mid-reveal), and decide-and-next paints the next case from its prefetched rendering."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import create_engine, select

from reviewer_app.domain import ExposureKind, HarmCategory, Severity
from reviewer_app.service.models import ExposureRow
from reviewer_app.service.seed import add_case, demo_case
from tests.gui.test_category_display import open_case
from tests.gui.test_workstation import WAIT_MS, press, wait_synced
from tests.helpers.cases import add_urgent_case
from ui.imaging import RevealStep


def add_three_pictures(db_url: str, *, priority: int = 100) -> str:
    """A low-severity case of three synthetic pictures that the first lease takes."""
    base = demo_case(0, random.Random(7), datetime.now(UTC), media_px=(96, 64), media_count=3)
    return add_case(db_url, dataclasses.replace(
        base, harm_category=HarmCategory.SCAMS_FRAUD, severity=Severity.LOW, priority=priority))


@pytest.fixture
def three_pictures(live_service: Any) -> str:
    return add_three_pictures(live_service.db_url)


def service_rows(live_service: Any, case_id: str) -> list[ExposureRow]:
    engine = create_engine(live_service.db_url)
    try:
        with engine.connect() as db:
            return list(db.execute(select(ExposureRow).where(ExposureRow.case_id == case_id)))
    finally:
        engine.dispose()


def item_on_screen(ws: Any, index: int) -> bool:
    entry, media = ws.flow.current, ws.window.media
    return (entry is not None and entry.index == index and media.subject is not None
            and media.subject.media_id == entry.items[index].media.id
            and media.painted_step is not None)


def test_each_item_is_counted_on_its_own_and_a_reveal_is_booked_to_its_item(
        qtbot: Any, three_pictures: str, workstation: Any, live_service: Any) -> None:
    ws = workstation
    events: list[Any] = []
    ws.flow.sig_exposure.connect(events.append)
    open_case(qtbot, ws, three_pictures)
    entry = ws.flow.current
    ids = [item.media.id for item in entry.items]
    assert len(set(ids)) == 3
    assert ws.window.strip.isVisible()
    assert len(ws.window.strip.items) == 3
    qtbot.waitUntil(lambda: item_on_screen(ws, 0), timeout=WAIT_MS)
    assert "Item 1 of 3" in ws.window.item_label.text()

    press(ws, Qt.Key.Key_BracketRight)
    qtbot.waitUntil(lambda: item_on_screen(ws, 1), timeout=WAIT_MS)
    assert ws.window.strip.current == 1
    assert "Item 2 of 3" in ws.window.item_label.text()
    qtbot.waitUntil(lambda: ws.window.viewer.has_step(RevealStep.SHARP_GRAY), timeout=WAIT_MS)
    press(ws, Qt.Key.Key_V)
    assert ws.window.viewer.painted_step is RevealStep.SHARP_GRAY
    qtbot.wait(100)
    QTest.keyClick(ws.window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # mid-reveal
    qtbot.waitUntil(lambda: item_on_screen(ws, 2), timeout=WAIT_MS)
    assert ws.window.viewer.painted_step is RevealStep.BLURRED

    shown = [e for e in events if e.kind is ExposureKind.SHOWN and e.case_id == three_pictures]
    revealed = [e for e in events if e.kind is ExposureKind.REVEALED]
    assert [e.media_id for e in shown] == ids
    assert [e.media_id for e in revealed] == [ids[1]]

    for event in shown + revealed:
        wait_synced(qtbot, ws, str(event.client_id))
    rows = service_rows(live_service, three_pictures)
    by_client = {row.client_id: row for row in rows}
    for event in shown:
        assert by_client[str(event.client_id)].media_id == event.media_id
    assert {row.media_id for row in rows if row.kind == "shown" and row.origin == "client"} \
        == set(ids)
    reveals = [row for row in rows if row.kind == "revealed"]
    assert [(row.media_id, row.status) for row in reveals] == [(ids[1], "counted")]


def test_a_click_on_the_strip_opens_that_item_and_the_strip_is_safeguarded(
        qtbot: Any, three_pictures: str, workstation: Any) -> None:
    ws = workstation
    open_case(qtbot, ws, three_pictures)
    strip = ws.window.strip
    qtbot.waitUntil(lambda: all(item.thumb is not None for item in strip.items), timeout=WAIT_MS)
    for item in strip.items:
        assert item.thumb.image.format().name == "Format_Grayscale8"
        assert item.thumb.image.width() <= 96
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=strip.tile_rect(2).center())
    qtbot.waitUntil(lambda: item_on_screen(ws, 2), timeout=WAIT_MS)
    press(ws, Qt.Key.Key_H)
    assert ws.window.media.hidden
    assert ws.window.strip._hidden
    press(ws, Qt.Key.Key_BracketLeft)  # moving on while hidden shows nothing
    qtbot.waitUntil(lambda: ws.flow.current.index == 1, timeout=WAIT_MS)
    qtbot.wait(200)
    assert ws.window.media.painted_step is None
    press(ws, Qt.Key.Key_H)
    qtbot.waitUntil(lambda: item_on_screen(ws, 1), timeout=WAIT_MS)


def test_decide_and_next_paints_the_next_case_from_its_prefetched_rendering(
        qtbot: Any, live_service: Any, three_pictures: str, workstation: Any) -> None:
    ws = workstation
    after = add_urgent_case(live_service.db_url, HarmCategory.SCAMS_FRAUD, Severity.LOW,
                            priority=99)
    open_case(qtbot, ws, three_pictures)
    answered = ws.flow.pulls_answered
    ws.flow.pull()  # brings `after`, which is prefetched as the case after the open one
    qtbot.waitUntil(lambda: ws.flow.pulls_answered > answered, timeout=WAIT_MS)
    nxt = ws.flow.next_case_id(three_pictures)
    assert nxt == after
    qtbot.waitUntil(lambda: (lambda e: e is not None and e.items[0].rendered)(
        ws.flow.cache.peek(nxt)), timeout=WAIT_MS)
    prefetched = ws.flow.cache.peek(nxt).items[0].renderings[RevealStep.BLURRED]
    press(ws, Qt.Key.Key_K)  # keep, and next
    assert ws.flow.current is not None
    assert ws.flow.current.case.id == nxt
    assert ws.window.viewer._renderings.get(RevealStep.BLURRED) is prefetched
    assert ws.window.viewer.painted_step is RevealStep.BLURRED or ws.window.viewer.interstitial


@pytest.fixture
def picture_and_clip(live_service: Any) -> str:
    """A case of a picture and a short synthetic clip (moving shapes, SIMULATED CONTENT)."""
    from reviewer_app.service.ingest import NewMedia
    from reviewer_app.service.mediagen import synthetic_video

    base = demo_case(0, random.Random(8), datetime.now(UTC), media_px=(96, 64))
    clip = NewMedia(synthetic_video(160, 90, fps=10, seconds=1.0, seed=3), "video/mp4")
    return add_case(live_service.db_url, dataclasses.replace(
        base, harm_category=HarmCategory.SCAMS_FRAUD, severity=Severity.LOW, priority=100,
        media=[*base.media, clip]))


def test_a_clip_item_opens_in_the_video_view_with_the_playback_keys(
        qtbot: Any, picture_and_clip: str, workstation: Any) -> None:
    ws = workstation
    open_case(qtbot, ws, picture_and_clip)
    window = ws.window
    assert not window.act_play.isEnabled()  # a picture is on screen
    assert [item.kind for item in window.strip.items] == ["image", "video"]
    press(ws, Qt.Key.Key_BracketRight)
    qtbot.waitUntil(lambda: window.media.active is window.media.video, timeout=WAIT_MS)
    assert "Item 2 of 2 · video" in window.item_label.text()
    assert window.act_play.isEnabled()
    assert window.act_faster.isEnabled()
    clip_id = ws.flow.current.items[1].media.id
    assert window.media.subject.media_id == clip_id
    press(ws, Qt.Key.Key_BracketLeft)
    qtbot.waitUntil(lambda: item_on_screen(ws, 0), timeout=WAIT_MS)
    assert window.media.video.subject is None  # left: stopped and dropped
    assert not window.act_play.isEnabled()
