"""Synthetic demo video and audio, and a corpus of hostile media files.

Nothing here depicts anything real: the clips are saturated coloured shapes moving over a
coloured ground with the words SIMULATED CONTENT, the audio is plain tones. The colours are
deliberately strong, so any colour pixel that reaches the screen in a test grab means a
safeguard failed. Qt-free (PyAV, numpy and Pillow), so the service's seed command and the
tests can both use it; nothing is ever committed as a large file.
"""

from __future__ import annotations

import io
import random
import struct
from fractions import Fraction

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = ["broken_media", "synthetic_audio", "synthetic_video"]

_COLOURS = np.array([
    (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 0, 255), (255, 255, 0), (0, 255, 255),
], dtype=np.uint8)
"""Fully saturated: their chroma survives H.264 compression far above any gray's."""


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _label_mask(width: int, height: int, label: str) -> tuple[np.ndarray, int, int] | None:
    """The label drawn once as a boolean mask, with its top-left corner on the frame."""
    if not label or width < 64 or height < 32:
        return None
    font = _font(max(8, width // 18))
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), label, font=font)
    tw, th = int(min(width, right - left + 8)), int(min(height, bottom - top + 8))
    mask = Image.new("L", (tw, th), 0)
    ImageDraw.Draw(mask).text((4 - left, 4 - top), label, font=font, fill=255)
    return np.asarray(mask) > 127, (width - tw) // 2, (height - th) // 2


def _yuv(rgb: np.ndarray) -> np.ndarray:
    """BT.601 limited-range Y, U, V of RGB colours (what H.264's yuv420p expects)."""
    r, g, b = (rgb[:, i].astype(np.float64) / 255 for i in range(3))
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    u = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    v = 128 + 112.0 * r - 93.786 * g - 18.214 * b
    return np.rint(np.stack([y, u, v], axis=1)).astype(np.uint8)


_COLOURS_YUV = _yuv(_COLOURS)


class _Scene:
    """Moving rectangles and discs bouncing over a ground that changes colour each second,
    drawn straight into yuv420p planes (even sizes and positions, so chroma lines up)."""

    def __init__(self, width: int, height: int, seed: int, label: str) -> None:
        rng = random.Random(seed)
        self.width, self.height = width, height
        self.label = _label_mask(width, height, label)
        self.shapes: list[dict] = []
        for i in range(6):
            size = 2 * (rng.randrange(max(4, min(width, height) // 8),
                                      max(5, min(width, height) // 3)) // 2)
            self.shapes.append({
                "disc": i % 2 == 1,
                "size": size,
                "x": rng.uniform(0, max(1, width - size)),
                "y": rng.uniform(0, max(1, height - size)),
                "dx": rng.uniform(-1, 1) * width / 90,
                "dy": rng.uniform(-1, 1) * height / 60,
                "colour": _COLOURS_YUV[(seed + i + 1) % len(_COLOURS_YUV)],
            })
        self.discs: dict[int, np.ndarray] = {}
        self.planes = np.empty((height * 3 // 2, width), dtype=np.uint8)

    def _disc(self, size: int) -> np.ndarray:
        if size not in self.discs:
            r = (size - 1) / 2
            yy, xx = np.mgrid[0:size, 0:size]
            self.discs[size] = (xx - r) ** 2 + (yy - r) ** 2 <= r * r
        return self.discs[size]

    def frame(self, index: int, fps: float) -> np.ndarray:
        """The yuv420p planes of frame `index`, as the (h*3/2, w) array PyAV takes."""
        w, h = self.width, self.height
        luma = self.planes[:h]
        chroma = self.planes[h:].reshape(2, h // 2, w // 2)
        ground = _COLOURS_YUV[int(index / fps) % len(_COLOURS_YUV)]
        luma[:] = ground[0]
        chroma[0][:] = ground[1]
        chroma[1][:] = ground[2]
        for shape in self.shapes:
            self._move(shape)
            size, colour = shape["size"], shape["colour"]
            x, y = 2 * (int(shape["x"]) // 2), 2 * (int(shape["y"]) // 2)
            region = luma[y:y + size, x:x + size]
            cu = chroma[0][y // 2:(y + size) // 2, x // 2:(x + size) // 2]
            cv = chroma[1][y // 2:(y + size) // 2, x // 2:(x + size) // 2]
            if shape["disc"]:
                mask = self._disc(size)
                region[mask[:region.shape[0], :region.shape[1]]] = colour[0]
                small = mask[::2, ::2][:cu.shape[0], :cu.shape[1]]
                cu[small] = colour[1]
                cv[small] = colour[2]
            else:
                region[:] = colour[0]
                cu[:] = colour[1]
                cv[:] = colour[2]
        if self.label is not None:
            mask, lx, ly = self.label
            box = luma[ly:ly + mask.shape[0], lx:lx + mask.shape[1]]
            box[:] = 16
            box[mask] = 235
            for plane in chroma:
                plane[ly // 2:(ly + mask.shape[0]) // 2, lx // 2:(lx + mask.shape[1]) // 2] = 128
        return self.planes

    def _move(self, shape: dict) -> None:
        limit_x, limit_y = self.width - shape["size"], self.height - shape["size"]
        shape["x"] += shape["dx"]
        shape["y"] += shape["dy"]
        if not 0 <= shape["x"] <= limit_x:
            shape["dx"] = -shape["dx"]
            shape["x"] = min(max(shape["x"], 0), max(0, limit_x))
        if not 0 <= shape["y"] <= limit_y:
            shape["dy"] = -shape["dy"]
            shape["y"] = min(max(shape["y"], 0), max(0, limit_y))


def _tone(seconds: float, rate: int, tones: tuple[float, ...]) -> np.ndarray:
    """Tones in turn (each a share of the time), pulsing in loudness (so that a waveform has a
    shape to show), faded at the joins: float32 in -0.5..0.5."""
    count = max(1, int(seconds * rate))
    t = np.arange(count, dtype=np.float64) / rate
    which = np.minimum((t / max(seconds, 1e-9) * len(tones)).astype(int), len(tones) - 1)
    freqs = np.asarray(tones, dtype=np.float64)[which]
    pulse = 0.3 + 0.7 * (0.5 - 0.5 * np.cos(2 * np.pi * t / 0.8))
    wave = 0.45 * pulse * np.sin(2 * np.pi * freqs * t)
    fade = min(count // 2, rate // 100)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        wave[:fade] *= ramp
        wave[-fade:] *= ramp[::-1]
    return wave.astype(np.float32)


def synthetic_video(width: int = 640, height: int = 360, fps: int = 30, seconds: float = 4.0, *,
                    seed: int = 0, label: str = "SIMULATED CONTENT", audio: bool = False) -> bytes:
    """An MP4 (H.264, yuv420p) of moving saturated shapes and `label`; `audio` adds an AAC
    tone. Deterministic for the same arguments (up to the encoder's own choices)."""
    width, height = max(16, width - width % 2), max(16, height - height % 2)
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "23", "g": str(max(1, fps))}
        sound = _add_audio(container) if audio else None
        scene = _Scene(width, height, seed, label)
        frames = max(1, int(round(seconds * fps)))
        for index in range(frames):
            frame = av.VideoFrame.from_ndarray(scene.frame(index, fps), format="yuv420p")
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if sound is not None:
            _encode_audio(container, sound, seconds)
    return out.getvalue()


def _add_audio(container: av.container.OutputContainer) -> av.audio.stream.AudioStream:
    stream = container.add_stream("aac", rate=44100)
    stream.layout = "mono"
    return stream


def _encode_audio(container: av.container.OutputContainer, stream: av.audio.stream.AudioStream,
                  seconds: float) -> None:
    rate = 44100
    samples = _tone(seconds, rate, (440.0, 660.0))
    chunk = 1024
    for start in range(0, samples.size, chunk):
        part = samples[start:start + chunk]
        frame = av.AudioFrame.from_ndarray(part.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def synthetic_audio(seconds: float = 3.0, *, rate: int = 44100,
                    tones: tuple[float, ...] = (440.0, 660.0), container: str = "wav") -> bytes:
    """Tones as a WAV (PCM s16, mono) or, with container="ogg", Ogg Opus."""
    samples = _tone(seconds, rate, tones)
    if container == "wav":
        pcm = (samples * 32767).astype("<i2").tobytes()
        return _wav_header(len(pcm), rate) + pcm
    if container != "ogg":
        raise ValueError(f"unsupported container {container!r} (wav or ogg)")
    out = io.BytesIO()
    with av.open(out, mode="w", format="ogg") as box:
        stream = box.add_stream("libopus", rate=48000)
        stream.layout = "mono"
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        chunk = 960
        pts = 0
        for start in range(0, samples.size, chunk):
            frame = av.AudioFrame.from_ndarray(samples[start:start + chunk].reshape(1, -1),
                                               format="flt", layout="mono")
            frame.sample_rate = rate
            for converted in resampler.resample(frame):
                converted.pts = pts
                pts += converted.samples
                box.mux(stream.encode(converted))
        for converted in resampler.resample(None):
            converted.pts = pts
            pts += converted.samples
            box.mux(stream.encode(converted))
        box.mux(stream.encode(None))
    return out.getvalue()


def _wav_header(data_bytes: int, rate: int, *, claimed: int | None = None) -> bytes:
    """A canonical 44-byte PCM s16 mono header; `claimed` overrides the data size it states."""
    size = data_bytes if claimed is None else claimed
    return (b"RIFF" + struct.pack("<I", min(0xFFFFFFFF, 36 + size)) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
            + b"data" + struct.pack("<I", min(0xFFFFFFFF, size)))


def _mdat_span(mp4: bytes) -> tuple[int, int]:
    """Start and end of the payload of the top-level mdat box."""
    pos = 0
    while pos + 8 <= len(mp4):
        size, kind = struct.unpack(">I4s", mp4[pos:pos + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", mp4[pos + 8:pos + 16])[0]
            header = 16
        elif size == 0:
            size = len(mp4) - pos
        if kind == b"mdat":
            return pos + header, pos + size
        pos += max(size, 8)
    raise ValueError("no mdat box")


def broken_media() -> dict[str, tuple[bytes, str]]:
    """Named hostile files, each with the content type it claims. A viewer must show each as
    a placeholder with a reason: never a crash, never an unsafeguarded frame."""
    rng = np.random.default_rng(12)
    good = synthetic_video(320, 180, fps=15, seconds=2.0, seed=3)
    start, end = _mdat_span(good)
    middle = start + (end - start) // 2
    half_zeroed = good[:start] + bytes(middle - start) + good[middle:]
    webm_header = bytes.fromhex("1a45dfa3a34286810142f7810142f2810442f381084282847765626d")
    short_pcm = (_tone(0.1, 8000, (440.0,)) * 32767).astype("<i2").tobytes()
    return {
        "mp4_zero_length": (b"", "video/mp4"),
        "mp4_truncated": (good[:middle], "video/mp4"),
        "mp4_header_then_random": (good[:start] + rng.bytes(64 * 1024), "video/mp4"),
        "webm_header_garbage": (webm_header + rng.bytes(32 * 1024), "video/webm"),
        "text_claiming_video": (b"SIMULATED CONTENT: this is plain text, not a video.\n" * 40,
                                "video/mp4"),
        "wav_header_no_data": (_wav_header(0, 8000), "audio/wav"),
        "wav_claims_ten_hours": (_wav_header(len(short_pcm), 8000, claimed=10 * 3600 * 8000 * 2)
                                 + short_pcm, "audio/wav"),
        "mp4_frames_zeroed_half": (half_zeroed, "video/mp4"),
    }
