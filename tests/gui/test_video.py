"""The safeguarded video view with real QtMultimedia (FFmpeg backend), offscreen.

Synthetic clips of fully saturated shapes: any colour pixel in a grab of the widget means a
frame reached the screen without the safeguard.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QColor, QImage, QRegion
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QWidget

from reviewer_app.domain import HarmCategory, Severity
from reviewer_app.service.mediagen import broken_media, synthetic_video
from safeguards import RevealMode
from ui.imaging import RevealStep
from ui.render_cache import ExposureSubject
from ui.video import VideoView, format_time
from ui.views.media_viewer import ViewerPolicy

WAIT_MS = 15_000
PLACEHOLDER_TINT = 12
"""The placeholder card is slate gray with a faint blue tint (|G-B| up to 8); a leaked frame of
the synthetic clips shows chroma of 200 and more."""


@pytest.fixture(scope="module")
def clip_1080p() -> bytes:
    return synthetic_video(1920, 1080, fps=30, seconds=2.0, seed=1)


@pytest.fixture(scope="module")
def clip_small() -> bytes:
    return synthetic_video(640, 360, fps=30, seconds=12.0, seed=2)


def subject(media_id: str = "media-1", severity: Severity = Severity.MODERATE) -> ExposureSubject:
    return ExposureSubject(case_id="case-1", media_id=media_id,
                           harm_category=HarmCategory.GRAPHIC_VIOLENCE, severity=severity)


def policy(**changes: object) -> ViewerPolicy:
    base: dict[str, object] = {"auto_reblur_s": 30.0, "outline_offered": False}
    base.update(changes)
    return ViewerPolicy(**base)  # type: ignore[arg-type]


def max_colour(image: QImage) -> int:
    """The largest |R-G| or |G-B| of any pixel: 0 for a gray picture."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    stride, h, w = rgb.bytesPerLine(), rgb.height(), rgb.width()
    px = np.frombuffer(rgb.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    px = px[:, :w * 3].reshape(h, w, 3).astype(np.int16)
    return int(max(np.abs(px[..., 0] - px[..., 1]).max(), np.abs(px[..., 1] - px[..., 2]).max()))


def grab_colour(view: VideoView) -> int:
    """The colour in a grab of the picture and the keyframe strip (the transport bar's own
    widgets are styled by the platform and may be coloured)."""
    return max(max_colour(view.grab(view.picture.geometry()).toImage()),
               max_colour(view.grab(view.strip.geometry()).toImage()))


@pytest.fixture
def view(qtbot: object) -> Iterator[VideoView]:
    widget = VideoView()
    widget.resize(960, 680)
    widget.policy = policy()
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.show()
    yield widget
    widget.clear()
    widget.strip._workers.wait_idle()


def load_and_wait(qtbot: object, view: VideoView, data: bytes, media_id: str = "media-1",
                  severity: Severity = Severity.MODERATE) -> None:
    view.load(data, subject(media_id, severity), content_type="video/mp4")
    qtbot.waitUntil(lambda: view.has_frame or view.is_placeholder,  # type: ignore[attr-defined]
                    timeout=WAIT_MS)
    assert not view.is_placeholder, view.problem


def wait_strip(qtbot: object, view: VideoView) -> None:
    qtbot.waitUntil(lambda: not view.strip.busy, timeout=WAIT_MS)  # type: ignore[attr-defined]


def test_opens_paused_muted_on_a_blurred_gray_first_frame(qtbot, view, clip_1080p):
    view.load(clip_1080p, subject(), content_type="video/mp4")
    assert view.painted_step is None
    assert grab_colour(view) == 0, "the first paint after load must not be a raw frame"
    qtbot.waitUntil(lambda: view.has_frame, timeout=WAIT_MS)
    assert view.painted_step is RevealStep.BLURRED
    assert view.player.playbackState() is not QMediaPlayer.PlaybackState.PlayingState
    assert view.muted
    assert view.player.audioOutput() is None  # no audio path at all until revealed
    assert grab_colour(view) == 0
    wait_strip(qtbot, view)


def test_every_delivered_frame_is_safeguarded_and_grabs_stay_gray(qtbot, view, clip_1080p):
    load_and_wait(qtbot, view, clip_1080p)
    worst = [0]
    grabs = [0]

    def grab() -> None:
        worst[0] = max(worst[0], grab_colour(view))
        grabs[0] += 1

    view.player.positionChanged.connect(lambda _ms: grab() if grabs[0] < 12 else None)
    view.play_pause()
    qtbot.waitUntil(lambda: view.player.mediaStatus() is QMediaPlayer.MediaStatus.EndOfMedia,
                    timeout=WAIT_MS)
    assert not view.is_placeholder, view.problem
    assert view.frames_delivered >= 50  # 60 frames in the clip
    assert view.frames_safeguarded == view.frames_delivered
    assert grabs[0] >= 5
    assert worst[0] == 0, f"a colour pixel reached the screen (chroma {worst[0]})"
    wait_strip(qtbot, view)


def test_grab_right_after_the_first_frame_is_gray(qtbot, view, clip_1080p):
    seen: list[int] = []
    view.load(clip_1080p, subject(), content_type="video/mp4")
    view.player.videoSink().videoFrameChanged.connect(
        lambda _f: seen.append(grab_colour(view)) if len(seen) < 2 else None)
    qtbot.waitUntil(lambda: len(seen) >= 1, timeout=WAIT_MS)
    assert max(seen) == 0
    wait_strip(qtbot, view)


def test_stepped_reveal_walks_blur_outline_sharp_colour_and_reblurs(qtbot, view, clip_small):
    view.policy = policy(outline_offered=True, auto_reblur_s=0.4)
    load_and_wait(qtbot, view, clip_small)
    assert view.step_reveal() is RevealStep.OUTLINE
    assert view.painted_step is RevealStep.OUTLINE
    assert grab_colour(view) == 0
    assert view.step_reveal() is RevealStep.SHARP_GRAY
    assert view.painted_step is RevealStep.SHARP_GRAY
    assert grab_colour(view) == 0
    assert view.step_reveal() is RevealStep.COLOUR
    assert view.painted_step is RevealStep.COLOUR
    assert grab_colour(view) > 100, "the colour step shows the clip's colours"
    qtbot.waitUntil(lambda: view.painted_step is RevealStep.BLURRED, timeout=5000)
    assert grab_colour(view) == 0
    wait_strip(qtbot, view)


def test_colour_is_never_shown_where_not_allowed(qtbot, view, clip_small):
    view.policy = policy(colour_allowed=False)
    load_and_wait(qtbot, view, clip_small)
    assert view.step_reveal() is RevealStep.SHARP_GRAY  # no outline step: not offered
    assert view.step_reveal() is RevealStep.BLURRED  # the next press re-blurs
    assert view.painted_step is RevealStep.BLURRED
    view.step_reveal()
    view.begin_hold()
    view.play_pause()
    qtbot.wait(500)
    assert view.painted_step is RevealStep.SHARP_GRAY
    assert grab_colour(view) == 0
    view.end_hold()
    wait_strip(qtbot, view)


def test_colour_step_ends_when_the_policy_forbids_it(qtbot, view, clip_small):
    load_and_wait(qtbot, view, clip_small)
    view.step_reveal()
    view.step_reveal()
    assert view.painted_step is RevealStep.COLOUR
    view.policy = policy(colour_allowed=False)
    assert view.painted_step is RevealStep.BLURRED
    assert grab_colour(view) == 0
    wait_strip(qtbot, view)


def test_hold_and_lens_show_sharp_gray_only_while_on(qtbot, view, clip_small):
    load_and_wait(qtbot, view, clip_small)
    view.begin_hold()
    assert view.painted_step is RevealStep.SHARP_GRAY
    view.end_hold()
    assert view.painted_step is RevealStep.BLURRED
    assert view.toggle_lens()
    view._move_lens(QPoint(480, 250))
    assert view._lens_image is not None
    assert grab_colour(view) == 0
    assert not view.toggle_lens()
    assert view._lens_image is None
    view.policy = policy(reveal_modes=frozenset({RevealMode.STEPPED}))
    view.begin_hold()
    assert view.painted_step is RevealStep.BLURRED, "hold is not allowed by this policy"
    wait_strip(qtbot, view)


def test_reveal_is_booked_to_its_own_item(qtbot, view, clip_small):
    events: list[tuple[str, str, int]] = []
    view.sig_exposure.connect(lambda s, kind, ms: events.append((s.media_id, kind, ms)))
    load_and_wait(qtbot, view, clip_small, media_id="media-2")
    assert events == [("media-2", "shown", 0)]
    view.begin_hold()
    qtbot.wait(350)
    view.load(clip_small, subject("media-3"), content_type="video/mp4")  # leaving ends it
    revealed = [e for e in events if e[1] == "revealed"]
    assert len(revealed) == 1
    assert revealed[0][0] == "media-2"
    assert revealed[0][2] >= 300
    qtbot.waitUntil(lambda: view.has_frame, timeout=WAIT_MS)
    assert events[-1] == ("media-3", "shown", 0)
    wait_strip(qtbot, view)


def test_unmuting_is_a_reveal_and_mutes_again_on_reblur(qtbot, view, clip_small):
    events: list[tuple[str, int]] = []
    view.sig_exposure.connect(lambda s, kind, ms: events.append((kind, ms)))
    load_and_wait(qtbot, view, clip_small)
    assert view.toggle_audio()
    assert not view.player.audioOutput().isMuted()
    qtbot.wait(350)
    view.reblur()
    assert view.muted
    assert view.player.audioOutput().isMuted()
    assert [e for e in events if e[0] == "revealed"][0][1] >= 300
    view.policy = policy(reveal_modes=frozenset())
    assert not view.toggle_audio(), "no reveal allowed: no sound either"
    wait_strip(qtbot, view)


def test_high_severity_waits_behind_the_warning_and_hide_now_blanks(qtbot, view, clip_small):
    events: list[str] = []
    view.sig_exposure.connect(lambda s, kind, ms: events.append(kind))
    view.load(clip_small, subject(severity=Severity.SEVERE), content_type="video/mp4")
    qtbot.waitUntil(lambda: view.has_frame, timeout=WAIT_MS)
    assert view.interstitial
    assert view.painted_step is None
    assert events == []
    view.play_pause()
    assert view.player.playbackState() is not QMediaPlayer.PlaybackState.PlayingState
    assert view.step_reveal() is RevealStep.BLURRED
    view.acknowledge_warning()
    assert view.painted_step is RevealStep.BLURRED
    assert events == ["shown"]
    view.begin_hold()
    view.hide_now()
    assert view.hidden
    assert view.painted_step is None
    assert "revealed" in events
    assert view.muted
    view.unhide()
    assert view.painted_step is RevealStep.BLURRED
    wait_strip(qtbot, view)


@pytest.mark.parametrize("name", sorted(broken_media()))
def test_broken_media_gives_the_placeholder(qtbot, view, name):
    data, content_type = broken_media()[name]
    view.frame_timeout_ms = 2500
    problems: list[str] = []
    view.sig_problem.connect(problems.append)
    view.load(data, subject(), content_type=content_type)
    worst = grab_colour(view)
    if not problems:
        view.play_pause()
    qtbot.waitUntil(lambda: bool(problems), timeout=WAIT_MS)
    assert view.is_placeholder
    assert problems[0]
    assert view.painted_step is None
    assert max(worst, grab_colour(view)) <= PLACEHOLDER_TINT
    wait_strip(qtbot, view)


def test_keyframes_are_gray_thumbnails_decoded_off_the_gui_thread(qtbot, view, clip_small):
    load_and_wait(qtbot, view, clip_small)
    wait_strip(qtbot, view)
    frames = view.strip.keyframes
    assert 8 <= len(frames) <= 12
    assert all(f.image.format() is QImage.Format.Format_Grayscale8 for f in frames)
    assert all(f.image.width() <= 128 for f in frames)
    assert len({f.position_ms for f in frames}) == len(frames)
    assert view.strip.decode_thread not in (None, threading.get_ident())
    target = frames[len(frames) // 2].position_ms
    view.strip.sig_seek.emit(target)
    qtbot.waitUntil(lambda: abs(view.position_ms - target) < 600, timeout=WAIT_MS)


def test_keyframes_of_a_broken_clip_are_an_empty_strip_with_a_note(qtbot, view):
    from ui.keyframes import KeyframeStrip
    strip = KeyframeStrip(view.strip._workers)
    qtbot.addWidget(strip)
    strip.load(broken_media()["mp4_header_then_random"][0])
    qtbot.waitUntil(lambda: not strip.busy, timeout=WAIT_MS)
    assert strip.keyframes == []
    assert strip.note.startswith("Keyframes unavailable")


def test_rate_clamps_skip_moves_five_seconds_and_frame_step_one_frame(qtbot, view, clip_small):
    load_and_wait(qtbot, view, clip_small)
    assert view.set_rate(10) == 4.0
    assert view.player.playbackRate() == 4.0
    assert view.set_rate(0.1) == 0.5
    assert view.faster() == 1.0
    assert view.faster() == 1.5
    assert view.slower() == 1.0
    qtbot.waitUntil(lambda: view.player.duration() > 0, timeout=WAIT_MS)
    view.skip(5)
    qtbot.waitUntil(lambda: abs(view.position_ms - 5000) < 100, timeout=WAIT_MS)
    view.skip(-5)
    qtbot.waitUntil(lambda: view.position_ms < 100, timeout=WAIT_MS)
    view.skip(5)
    qtbot.waitUntil(lambda: abs(view.position_ms - 5000) < 100, timeout=WAIT_MS)
    before = view.position_ms
    delivered = view.frames_delivered
    view.step_frame(1)
    qtbot.waitUntil(lambda: view.position_ms != before, timeout=WAIT_MS)
    assert 20 <= view.position_ms - before <= 50  # one frame at 30 fps
    qtbot.waitUntil(lambda: view.frames_delivered > delivered, timeout=WAIT_MS)
    assert view.player.playbackState() is not QMediaPlayer.PlaybackState.PlayingState
    assert grab_colour(view) == 0
    wait_strip(qtbot, view)


def test_format_time():
    assert format_time(0) == "0:00"
    assert format_time(65_400) == "1:05"
    assert format_time(3_600_000) == "60:00"


def test_safeguard_of_an_rgb_frame_is_gray():
    from PySide6.QtGui import QColor
    from PySide6.QtMultimedia import QVideoFrame

    from ui import frames
    image = QImage(64, 36, QImage.Format.Format_RGB32)
    image.fill(QColor("#ff0000"))
    frame = QVideoFrame(image)
    for step in (RevealStep.BLURRED, RevealStep.SHARP_GRAY, RevealStep.OUTLINE):
        out = frames.safeguard(frame, step, QSize(64, 36), blur_width=16, colour_allowed=True)
        assert out is not None
        assert out.format() is QImage.Format.Format_Grayscale8
    assert frames.safeguard(QVideoFrame(), RevealStep.BLURRED, QSize(64, 36), blur_width=16,
                            colour_allowed=True) is None


def test_the_opaque_picture_leaves_nothing_of_what_was_there(qtbot, view, clip_small):
    """The picture is opaque to Qt (a frame repaints it alone, not the window beneath), so
    every paint must cover it: painted over pure red, standing for the last item's revealed
    colour, no red remains while loading, on the blurred frame, or hidden."""
    stale = QColor(255, 0, 0)

    def stale_left() -> int:
        canvas = QImage(view.picture.size(), QImage.Format.Format_ARGB32_Premultiplied)
        canvas.fill(stale)
        view.picture.render(canvas, QPoint(), QRegion(), QWidget.RenderFlag.DrawChildren)
        return sum(1 for y in range(0, canvas.height(), 4) for x in range(0, canvas.width(), 4)
                   if canvas.pixel(x, y) == stale.rgb())

    assert view.picture.testAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
    view.load(clip_small, subject(), content_type="video/mp4")
    assert stale_left() == 0  # "Loading video..."
    qtbot.waitUntil(lambda: view.has_frame, timeout=WAIT_MS)
    assert stale_left() == 0  # the blurred first frame, bands beside it
    view.hide_now()
    assert stale_left() == 0
    wait_strip(qtbot, view)
