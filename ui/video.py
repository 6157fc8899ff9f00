"""The safeguarded video view: every frame through the safeguard before anything is painted.

A QMediaPlayer decodes the clip from memory into our own QVideoSink; no QVideoWidget or
QGraphicsVideoItem exists, so nothing of Qt's paints a frame. Each frame the sink delivers
goes through `ui.frames.safeguard()` for the step on screen, and `paintEvent` draws only what
came out of it: a blurred gray picture unless a reveal asks for more. The clip opens paused,
muted, on its blurred first frame (a "loading" card before it is decoded), never autoplays.

The reveal ways and rules are the image viewer's, kept once in `ui.reveal.RevealState`: hold,
the lens (sharp gray under the pointer), the stepped reveal blur -> outline (where offered) ->
sharp gray -> colour (where allowed) that re-blurs by itself, the warning card for high
severity, `hide_now()`. Unmuting the sound is a reveal too. Every reveal ends in
`sig_exposure` with its duration, booked to the item it was of.

Fail closed: an empty file, media Qt calls invalid, a player error, no frame within a few
seconds of opening or while playing, a frame whose format the safeguard cannot read: the
placeholder card with the reason and `sig_problem`.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QElapsedTimer,
    QIODevice,
    QPoint,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
)
from PySide6.QtMultimedia import (
    QAudioOutput,
    QMediaMetaData,
    QMediaPlayer,
    QVideoFrame,
    QVideoSink,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ui import frames
from ui.imaging import RevealStep, placeholder
from ui.keyframes import KeyframeStrip
from ui.playback import (
    RATES,
    SKIP_S,
    PlayerControls,
    muted_unless,
    release_player,
)
from ui.render_cache import ExposureSubject
from ui.reveal import RevealState, ViewerPolicy
from ui.views.media_viewer import LENS_RADIUS
from ui.workers import Workers

__all__ = ["RATES", "VideoView", "format_time"]

FRAME_TIMEOUT_MS = 4000
"""No frame within this long of opening, or of the last frame while playing: fail closed."""
DEFAULT_FRAME_MS = 1000 / 30

_SUFFIX = {"video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "mov",
           "video/x-matroska": "mkv", "video/ogg": "ogv", "video/mpeg": "mpg"}


def format_time(ms: int) -> str:
    """m:ss (minutes unbounded), as the transport bar shows it."""
    seconds = max(0, int(ms)) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


class _Picture(QWidget):
    """The picture area; it paints whatever its VideoView says is safe to paint."""

    def __init__(self, view: VideoView) -> None:
        super().__init__(view)
        self._view = view
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(320, 180))
        self.setMouseTracking(True)
        # Every paint fills it whole: a frame repaints it alone, not the window beneath.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        try:
            self._view._paint_picture(painter, self)
        finally:
            painter.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self._view._move_lens(event.position().toPoint())
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self._view._move_lens(None)


class VideoView(PlayerControls, QWidget):
    """Plays one clip through the frame safeguard, with the image viewer's reveal ways.

    Signals:
        sig_exposure(object, str, int): an exposure ended: its ExposureSubject, the kind
            ("shown"/"revealed") and the duration in ms.
        sig_step_changed(int): the painted RevealStep changed.
        sig_problem(str): the clip fell back to the placeholder, with the reason.
        sig_position(int, int): playback position and duration, in ms.
    """

    sig_exposure = Signal(object, str, int)
    sig_step_changed = Signal(int)
    sig_problem = Signal(str)
    sig_position = Signal(int, int)

    def __init__(self, parent: QWidget | None = None, *, workers: Workers | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoView")
        self.setAccessibleName("Safeguarded video")
        self.setAccessibleDescription("Blurred grayscale and muted unless revealed on purpose")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._workers = workers if workers is not None else Workers(self)
        self.frame_timeout_ms = FRAME_TIMEOUT_MS
        self._player: QMediaPlayer | None = None
        self._sink: QVideoSink | None = None
        self._audio: QAudioOutput | None = None
        self._buffer: QBuffer | None = None
        self._label = ""
        self._reset_state()
        self._reveal = RevealState(self, ready=lambda: (self._problem is None
                                                        and self._image is not None),
                                   painted=lambda: self.painted_step)
        self._reveal.sig_exposure.connect(self.sig_exposure)
        self._reveal.sig_step_changed.connect(self.sig_step_changed)
        self._reveal.sig_changed.connect(self._refresh)
        self._reveal.sig_sound.connect(self._sound_on)
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_watchdog)
        self.frames_delivered = 0
        self.frames_safeguarded = 0
        self.frames_painted = 0
        self.cost_log: list[float] | None = None
        """Set to a list to collect each frame's safeguard cost in ms (for the benchmark)."""
        self._build()

    def _reset_state(self) -> None:
        self._problem: str | None = None
        self._placeholder: QImage | None = None
        self._image: QImage | None = None
        self._image_step: RevealStep | None = None
        self._lens_image: QImage | None = None
        self._frame_size = QSize()
        self._serial = 0
        self._painted_serial = -1
        self._lens_pos: QPoint | None = None
        self._rate = 1.0
        self._duration_ms = 0

    def _build(self) -> None:
        self._picture = _Picture(self)
        self._play = QToolButton(self)
        self._play.setText("Play")
        self._play.setAccessibleName("Play or pause")
        self._play.clicked.connect(self.play_pause)
        self._slider = QSlider(Qt.Orientation.Horizontal, self)
        self._slider.setAccessibleName("Position")
        self._slider.setRange(0, 0)
        self._slider.sliderMoved.connect(self._seek_to)
        self._speed = QLabel("1x", self)
        self._speed.setAccessibleName("Playback speed")
        self._time = QLabel("0:00 / 0:00", self)
        self._time.setAccessibleName("Time")
        self._sound = QLabel("muted", self)
        self._sound.setAccessibleName("Sound")
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 0)
        for widget in (self._play, self._slider, self._speed, self._time, self._sound):
            bar.addWidget(widget, 1 if widget is self._slider else 0)
        self.strip = KeyframeStrip(self._workers, self)
        self.strip.sig_seek.connect(self._seek_to)
        self.strip.sig_failed.connect(self._on_undecodable)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self._picture, 1)
        layout.addLayout(bar)
        layout.addWidget(self.strip)

    # ------------------------------------------------------------------ rules

    @property
    def policy(self) -> ViewerPolicy:
        return self._reveal.policy

    @policy.setter
    def policy(self, policy: ViewerPolicy) -> None:
        """New rules for what is on screen: a reveal they no longer allow ends at once (booked
        to its item), and a running re-blur countdown never outlasts the new seconds."""
        self._reveal.policy = policy

    # ------------------------------------------------------------------ content

    def load(self, data: bytes, subject: ExposureSubject | None, *, content_type: str,
             label: str = "") -> None:
        """Open `data` paused and muted; its blurred first frame shows once decoded.

        `subject` is what every exposure of this clip is booked to. High severity waits
        behind the category warning."""
        self.clear()
        self._label = label
        self._reveal.open_item(subject)
        if not data:
            self._fail("the media file is empty")
            return
        if not content_type.lower().startswith("video/"):
            self._fail(f"the media is not a video (it claims {content_type or 'no type'})")
            return
        self._open(data, content_type.lower())
        self.strip.load(data)

    def _open(self, data: bytes, content_type: str) -> None:
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._sink = QVideoSink(self)
        player = QMediaPlayer(self)  # no audio output until the sound is revealed (M)
        player.setVideoSink(self._sink)
        self._sink.videoFrameChanged.connect(self._on_frame)
        player.mediaStatusChanged.connect(self._on_status)
        player.errorOccurred.connect(self._on_error)
        player.positionChanged.connect(self._on_position)
        player.durationChanged.connect(self._on_duration)
        player.playbackStateChanged.connect(self._on_state)
        self._player = player
        suffix = _SUFFIX.get(content_type, "mp4")
        player.setSourceDevice(self._buffer, QUrl(f"clip.{suffix}"))
        player.pause()
        self._watchdog.start(self.frame_timeout_ms)

    def clear(self, message: str = "") -> None:
        """Stop and drop the clip (ending any reveal first, so it is booked to this item)."""
        if (self._player is None and self._problem is None and self._image is None
                and self._reveal.subject is None and self._label == message
                and self._rate == 1.0):
            return  # nothing loaded (the window empties every view it is not showing)
        self._reveal.clear()
        self._watchdog.stop()
        self._close_player()
        self.strip.clear()
        self._reset_state()
        self._label = message
        self._update_transport()
        self._picture.update()

    def _close_player(self) -> None:
        player, sink, audio, buffer = self._player, self._sink, self._audio, self._buffer
        self._player = self._sink = self._audio = self._buffer = None
        if sink is not None:
            sink.videoFrameChanged.disconnect(self._on_frame)  # no frame reaches us again
        if player is not None:
            for signal, slot in ((player.mediaStatusChanged, self._on_status),
                                 (player.errorOccurred, self._on_error),
                                 (player.positionChanged, self._on_position),
                                 (player.durationChanged, self._on_duration),
                                 (player.playbackStateChanged, self._on_state)):
                signal.disconnect(slot)
        release_player(player, audio, buffer, sink)

    @property
    def picture(self) -> QWidget:
        """The area the frames are painted in (for grabs and layout)."""
        return self._picture

    @property
    def painted_step(self) -> RevealStep | None:
        """What is on screen now (None when blanked, behind the warning, withheld or still
        loading)."""
        if (self._reveal.hidden or self._reveal.interstitial or self._problem is not None
                or self._image is None):
            return None
        return self._image_step

    @property
    def has_frame(self) -> bool:
        return self._image is not None

    # ------------------------------------------------------------------ fail closed

    def _fail(self, reason: str) -> None:
        """Withhold the clip: end any reveal, stop decoding, show the placeholder card."""
        if self._problem is not None:
            return
        self._reveal.end_reveal()
        self._watchdog.stop()
        self._close_player()
        self._problem = reason
        self._image = self._lens_image = None
        self._reveal.drop_warning()
        self._placeholder = placeholder(self._picture.size(), reason)
        self.strip.fail("No keyframes: the clip was withheld.")
        self._update_transport()
        self._picture.repaint()
        self.sig_problem.emit(reason)

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status is QMediaPlayer.MediaStatus.InvalidMedia:
            self._fail("the file is not a video the player can decode safely")
        elif status is QMediaPlayer.MediaStatus.LoadedMedia and self._player is not None:
            if not self._player.hasVideo():
                self._fail("the file holds no video stream")
        elif status is QMediaPlayer.MediaStatus.EndOfMedia:
            self._watchdog.stop()

    def _on_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if error is not QMediaPlayer.Error.NoError:
            self._fail(f"the player failed ({message or error.name})")

    def _on_undecodable(self, reason: str) -> None:
        """The keyframe decode found no decodable frame: whatever the player would make of
        the clip (damaged streams get concealed, not refused) is withheld too."""
        if self._player is not None:
            self._fail(reason)

    def _on_watchdog(self) -> None:
        if self._image is None:
            self._fail("no frame could be decoded from the clip")
        else:
            self._fail("the clip's frames stopped arriving (the stream may be damaged)")

    # ------------------------------------------------------------------ frames

    def _on_frame(self, frame: QVideoFrame) -> None:
        if self._player is None or self._problem is not None:
            return
        if not frame.isValid():
            return  # the sink's empty frame at the end or on stop: keep the last safe one
        self.frames_delivered += 1
        if not frames.is_supported(frame):
            self._fail(f"the video's frames are in a format the safeguard cannot read "
                       f"({frame.pixelFormat().name})")
            return
        if self._reveal.hidden:
            return
        if not self._render(frame):
            if self._image is None:
                self._fail("a frame of the clip could not be safeguarded")
            return
        self.frames_safeguarded += 1
        if self._player.playbackState() is QMediaPlayer.PlaybackState.PlayingState:
            self._watchdog.start(self.frame_timeout_ms)
        else:
            self._watchdog.stop()
        self._reveal.report_shown()
        self._picture.update()

    def _display_size(self) -> QSize:
        size = self._picture.size()
        return QSize(max(16, size.width()), max(16, size.height()))

    def _render(self, frame: QVideoFrame) -> bool:
        """Safeguard `frame` for the step on screen (and the lens); False if it could not be.
        On failure nothing sharper than what is now wanted stays up."""
        clock = QElapsedTimer()
        clock.start()
        wanted = self._reveal.wanted_step()
        display = self._display_size()
        blur = self.policy.blur_width
        colour = self.policy.colour_allowed
        image = frames.safeguard(frame, wanted, display, blur_width=blur, colour_allowed=colour)
        lens = None
        if image is not None and self._reveal.lens:
            lens = frames.safeguard(frame, RevealStep.SHARP_GRAY, display, blur_width=blur,
                                    colour_allowed=False)
        if image is None:
            if self._image_step is not None and self._image_step > wanted:
                self._image = self._lens_image = None
                self._image_step = None
            return False
        frame_size = QSize(frame.width(), frame.height())
        if wanted is RevealStep.BLURRED:
            # The blur is smooth already: scaled smoothly to half the picture's size here,
            # it is painted with a plain 2x (a smooth upscale to full size on every paint
            # costs three times as much, and drops frames at 2x speed).
            half = frame_size.scaled(display, Qt.AspectRatioMode.KeepAspectRatio) / 2
            image = image.scaled(QSize(max(1, half.width()), max(1, half.height())),
                                 Qt.AspectRatioMode.IgnoreAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
        if image.format() is QImage.Format.Format_Grayscale8:
            image = image.convertToFormat(QImage.Format.Format_RGB32)  # the painter's fast path
        self._image, self._image_step, self._lens_image = image, wanted, lens
        self._frame_size = frame_size
        self._serial += 1
        if self.cost_log is not None:
            self.cost_log.append(clock.nsecsElapsed() / 1e6)
        return True

    def _refresh(self) -> None:
        """Re-safeguard the frame on screen for a changed step (paused clips get no new
        frame); anything sharper than now wanted is dropped even if that fails."""
        if self._sink is not None and self._problem is None and not self._reveal.hidden:
            frame = self._sink.videoFrame()
            if frame.isValid():
                self._render(frame)
            elif self._image_step is not None and self._image_step > self._reveal.wanted_step():
                self._image = self._lens_image = None
                self._image_step = None
        self._picture.update()

    # ------------------------------------------------------------------ safety

    def hide_now(self) -> None:
        """Blank the content (and mute) at once; it stays blank until `unhide()`."""
        self._reveal.hide_now()
        self._image = self._lens_image = None
        self._image_step = None
        if self._player is not None:
            self._player.pause()
        self._picture.repaint()

    def unhide(self) -> None:
        self._reveal.unhide()

    def acknowledge_warning(self) -> None:
        """The reviewer read the category warning and chose to see the blurred preview."""
        self._reveal.acknowledge_warning()

    # ------------------------------------------------------------------ reveal

    @property
    def reveal(self) -> RevealState:
        """The reveal of the clip on screen."""
        return self._reveal

    def begin_hold(self) -> None:
        self._reveal.begin_hold()

    def end_hold(self) -> None:
        self._reveal.end_hold()

    def toggle_lens(self) -> bool:
        """Switch the lens on or off; returns whether it is on."""
        on = self._reveal.toggle_lens()
        self._picture.update()
        return on

    def step_reveal(self) -> RevealStep:
        """Blur -> outline (where offered) -> sharp gray -> colour (where allowed) -> blur;
        each step re-blurs by itself after the policy's seconds. Returns the step now wanted."""
        return self._reveal.step_reveal()

    def reblur(self) -> None:
        """Back to the blurred step, and muted (the auto re-blur and the stepped toggle end
        here)."""
        self._reveal.reblur()

    def toggle_audio(self) -> bool:
        """Unmute (a reveal: only where the policy allows reveals) or mute again; returns
        whether the sound is on."""
        if self._player is None and not self._reveal.sound:
            return False
        return self._reveal.toggle_sound()

    def _sound_on(self, on: bool) -> None:
        self._audio = muted_unless(on, self._player, self._audio, self)
        self._sound.setText("sound on" if on else "muted")

    # ------------------------------------------------------------------ playback

    def play_pause(self) -> None:
        """Play, or pause; nothing plays behind the warning card, when hidden or withheld."""
        player = self._player
        if player is None or self._problem is not None:
            return
        if player.playbackState() is QMediaPlayer.PlaybackState.PlayingState:
            player.pause()
        elif not self._reveal.hidden and not self._reveal.interstitial:
            if player.mediaStatus() is QMediaPlayer.MediaStatus.EndOfMedia:
                player.setPosition(0)
            player.play()
            self._watchdog.start(self.frame_timeout_ms)

    def pause(self) -> None:
        if self._player is not None:
            self._player.pause()

    def _frame_ms(self) -> float:
        if self._player is not None:
            rate = self._player.metaData().value(QMediaMetaData.Key.VideoFrameRate)
            try:
                if rate and float(rate) > 0:
                    return 1000.0 / float(rate)
            except (TypeError, ValueError):
                pass
        return DEFAULT_FRAME_MS

    def step_frame(self, direction: int = 1) -> None:
        """One frame on (or back), pausing first."""
        if self._player is None or self._problem is not None:
            return
        self._player.pause()
        delta = self._frame_ms() * (1 if direction >= 0 else -1)
        self._seek_to(self._within(self._player.position() + delta))

    def _rate_shown(self) -> None:
        self._update_transport()

    def _on_position(self, ms: int) -> None:
        self._update_transport()
        self.sig_position.emit(int(ms), self._duration_ms)

    def _on_duration(self, ms: int) -> None:
        self._duration_ms = int(ms)
        self._slider.setRange(0, max(0, self._duration_ms))
        self._update_transport()

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state is QMediaPlayer.PlaybackState.PlayingState
        self._play.setText("Pause" if playing else "Play")
        if not playing:
            self._watchdog.stop()

    def _update_transport(self) -> None:
        position = self.position_ms
        self._time.setText(f"{format_time(position)} / {format_time(self._duration_ms)}")
        self._speed.setText(f"{self._rate:g}x")
        if not self._slider.isSliderDown():
            self._slider.setValue(position)

    # ------------------------------------------------------------------ events

    def _move_lens(self, pos: QPoint | None) -> None:
        self._lens_pos = pos
        if self._reveal.lens:
            self._picture.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key = event.key()
        actions = {
            Qt.Key.Key_P: self.play_pause,
            Qt.Key.Key_Left: lambda: self.skip(-SKIP_S),
            Qt.Key.Key_Right: lambda: self.skip(SKIP_S),
            Qt.Key.Key_Comma: lambda: self.step_frame(-1),
            Qt.Key.Key_Period: lambda: self.step_frame(1),
            Qt.Key.Key_Less: self.slower,
            Qt.Key.Key_Greater: self.faster,
            Qt.Key.Key_M: self.toggle_audio,
        }
        action = actions.get(Qt.Key(key))
        if action is None:
            super().keyPressEvent(event)
            return
        action()
        event.accept()

    def hideEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self._reveal.end_reveal()
        if self._player is not None:
            self._player.pause()

    def _paint_picture(self, painter: QPainter, widget: QWidget) -> None:
        painter.fillRect(widget.rect(), widget.palette().window())
        if self._reveal.hidden:
            self._paint_message(painter, widget,
                                "Content hidden.\nPress H to show the blurred view.")
            return
        if self._problem is not None and self._placeholder is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self._fit(widget, self._placeholder.size()), self._placeholder)
            return
        if self._reveal.interstitial:
            self._paint_message(painter, widget, self._label + "\n\nThe video stays blurred, "
                                "grayscale and muted.\nPress Enter to show the blurred preview.")
            return
        image = self._image
        if image is None:
            self._paint_message(painter, widget, self._label or
                                ("Loading video..." if self._player is not None else "No media"))
            return
        target = self._fit(widget, self._frame_size if self._frame_size.isValid()
                           else image.size())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform,
                              self._image_step is not RevealStep.BLURRED)
        painter.drawImage(target, image)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if self._reveal.lens and self._lens_pos is not None and self._lens_image is not None:
            path = QPainterPath()
            path.addEllipse(QPointF(self._lens_pos), LENS_RADIUS, LENS_RADIUS)
            painter.setClipPath(path)
            painter.drawImage(target, self._lens_image)
        if self._painted_serial != self._serial:
            self._painted_serial = self._serial
            self.frames_painted += 1

    @staticmethod
    def _fit(widget: QWidget, size: QSize) -> QRectF:
        fitted = size.scaled(widget.size(), Qt.AspectRatioMode.KeepAspectRatio)
        return QRectF((widget.width() - fitted.width()) / 2,
                      (widget.height() - fitted.height()) / 2, fitted.width(), fitted.height())

    @staticmethod
    def _paint_message(painter: QPainter, widget: QWidget, text: str) -> None:
        painter.setPen(QColor(widget.palette().windowText().color()))
        font = QFont(widget.font())
        font.setPointSize(font.pointSize() + 2)
        painter.setFont(font)
        painter.drawText(widget.rect().adjusted(24, 24, -24, -24),
                         int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), text)
