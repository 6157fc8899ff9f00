"""The media directory store and where it is: content-addressed, atomic, private files."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from reviewer_app.service.selftest import check_media_dir
from reviewer_app.service.settings import ServiceSettings
from reviewer_app.service.storage import (
    CHUNK_BYTES,
    MEDIA_DIR_ENV,
    DirectoryStore,
    MediaDirRequired,
    MediaStoreError,
    media_dir_for,
)


def test_put_is_content_addressed_atomic_and_private(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path / "media")
    data = bytes(range(256)) * 1000
    key = store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert store.put(data) == key  # the same bytes: one object
    path = tmp_path / "media" / key[:2] / key
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "media").stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [key]  # no temporary file left
    assert store.size(key) == len(data)
    span = b"".join(store.open_range(key, 10, 10 + 2 * CHUNK_BYTES))
    assert span == data[10:11 + 2 * CHUNK_BYTES]
    assert [len(c) for c in store.open_range(key, 0, CHUNK_BYTES)] == [CHUNK_BYTES, 1]
    store.delete(key)
    with pytest.raises(MediaStoreError, match="missing"):
        store.size(key)
    with pytest.raises(MediaStoreError, match="missing"):
        store.open_range(key, 0, 1)
    store.delete(key)  # gone already: nothing


def test_keys_are_never_paths(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path)
    for key in ("../../etc/passwd", "ab/../../x", "A" * 64, ""):
        with pytest.raises(MediaStoreError, match="not a media key"):
            store.size(key)


def test_a_store_shorter_than_its_record_stops_the_stream(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path)
    key = store.put(b"0123456789")
    with pytest.raises(MediaStoreError, match="shorter"):
        b"".join(store.open_range(key, 0, 20))


def test_where_the_media_directory_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MEDIA_DIR_ENV, raising=False)
    db = tmp_path / "s.db"
    assert media_dir_for(f"sqlite:///{db}") == tmp_path / "media"
    assert media_dir_for(f"sqlite:///{db}", tmp_path / "x") == tmp_path / "x"
    pg = "postgresql+psycopg://u@db.example/reviewer"
    with pytest.raises(MediaDirRequired, match="media_dir"):
        media_dir_for(pg)
    with pytest.raises(MediaDirRequired):
        media_dir_for("sqlite://")
    monkeypatch.setenv(MEDIA_DIR_ENV, str(tmp_path / "env"))
    assert media_dir_for(pg) == tmp_path / "env"
    assert media_dir_for(f"sqlite:///{db}") == tmp_path / "media"  # a file implies its own


def test_the_selftest_checks_the_media_directory(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MEDIA_DIR_ENV, raising=False)
    db_url = f"sqlite:///{tmp_path / 's.db'}"
    later = check_media_dir(ServiceSettings(db_url=db_url))
    assert not later.failed
    assert "will be created" in later.detail
    DirectoryStore(tmp_path / "media").ensure()
    ready = check_media_dir(ServiceSettings(db_url=db_url))
    assert not ready.failed
    assert "is writable" in ready.detail
    (tmp_path / "a-file").write_text("not a directory")
    blocked = check_media_dir(ServiceSettings(db_url=db_url, media_dir=tmp_path / "a-file" / "m"))
    assert blocked.failed
    assert "cannot be created" in blocked.detail
    pg = check_media_dir(ServiceSettings(db_url="postgresql+psycopg://u@db.example/r"))
    assert pg.failed
    assert "media_dir" in pg.detail
