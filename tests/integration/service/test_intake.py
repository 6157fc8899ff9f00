"""`POST /v1/cases` against the real service: who may ingest, the same rules as the Python
ingest, idempotency by key, media sniffed, size limits, and the case then leasable with its
media served."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from reviewer_app.contract import IDEMPOTENCY_HEADER
from reviewer_app.service.imagegen import synthetic_image
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api

PNG = synthetic_image(11, width=96, height=64, fmt="PNG", label="intake")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _body(**extra: Any) -> dict[str, Any]:
    deadline = (datetime.now(UTC) + timedelta(hours=5)).isoformat()
    return {
        "source": "regulator", "policy_area": "regulatory",
        "harm_category": "violent_extremism", "severity": 3, "priority": 100,
        "reporter_statement": "Notice under the statute (simulated)",
        "subject_text": "Simulated post. SIMULATED CONTENT.",
        "context": {"kind": "regulator", "authority": "Office of Online Safety (fictional)",
                    "legal_basis": "EU DSA Art. 16 (simulated)", "jurisdiction": "EU-FR",
                    "reference": "OOS-INTAKE-7", "statutory_deadline": deadline},
        "media": [{"content_type": "image/png", "data_base64": _b64(PNG)}],
        **extra,
    }


def _as(live: LiveService, who: str) -> Api:
    api = Api(live.url)
    assert api.login(*getattr(live.accounts, who)).status_code == 200
    return api


def _post(api: Api, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {IDEMPOTENCY_HEADER: key or str(uuid.uuid4())}
    return api.call("POST", "/cases", json=body, headers=headers)


def test_only_an_admin_ingests(live_service: LiveService) -> None:
    for who in ("specialist", "lead"):
        resp = _post(_as(live_service, who), _body())
        assert resp.status_code == 403, (who, resp.text)
        assert resp.json()["code"] == "forbidden"
    assert _post(Api(live_service.url), _body()).status_code == 401


def test_an_ingested_case_is_leased_and_its_media_served(live_service: LiveService) -> None:
    created = _post(_as(live_service, "admin"), _body())
    assert created.status_code == 201, created.text
    case_id, (media_id,) = created.json()["case_id"], created.json()["media_ids"]
    assert created.json()["queue"] == "regulatory"
    demo = _as(live_service, "specialist")
    lease = demo.lease(max_cases=1).json()
    assert [c["id"] for c in lease["cases"]] == [case_id]
    case = demo.call("GET", f"/cases/{case_id}").json()
    assert case["context"]["reference"] == "OOS-INTAKE-7"
    assert case["reporter"]["type"] == "regulator"
    assert case["media"][0]["width"] == 96
    media = demo.http.get(f"{demo.base}/media/{media_id}", headers=demo._headers(), timeout=30)
    assert media.status_code == 200
    assert media.content == PNG


def test_the_same_key_and_body_give_the_same_case(live_service: LiveService) -> None:
    admin = _as(live_service, "admin")
    key = str(uuid.uuid4())
    body = _body()
    first = _post(admin, body, key)
    again = _post(admin, body, key)
    assert first.status_code == 201, first.text
    assert again.status_code == 200
    assert again.json()["case_id"] == first.json()["case_id"]
    other = _post(admin, {**body, "priority": 40}, key)
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    missing = admin.call("POST", "/cases", json=body)
    assert missing.status_code == 422
    assert IDEMPOTENCY_HEADER in missing.text


def test_each_sources_context_is_enforced(live_service: LiveService) -> None:
    admin = _as(live_service, "admin")
    no_context = _post(admin, _body(context=None))
    assert no_context.status_code == 422
    assert no_context.json()["detail"].startswith("context:")
    wrong_kind = _post(admin, _body(source="ip_claim"))
    assert wrong_kind.status_code == 422
    assert wrong_kind.json()["detail"].startswith("context.kind:")
    partial = _body()
    del partial["context"]["statutory_deadline"]
    resp = _post(admin, partial)
    assert resp.status_code == 422
    assert "statutory_deadline" in resp.text
    for source, context in (
        ("ip_claim", {"kind": "ip_claim", "rights_holder": "Example Studios (fictional)",
                      "work": "A fictional song", "claim_type": "counterfeit"}),
        ("business_partner", {"kind": "business_partner", "account": "Acme (fictional)",
                              "listing_id": "AD-1", "advertiser_policy": "Ads: scams"}),
        ("user_report", {"kind": "user_report", "reporter": "user-77", "reason": "Scam"}),
        ("legal", {"kind": "legal", "authority": "Exampleton court (fictional)",
                   "order_reference": "CV-1", "jurisdiction": "UK",
                   "deadline": datetime.now(UTC).isoformat()}),
        ("trusted_flagger", None),
    ):
        ok = _post(admin, _body(source=source, context=context, media=[]))
        assert ok.status_code == 201, (source, ok.text)


def test_a_disguised_file_is_refused_and_size_is_limited(live_service: LiveService) -> None:
    admin = _as(live_service, "admin")
    disguised = _post(admin, _body(media=[{"content_type": "image/jpeg",
                                           "data_base64": _b64(PNG)}]))
    assert disguised.status_code == 422
    assert disguised.json()["detail"].startswith("media[0]:")
    script = _post(admin, _body(media=[{"data_base64": _b64(b"#!/bin/sh\necho hi\n")}]))
    assert script.status_code == 422
    not_b64 = _post(admin, _body(media=[{"data_base64": "****"}]))
    assert not_b64.status_code == 422
    big = _post(admin, _body(media=[{"data_base64": _b64(b"\0" * 900_000)}]))
    assert big.status_code == 413
    assert big.json()["code"] == "too_large"
