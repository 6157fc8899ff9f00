"""The synthetic media generator: real, decodable, saturated clips and tones, and a hostile
corpus that really is broken (decoded with PyAV, as the viewer's workers do)."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from reviewer_app.service.mediagen import broken_media, synthetic_audio, synthetic_video


def test_video_is_h264_yuv420p_of_the_asked_size_and_length():
    data = synthetic_video(320, 180, fps=30, seconds=1.0, seed=4)
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = list(container.decode(stream))
    assert len(frames) == 30
    assert frames[0].format.name == "yuv420p"
    assert (frames[0].width, frames[0].height) == (320, 180)
    rgb = frames[10].to_ndarray(format="rgb24").astype(np.int16)
    chroma = np.abs(rgb[..., 0] - rgb[..., 1]).max()
    assert chroma > 200, "the clips must be strongly coloured"
    moved = np.abs(frames[0].to_ndarray(format="gray").astype(np.int16)
                   - frames[20].to_ndarray(format="gray").astype(np.int16))
    assert moved.max() > 50, "the shapes move"


def test_video_with_audio_has_an_aac_track():
    with av.open(io.BytesIO(synthetic_video(160, 90, seconds=1.0, audio=True))) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
        assert sum(f.samples for f in container.decode(audio=0)) > 40_000


@pytest.mark.parametrize(("container", "codec"), [("wav", "pcm_s16le"), ("ogg", "opus")])
def test_audio_holds_tones_of_the_asked_length(container, codec):
    data = synthetic_audio(2.0, container=container)
    with av.open(io.BytesIO(data)) as box:
        stream = box.streams.audio[0]
        assert stream.codec_context.name == codec
        samples = np.concatenate([f.to_ndarray().ravel() for f in box.decode(stream)])
        rate = stream.codec_context.sample_rate
    assert abs(samples.size / rate - 2.0) < 0.1
    assert np.abs(samples.astype(np.float64)).max() > 0


def _decodes_a_frame(data: bytes) -> bool:
    try:
        with av.open(io.BytesIO(data)) as container:
            for _ in container.decode(video=0):
                return True
    except (av.error.FFmpegError, IndexError, ValueError):
        return False
    return False


def test_broken_video_corpus_holds_no_decodable_frame():
    corpus = broken_media()
    videos = {k: v for k, v in corpus.items() if v[1].startswith("video/")}
    assert len(videos) == 6
    assert corpus["mp4_zero_length"][0] == b""
    for name, (data, _) in videos.items():
        assert not _decodes_a_frame(data), name


def test_broken_wavs_hold_less_than_they_claim():
    corpus = broken_media()
    assert len(corpus["wav_header_no_data"][0]) == 44
    lying = corpus["wav_claims_ten_hours"][0]
    claimed = int.from_bytes(lying[40:44], "little")
    assert claimed > 100 * (len(lying) - 44)
