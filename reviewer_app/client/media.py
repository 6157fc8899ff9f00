"""Media bytes in memory only: fetched with a size cap, checked against the digest the case
promised and the one the service sent, and kept in an LRU within a memory budget."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict

from reviewer_app import contract, domain
from reviewer_app.client.errors import ServiceUnavailable, UnsafeMedia
from reviewer_app.client.http import ApiClient, segment


class MediaFetcher:
    """Never writes a byte to disk; an item over `max_bytes` or with a wrong digest is refused."""

    def __init__(self, api: ApiClient, max_bytes: int, budget_bytes: int) -> None:
        self._api = api
        self._max = max_bytes
        self._budget = budget_bytes
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    @property
    def used_bytes(self) -> int:
        return self._used

    def cached(self, media_id: str) -> bytes | None:
        with self._lock:
            data = self._cache.get(media_id)
            if data is not None:
                self._cache.move_to_end(media_id)
            return data

    def get(self, ref: domain.MediaRef) -> bytes:
        data = self.cached(ref.id)
        if data is not None:
            return data
        data = self._download(ref)
        self._keep(ref.id, data)
        return data

    def fits(self, size: int) -> bool:
        return size <= self._budget

    def _keep(self, media_id: str, data: bytes) -> None:
        if len(data) > self._budget:
            return
        with self._lock:
            if media_id in self._cache:
                return
            while self._used + len(data) > self._budget and self._cache:
                _, old = self._cache.popitem(last=False)
                self._used -= len(old)
            self._cache[media_id] = data
            self._used += len(data)

    def _download(self, ref: domain.MediaRef) -> bytes:
        if ref.size > self._max:
            raise UnsafeMedia(ref.id, f"it is {ref.size} bytes, over the {self._max} byte limit")
        response = self._api.request("GET", f"/v1/media/{segment(ref.id)}", stream=True,
                                     what=f"Media {ref.id}")
        try:
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > self._max:
                raise UnsafeMedia(ref.id, "the service announced more bytes than allowed")
            header = response.headers.get(contract.SHA256_HEADER, "").strip().lower()
            chunks: list[bytes] = []
            total = 0
            digest = hashlib.sha256()
            try:
                for chunk in response.iter_content(256 * 1024):
                    total += len(chunk)
                    if total > self._max:
                        raise UnsafeMedia(ref.id, "more bytes arrived than allowed")
                    digest.update(chunk)
                    chunks.append(chunk)
            except (OSError, ValueError) as exc:
                raise ServiceUnavailable(f"Media {ref.id} could not be downloaded "
                                         f"({type(exc).__name__}).") from None
        finally:
            response.close()
        actual = digest.hexdigest()
        if not hmac.compare_digest(actual, ref.sha256):
            raise UnsafeMedia(ref.id, "its content does not match the case's digest")
        if header and not hmac.compare_digest(actual, header):
            raise UnsafeMedia(ref.id, "its content does not match the service's digest header")
        return b"".join(chunks)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._used = 0
