"""A decision made during an enforced break is held back by the service (`deferred` in
/v1/sync) and stays pending in the real outbox, without breaking the sync pass; once the
break is over it is applied, once. The adversary: a break the service starts (a lead adds
it) while the client, not yet told, goes on deciding. Real service over HTTP."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest

from reviewer_app import domain
from reviewer_app.client.session import ReviewSession
from tests.integration.client.test_undo_live import _service_decisions
from tests.integration.service.api import Api

pytestmark = pytest.mark.keyring


def test_a_decision_made_during_a_break_waits_in_the_outbox_and_syncs_after_it(
        live_service: Any, make_client_config: Any) -> None:
    team = live_service.accounts.team
    who = live_service.accounts.specialist[0]
    session = ReviewSession(make_client_config(live_service.url))
    try:
        session.login(*live_service.accounts.specialist)
        case = session.lease(1)[0]
        lead = Api(live_service.url)
        assert lead.login(*live_service.accounts.lead).status_code == 200
        granted = lead.call("POST", f"/teams/{team}/members/{who}/overrides", json={
            "kind": "add_break", "minutes": 5, "reason": "test: a break the client missed"})
        assert granted.status_code == 201, granted.text

        # the client stamps on service time, read from the service's Date headers (whole
        # seconds, so its estimate may be a second off either way): decide once that clock
        # is clearly past the break's start
        started = (datetime.fromisoformat(granted.json()["expires_at"])
                   - timedelta(minutes=granted.json()["minutes"]))
        while session.clock.now() <= started + timedelta(seconds=2):
            time.sleep(0.05)
            session.read_safeguards()  # a reply: the clock anchors again
        decision = session.decide(case.id, domain.Action.KEEP, reason="during the break")
        report = session.sync()  # deferred: no exception, nothing settled
        assert not report.online
        assert "break" in report.error
        assert session.outbox_counts().pending == 1
        assert case.id not in _service_decisions(live_service.db_url)
        assert session.sync().remaining == 1  # asked again: still held back, still pending

        # The background engine's pass: the service answered, so the workstation stays
        # online; it reads the break the client had missed (the listener locks the window
        # on it) and comes back when the break ends, not after an exponential backoff.
        engine = session.engine
        readings: list[Any] = []
        engine.add_reading_listener(readings.append)
        delay = engine.step()
        assert engine.status.online
        assert "break" in engine.status.last_error
        assert readings, "the service's break state was not read"
        assert readings[-1].status.break_state.state != "reviewing"
        left = (datetime.fromisoformat(granted.json()["expires_at"])
                - session.clock.now()).total_seconds()
        assert left - 2 <= delay <= left + engine.base_backoff_s + 2
        assert session.outbox_counts().pending == 1

        ended = lead.call("DELETE", f"/teams/{team}/overrides/{granted.json()['id']}")
        assert ended.status_code in (200, 204), ended.text
        report = session.sync()
        assert report.online, report.error
        assert session.outbox_counts().pending == 0
        assert [cid for cid, _ in _service_decisions(live_service.db_url)[case.id]] == [
            str(decision.client_id)]
    finally:
        session.close()
