"""A refresh reply lost after the service rotated the token (the connection closed once the
service had committed, before the client read the reply) does not sign the reviewer out; a
reuse of that token after the grace window still revokes the whole family.

Real parts: the service on loopback (on a clock the test moves), the fault proxy between it
and a real ReviewSession, the OS keyring. The client's monotonic clock is moved past the
access token's life so that the next call starts with a refresh, the one request dropped."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reviewer_app.client.clock import ManualClock
from reviewer_app.client.credentials import RefreshTokenVault
from reviewer_app.client.errors import LoginRequired, ServiceUnavailable
from reviewer_app.client.session import ReviewSession
from reviewer_app.config import ClientConfig
from reviewer_app.service.auth import token_hash
from reviewer_app.service.seed import DemoAccounts, seed_demo
from reviewer_app.service.server import RunningService, start_in_thread
from reviewer_app.service.settings import ServiceSettings
from tests.reliability.fault_proxy import Fault, FaultPlan, FaultProxy
from tests.reliability.service_checks import sqlite_path

pytestmark = pytest.mark.keyring

GRACE_S = 20


class ServiceTime:
    """The service's clock; moves only when the test says so."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@dataclass
class Rig:
    settings: ServiceSettings
    accounts: DemoAccounts
    service_time: ServiceTime
    client_clock: ManualClock
    proxy: FaultProxy
    session: ReviewSession
    config: ClientConfig

    def stored_token(self) -> str | None:
        return RefreshTokenVault(self.config.keyring_service, self.config.server_url).load()

    def family_rows(self, token: str) -> list[tuple[str, str | None, str | None]]:
        """(token hash, used_at, revoked_at) of every refresh token in `token`'s family."""
        conn = sqlite3.connect(f"file:{sqlite_path(self.settings.db_url)}?mode=ro", uri=True)
        try:
            return list(conn.execute(
                "SELECT token_hash, used_at, revoked_at FROM refresh_tokens WHERE family_id = "
                "(SELECT family_id FROM refresh_tokens WHERE token_hash = ?)",
                (token_hash(token),)))
        finally:
            conn.close()

    def audited(self, action: str) -> int:
        conn = sqlite3.connect(f"file:{sqlite_path(self.settings.db_url)}?mode=ro", uri=True)
        try:
            return int(conn.execute("SELECT count(*) FROM audit_events WHERE action = ?",
                                    (action,)).fetchone()[0])
        finally:
            conn.close()

    def lose_the_next_refresh_reply(self) -> str:
        """The access token is due; the next call's refresh reaches the service, which rotates
        the token, and its reply is dropped. The refresh token the client sent."""
        sent = self.stored_token()
        assert sent is not None
        self.client_clock.advance_monotonic(self.settings.access_token_ttl_s)
        self.proxy.plan = FaultPlan(drop_reply=1.0)
        try:
            with pytest.raises(ServiceUnavailable):
                self.session.lease(1)
        finally:
            self.proxy.heal()
        assert self.proxy.injected[Fault.DROP_REPLY] == 1, self.proxy.injected
        rows = {h: used for h, used, _ in self.family_rows(sent)}
        assert rows[token_hash(sent)] is not None, "the service did not rotate the token"
        assert len(rows) == 2, "the service issued the pair the client never heard of"
        assert self.stored_token() == sent, "the client must keep the token it sent"
        return sent


@pytest.fixture
def rig(service_settings: ServiceSettings, make_client_config: Any) -> Iterator[Rig]:
    settings = service_settings.model_copy(update={"refresh_reuse_grace_s": GRACE_S})
    accounts = seed_demo(settings.db_url, cases=10, decidable_as_is=True)
    service_time = ServiceTime()
    running: RunningService = start_in_thread(settings, clock=service_time)
    try:
        with FaultProxy(running.port) as proxy:
            config = make_client_config(proxy.url, read_timeout_s=5.0)
            client_clock = ManualClock(datetime.now(UTC))
            session = ReviewSession(config, clock=client_clock)
            try:
                session.login(*accounts.specialist)
                yield Rig(settings, accounts, service_time, client_clock, proxy, session,
                          config)
            finally:
                session.close()
    finally:
        running.stop()


def test_a_lost_refresh_reply_leaves_the_reviewer_signed_in(rig: Rig) -> None:
    sent = rig.lose_the_next_refresh_reply()
    rig.service_time.advance(GRACE_S / 2)  # the client retries a little later

    leased = rig.session.lease(1)
    assert len(leased) == 1
    assert rig.session.me is not None
    assert rig.session.resume() is not None
    now_stored = rig.stored_token()
    assert now_stored not in (None, sent)
    family = rig.family_rows(sent)
    assert len(family) == 3
    assert all(revoked is None for _, _, revoked in family), "nothing may be revoked"
    assert rig.audited("refresh_token_retried") == 1
    assert rig.audited("refresh_token_reused") == 0


def test_a_reuse_after_the_grace_window_still_revokes_the_family(rig: Rig) -> None:
    sent = rig.lose_the_next_refresh_reply()
    rig.service_time.advance(GRACE_S + 1)

    with pytest.raises(LoginRequired):
        rig.session.lease(1)
    assert rig.session.resume() is None
    assert rig.stored_token() is None, "a refused token is forgotten"
    family = rig.family_rows(sent)
    assert family
    assert all(revoked is not None for _, _, revoked in family), family
    assert rig.audited("refresh_token_reused") == 1
