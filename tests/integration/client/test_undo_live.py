"""Undo and corrections with the real outbox (SQLite on disk), the real sync engine and the
real service over HTTP: undo before sync leaves nothing on the service and the case is
decidable again (also after a restart of the app); undo racing the sync engine's thread
either wins (nothing reaches the service) or refuses (the decision is on the service);
a decision handed to the network whose reply never came cannot be undone; a correction goes
through the outbox and its retry is idempotent."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select, update

from reviewer_app import domain
from reviewer_app.client.session import ReviewSession
from reviewer_app.client.undo import AlreadySent, NothingToUndo
from reviewer_app.service.db import Database
from reviewer_app.service.models import DecisionRow
from reviewer_app.store.outbox import ItemState
from reviewer_app.store.schema import OutboxItem

pytestmark = pytest.mark.keyring


def _service_decisions(db_url: str) -> dict[str, list[tuple[str, str | None]]]:
    """case id: [(client_id, superseded_by)] of every decision the service holds."""
    db = Database(db_url, pool_size=1)
    try:
        with db.read() as s:
            out: dict[str, list[tuple[str, str | None]]] = {}
            for row in s.scalars(select(DecisionRow).order_by(DecisionRow.id)):
                out.setdefault(row.case_id, []).append((row.client_id, row.superseded_by))
            return out
    finally:
        db.dispose()


def test_undo_before_sync_leaves_nothing_on_the_service(live_service: Any,
                                                        make_client_config: Any) -> None:
    config = make_client_config(live_service.url)
    session = ReviewSession(config)
    try:
        session.login(*live_service.accounts.specialist)
        with pytest.raises(NothingToUndo):
            session.undo_last_decision()
        first, second = session.lease(2)
        session.decide(first.id, domain.Action.KEEP)
        removed = session.decide(second.id, domain.Action.REMOVE, reason="by mistake")
    finally:
        session.close()  # the app quits with both decisions unsent

    session = ReviewSession(config)  # and starts again: the outbox is on disk
    try:
        assert session.resume() is not None
        undone = session.undo_last_decision()  # the most recent one
        assert undone.client_id == removed.client_id
        assert second.id in {c.id for c in session.leased_cases()}  # undecided, still leased
        report = session.sync()
        assert report.applied == 1
        on_service = _service_decisions(live_service.db_url)
        assert second.id not in on_service
        assert first.id in on_service
        with pytest.raises(AlreadySent, match="correct it instead"):
            session.undo_last_decision()  # the one before it has synced now
        again = session.decide(second.id, domain.Action.KEEP)  # still decidable
        assert session.sync().applied == 1
        assert _service_decisions(live_service.db_url)[second.id] == [
            (str(again.client_id), None)]
    finally:
        session.close()


def test_undo_races_the_sync_engine(review_session: ReviewSession, live_service: Any) -> None:
    """Each undo is tried the moment the engine's thread is woken for the same decision;
    whichever wins, the outcome agrees with what the service holds."""
    session = review_session
    engine = session.engine
    engine.start()
    outcomes: dict[str, bool] = {}  # case id: undone
    try:
        cases = session.lease(5)
        for case in cases:
            go = threading.Event()

            def undo_now(go: threading.Event = go, case_id: str = case.id) -> None:
                go.wait(5)
                try:
                    session.undo_last_decision()
                    outcomes[case_id] = True
                except AlreadySent:
                    outcomes[case_id] = False

            racer = threading.Thread(target=undo_now)
            racer.start()
            session.decide(case.id, domain.Action.KEEP)  # wakes the engine
            go.set()
            racer.join(10)
            assert not racer.is_alive()
            if outcomes[case.id]:
                with session.store.write() as db:
                    assert not db.scalars(select(OutboxItem.result).where(
                        OutboxItem.case_id == case.id)).one()  # never handed over
    finally:
        engine.stop()
    session.sync()
    on_service = _service_decisions(live_service.db_url)
    assert len(outcomes) == len(cases)
    for case_id, undone in outcomes.items():
        assert (case_id not in on_service) is undone, (case_id, undone)
    undone_ids = {c for c, u in outcomes.items() if u}
    assert undone_ids <= {c.id for c in session.leased_cases()}


def test_a_decision_sent_without_a_reply_cannot_be_undone(
        live_service: Any, make_client_config: Any) -> None:
    session = ReviewSession(make_client_config(live_service.url, connect_timeout_s=1.0))
    try:
        session.login(*live_service.accounts.specialist)
        session.decide(session.lease(1)[0].id, domain.Action.KEEP)
        live_service.running.stop()  # the send fails: it may have reached the service
        assert session.sync().online is False
        with pytest.raises(AlreadySent):
            session.undo_last_decision()
        assert session.outbox_counts().pending == 1  # still sent again later: never lost
    finally:
        session.close()


def test_a_correction_goes_through_the_outbox(review_session: ReviewSession,
                                              live_service: Any) -> None:
    session = review_session
    case = session.lease(1)[0]
    decided = session.decide(case.id, domain.Action.REMOVE, policy_refs=["CS-VIO-1"])
    assert session.correctable_decisions() == []  # not synced yet: undo it instead
    session.sync()
    [offered] = session.correctable_decisions()
    assert offered.client_id == str(decided.client_id)
    assert offered.case_id == case.id
    body = session.correct_decision(offered.client_id, domain.Action.KEEP,
                                    correction_reason="wrong action", reason="fine")
    assert session.correctable_decisions() == []  # the old one is superseded here too
    assert session.sync().applied == 1
    with session.store.write() as db:  # the reply was lost: the item is sent again
        db.execute(update(OutboxItem).where(OutboxItem.client_id == str(body.client_id))
                   .values(state=ItemState.PENDING.value))
    retry = session.sync()  # answered as the first time (the stored reply), applied once
    assert retry.sent == 1
    assert retry.remaining == 0
    assert retry.conflicts == 0
    assert _service_decisions(live_service.db_url)[case.id] == [
        (str(decided.client_id), str(body.client_id)), (str(body.client_id), None)]
    [now_offered] = session.correctable_decisions()
    assert now_offered.client_id == str(body.client_id)
    assert now_offered.correction
