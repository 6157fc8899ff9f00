"""The safeguarded audio view with real QtMultimedia (FFmpeg backend), offscreen."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtMultimedia import QMediaPlayer

from reviewer_app.domain import HarmCategory, Severity
from reviewer_app.service.mediagen import broken_media, synthetic_audio, synthetic_video
from tests.gui.test_video import PLACEHOLDER_TINT, max_colour
from ui import audio as audio_module
from ui.audio import AudioView, decode_waveform
from ui.render_cache import ExposureSubject
from ui.views.media_viewer import ViewerPolicy

WAIT_MS = 15_000


def subject(media_id: str = "media-a", severity: Severity = Severity.MODERATE) -> ExposureSubject:
    return ExposureSubject(case_id="case-1", media_id=media_id,
                           harm_category=HarmCategory.GRAPHIC_VIOLENCE, severity=severity)


@pytest.fixture
def view(qtbot: object) -> Iterator[AudioView]:
    widget = AudioView()
    widget.resize(800, 240)
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.show()
    yield widget
    widget.clear()
    widget._workers.wait_idle()


def load_and_wait(qtbot: object, view: AudioView, data: bytes, content_type: str = "audio/wav",
                  **kw: object) -> None:
    view.load(data, subject(**kw), content_type=content_type)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: view.waveform is not None or view.is_placeholder,  # type: ignore[attr-defined]
                    timeout=WAIT_MS)
    assert not view.is_placeholder, view.problem


@pytest.mark.parametrize("container", ["wav", "ogg"])
def test_opens_muted_with_a_waveform(qtbot, view, container):
    load_and_wait(qtbot, view, synthetic_audio(2.0, container=container),
                  content_type=f"audio/{container}")
    wave = view.waveform
    assert wave is not None
    assert len(wave.peaks) == audio_module.PEAK_BUCKETS
    assert 0.3 < float(wave.peaks.max()) <= 1.0
    assert 1800 <= wave.duration_ms <= 2200
    assert view.muted
    assert view.player.audioOutput() is None  # no audio path at all until revealed
    assert view.player.playbackState() is not QMediaPlayer.PlaybackState.PlayingState
    assert max_colour(view.grab().toImage()) == 0


def test_waveform_is_computed_off_the_gui_thread(qtbot, view, monkeypatch):
    threads: list[int] = []
    real = audio_module.decode_waveform

    def recording(data: bytes, buckets: int = audio_module.PEAK_BUCKETS):
        threads.append(threading.get_ident())
        return real(data, buckets)

    monkeypatch.setattr(audio_module, "decode_waveform", recording)
    load_and_wait(qtbot, view, synthetic_audio(1.0))
    assert threads
    assert threads[0] != threading.get_ident()


def test_unmuting_is_a_revealed_exposure_of_its_item(qtbot, view):
    events: list[tuple[str, str, int]] = []
    view.sig_exposure.connect(lambda s, kind, ms: events.append((s.media_id, kind, ms)))
    load_and_wait(qtbot, view, synthetic_audio(3.0), media_id="media-7")
    assert events == [("media-7", "shown", 0)]
    assert view.toggle_audio()
    assert not view.player.audioOutput().isMuted()
    qtbot.wait(350)
    view.clear()  # leaving mutes and books the unmuted time to its item
    assert events[-1][0:2] == ("media-7", "revealed")
    assert events[-1][2] >= 300


def test_no_sound_where_no_reveal_is_allowed_and_hide_mutes(qtbot, view):
    view.policy = ViewerPolicy(reveal_modes=frozenset())
    load_and_wait(qtbot, view, synthetic_audio(1.0))
    assert not view.toggle_audio()
    assert view.muted
    view.policy = ViewerPolicy()
    assert view.toggle_audio()
    view.hide_now()
    assert view.muted
    assert view.player.audioOutput().isMuted()
    assert view.hidden


def test_high_severity_waits_behind_the_warning(qtbot, view):
    events: list[str] = []
    view.sig_exposure.connect(lambda s, kind, ms: events.append(kind))
    view.load(synthetic_audio(1.0), subject(severity=Severity.SEVERE), content_type="audio/wav")
    qtbot.waitUntil(lambda: view.waveform is not None, timeout=WAIT_MS)
    assert view.interstitial
    assert not view.toggle_audio()
    assert events == []
    view.acknowledge_warning()
    assert events == ["shown"]
    assert view.toggle_audio()


def test_rate_clamps_and_skip_moves(qtbot, view):
    load_and_wait(qtbot, view, synthetic_audio(12.0))
    assert view.set_rate(9) == 4.0
    assert view.set_rate(0) == 0.5
    qtbot.waitUntil(lambda: view.player.duration() > 0, timeout=WAIT_MS)
    view.skip(5)
    qtbot.waitUntil(lambda: abs(view.position_ms - 5000) < 100, timeout=WAIT_MS)


@pytest.mark.parametrize("name", sorted(broken_media()))
def test_broken_media_gives_the_placeholder(qtbot, view, name):
    data, content_type = broken_media()[name]
    problems: list[str] = []
    view.sig_problem.connect(problems.append)
    view.load(data, subject(), content_type=content_type)
    qtbot.waitUntil(lambda: bool(problems), timeout=WAIT_MS)
    assert view.is_placeholder
    assert view.waveform is None
    assert view.muted
    assert max_colour(view.grab().toImage()) <= PLACEHOLDER_TINT


def test_a_video_file_is_not_a_recording(qtbot, view):
    problems: list[str] = []
    view.sig_problem.connect(problems.append)
    view.load(synthetic_video(160, 90, seconds=0.5), subject(), content_type="video/mp4")
    assert problems
    assert view.is_placeholder


def test_decode_waveform_refuses_a_header_that_claims_far_more():
    data, _ = broken_media()["wav_claims_ten_hours"]
    with pytest.raises(audio_module.AudioProblem, match="claims"):
        decode_waveform(data)
