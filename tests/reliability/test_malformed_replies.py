"""Malformed replies from a hostile peer give typed errors and lose nothing: the outbox keeps
every item pending, and nothing half-parsed reaches the local store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reviewer_app import domain
from reviewer_app.client.errors import (
    MalformedReply,
    ServiceUnavailable,
    UnsafeMedia,
)
from reviewer_app.client.session import ReviewSession
from tests.reliability.hostile_server import HostileServer, Reply, json_reply

pytestmark = pytest.mark.keyring

HTML_PAGE = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"

BAD_SYNC_REPLIES = {
    "html 200": Reply(200, HTML_PAGE, "text/html"),
    "html 502": Reply(502, HTML_PAGE, "text/html"),
    "html 400": Reply(400, HTML_PAGE, "text/html"),
    "truncated json": Reply(200, b'{"results": [{"client_id": "x", "sta'),
    "hang up mid-body": Reply(200, b'{"results": [', declared_length=4096),
    "wrong types": json_reply({"results": {"client_id": 5}}),
    "unknown status": json_reply({"results": [{"client_id": "x", "status": "maybe"}]}),
    "json as text/plain": Reply(200, b'{"results": []}', "text/plain"),
    "no content type": Reply(200, b'{"results": []}', None),
    "not json at all": Reply(200, b"\x00\xff\xfe garbage", "application/json"),
    "empty body": Reply(200, b"", "application/json"),
    "problem without code": json_reply({"title": "nope", "status": 409}, 409),
}


@pytest.fixture
def hostile_session(make_client_config: Any) -> Iterator[tuple[HostileServer, ReviewSession]]:
    with HostileServer() as server:
        session = ReviewSession(make_client_config(server.url, read_timeout_s=5.0))
        try:
            session.login("demo", "pw")
            session.lease(2)
            session.decide("c1", domain.Action.KEEP)
            session.add_note("c2", "kept for later")
            yield server, session
        finally:
            session.close()


@pytest.mark.parametrize("name", list(BAD_SYNC_REPLIES))
def test_bad_sync_reply_keeps_the_outbox(hostile_session: tuple[HostileServer, ReviewSession],
                                          name: str) -> None:
    server, session = hostile_session
    server.replies["POST /v1/sync"] = BAD_SYNC_REPLIES[name]
    report = session.sync()
    assert not report.online
    assert report.error
    assert session.outbox_counts().pending == 2
    assert session.conflicts() == []


@pytest.mark.parametrize(("reply", "error"), [
    (Reply(200, HTML_PAGE, "text/html"), MalformedReply),
    (json_reply({"lease_id": "L2", "expires_at": "tomorrow", "cases": []}, 201), MalformedReply),
    (json_reply({"lease_id": "L2", "expires_at": "2026-01-01T00:00:00", "cases": []}, 201),
     MalformedReply),
    (Reply(503, b"down", "text/plain"), ServiceUnavailable),
    (Reply(201, b'{"lease_id": "L2", "expires_at": "20', "application/json"), MalformedReply),
])
def test_bad_lease_reply_is_typed_and_caches_nothing(
        hostile_session: tuple[HostileServer, ReviewSession], reply: Reply,
        error: type[Exception]) -> None:
    server, session = hostile_session
    server.replies["POST /v1/leases"] = reply
    with pytest.raises(error):
        session.lease(5)
    assert [c.id for c in session.leased_cases()] == ["c2"]


def test_a_case_reply_with_wrong_types_is_typed(
        hostile_session: tuple[HostileServer, ReviewSession]) -> None:
    server, session = hostile_session
    server.replies["GET /v1/cases/c2"] = json_reply({"id": "c2", "severity": "very"})
    with pytest.raises(MalformedReply):
        session.case("c2")


def test_media_with_a_lying_digest_header_is_unsafe(
        hostile_session: tuple[HostileServer, ReviewSession]) -> None:
    import hashlib

    server, session = hostile_session
    data = b"\x89PNG fake bytes"
    ref = domain.MediaRef(id="m1", kind=domain.MediaKind.IMAGE, content_type="image/png",
                          size=len(data), sha256=hashlib.sha256(data).hexdigest())
    server.replies["GET /v1/media/m1"] = Reply(200, data, "image/png",
                                                {"X-Content-SHA256": "ab" * 32})
    with pytest.raises(UnsafeMedia, match="header"):
        session.media(ref)
    server.replies["GET /v1/media/m1"] = Reply(200, data + b"more", "image/png")
    with pytest.raises(UnsafeMedia):
        session.media(ref)


def test_login_reply_with_wrong_types_is_typed(make_client_config: Any) -> None:
    with HostileServer() as server:
        server.replies["POST /v1/auth/login"] = json_reply({"access_token": 5})
        session = ReviewSession(make_client_config(server.url))
        try:
            with pytest.raises(MalformedReply):
                session.login("demo", "pw")
            assert session.me is None
        finally:
            session.close()
