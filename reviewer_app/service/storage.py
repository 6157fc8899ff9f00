"""Media bytes outside the database: a small storage interface and its media-directory store.

The database keeps each item's metadata and a `storage_key`; the bytes live in a `MediaStore`,
so a video of hundreds of megabytes never passes through a database row, and a Range request
reads only its span. `DirectoryStore` is the one store today; an object store (S3 and the
like) can replace it behind the same four operations.

Keys are the SHA-256 of the bytes (content-addressed): storing the same file twice keeps one
copy, and a key names exactly one content, so a half-written or swapped file is never served
under a digest it does not have. Objects are written to a temporary file, flushed to disk and
then renamed into place, so a crash leaves either the whole file or none. A put whose database
transaction then fails leaves an unreferenced file behind: harmless (no row names it), and
reclaimable by a sweep of keys no row references.

Where the directory is: `ServiceSettings.media_dir` when given; for a SQLite file, `media`
beside it; otherwise `$REVIEWER_MEDIA_DIR` (the way to name it for tools that only get a
database URL); with PostgreSQL and none of these, the service refuses to start and says so.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy.engine import make_url

MEDIA_DIR_ENV = "REVIEWER_MEDIA_DIR"
CHUNK_BYTES = 64 * 1024
"""One read of a streamed response (as Starlette's FileResponse reads): a large file costs
memory for one chunk in flight, never for itself."""
_KEY = re.compile(r"^[0-9a-f]{64}$")


class MediaStoreError(RuntimeError):
    """The store cannot be used (missing or unwritable directory, missing object)."""


class MediaDirRequired(MediaStoreError):
    """No media directory was given and none follows from the database URL."""


class MediaStore(Protocol):
    """Where media bytes live. Keys are opaque to callers; `put` returns the one to keep."""

    def put(self, data: bytes) -> str:
        """Stores `data` durably (idempotent for the same bytes); returns its key."""
        ...

    def size(self, key: str) -> int:
        """The object's size in bytes; MediaStoreError when it is missing."""
        ...

    def open_range(self, key: str, first: int, last: int) -> Iterator[bytes]:
        """Bytes first..last (inclusive) in chunks. The object is opened before this returns
        (a missing object raises here, not mid-response); only the span is read."""
        ...

    def delete(self, key: str) -> None:
        """Removes the object (nothing if it is gone already)."""
        ...

    def problem(self) -> str | None:
        """Why the store cannot take writes now, or None when it can (for /readyz, selftest)."""
        ...


def media_dir_for(db_url: str, media_dir: Path | None = None) -> Path:
    """The media directory of a service on `db_url` (see the module docstring)."""
    if media_dir is not None:
        return Path(media_dir)
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database or "").resolve().parent / "media"
    from_env = os.environ.get(MEDIA_DIR_ENV)
    if from_env:
        return Path(from_env)
    raise MediaDirRequired(
        f"no media directory: with {url.get_backend_name()} (unlike a SQLite file) it cannot be "
        f"derived from the database URL; set media_dir in the settings, or ${MEDIA_DIR_ENV}")


class DirectoryStore:
    """Objects as files `<root>/<key[:2]>/<key>`, 0600 in 0700 directories (only the service
    user reads media)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def ensure(self) -> None:
        """Creates the directory if it is missing (best effort: `problem` reports failure)."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise MediaStoreError(f"not a media key: {key[:80]!r}")
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        try:
            if path.stat().st_size == len(data):
                return key
        except FileNotFoundError:
            pass
        self.ensure()
        path.parent.mkdir(mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".put-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:  # mkstemp makes it 0600
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)
        return key

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise MediaStoreError(f"media object {key} is missing from {self.root}") from exc

    def open_range(self, key: str, first: int, last: int) -> Iterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise MediaStoreError(f"media object {key} is missing from {self.root}") from exc
        return _chunks(handle, first, last)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def problem(self) -> str | None:
        if not self.root.is_dir():
            return f"the media directory {self.root} does not exist"
        if not os.access(self.root, os.W_OK | os.X_OK):
            return f"the media directory {self.root} is not writable by this user"
        try:
            with tempfile.TemporaryFile(dir=self.root):
                pass
        except OSError as exc:
            return f"cannot write in the media directory {self.root} ({exc.strerror})"
        return None


def _chunks(handle: BinaryIO, first: int, last: int) -> Iterator[bytes]:
    """Reads first..last from an open file in CHUNK_BYTES pieces, closing it at the end (also
    when the client goes away and the response is abandoned)."""
    try:
        handle.seek(first)
        left = last - first + 1
        while left > 0:
            piece = handle.read(min(CHUNK_BYTES, left))
            if not piece:
                raise MediaStoreError("the media object is shorter than its recorded size")
            left -= len(piece)
            yield piece
    finally:
        handle.close()


def _fsync_dir(path: Path) -> None:
    """The rename itself reaches the disk (POSIX; other systems have no directory fsync)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def store_for(db_url: str, media_dir: Path | None = None) -> DirectoryStore:
    """The store of a service on `db_url` (for the seed and the tools that get a URL)."""
    return DirectoryStore(media_dir_for(db_url, media_dir))
