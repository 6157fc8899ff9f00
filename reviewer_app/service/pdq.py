"""PDQ perceptual hashes of pictures and of video keyframes (Meta's open hash, `pdqhash`).

A PDQ hash is 256 bits; two pictures whose hashes differ in at most ~31 bits are, in
practice, the same picture re-encoded, resized or slightly cropped. The service hashes every
picture and a few frames of every video at ingest (matching.py), so a case about a picture
already decided, or listed in a hash bank, is recognised without anyone looking at it.

Hex form: 64 hex digits of the integer whose bit i is the hash's bit i (bit 0 the least
significant), which is how ThreatExchange's reference implementation prints a PDQ hash.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, replace

import av
import numpy as np
import pdqhash
from PIL import Image

HASH_BITS = 256
HEX_DIGITS = HASH_BITS // 4
HEX_PATTERN = r"^[0-9a-f]{64}$"
_HEX = re.compile(HEX_PATTERN)

MIN_QUALITY = 50
"""PDQ's own advice: below this the picture has too little structure (a flat colour, a
gradient) for its hash to say anything, and such hashes match each other by accident."""

HASH_SIDE = 512
"""Pictures are scaled down to fit 512 x 512 before hashing, as PDQ's reference tools do: the
hash reads a 64 x 64 summary anyway, so the full size only costs time (a 1920 x 1080 picture
hashes ~5 times faster, and its hash moves by a few bits at most)."""

MAX_PIXELS = 64_000_000
"""Above this a picture is not decoded for hashing (it is also far past what ingest accepts)."""

CROP_LADDER = (0.0, 0.025, 0.05, 0.075, 0.10)
"""Besides the whole picture, centred crops of it are hashed. PDQ itself follows a crop badly
(a copy cut by 5% on each side, then resized and re-encoded, lands 60 to 90 bits from the
original's hash on synthetic pictures), but within about 30 bits of the original's hash cut
by the same share: so a copy cropped by up to 10% per side, within about 1.25% of a rung,
matches the rung's hash. The copy's own crops likewise meet an uncropped original that
arrives after it."""

VIDEO_FRAMES = 4
"""Frames hashed per video, evenly spaced over its duration."""
_MAX_DECODED_FRAMES = 600
"""A video without a usable duration is read from the start; this bounds that read."""


@dataclass(frozen=True)
class PdqHash:
    value: int
    """The 256 bits as an integer (bit i of the hash is bit i here)."""
    quality: int
    """0..100: how much structure the picture had (see MIN_QUALITY)."""
    crop: float = 0.0
    """The share cut from each side before hashing (CROP_LADDER); 0 for the whole picture."""
    frame: int = 0
    """Which of a video's hashed frames (0 for a picture)."""

    @property
    def hex(self) -> str:
        return to_hex(self.value)

    @property
    def usable(self) -> bool:
        return self.quality >= MIN_QUALITY


def to_hex(value: int) -> str:
    return f"{value:0{HEX_DIGITS}x}"


def from_hex(text: str) -> int:
    """The integer of a 64-hex-digit hash; ValueError for anything else."""
    normal = text.strip().lower()
    if not _HEX.match(normal):
        raise ValueError("a PDQ hash is 64 hex digits")
    return int(normal, 16)


def distance(a: int, b: int) -> int:
    """Hamming distance of two hashes."""
    return (a ^ b).bit_count()


def hash_pixels(rgb: np.ndarray) -> PdqHash:
    """The hash of an H x W x 3 uint8 RGB array."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb, dtype=np.uint8))
    packed = np.packbits(np.asarray(bits, dtype=np.uint8)[::-1]).tobytes()
    return PdqHash(value=int.from_bytes(packed, "big"), quality=int(quality))


def hash_image(data: bytes, crops: tuple[float, ...] = CROP_LADDER) -> list[PdqHash]:
    """Hashes of an encoded picture (first frame of an animation): the whole picture first,
    then each centred crop of `crops`; [] when Pillow cannot decode it or it is too large to
    decode safely."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    return []
                img.draft("RGB", (HASH_SIDE, HASH_SIDE))  # JPEG: decode at a reduced scale
                rgb = img.convert("RGB")
    except Exception:  # noqa: BLE001 - any decode failure means: no hash
        return []
    rgb.thumbnail((HASH_SIDE, HASH_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return [_hash_crop(rgb, crop) for crop in crops]


def _hash_crop(rgb: Image.Image, crop: float) -> PdqHash:
    width, height = rgb.size
    dx, dy = round(width * crop), round(height * crop)
    part = rgb.crop((dx, dy, width - dx, height - dy)) if dx or dy else rgb
    return replace(hash_pixels(np.asarray(part)), crop=crop)


def hash_video(data: bytes, frames: int = VIDEO_FRAMES) -> list[PdqHash]:
    """Hashes of `frames` frames evenly spaced over the video (at 1/2n, 3/2n, ... of its
    duration); fewer when it is shorter; [] when PyAV cannot read it."""
    hashes: list[PdqHash] = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                return []
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            duration_s = _duration_s(container, stream)
            if duration_s:
                for i in range(frames):
                    frame = _frame_at(container, stream, duration_s * (2 * i + 1) / (2 * frames))
                    if frame is not None:
                        hashes.append(replace(_hash_frame(frame), frame=i))
            else:
                hashes = _spread_frames(container, stream, frames)
    except Exception:  # noqa: BLE001 - an unreadable video has no hash; ingest sniffed it
        return hashes
    return hashes


def _duration_s(container: av.container.InputContainer, stream: av.VideoStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def _frame_at(container: av.container.InputContainer, stream: av.VideoStream,
              at_s: float) -> av.VideoFrame | None:
    """The first frame at or after `at_s` (seeking to the keyframe before it)."""
    assert stream.time_base is not None
    target = int(at_s / stream.time_base) + (stream.start_time or 0)
    container.seek(target, stream=stream, backward=True)
    last = None
    for count, frame in enumerate(container.decode(stream)):
        last = frame
        if frame.pts is None or frame.pts >= target or count >= _MAX_DECODED_FRAMES:
            return frame
    return last


def _spread_frames(container: av.container.InputContainer, stream: av.VideoStream,
                   frames: int) -> list[PdqHash]:
    """Without a duration: every decoded frame is kept until the bound, then `frames` of them
    evenly spaced are hashed (only the kept frames' small copies stay in memory)."""
    small: list[av.VideoFrame] = []
    for count, frame in enumerate(container.decode(stream)):
        if count >= _MAX_DECODED_FRAMES:
            break
        small.append(_reduced(frame))
    if not small:
        return []
    picks = sorted({(2 * i + 1) * len(small) // (2 * frames) for i in range(frames)})
    return [replace(_hash_frame(small[i]), frame=n) for n, i in enumerate(picks)]


def _reduced(frame: av.VideoFrame) -> av.VideoFrame:
    scale = min(1.0, HASH_SIDE / max(frame.width, frame.height))
    return frame.reformat(width=max(1, round(frame.width * scale)),
                          height=max(1, round(frame.height * scale)), format="rgb24")


def _hash_frame(frame: av.VideoFrame) -> PdqHash:
    return hash_pixels(_reduced(frame).to_ndarray())
