"""Token expiry on service time, escalation metrics, the health check, exact case ingest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from reviewer_app.domain import (
    ClaimType,
    HarmCategory,
    IPClaimContext,
    PolicyArea,
    ReporterType,
    Severity,
    Source,
)
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.ingest import NewCase, NewMedia
from reviewer_app.service.seed import add_case
from reviewer_app.service.sniff import UnsupportedMedia
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api
from tests.integration.service.conftest import ClockedService


def test_access_tokens_expire_on_service_time(clocked_service: ClockedService) -> None:
    api = Api(clocked_service.url)
    api.login(*clocked_service.accounts.specialist)
    clocked_service.clock.advance(seconds=clocked_service.settings.access_token_ttl_s + 1)
    expired = api.call("GET", "/me")
    assert expired.status_code == 401
    assert expired.json()["code"] == "token_expired"
    fresh = api.call("POST", "/auth/refresh", json={"refresh_token": api.refresh_token})
    assert fresh.status_code == 200


def test_escalation_metrics_count_by_source_and_category(live_service: LiveService) -> None:
    api = Api(live_service.url)
    api.login(*live_service.accounts.lead)
    by_source = api.call("GET", "/metrics/escalations?bucket=hour&by=source").json()
    assert sum(p["count"] for p in by_source["points"]) == 12
    # the fixture's demo cases: the sources whose decisions need nothing more
    assert {p["key"] for p in by_source["points"]} == {"user_report", "business_partner",
                                                       "trusted_flagger"}
    by_day = api.call("GET", "/metrics/escalations?bucket=day&by=category").json()
    assert sum(p["count"] for p in by_day["points"]) == 12
    assert all(p["bucket_start"].endswith(("00:00:00Z", "00:00:00+00:00"))
               for p in by_day["points"])
    bad = api.call("GET", "/metrics/escalations?by=reporter")
    assert bad.status_code == 422


def test_health_check(live_service: LiveService) -> None:
    resp = requests.get(f"{live_service.url}/healthz", timeout=10)
    assert resp.status_code == 200


def _case(media: list[NewMedia]) -> NewCase:
    now = datetime.now(UTC)
    return NewCase(source=Source.IP_CLAIM, policy_area=PolicyArea.INTELLECTUAL_PROPERTY,
                   harm_category=HarmCategory.INTELLECTUAL_PROPERTY, severity=Severity.LOW,
                   priority=100, received_at=now, sla_due_at=now + timedelta(hours=4),
                   reporter_type=ReporterType.RIGHTS_HOLDER, rights_holder="Example Studios",
                   context=IPClaimContext(rights_holder="Example Studios",
                                          work="A fictional film", claim_type=ClaimType.TRADEMARK),
                   media=media)


def test_ingest_checks_the_bytes_against_the_declared_type(live_service: LiveService) -> None:
    jpeg = synthetic_image(3, width=64, height=36, fmt="JPEG")
    with pytest.raises(UnsupportedMedia):
        add_case(live_service.db_url, _case([NewMedia(jpeg, "image/png")]))
    case_id = add_case(live_service.db_url, _case([NewMedia(jpeg, "image/jpeg")]))
    api = Api(live_service.url)
    api.login(*live_service.accounts.specialist)
    lease = api.lease(1).json()
    assert lease["cases"][0]["id"] == case_id  # priority 100 goes first
    media = api.call("GET", f"/cases/{case_id}").json()["media"][0]
    assert (media["content_type"], media["width"], media["height"]) == ("image/jpeg", 64, 36)
