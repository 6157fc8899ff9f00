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
