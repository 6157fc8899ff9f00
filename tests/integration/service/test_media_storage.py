"""Media on the service: the bytes live in the media directory, not in the database; they
stream with Range requests from the store (a span reads only itself); ingest probes video and
audio and refuses hostile files; migration 0005's rows are moved at start; /readyz and the
self-test watch the directory. Always the real service over HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
import shutil
import stat
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from alembic import command
from alembic.config import Config
from sqlalchemy import func, insert, select

from reviewer_app.contract import SHA256_HEADER
from reviewer_app.domain import (
    HarmCategory,
    PolicyArea,
    ReporterType,
    Severity,
    Source,
    UserReportContext,
)
from reviewer_app.service.accounts import add_user
from reviewer_app.service.db import MIGRATIONS_DIR, Database, upgrade_head
from reviewer_app.service.ingest import NewCase, NewMedia
from reviewer_app.service.mediagen import broken_media, synthetic_audio, synthetic_video
from reviewer_app.service.models import CaseRow, MediaRow, table
from reviewer_app.service.seed import add_case, seed_demo
from reviewer_app.service.server import start_in_thread
from reviewer_app.service.settings import ServiceSettings
from reviewer_app.service.sniff import UnsupportedMedia
from reviewer_app.service.storage import CHUNK_BYTES, media_dir_for
from tests.helpers.service_fixtures import FAST_HASHING, LiveService
from tests.integration.service.api import Api


def _case(media: list[NewMedia], *, priority: int = 100) -> NewCase:
    now = datetime.now(UTC)
    return NewCase(source=Source.USER_REPORT, policy_area=PolicyArea.COMMUNITY_STANDARDS,
                   harm_category=HarmCategory.GRAPHIC_VIOLENCE, severity=Severity.LOW,
                   priority=priority, received_at=now, sla_due_at=now + timedelta(hours=4),
                   reporter_type=ReporterType.USER, media=media,
                   context=UserReportContext(reporter="user-4711 (simulated)",
                                             reason="graphic violence"))


@pytest.fixture(scope="module")
def clip() -> bytes:
    """A clip with sound, larger than two of the store's read chunks."""
    data = synthetic_video(640, 360, fps=30, seconds=4.0, seed=4, audio=True)
    assert len(data) > 2 * CHUNK_BYTES
    return data


@dataclass
class StoredVideo:
    service: LiveService
    api: Api
    media_id: str
    data: bytes


@pytest.fixture
def stored_video(live_service: LiveService, clip: bytes) -> StoredVideo:
    case_id = add_case(live_service.db_url, _case([NewMedia(clip, "video/mp4")]))
    api = Api(live_service.url)
    api.login(*live_service.accounts.admin)  # reads any case (audited)
    media = api.call("GET", f"/cases/{case_id}").json()["media"][0]
    return StoredVideo(live_service, api, media["id"], clip)


def _get(video: StoredVideo, range_header: str | None = None) -> requests.Response:
    headers = {"Range": range_header} if range_header else None
    return video.api.call("GET", f"/media/{video.media_id}", headers=headers)


def _row(db_url: str, media_id: str) -> MediaRow:
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as s:
            row = s.get(MediaRow, media_id)
            assert row is not None
            _ = row.data  # the deferred column, loaded while the session is open
            return row
    finally:
        db.dispose()


def test_range_requests_give_exact_bytes(stored_video: StoredVideo) -> None:
    data, size = stored_video.data, len(stored_video.data)
    whole = _get(stored_video)
    assert whole.status_code == 200
    assert whole.content == data
    assert whole.headers[SHA256_HEADER] == hashlib.sha256(data).hexdigest()
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Length"] == str(size)
    assert whole.headers["Content-Type"] == "video/mp4"
    for header, first, last in [("bytes=0-99", 0, 99), ("bytes=1000-", 1000, size - 1),
                                ("bytes=-500", size - 500, size - 1),
                                (f"bytes={CHUNK_BYTES - 3}-{CHUNK_BYTES + 3}",
                                 CHUNK_BYTES - 3, min(size - 1, CHUNK_BYTES + 3)),
                                (f"bytes={size - 10}-{size + 1000}", size - 10, size - 1)]:
        part = _get(stored_video, header)
        assert part.status_code == 206, header
        assert part.content == data[first:last + 1], header
        assert part.headers["Content-Range"] == f"bytes {first}-{last}/{size}"
        assert part.headers["Content-Length"] == str(last - first + 1)
        assert part.headers[SHA256_HEADER] == hashlib.sha256(data).hexdigest()
    beyond = _get(stored_video, f"bytes={size}-")
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{size}"


def test_the_bytes_are_in_the_media_directory_not_in_the_row(stored_video: StoredVideo) -> None:
    row = _row(stored_video.service.db_url, stored_video.media_id)
    assert row.data is None
    assert row.storage_key == hashlib.sha256(stored_video.data).hexdigest()
    root = media_dir_for(stored_video.service.db_url)
    assert root == Path(stored_video.service.db_url.removeprefix("sqlite:///")).parent / "media"
    path = root / row.storage_key[:2] / row.storage_key
    assert path.read_bytes() == stored_video.data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert row.duration_ms == 4000
    assert (row.width, row.height) == (640, 360)


def test_a_missing_media_file_is_503_not_a_short_body(stored_video: StoredVideo) -> None:
    key = _row(stored_video.service.db_url, stored_video.media_id).storage_key
    assert key is not None
    path = media_dir_for(stored_video.service.db_url) / key[:2] / key
    path.unlink()
    gone = _get(stored_video)
    assert gone.status_code == 503
    assert "missing from the media store" in gone.json()["detail"]


def test_ingest_refuses_each_broken_file_with_a_reason(live_service: LiveService) -> None:
    reasons = {}
    for name, (data, content_type) in broken_media().items():
        with pytest.raises(UnsupportedMedia) as refused:
            add_case(live_service.db_url, _case([NewMedia(data, content_type)]))
        reasons[name] = str(refused.value)
    assert reasons["mp4_zero_length"] == "the file is empty"
    assert "not what the file claims" in reasons["text_claiming_video"]
    assert "truncated" in reasons["mp4_truncated"]
    assert "does not decode" in reasons["mp4_frames_zeroed_half"]
    assert "no audio data" in reasons["wav_header_no_data"]
    assert "truncated" in reasons["wav_claims_ten_hours"]
    db = Database(live_service.db_url, pool_size=1)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CaseRow)) == 12  # the demo's only
    db.dispose()


def test_ingest_takes_good_video_and_audio_and_records_their_duration(
        live_service: LiveService) -> None:
    video = synthetic_video(640, 360, fps=30, seconds=2.0, seed=8)
    wav = synthetic_audio(1.5)
    ogg = synthetic_audio(2.0, container="ogg")
    case_id = add_case(live_service.db_url, _case([
        NewMedia(video, "video/mp4"), NewMedia(wav, "audio/wav"), NewMedia(ogg, "audio/ogg"),
        NewMedia(b"SIMULATED CONTENT\n\tline two\r\n", "text/plain; charset=utf-8")]))
    api = Api(live_service.url)
    api.login(*live_service.accounts.admin)
    media = api.call("GET", f"/cases/{case_id}").json()["media"]
    assert [(m["kind"], m["content_type"]) for m in media] == [
        ("video", "video/mp4"), ("audio", "audio/wav"), ("audio", "audio/ogg"),
        ("text", "text/plain")]
    durations = [_row(live_service.db_url, m["id"]).duration_ms for m in media]
    assert durations[0] == 2000
    assert durations[1] == 1500
    assert durations[3] is None
    assert durations[2] is not None
    assert abs(durations[2] - 2000) <= 30
    text = api.call("GET", f"/media/{media[3]['id']}")
    assert text.content == b"SIMULATED CONTENT\n\tline two\r\n"


def test_a_range_of_a_large_file_reads_only_its_span(live_service: LiveService,
                                                     tmp_path: Path) -> None:
    """A 64 MiB object put straight into the store (sparse: zeros): neither a 1 MiB range
    nor the whole body streamed to the client makes the service hold it in memory."""
    size = 64 * 1024 * 1024
    digest = hashlib.sha256()
    zeros = bytes(1024 * 1024)
    for _ in range(size // len(zeros)):
        digest.update(zeros)
    key = digest.hexdigest()
    root = media_dir_for(live_service.db_url)
    (root / key[:2]).mkdir(mode=0o700, parents=True, exist_ok=True)
    with (root / key[:2] / key).open("wb") as f:
        f.truncate(size)
    db = Database(live_service.db_url, pool_size=1)
    with db.write() as s:
        case = s.scalars(select(CaseRow.id).limit(1)).one()
        s.execute(insert(table(MediaRow)).values(
            id="MBIG", case_id=case, position=9, kind="video", content_type="video/mp4",
            size=size, sha256=key, storage_key=key))
    db.dispose()
    api = Api(live_service.url)
    api.login(*live_service.accounts.admin)
    tracemalloc.start()
    try:
        part = api.http.get(f"{api.base}/media/MBIG", timeout=60,
                            headers={**api._headers(), "Range": "bytes=40000000-41048575"})
        assert part.status_code == 206
        assert len(part.content) == 1_048_576
        _, span_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        streamed = 0
        with api.http.get(f"{api.base}/media/MBIG", headers=api._headers(), stream=True,
                          timeout=60) as whole:
            assert whole.status_code == 200
            for piece in whole.iter_content(256 * 1024):
                streamed += len(piece)
        _, whole_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert streamed == size
    assert span_peak < 8 * 1024 * 1024, span_peak  # the range is 1 MiB; the file 64 MiB
    assert whole_peak < 8 * 1024 * 1024, whole_peak


def _migrate_to(db_url: str, revision: str) -> None:
    cfg = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db_url)
    command.upgrade(cfg, revision)


def _old_media_row(db_url: str, blob: bytes) -> None:
    """A case with one media row as revision 0004 kept it: the bytes in `data`."""
    now = datetime.now(UTC).replace(tzinfo=None)
    db = Database(db_url, pool_size=1)
    with db.write() as s:
        conn = s.connection()
        conn.exec_driver_sql(
            "INSERT INTO cases (id, queue, source, policy_area, harm_category, severity, "
            "priority, received_at, sla_due_at, jurisdiction, reporter_type, "
            "reporter_statement, subject_text, status) VALUES ('COLD', 'default', "
            "'user_report', 'community_standards', 'other', 1, 50, ?, ?, '', 'user', '', '', "
            "'queued')", (now, now + timedelta(hours=2)))
        conn.exec_driver_sql(
            "INSERT INTO media (id, case_id, position, kind, content_type, size, sha256, data) "
            "VALUES ('MOLD', 'COLD', 0, 'image', 'image/png', ?, ?, ?)",
            (len(blob), hashlib.sha256(blob).hexdigest(), blob))
    db.dispose()


def test_the_service_moves_blobs_of_revision_0004_into_the_store(tmp_path: Path) -> None:
    from reviewer_app.service.imagegen import synthetic_image

    db_url = f"sqlite:///{tmp_path / 'old.db'}"
    _migrate_to(db_url, "0004")
    blob = synthetic_image(5, width=64, height=36, fmt="PNG")
    _old_media_row(db_url, blob)
    upgrade_head(db_url)
    assert _row(db_url, "MOLD").data == blob  # 0005 itself moves nothing: it has no store
    add_user(db_url, "admin", "admin-password-1", "admin", "escalations", migrate=False)
    with start_in_thread(ServiceSettings(db_url=db_url, **FAST_HASHING)) as running:
        row = _row(db_url, "MOLD")
        assert row.data is None
        assert row.storage_key == hashlib.sha256(blob).hexdigest()
        assert (media_dir_for(db_url) / row.storage_key[:2] / row.storage_key).read_bytes() == blob
        api = Api(running.url)
        api.login("admin", "admin-password-1")
        served = api.call("GET", "/media/MOLD")
        assert served.status_code == 200
        assert served.content == blob


@pytest.fixture
def service_with_own_media_dir(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    media = tmp_path / "elsewhere" / "media"
    settings = ServiceSettings(db_url=f"sqlite:///{tmp_path / 'svc.db'}", media_dir=media,
                               **FAST_HASHING)
    seed_demo(settings.db_url, cases=1, media_dir=media)
    with start_in_thread(settings) as running:
        yield running.url, media


def test_readyz_says_when_the_media_directory_is_gone(
        service_with_own_media_dir: tuple[str, Path]) -> None:
    url, media = service_with_own_media_dir
    assert any(media.rglob("*")), "the seed wrote into the configured directory"
    assert requests.get(f"{url}/readyz", timeout=30).status_code == 200
    shutil.move(media, media.with_name("moved"))
    gone = requests.get(f"{url}/readyz", timeout=30)
    assert gone.status_code == 503
    assert f"the media directory {media} does not exist" in gone.json()["detail"]
    assert "media_dir" in gone.json()["detail"]
    shutil.move(media.with_name("moved"), media)
    assert requests.get(f"{url}/readyz", timeout=30).status_code == 200


def test_the_demo_gains_a_case_of_every_medium_after_its_first_cases(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    accounts = seed_demo(db_url, cases=6, media=True)
    with start_in_thread(ServiceSettings(db_url=db_url, **FAST_HASHING)) as running:
        api = Api(running.url)
        api.login(*accounts.specialist)
        leased = api.lease(20).json()["cases"]
        assert len(leased) == 11
        kinds = [[m["kind"] for m in api.call("GET", f"/cases/{c['id']}").json()["media"]]
                 for c in leased]
        assert kinds[:6] == [["image"]] * 6  # the tour's first cases, as before
        assert kinds[6:] == [["image"] * 3, ["video"], ["video", "image", "audio"], ["audio"],
                             ["text"]]
        texts = api.call("GET", f"/cases/{leased[10]['id']}").json()
        assert texts["severity"] >= Severity.HIGH
        body = api.call("GET", f"/media/{texts['media'][0]['id']}").text
        assert body.startswith("SIMULATED CONTENT")
        assert body.count("\n\n") >= 10
        video = api.call("GET", f"/cases/{leased[7]['id']}").json()["media"][0]
        assert (video["width"], video["height"]) == (1280, 720)
    db = Database(db_url, pool_size=1)
    with db.read() as s:
        durations = s.scalars(select(MediaRow.duration_ms).where(MediaRow.kind == "video")
                              .order_by(MediaRow.size.desc())).all()
    db.dispose()
    assert durations == [8000, 4000]
