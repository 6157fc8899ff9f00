"""What the clip and recording views share about a QMediaPlayer's sound and its end.

Sound: a player has no audio output at all until the reviewer reveals the sound, so "muted"
is the absence of an audio path, not a flag on one; once made, the output is only muted again.

The end: Qt's FFmpeg playback engine tears its renderers down on its own threads, and a
renderer connected to a Python-made QAudioOutput then needs the GIL (PySide looks up Python
overrides of `disconnectNotify`). A `stop()` or `setSource()` called from Python holds the
GIL while it waits for those threads, which can deadlock (seen here, in a test's teardown).
So the player is never stopped from Python: our slots are disconnected, the sound muted, the
output, sink and buffer handed to the player as children, and the player deleted from the
event loop, where no Python frame holds the GIL while the engine winds down.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QObject
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoSink

from ui.render_cache import ExposureSubject
from ui.reveal import RevealState

SKIP_S = 5.0
RATES = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
MIN_RATE, MAX_RATE = RATES[0], RATES[-1]


class PlayerControls:
    """What the clip and the recording views share: their state as the window reads it (the
    item, withheld or not, behind its warning, hidden) and the transport (speed within 0.5..4,
    skips clamped to the media). The view keeps the underscored fields below and says how it
    seeks (`_seek_to`) and shows a new speed (`_rate_shown`); its reveal is `_reveal`."""

    _player: QMediaPlayer | None
    _rate: float
    _duration_ms: int
    _problem: str | None
    _reveal: RevealState

    @property
    def subject(self) -> ExposureSubject | None:
        """The item loaded: what its exposures are booked to."""
        return self._reveal.subject

    @property
    def is_placeholder(self) -> bool:
        return self._problem is not None

    @property
    def problem(self) -> str | None:
        """Why the media was withheld (None: it was not)."""
        return self._problem

    @property
    def interstitial(self) -> bool:
        return self._reveal.interstitial

    @property
    def hidden(self) -> bool:
        return self._reveal.hidden

    @property
    def muted(self) -> bool:
        return not self._reveal.sound

    @property
    def player(self) -> QMediaPlayer | None:
        return self._player

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def position_ms(self) -> int:
        return self._player.position() if self._player is not None else 0

    @property
    def duration_ms(self) -> int:
        return self._duration_ms

    def _within(self, ms: float) -> int:
        """A position inside the media (its last millisecond at most)."""
        return max(0, min(int(round(ms)), max(0, self._duration_ms - 1)))

    def skip(self, seconds: float) -> None:
        if self._player is not None:
            self._seek_to(self._within(self._player.position() + seconds * 1000))

    def set_rate(self, rate: float) -> float:
        """Playback speed, clamped to 0.5..4; returns the speed set."""
        self._rate = max(MIN_RATE, min(MAX_RATE, float(rate)))
        if self._player is not None:
            self._player.setPlaybackRate(self._rate)
        self._rate_shown()
        return self._rate

    def faster(self) -> float:
        return self.set_rate(next((r for r in RATES if r > self._rate), MAX_RATE))

    def slower(self) -> float:
        return self.set_rate(next((r for r in reversed(RATES) if r < self._rate), MIN_RATE))

    def _seek_to(self, ms: int) -> None:
        if self._player is not None and self._problem is None:
            self._player.setPosition(int(ms))

    def _rate_shown(self) -> None:
        """Show the new speed (the view's transport)."""


def muted_unless(on: bool, player: QMediaPlayer | None, audio: QAudioOutput | None,
                 parent: QObject) -> QAudioOutput | None:
    """The player's audio output after the sound is turned on or off: made (and attached) the
    first time it is turned on, muted when off; None while it was never on."""
    if on and audio is None and player is not None:
        audio = QAudioOutput(parent)
        player.setAudioOutput(audio)
    if audio is not None:
        audio.setMuted(not on)
    return audio


def release_player(player: QMediaPlayer | None, audio: QAudioOutput | None,
                   buffer: QBuffer | None, sink: QVideoSink | None = None) -> None:
    """End a player and what it reads from and writes to, without a call into the engine
    (see the module's note). The caller has disconnected its own slots."""
    if audio is not None:
        audio.setMuted(True)
    parts = [part for part in (audio, buffer, sink) if part is not None]
    if player is None:
        for part in parts:
            part.deleteLater()
        return
    for part in parts:
        part.setParent(player)  # deleted after the player's engine has wound down
    player.deleteLater()
