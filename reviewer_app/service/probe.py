"""Checking video and audio at ingest with PyAV: a clip is taken in only if a reviewer's
viewer can open it and safeguard it from its first frame to its last.

The magic bytes (sniff.py) say what a file claims to be; here the claim is tested: the
container opens, holds a stream of the right kind that decodes, its first frame decodes
without error, it states a plausible duration, and its frames reach that duration (a file
cut short, or whose frames stop, fails the last test). Decoding is bounded: the first frame,
then from a seek near the end to the end, so a long clip costs about as much as a short one.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from fractions import Fraction

import av
import av.error

from reviewer_app.domain import MediaKind
from reviewer_app.service.sniff import UnsupportedMedia

MAX_DURATION_S = 12 * 3600
"""Longer than any clip a case carries; a header claiming more is not believed."""
MAX_PACKETS = 900
"""How many packets one check decodes at most (a GOP of 30 s at 30 fps)."""
FIRST_FRAME_SLACK_S = 0.25
"""How far after the stream's start its first decoded frame may lie."""
END_SLACK_S = 1.0
"""How far before the stated end the last decoded frame may lie."""


@dataclass(frozen=True)
class Probed:
    duration_ms: int
    width: int | None = None
    height: int | None = None


def probe(data: bytes, kind: MediaKind) -> Probed:
    """What the clip is; UnsupportedMedia with a reason a person can act on otherwise."""
    if not data:
        raise UnsupportedMedia("the file is empty")
    if kind is MediaKind.AUDIO and data[:4] == b"RIFF":
        _check_wav_sizes(data)
    what = "video" if kind is MediaKind.VIDEO else "audio"
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise UnsupportedMedia(f"the {what} container does not open ({_reason(exc)}): the "
                               "file is damaged, truncated or not what it claims") from exc
    with container:
        streams = container.streams.video if kind is MediaKind.VIDEO else container.streams.audio
        if not streams:
            raise UnsupportedMedia(f"the file holds no {what} stream")
        stream = streams[0]
        start = _seconds(stream.start_time, stream.time_base) or 0.0
        duration = _duration(container, stream)
        if duration is None or duration <= 0:
            raise UnsupportedMedia(f"the {what} states no duration")
        if duration > MAX_DURATION_S:
            raise UnsupportedMedia(f"the {what} claims {duration / 3600:.1f} hours, "
                                   "more than any case carries")
        first = _first_frame_time(container, stream, what)
        if first is not None and first > start + FIRST_FRAME_SLACK_S:
            raise UnsupportedMedia(f"the first {what} frame does not decode (the first "
                                   f"decodable one is at {first - start:.2f} s)")
        _check_reaches_end(container, stream, start, duration, what)
        width = height = None
        if isinstance(stream, av.video.stream.VideoStream):
            width, height = stream.codec_context.width or None, stream.codec_context.height or None
        return Probed(duration_ms=int(round(duration * 1000)), width=width, height=height)


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).split(":")[0].strip()[:120] or type(exc).__name__


def _seconds(value: int | None, time_base: Fraction | None) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def _duration(container: av.container.InputContainer, stream: av.stream.Stream) -> float | None:
    stated = _seconds(stream.duration, stream.time_base)
    if stated:
        return stated
    if container.duration:
        return container.duration / av.time_base
    return None


def _frame_time(frame: object) -> float | None:
    if not isinstance(frame, av.frame.Frame):
        return None
    return _seconds(frame.pts, frame.time_base)


def _decoded(container: av.container.InputContainer, stream: av.stream.Stream,
             what: str) -> list[float | None]:
    """Frame times decoded from the current position, stopping at the first frame (a list, so
    the caller sees 'none' apart from 'one at an unknown time'); a decode error refuses."""
    for count, packet in enumerate(container.demux(stream)):
        if count >= MAX_PACKETS:
            break
        try:
            frames = packet.decode()
        except (av.error.FFmpegError, ValueError) as exc:
            raise UnsupportedMedia(f"the {what} does not decode ({_reason(exc)})") from exc
        if frames:
            return [_frame_time(frames[0])]
    return []


def _first_frame_time(container: av.container.InputContainer, stream: av.stream.Stream,
                      what: str) -> float | None:
    times = _decoded(container, stream, what)
    if not times:
        raise UnsupportedMedia(f"no {what} frame decodes")
    return times[0]


def _check_reaches_end(container: av.container.InputContainer, stream: av.stream.Stream,
                       start: float, duration: float, what: str) -> None:
    """Seeks shortly before the stated end and decodes on to it: the frames must get there."""
    end = start + duration
    target = max(start, end - END_SLACK_S)
    if stream.time_base is None:
        return
    try:
        container.seek(int(target / stream.time_base), stream=stream, backward=True)
    except (av.error.FFmpegError, ValueError) as exc:
        raise UnsupportedMedia(f"the {what} cannot be read near its end ({_reason(exc)})") from exc
    last: float | None = None
    for count, packet in enumerate(container.demux(stream)):
        if count >= MAX_PACKETS:
            break
        try:
            frames = packet.decode()
        except (av.error.FFmpegError, ValueError) as exc:
            raise UnsupportedMedia(f"the {what} does not decode near its end "
                                   f"({_reason(exc)})") from exc
        for frame in frames:
            t = _frame_time(frame)
            if t is not None:
                last = t if last is None else max(last, t)
        if last is not None and last >= end - END_SLACK_S - 1e-6:
            return
    if last is None:
        raise UnsupportedMedia(f"the {what} stops before its stated {duration:.1f} s: no frame "
                               "decodes near the end")
    raise UnsupportedMedia(f"the {what} stops at {last - start:.1f} s of its stated "
                           f"{duration:.1f} s")


def _check_wav_sizes(data: bytes) -> None:
    """A WAV states its data size in its header; one holding less is truncated (FFmpeg would
    quietly play what is there, and the stated length would be a lie)."""
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if chunk == b"data":
            held = len(data) - pos - 8
            if size == 0 or held == 0:
                raise UnsupportedMedia("the WAV file holds no audio data")
            if size > held:
                raise UnsupportedMedia(f"the WAV file is truncated: its header states "
                                       f"{size} bytes of audio, it holds {held}")
            return
        pos += 8 + size + (size & 1)
    raise UnsupportedMedia("the WAV file has no data chunk")
