"""The service's refusals become typed errors with what the reviewer needs (how long to
wait, until when), and the sync engine waits at least as long as Retry-After says. The
refusals come from a scripted peer on loopback, since the real service decides them by state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reviewer_app import domain
from reviewer_app.client.errors import CapReached, ClientError, OnBreak, ShiftLimit
from reviewer_app.client.session import ReviewSession
from tests.reliability.hostile_server import HostileServer, Reply, json_reply

pytestmark = pytest.mark.keyring


def _problem(code: str, status: int = 423, retry_after: str | None = "600",
             **extra: Any) -> Reply:
    reply = json_reply({"type": "about:blank", "title": code, "status": status,
                        "detail": f"{code} (scripted)", "code": code, **extra}, status)
    reply.content_type = "application/problem+json"
    if retry_after is not None:
        reply.headers["Retry-After"] = retry_after
    return reply


@pytest.fixture
def peer_session(make_client_config: Any) -> Iterator[tuple[HostileServer, ReviewSession]]:
    with HostileServer() as server:
        session = ReviewSession(make_client_config(server.url))
        try:
            session.login("demo", "pw")
            yield server, session
        finally:
            session.close()


@pytest.mark.parametrize(("code", "error"), [("on_break", OnBreak), ("cap_reached", CapReached),
                                             ("shift_limit", ShiftLimit)])
def test_lease_refusals_are_typed_with_retry_after(
        peer_session: tuple[HostileServer, ReviewSession], code: str,
        error: type[ClientError]) -> None:
    server, session = peer_session
    server.replies["POST /v1/leases"] = _problem(code, until="2030-01-01T10:15:00+00:00")
    with pytest.raises(error) as raised:
        session.lease(5)
    assert getattr(raised.value, "retry_after_s", None) == 600
    assert session.leased_cases() == []


def test_on_break_names_the_end_of_the_break(
        peer_session: tuple[HostileServer, ReviewSession]) -> None:
    server, session = peer_session
    server.replies["POST /v1/leases"] = _problem("on_break", until="2030-01-01T10:15:00+00:00")
    with pytest.raises(OnBreak, match="10:15") as raised:
        session.lease(5)
    assert raised.value.until is not None


def test_engine_waits_at_least_retry_after(
        peer_session: tuple[HostileServer, ReviewSession]) -> None:
    server, session = peer_session
    session.lease(1)
    session.decide("c1", domain.Action.KEEP)
    server.replies["POST /v1/sync"] = Reply(503, b"busy", "text/plain",
                                             {"Retry-After": "120"})
    engine = session.engine
    assert all(engine.step() >= 120 for _ in range(3))
    assert not engine.status.online
    assert session.outbox_counts().pending == 1
    server.replies["POST /v1/sync"] = json_reply({"results": []})
    assert engine.step() == engine.idle_s
    assert engine.status.online
