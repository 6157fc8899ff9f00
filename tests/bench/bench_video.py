"""Video figures: 1080p30 safeguarded playback at 1x and 2x (frames delivered vs painted,
the per-frame safeguard cost) and its CPU time as a ratio to plain playback of the same clip
in the same run (a sink whose frames nobody looks at). Offscreen, real QtMultimedia."""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QEventLoop, QIODevice, QTimer, QUrl
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import QApplication

from reviewer_app.service.mediagen import synthetic_video
from tests.bench.run_all import Figure
from ui.app import qt_environment
from ui.video import VideoView

SECONDS = 6.0
TIMEOUT_MS = 60_000


def _wait_end(player: QMediaPlayer) -> None:
    loop = QEventLoop()

    def status(value: QMediaPlayer.MediaStatus) -> None:
        if value in (QMediaPlayer.MediaStatus.EndOfMedia, QMediaPlayer.MediaStatus.InvalidMedia):
            loop.quit()

    player.mediaStatusChanged.connect(status)
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    loop.exec()


def _settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def plain_playback(data: bytes, rate: float) -> tuple[int, float]:
    """Frames delivered and process CPU seconds of playing into a sink nobody reads."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    player, sink, audio = QMediaPlayer(), QVideoSink(), QAudioOutput()
    audio.setMuted(True)
    player.setAudioOutput(audio)
    player.setVideoSink(sink)
    count = [0]

    def frame(f: QVideoFrame) -> None:
        if f.isValid():
            count[0] += 1

    sink.videoFrameChanged.connect(frame)
    player.setSourceDevice(buffer, QUrl("clip.mp4"))
    player.setPlaybackRate(rate)
    _settle()
    cpu = time.process_time()
    player.play()
    _wait_end(player)
    cpu = time.process_time() - cpu
    player.stop()
    return count[0], cpu


def safeguarded_playback(data: bytes, rate: float) -> tuple[VideoView, float]:
    view = VideoView()
    view.resize(1280, 860)
    view.show()
    view.load(data, None, content_type="video/mp4")
    view.set_rate(rate)
    _settle()
    while view.strip.busy:
        _settle(100)
    view.frames_delivered = view.frames_safeguarded = view.frames_painted = 0
    view.cost_log = []
    cpu = time.process_time()
    view.play_pause()
    assert view.player is not None
    _wait_end(view.player)
    _settle(100)
    cpu = time.process_time() - cpu
    return view, cpu


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] if ordered else 0.0


def run() -> list[Figure]:
    qt_environment()  # as the app runs
    app = QApplication.instance() or QApplication([])
    assert app is not None
    data = synthetic_video(1920, 1080, fps=30, seconds=SECONDS, seed=5)
    figures: list[Figure] = []
    for rate in (1.0, 2.0):
        label = f"{rate:g}x"
        plain_frames, plain_cpu = plain_playback(data, rate)
        view, cpu = safeguarded_playback(data, rate)
        costs = view.cost_log or [0.0]
        dropped = view.frames_delivered - view.frames_painted
        figures += [
            Figure("video", f"1080p30 {label}: frames delivered (plain sink)", plain_frames,
                   "frames"),
            Figure("video", f"1080p30 {label}: frames delivered (safeguarded)",
                   view.frames_delivered, "frames"),
            Figure("video", f"1080p30 {label}: frames safeguarded", view.frames_safeguarded,
                   "frames"),
            Figure("video", f"1080p30 {label}: frames painted", view.frames_painted, "frames"),
            Figure("video", f"1080p30 {label}: frames dropped (delivered - painted)", dropped,
                   "frames", "aim: 0"),
            Figure("video", f"1080p30 {label}: safeguard per frame, mean",
                   statistics.fmean(costs), "ms"),
            Figure("video", f"1080p30 {label}: safeguard per frame, p95", _p95(costs), "ms"),
            Figure("video", f"1080p30 {label}: CPU safeguarded / plain playback",
                   cpu / plain_cpu if plain_cpu else 0.0, "x",
                   f"{cpu:.2f} s vs {plain_cpu:.2f} s process time"),
        ]
        view.clear()
        view.strip._workers.wait_idle()
        view.deleteLater()
    return figures
