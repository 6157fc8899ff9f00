"""PDQ hashes of synthetic pictures and videos: a re-encoded, resized and slightly cropped copy
matches its original; an unrelated picture does not."""

from __future__ import annotations

import io

import numpy as np
import pdqhash
import pytest
from PIL import Image, ImageDraw

from reviewer_app.service import pdq
from reviewer_app.service.hashindex import DEFAULT_THRESHOLD
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.mediagen import synthetic_video


def _altered(data: bytes) -> bytes:
    """Resized to 60%, cut by 5% on each side, saved as JPEG quality 70."""
    img = Image.open(io.BytesIO(data)).convert("RGB")
    img = img.resize((img.width * 6 // 10, img.height * 6 // 10), Image.Resampling.BICUBIC)
    dx, dy = img.width * 5 // 100, img.height * 5 // 100
    img = img.crop((dx, dy, img.width - dx, img.height - dy))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=70)
    return out.getvalue()


def _nearest(a: list[pdq.PdqHash], b: list[pdq.PdqHash]) -> int:
    return min(pdq.distance(x.value, y.value) for x in a for y in b)


@pytest.mark.parametrize("seed", range(6))
def test_an_altered_copy_matches_its_original_and_an_unrelated_picture_does_not(
    seed: int,
) -> None:
    original = synthetic_image(seed, width=1280, height=720, fmt="PNG")
    copy = _altered(original)
    unrelated = synthetic_image(seed + 1000, width=1280, height=720, fmt="PNG")
    hashes, copy_hashes = pdq.hash_image(original), pdq.hash_image(copy)
    assert len(hashes) == len(pdq.CROP_LADDER)
    assert all(h.usable for h in hashes + copy_hashes)
    assert _nearest(hashes, copy_hashes) <= DEFAULT_THRESHOLD
    assert _nearest(copy_hashes, hashes) <= DEFAULT_THRESHOLD  # either may arrive first
    assert _nearest(hashes, pdq.hash_image(unrelated)) > DEFAULT_THRESHOLD


def test_a_crop_alone_moves_the_whole_picture_hash_far_which_the_crop_ladder_covers() -> None:
    """Why CROP_LADDER exists: whole against whole, the altered copy is far off."""
    original = synthetic_image(3, width=1280, height=720)
    whole = pdq.hash_image(original, crops=(0.0,))
    assert _nearest(whole, pdq.hash_image(_altered(original), crops=(0.0,))) > DEFAULT_THRESHOLD


def test_a_plain_re_encoding_keeps_the_hash_almost_unchanged() -> None:
    original = synthetic_image(5, width=1920, height=1080, fmt="PNG")
    img = Image.open(io.BytesIO(original)).convert("RGB")
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=70)
    a, b = pdq.hash_image(original)[0], pdq.hash_image(out.getvalue())[0]
    assert pdq.distance(a.value, b.value) <= 8


def test_hex_form_round_trips_and_refuses_anything_else() -> None:
    h = pdq.hash_image(synthetic_image(1, width=640, height=360))[0]
    assert len(h.hex) == 64
    assert pdq.from_hex(h.hex.upper()) == h.value
    for bad in ("", "0" * 63, "g" * 64, "0" * 65):
        with pytest.raises(ValueError, match="64 hex digits"):
            pdq.from_hex(bad)


def test_bit_i_of_the_hash_is_bit_i_of_the_integer() -> None:
    """The hex form is ThreatExchange's: the last hex digit holds bits 0..3."""
    rgb = np.asarray(Image.open(io.BytesIO(synthetic_image(2, width=320, height=180)))
                     .convert("RGB"))
    bits, _quality = pdqhash.compute(rgb)
    value = pdq.hash_pixels(rgb).value
    assert [(value >> i) & 1 for i in range(256)] == [int(b) for b in bits]


def test_a_flat_picture_has_no_usable_hash() -> None:
    img = Image.new("RGB", (400, 300), (120, 120, 120))
    ImageDraw.Draw(img).text((10, 10), "SIMULATED CONTENT", fill=(121, 121, 121))
    out = io.BytesIO()
    img.save(out, format="PNG")
    assert not any(h.usable for h in pdq.hash_image(out.getvalue()))


@pytest.mark.parametrize("data", [b"", b"not a picture", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_what_cannot_be_decoded_has_no_hash(data: bytes) -> None:
    assert pdq.hash_image(data) == []
    assert pdq.hash_video(data) == []


def test_a_video_is_hashed_at_evenly_spaced_frames_and_a_re_encoding_matches() -> None:
    clip = synthetic_video(320, 180, fps=10, seconds=4.0, seed=1)
    again = synthetic_video(320, 180, fps=10, seconds=4.0, seed=1)
    other = synthetic_video(320, 180, fps=10, seconds=4.0, seed=7, label="ANOTHER CLIP")
    hashes = pdq.hash_video(clip)
    assert [h.frame for h in hashes] == list(range(pdq.VIDEO_FRAMES))
    assert len({h.value for h in hashes}) == pdq.VIDEO_FRAMES  # the scene moves
    for h, h2 in zip(hashes, pdq.hash_video(again), strict=True):
        assert pdq.distance(h.value, h2.value) <= DEFAULT_THRESHOLD
    assert _nearest(hashes, pdq.hash_video(other)) > DEFAULT_THRESHOLD
