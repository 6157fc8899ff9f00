"""A clip's exposure on the real service: the reviewer reveals the video of a case that also
holds a picture, and the service counts the seconds for the video's own media id (not the
picture's, not the case's first item), under the case's own category and severity."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import Qt

from reviewer_app.domain import ExposureKind, HarmCategory, MediaKind, Severity
from reviewer_app.service.ingest import NewMedia
from reviewer_app.service.mediagen import synthetic_video
from reviewer_app.service.seed import add_case, demo_case
from tests.gui.test_category_display import open_case
from tests.gui.test_items import service_rows
from tests.gui.test_workstation import WAIT_MS, press, wait_synced
from tests.helpers.synthetic_media import colourful_image, encode
from ui.imaging import RevealStep

REVEAL_MS = 600
AT_LEAST_MS = 540
"""qtbot.wait's coarse timer may end up to 5% early: the reveal lasted at least this long."""


def add_picture_and_clip(db_url: str) -> str:
    base = demo_case(1, random.Random(3), datetime.now(UTC), media_px=(96, 64))
    media = [NewMedia(encode(colourful_image(320, 180, seed=2), "PNG"), "image/png"),
             NewMedia(synthetic_video(320, 180, fps=15, seconds=3.0, seed=4), "video/mp4")]
    return add_case(db_url, dataclasses.replace(
        base, harm_category=HarmCategory.ANIMAL_WELFARE, severity=Severity.LOW, priority=100,
        media=media))


@pytest.fixture
def picture_and_clip(live_service: Any) -> str:
    """Added before the workstation's first lease takes it."""
    return add_picture_and_clip(live_service.db_url)


def test_seconds_of_a_revealed_clip_are_booked_to_the_clip(
        qtbot: Any, live_service: Any, picture_and_clip: str, workstation: Any) -> None:
    case_id = picture_and_clip
    ws = workstation
    events: list[Any] = []
    ws.flow.sig_exposure.connect(events.append)
    open_case(qtbot, ws, case_id)
    entry = ws.flow.current
    picture, clip = entry.items[0].media, entry.items[1].media
    assert clip.kind is MediaKind.VIDEO
    assert (clip.duration_ms or 0) >= 2500  # probed at ingest, carried in the case

    press(ws, Qt.Key.Key_BracketRight)
    video = ws.window.media.video
    qtbot.waitUntil(lambda: ws.window.media.active is video and video.has_frame,
                    timeout=WAIT_MS)
    assert video.painted_step is RevealStep.BLURRED
    press(ws, Qt.Key.Key_V)  # one step: sharp grayscale (no outline step offered here)
    qtbot.waitUntil(lambda: video.painted_step is RevealStep.SHARP_GRAY, timeout=WAIT_MS)
    press(ws, Qt.Key.Key_P)  # and play it, revealed
    qtbot.wait(REVEAL_MS)
    press(ws, Qt.Key.Key_BracketLeft)  # back to the picture: the clip's reveal ends here
    qtbot.waitUntil(lambda: ws.window.media.active is ws.window.viewer, timeout=WAIT_MS)
    assert video.muted
    assert video.player is None or not video.player.isPlaying()

    revealed = [e for e in events if e.kind is ExposureKind.REVEALED]
    assert [e.media_id for e in revealed] == [clip.id]
    assert revealed[0].duration_ms >= AT_LEAST_MS
    for event in events:
        wait_synced(qtbot, ws, str(event.client_id))
    rows = service_rows(live_service, case_id)
    counted = [r for r in rows if r.kind == "revealed"]
    assert [(r.media_id, r.status) for r in counted] == [(clip.id, "counted")]
    assert counted[0].duration_ms >= AT_LEAST_MS
    assert (counted[0].harm_category, counted[0].severity) == (
        HarmCategory.ANIMAL_WELFARE.value, int(Severity.LOW))
    shown = {r.media_id for r in rows if r.kind == "shown" and r.origin == "client"}
    assert shown == {picture.id, clip.id}  # each item's first display, on its own
