"""The safeguarded audio view: a waveform and a play head, muted until revealed on purpose.

Audio-only media opens paused and muted; the reviewer sees its shape (peaks computed with
PyAV and numpy on a worker thread, never the GUI thread) and may unmute it, which is a
reveal: counted as "revealed" for as long as it stays unmuted, booked to the item, and muted
again on re-blur, on hide and on leaving the item.

Fail closed: an empty file, a file with no decodable audio, one whose header claims far more
than it holds, media the player calls invalid or a player error: the placeholder card with
the reason and `sig_problem`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import av
import numpy as np
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QRectF,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QPainter, QPaintEvent, QPen
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.imaging import RevealStep, placeholder
from ui.playback import SKIP_S, PlayerControls, muted_unless, release_player
from ui.render_cache import ExposureSubject
from ui.reveal import RevealState, ViewerPolicy
from ui.video import format_time
from ui.workers import Workers

__all__ = ["AudioView", "Waveform", "decode_waveform"]

PEAK_BUCKETS = 600
MAX_DECODE_SECONDS = 4 * 3600
SHORTFALL = 0.5
"""A file holding less than this share of the duration its header claims is refused."""

_SUFFIX = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav", "audio/ogg": "ogg",
           "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/aac": "aac", "audio/flac": "flac",
           "audio/webm": "webm", "audio/opus": "opus"}


class AudioProblem(Exception):
    """The recording cannot be offered; the message says why."""


@dataclass(frozen=True)
class Waveform:
    peaks: np.ndarray
    """PEAK_BUCKETS values in 0..1, the loudest sample of each slice of the recording."""
    duration_ms: int


def decode_waveform(data: bytes, buckets: int = PEAK_BUCKETS) -> Waveform:
    """Decode all of `data`'s first audio stream and reduce it to peaks; raises AudioProblem.
    Meant for a worker thread."""
    if not data:
        raise AudioProblem("the media file is empty")
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioProblem("the file holds no audio stream")
            stream = container.streams.audio[0]
            rate = stream.codec_context.sample_rate or 0
            if rate <= 0:
                raise AudioProblem("the audio gives no usable sample rate")
            claimed_s = max(container.duration / 1_000_000 if container.duration else 0.0,
                            _wav_claim_s(data))
            chunks: list[np.ndarray] = []
            total = 0
            for frame in container.decode(stream):
                samples = np.abs(frame.to_ndarray().astype(np.float32, copy=False))
                if samples.ndim == 2:
                    samples = samples.max(axis=0)
                chunks.append(samples)
                total += samples.size
                if total > MAX_DECODE_SECONDS * rate:
                    raise AudioProblem("the recording is longer than the viewer accepts")
    except AudioProblem:
        raise
    except Exception as exc:  # any decoder surprise is a placeholder, never a crash
        raise AudioProblem(f"the audio could not be decoded ({type(exc).__name__})") from exc
    if total == 0:
        raise AudioProblem("the file holds no decodable audio")
    held_s = total / rate
    if claimed_s > 1.0 and held_s < claimed_s * SHORTFALL:
        raise AudioProblem(f"the file claims {format_time(int(claimed_s * 1000))} of audio but "
                           f"holds {held_s:.1f} s (damaged or hostile)")
    return Waveform(_peaks(np.concatenate(chunks), buckets), int(held_s * 1000))


def _wav_claim_s(data: bytes) -> float:
    """The seconds a RIFF/WAVE header says its data chunk holds (FFmpeg quietly trusts the
    file size instead, so a header claiming hours over a few bytes would pass unnoticed)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return 0.0
    pos, byte_rate = 12, 0
    while pos + 8 <= len(data):
        kind, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        if kind == b"fmt " and pos + 20 <= len(data):
            byte_rate = int.from_bytes(data[pos + 16:pos + 20], "little")
        elif kind == b"data":
            return size / byte_rate if byte_rate and size != 0xFFFFFFFF else 0.0
        pos += 8 + size + (size & 1)
    return 0.0


def _peaks(samples: np.ndarray, buckets: int) -> np.ndarray:
    scale = float(samples.max()) or 1.0
    if samples.dtype.kind in "iu" or scale > 1.0:
        samples = samples / scale
    edges = np.linspace(0, samples.size, buckets + 1).astype(int)
    edges[-1] = samples.size
    starts = np.minimum(edges[:-1], samples.size - 1)
    peaks = np.maximum.reduceat(samples, starts)
    return np.clip(peaks.astype(np.float32), 0.0, 1.0)


class AudioView(PlayerControls, QWidget):
    """A recording as a waveform with a play head; sound only on purpose.

    Signals: as `ui.video.VideoView` (sig_exposure, sig_step_changed, sig_problem,
    sig_position).
    """

    sig_exposure = Signal(object, str, int)
    sig_step_changed = Signal(int)
    sig_problem = Signal(str)
    sig_position = Signal(int, int)

    def __init__(self, parent: QWidget | None = None, *, workers: Workers | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("audioView")
        self.setAccessibleName("Safeguarded audio")
        self.setAccessibleDescription("Muted unless revealed on purpose")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(320, 120))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._workers = workers if workers is not None else Workers(self)
        self._player: QMediaPlayer | None = None
        self._audio: QAudioOutput | None = None
        self._buffer: QBuffer | None = None
        self._generation = 0
        self._reset()
        self._reveal = RevealState(self, ready=lambda: (self._problem is None
                                                        and self._waveform is not None),
                                   painted=lambda: self.painted_step)
        self._reveal.sig_exposure.connect(self.sig_exposure)
        self._reveal.sig_sound.connect(self._sound_on)
        self._reveal.sig_changed.connect(self.update)

    def _reset(self) -> None:
        self._problem: str | None = None
        self._placeholder: QImage | None = None
        self._waveform: Waveform | None = None
        self._rate = 1.0
        self._duration_ms = 0
        self._position_ms = 0
        self._label = ""

    # ------------------------------------------------------------------ rules

    @property
    def policy(self) -> ViewerPolicy:
        return self._reveal.policy

    @policy.setter
    def policy(self, policy: ViewerPolicy) -> None:
        """New rules: unmuted sound they no longer allow is muted at once (booked)."""
        self._reveal.policy = policy

    # ------------------------------------------------------------------ content

    def load(self, data: bytes, subject: ExposureSubject | None, *, content_type: str,
             label: str = "") -> None:
        """Open `data` paused and muted; the waveform shows once computed."""
        self.clear()
        self._label = label
        self._reveal.open_item(subject)
        if not data:
            self._fail("the media file is empty")
            return
        kind = content_type.lower()
        if not kind.startswith("audio/"):
            self._fail(f"the media is not a recording (it claims {content_type or 'no type'})")
            return
        self._open(data, kind)
        generation = self._generation
        self._workers.run(lambda: decode_waveform(data),
                          lambda wave: self._on_waveform(generation, wave),
                          lambda exc: self._on_decode_failed(generation, exc),
                          pool=self._workers.decode_pool)

    def _open(self, data: bytes, content_type: str) -> None:
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        player = QMediaPlayer(self)  # no audio output until the sound is revealed (M)
        player.mediaStatusChanged.connect(self._on_status)
        player.errorOccurred.connect(self._on_error)
        player.positionChanged.connect(self._on_position)
        player.durationChanged.connect(self._on_duration)
        self._player = player
        player.setSourceDevice(self._buffer, QUrl(f"recording.{_SUFFIX.get(content_type, 'wav')}"))

    def clear(self, message: str = "") -> None:
        """Stop and drop the recording (muting first, so unmuted time is booked to it)."""
        self._reveal.clear()
        self._generation += 1
        self._close_player()
        self._reset()
        self._label = message
        self.update()

    def _close_player(self) -> None:
        player, audio, buffer = self._player, self._audio, self._buffer
        self._player = self._audio = self._buffer = None
        if player is not None:
            for signal, slot in ((player.mediaStatusChanged, self._on_status),
                                 (player.errorOccurred, self._on_error),
                                 (player.positionChanged, self._on_position),
                                 (player.durationChanged, self._on_duration)):
                signal.disconnect(slot)
        release_player(player, audio, buffer)

    def _on_waveform(self, generation: int, wave: Waveform) -> None:
        if generation != self._generation or self._problem is not None:
            return
        self._waveform = wave
        if not self._duration_ms:
            self._duration_ms = wave.duration_ms
        self._reveal.report_shown()
        self.update()

    def _on_decode_failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._fail(str(exc) if isinstance(exc, AudioProblem)
                       else f"the audio could not be decoded ({type(exc).__name__})")

    @property
    def waveform(self) -> Waveform | None:
        return self._waveform

    @property
    def painted_step(self) -> RevealStep | None:
        """As the viewers report it: None while nothing is up (hidden, behind the warning,
        withheld or still decoding), BLURRED for the muted waveform, SHARP_GRAY while the sound
        is on (the recording's one reveal)."""
        if (self._reveal.hidden or self._reveal.interstitial or self._problem is not None
                or self._waveform is None):
            return None
        return RevealStep.BLURRED if not self._reveal.sound else RevealStep.SHARP_GRAY

    # ------------------------------------------------------------------ fail closed

    def _fail(self, reason: str) -> None:
        if self._problem is not None:
            return
        self._reveal.set_sound(False)
        self._close_player()
        self._problem = reason
        self._waveform = None
        self._reveal.drop_warning()
        self._placeholder = placeholder(self.size(), reason)
        self.repaint()
        self.sig_problem.emit(reason)

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status is QMediaPlayer.MediaStatus.InvalidMedia:
            self._fail("the file is not a recording the player can decode safely")
        elif status is QMediaPlayer.MediaStatus.LoadedMedia and self._player is not None:
            if not self._player.hasAudio():
                self._fail("the file holds no audio stream")

    def _on_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if error is not QMediaPlayer.Error.NoError:
            self._fail(f"the player failed ({message or error.name})")

    # ------------------------------------------------------------------ safety and reveal

    @property
    def reveal(self) -> RevealState:
        """The reveal of the recording on screen (its sound)."""
        return self._reveal

    def hide_now(self) -> None:
        self._reveal.hide_now()
        if self._player is not None:
            self._player.pause()
        self.repaint()

    def unhide(self) -> None:
        self._reveal.unhide()

    def acknowledge_warning(self) -> None:
        self._reveal.acknowledge_warning()

    def toggle_audio(self) -> bool:
        """Unmute (a reveal: only where the policy allows reveals) or mute; returns whether
        the sound is on."""
        if self._player is not None or self._reveal.sound:
            self._reveal.toggle_sound()
        self.update()
        return self._reveal.sound

    def reblur(self) -> None:
        """Back to the safe state: muted."""
        self._reveal.reblur()

    def _sound_on(self, on: bool) -> None:
        self._audio = muted_unless(on, self._player, self._audio, self)

    # ------------------------------------------------------------------ playback

    def play_pause(self) -> None:
        player = self._player
        if player is None or self._problem is not None:
            return
        if player.playbackState() is QMediaPlayer.PlaybackState.PlayingState:
            player.pause()
        elif not self._reveal.hidden and not self._reveal.interstitial:
            player.play()

    def _rate_shown(self) -> None:
        self.update()

    def _on_position(self, ms: int) -> None:
        self._position_ms = int(ms)
        self.sig_position.emit(int(ms), self._duration_ms)
        self.update()

    def _on_duration(self, ms: int) -> None:
        if ms > 0:
            self._duration_ms = int(ms)

    # ------------------------------------------------------------------ events

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        actions = {
            Qt.Key.Key_P: self.play_pause,
            Qt.Key.Key_Left: lambda: self.skip(-SKIP_S),
            Qt.Key.Key_Right: lambda: self.skip(SKIP_S),
            Qt.Key.Key_Less: self.slower,
            Qt.Key.Key_Greater: self.faster,
            Qt.Key.Key_M: self.toggle_audio,
        }
        action = actions.get(Qt.Key(event.key()))
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()

    def hideEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self._reveal.set_sound(False)
        if self._player is not None:
            self._player.pause()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), self.palette().window())
            if self._reveal.hidden:
                self._message(painter, "Content hidden.\nPress H to show the view.")
            elif self._problem is not None and self._placeholder is not None:
                painter.drawImage(self.rect(), self._placeholder)
            elif self._reveal.interstitial:
                self._message(painter, self._label + "\n\nThe recording stays muted.\n"
                              "Press Enter to show its waveform.")
            elif self._waveform is None:
                self._message(painter, self._label or
                              ("Loading recording..." if self._player is not None
                               else "No media"))
            else:
                self._paint_waveform(painter, self._waveform)
        finally:
            painter.end()

    def _paint_waveform(self, painter: QPainter, wave: Waveform) -> None:
        box = QRectF(self.rect().adjusted(12, 12, -12, -36))
        mid = box.center().y()
        painter.setPen(QPen(QColor("#9d9d9d"), 1))
        count = len(wave.peaks)
        for i, peak in enumerate(wave.peaks):
            x = box.left() + box.width() * i / max(1, count)
            half = float(peak) * box.height() / 2
            painter.drawLine(int(x), int(mid - half), int(x), int(mid + half))
        duration = max(1, self._duration_ms or wave.duration_ms)
        head = box.left() + box.width() * min(1.0, self._position_ms / duration)
        painter.setPen(QPen(QColor("#e8e8e8"), 2))
        painter.drawLine(int(head), int(box.top()), int(head), int(box.bottom()))
        painter.setPen(QColor(self.palette().windowText().color()))
        sound = "sound on" if self._reveal.sound else "muted (M to reveal the sound)"
        painter.drawText(self.rect().adjusted(12, 0, -12, -8),
                         int(Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft),
                         f"{format_time(self._position_ms)} / {format_time(duration)}   "
                         f"{self._rate:g}x   {sound}")

    def _message(self, painter: QPainter, text: str) -> None:
        painter.setPen(QColor(self.palette().windowText().color()))
        font = QFont(self.font())
        font.setPointSize(font.pointSize() + 2)
        painter.setFont(font)
        painter.drawText(self.rect().adjusted(24, 24, -24, -24),
                         int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), text)
