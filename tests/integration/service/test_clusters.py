"""Decision clusters over real HTTP: decisions the specialist sends now, against a week of the
team's earlier decisions on record. A citation never seen before that six cases share is
emerging; one the team cites every day is not, though as many cases share it; two cases
about the same picture make a media-hash (and near-duplicate) cluster; a lead gets ids and
counts only, a specialist nothing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select

from reviewer_app.service.db import Database
from reviewer_app.service.models import CaseRow, DecisionRow, User
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.test_intake import _as, _body, _post

NEW, STEADY = "CS-HATE-1", "CS-EXT-1"


def _earlier_week(db_url: str, specialist: str) -> None:
    """Two decisions a day citing STEADY over the 7 days before the window, as the service
    records them, on cases of their own (decided, so the queue is left alone)."""
    db = Database(db_url, pool_size=1)
    try:
        with db.write() as s:
            user_id = s.scalar(select(User.id).where(User.username == specialist))
            template = s.scalars(select(CaseRow).limit(1)).one()
            now = datetime.now(UTC)
            for n in range(14):
                at = now - timedelta(days=1, hours=12 * n + 1)
                case_id = f"earlier-{n}"
                s.add(CaseRow(id=case_id, queue=template.queue, source=template.source,
                              policy_area=template.policy_area,
                              harm_category=template.harm_category, severity=1, priority=1,
                              received_at=at, sla_due_at=at, reporter_type="user",
                              context_json=template.context_json, status="decided"))
                s.flush()
                s.add(DecisionRow(client_id=str(uuid.uuid4()), case_id=case_id,
                                  lease_id="earlier", user_id=user_id, action="keep",
                                  policy_refs=json.dumps([STEADY]), reason="", decided_at=at,
                                  received_at=at, handle_ms=1000, body_hash="earlier"))
    finally:
        db.dispose()


def _by(clusters: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {c["key"]: c for c in clusters if c["kind"] == kind}


def test_new_citations_and_shared_pictures_cluster_and_a_steady_citation_does_not(
        live_service: LiveService) -> None:
    accounts = live_service.accounts
    _earlier_week(live_service.db_url, accounts.specialist[0])
    admin = _as(live_service, "admin")
    twins = [_post(admin, _body(priority=100)).json()["case_id"] for _ in range(2)]
    specialist = _as(live_service, "specialist")
    decided: list[str] = []
    while len(decided) < 8:
        lease = specialist.lease(min(5, 8 - len(decided))).json()
        assert lease["cases"], "the queue ran dry"
        for case in lease["cases"]:
            refs = [NEW, STEADY] if len(decided) < 6 else ["CS-VIO-1"]
            resp = specialist.decide(case["id"], lease["lease_id"], action="keep",
                                     policy_refs=refs)
            assert resp.status_code == 201, resp.text
            decided.append(case["id"])
    assert set(twins) <= set(decided), "the twins were not leased first"

    resp = _as(live_service, "lead").call("GET", "/trends/clusters")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    citations = _by(body["clusters"], "policy_citation")
    new, steady = citations[NEW], citations[STEADY]
    assert (new["count"], new["baseline"], new["emerging"]) == (6, 0, True)
    assert sorted(new["case_ids"]) == sorted(decided[:6])
    # 14 cases over 7 days: 2 expected in a day's window; threshold 3 x 2 + 2 = 8 > 6
    assert (steady["count"], steady["baseline"]) == (6, 14)
    assert (steady["expected"], steady["threshold"], steady["emerging"]) == (2.0, 8.0, False)
    assert citations["CS-VIO-1"]["count"] == 2
    assert not citations["CS-VIO-1"]["emerging"]
    shared = [c for c in _by(body["clusters"], "media_hash").values()
              if set(twins) <= set(c["case_ids"])]
    assert len(shared) == 1
    assert shared[0]["count"] == 2
    groups = _by(body["clusters"], "pdq_group").values()
    assert any(set(twins) <= set(g["case_ids"]) for g in groups)
    assert body["clusters"][0]["emerging"]  # emerging first
    assert "count > 3 x expected + 2" in body["method"]
    assert specialist.call("GET", "/trends/clusters").status_code == 403
    span = urlencode({"since": datetime.now(UTC).isoformat(),
                      "until": (datetime.now(UTC) + timedelta(days=40)).isoformat()})
    assert _as(live_service, "lead").call("GET", f"/trends/clusters?{span}").status_code == 400
