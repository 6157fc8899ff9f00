"""Client and service decide the same way: the same team policy and the same exposure events
give the same verdict from the client's gate (the one the UI asks) and from the service (which
refuses the lease). Real service on loopback, real client core, real keyring."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
import requests

from reviewer_app.client.errors import CapReached, OnBreak
from reviewer_app.client.session import ReviewSession
from reviewer_app.domain import Case, ExposureEvent, ExposureKind, HarmCategory
from safeguards import BreakScheduler, ExposureLedger, ExposurePolicy, gate
from tests.helpers.cases import add_urgent_case

CAP = {"categories": ["graphic_violence"], "min_severity": 3, "window": "hour",
       "measure": "revealed", "limit": 3, "action": "stop_category"}


def put_team_policy(live_service: Any, change: dict[str, Any]) -> ExposurePolicy:
    user, password = live_service.accounts.lead
    token = requests.post(f"{live_service.url}/v1/auth/login",
                          json={"username": user, "password": password},
                          timeout=10).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    url = f"{live_service.url}/v1/teams/escalations/policy"
    current = requests.get(url, headers=auth, timeout=10)
    put = requests.put(url, headers={**auth, "If-Match": current.headers["ETag"]},
                       json={"policy": {**current.json()["policy"], **change},
                             "reason": "same-verdict test"}, timeout=10)
    assert put.status_code == 200, put.text
    return ExposurePolicy.model_validate(put.json()["policy"])


def reveal(case: Case, at: datetime) -> ExposureEvent:
    return ExposureEvent(client_id=uuid.uuid4(), case_id=case.id, media_id=case.media[0].id,
                         harm_category=case.harm_category, severity=case.severity,
                         kind=ExposureKind.REVEALED, duration_ms=2_000, at=at)


@pytest.mark.parametrize("reveals", [2, 3])
def test_client_gate_and_service_agree_on_a_category_cap(
        live_service: Any, review_session: ReviewSession, reveals: int) -> None:
    # micro-breaks off: a severe reveal would otherwise pause leasing on both sides
    team_policy = put_team_policy(live_service, {"caps": [CAP],
                                                 "breaks": {"micro_break_seconds": 0}})
    case_id = add_urgent_case(live_service.db_url)
    served = ExposurePolicy.model_validate(review_session.read_safeguards().policy)
    assert served.etag() == team_policy.etag()

    clock = review_session.clock
    ledger = ExposureLedger(served.service_day_utc_offset_minutes)
    scheduler = BreakScheduler(served.breaks, clock)
    leased = review_session.lease(1)
    assert [c.id for c in leased] == [case_id]
    case = review_session.case(case_id)
    for _ in range(reveals):
        event = reveal(case, clock.now())
        ledger.record(event)
        review_session.record_exposure(event)
    report = review_session.sync()
    assert report.remaining == 0

    client = gate(served, ledger, scheduler)
    status = review_session.server_exposure()
    server_revealed = sum(c.revealed for c in status.counters
                          if c.harm_category == "graphic_violence" and c.severity >= 3
                          and c.window == "hour")
    assert server_revealed == reveals
    capped = reveals >= CAP["limit"]
    assert client.blocks(HarmCategory.GRAPHIC_VIOLENCE) is capped
    assert client.allowed  # a category cap stops that category only; other work goes on
    assert [r.cap for r in client.reached] == ([served.caps[0].key] if capped else [])
    # The service applies the same rule when leasing: a capped category never comes back.
    try:
        more = review_session.lease(50)
    except (CapReached, OnBreak):  # nothing but capped work was left in the queue
        assert capped
        return
    served_gv = [c.id for c in more if c.harm_category is HarmCategory.GRAPHIC_VIOLENCE]
    if capped:
        assert served_gv == []
