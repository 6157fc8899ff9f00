"""Sources with their own rules, against the real service: the context each source must
carry (Python ingest), the decision fields each source needs (single endpoint and /v1/sync),
and the context in the case reply."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reviewer_app.domain import (
    ClaimType,
    HarmCategory,
    IPClaimContext,
    PolicyArea,
    RegulatorContext,
    ReporterType,
    Source,
    UserReportContext,
)
from reviewer_app.service.seed import add_case, demo_case
from reviewer_app.service.sources import MissingSourceField
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api

NOW = datetime.now(UTC)
REGULATOR = RegulatorContext(authority="Office of Online Safety (fictional)",
                             legal_basis="EU DSA Art. 16 notice (simulated)",
                             jurisdiction="EU-DE", reference="OOS-TEST-1",
                             statutory_deadline=NOW + timedelta(hours=3))
COPYRIGHT = IPClaimContext(rights_holder="Example Studios LLC (fictional)",
                           work="The Simulated Horizon (fictional film)",
                           claim_type=ClaimType.COPYRIGHT)


def _case(db_url: str, **fields: Any) -> str:
    """A synthetic case ahead of every demo case (priority 100), so the next lease takes it."""
    base = demo_case(0, random.Random(3), NOW, media_px=(64, 48))
    return add_case(db_url, dataclasses.replace(base, priority=100, **fields))


def _regulator(db_url: str) -> str:
    return _case(db_url, source=Source.REGULATOR, reporter_type=ReporterType.REGULATOR,
                 policy_area=PolicyArea.REGULATORY, sla_due_at=None, context=REGULATOR)


def _copyright(db_url: str) -> str:
    return _case(db_url, source=Source.IP_CLAIM, reporter_type=ReporterType.RIGHTS_HOLDER,
                 policy_area=PolicyArea.INTELLECTUAL_PROPERTY,
                 harm_category=HarmCategory.INTELLECTUAL_PROPERTY, context=COPYRIGHT)


def _leased(live: LiveService, case_id: str) -> tuple[Api, str]:
    api = Api(live.url)
    assert api.login(*live.accounts.specialist).status_code == 200
    lease = api.lease(max_cases=1).json()
    assert [c["id"] for c in lease["cases"]] == [case_id]
    return api, lease["lease_id"]


def test_the_python_ingest_refuses_a_case_without_its_sources_context(
        live_service: LiveService) -> None:
    with pytest.raises(MissingSourceField) as missing:
        _case(live_service.db_url, source=Source.REGULATOR, context=None)
    assert missing.value.field == "context"
    assert "statutory_deadline" in str(missing.value)
    with pytest.raises(MissingSourceField) as wrong:
        _case(live_service.db_url, source=Source.IP_CLAIM,
              context=UserReportContext(reporter="user-1", reason="Not their work"))
    assert wrong.value.field == "context.kind"
    with pytest.raises(MissingSourceField):
        _case(live_service.db_url, source=Source.TRUSTED_FLAGGER, context=REGULATOR)


def test_the_case_carries_its_context_and_the_deadline_caps_the_sla(
        live_service: LiveService) -> None:
    case_id = _regulator(live_service.db_url)
    api, _lease = _leased(live_service, case_id)
    case = api.call("GET", f"/cases/{case_id}").json()
    assert case["context"]["kind"] == "regulator"
    assert case["context"]["reference"] == "OOS-TEST-1"
    assert case["legal_basis"] == REGULATOR.legal_basis  # the flat fields, for older clients
    assert case["jurisdiction"] == "EU-DE"
    due = datetime.fromisoformat(case["sla_due_at"])
    assert due == REGULATOR.statutory_deadline.replace(microsecond=due.microsecond)


def test_a_regulator_decision_that_restricts_needs_a_legal_ground(
        live_service: LiveService) -> None:
    case_id = _regulator(live_service.db_url)
    api, lease_id = _leased(live_service, case_id)
    refused = api.decide(case_id, lease_id, action="restrict", policy_refs=["REG-DSA-16"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith("legal_ground:")
    synced = api.sync([api.decision_body(case_id, lease_id, action="remove")]).json()
    assert synced["results"][0]["status"] == "invalid"
    assert synced["results"][0]["problem"]["detail"].startswith("legal_ground:")
    ground = {"code": "illegal_content", "explanation": "Illegal in EU-DE (simulated)"}
    accepted = api.decide(case_id, lease_id, action="restrict", policy_refs=["REG-DSA-16"],
                          legal_ground=ground)
    assert accepted.status_code == 201, accepted.text
    history = api.call("GET", f"/cases/{case_id}").json()["history"]
    assert "legal ground illegal_content: Illegal in EU-DE (simulated)" in history[-1]["body"]


def test_an_ip_decision_needs_the_claim_outcome_and_for_copyright_the_counter_notice(
        live_service: LiveService) -> None:
    case_id = _copyright(live_service.db_url)
    api, lease_id = _leased(live_service, case_id)
    no_claim = api.decide(case_id, lease_id, action="keep", policy_refs=[])
    assert no_claim.status_code == 422
    assert no_claim.json()["detail"].startswith("claim:")
    half = api.decide(case_id, lease_id, action="remove", policy_refs=["IP-COPY-1"],
                      claim={"outcome": "upheld"})
    assert half.status_code == 422
    assert half.json()["detail"].startswith("claim.counter_notice_possible:")
    accepted = api.decide(case_id, lease_id, action="remove", policy_refs=["IP-COPY-1"],
                          claim={"outcome": "partially_upheld",
                                 "counter_notice_possible": True})
    assert accepted.status_code == 201, accepted.text
    history = api.call("GET", f"/cases/{case_id}").json()["history"]
    assert "claim partially upheld, counter-notice possible" in history[-1]["body"]


def test_an_escalation_needs_no_source_fields(live_service: LiveService) -> None:
    """The fields belong to the decision that ends the case; a hand-off carries none."""
    case_id = _regulator(live_service.db_url)
    api, lease_id = _leased(live_service, case_id)
    resp = api.decide(case_id, lease_id, action="escalate", policy_refs=[],
                      escalate_to="legal")
    assert resp.status_code == 201, resp.text
