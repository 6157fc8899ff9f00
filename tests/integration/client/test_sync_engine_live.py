"""The sync engine against the real service: one pass at a time on a manual clock (lease
renewal, offline backoff), and on its own thread (drains after a wake)."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from sqlalchemy import select

from reviewer_app import domain
from reviewer_app.client.session import ReviewSession
from reviewer_app.store.schema import LeaseRow, from_utc_text

pytestmark = pytest.mark.keyring


def _lease_expiry(session: ReviewSession) -> Any:
    with session.store.read() as db:
        return from_utc_text(db.scalars(select(LeaseRow.expires_at)).one())


def test_engine_renews_a_lease_only_while_a_case_is_open(live_service: Any,
                                                         make_client_config: Any) -> None:
    """Due is judged on service time; the margin moves instead of a clock (moving the
    machine's clock must change nothing, see test_clock_moves)."""
    session = ReviewSession(make_client_config(live_service.url))
    try:
        session.login(*live_service.accounts.specialist)
        [case] = session.lease(1)
        engine = session.engine
        first = _lease_expiry(session)
        engine.renew_margin_s = 0.0
        engine.step()
        assert _lease_expiry(session) == first  # not due yet
        engine.renew_margin_s = live_service.settings.lease_ttl_s + 60.0  # due now
        time.sleep(1.1)  # the renewed expiry is a later service second
        engine.step()
        renewed = _lease_expiry(session)
        assert renewed > first
        session.decide(case.id, domain.Action.KEEP)
        assert engine.step() == engine.idle_s
        assert session.outbox_counts().synced == 1
        assert _lease_expiry(session) == renewed  # nothing open: no renewal
    finally:
        session.close()


def test_engine_backs_off_when_the_service_is_gone(live_service: Any,
                                                   make_client_config: Any) -> None:
    session = ReviewSession(make_client_config(live_service.url, connect_timeout_s=1.0))
    try:
        session.login(*live_service.accounts.specialist)
        session.decide(session.lease(1)[0].id, domain.Action.KEEP)
        engine = session.engine
        engine._rng = random.Random(3)
        live_service.running.stop()
        delays = [engine.step() for _ in range(6)]
        status = engine.status
        assert not status.online
        assert status.pending == 1
        assert status.last_error
        assert all(0 <= d <= engine.max_backoff_s for d in delays)
        assert max(delays) <= engine.base_backoff_s * 2**5
    finally:
        session.close()


def test_engine_thread_drains_after_wake(review_session: ReviewSession) -> None:
    progress: list[tuple[int, int]] = []
    drained = threading.Event()

    def seen(done: int, total: int) -> None:
        progress.append((done, total))
        drained.set()

    engine = review_session.engine
    engine.progress = seen
    engine.start()
    try:
        for case in review_session.lease(3):
            review_session.decide(case.id, domain.Action.KEEP)
        for _ in range(120):  # a bound on a hang, not a figure: the engine wakes on decide
            if review_session.outbox_counts().pending == 0:
                break
            engine.wake()
            drained.wait(0.5)
    finally:
        engine.stop()
    assert review_session.outbox_counts().synced == 3
    assert progress
    assert all(0 < d <= t for d, t in progress)
    assert engine.status.online




def test_two_threads_at_once_lose_nothing(review_session: ReviewSession) -> None:
    """The UI's serial worker decides while the sync thread drains: no lock errors, no loss."""
    leased = [c for _ in range(2) for c in review_session.lease(20)]
    errors: list[BaseException] = []
    done = threading.Event()

    def decide_all() -> None:
        try:
            for i, case in enumerate(leased):
                review_session.decide(case.id, domain.Action.KEEP, handle_ms=i)
                review_session.add_note(case.id, f"note {i}")
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)
        finally:
            done.set()

    def sync_until_done() -> None:
        try:
            while not done.is_set():
                review_session.sync()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=decide_all), threading.Thread(target=sync_until_done)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    review_session.sync()
    counts = review_session.outbox_counts()
    assert (counts.pending, counts.synced, counts.conflicts) == (0, 2 * len(leased), 0)
    assert review_session.store.integrity_ok()
