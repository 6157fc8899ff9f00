"""Replies against the real service: the templates listed and replaced, a decision's reply
re-rendered by the service from its own copy of the case and refused when it differs (or when
the template is another source's), through the single endpoint and /v1/sync alike; the reply
stored and read back in the case history; a group decision's other cases each get their own
rendering, or none where the template does not fit."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from reviewer_app import replies
from reviewer_app.domain import (
    Action,
    BusinessContext,
    Case,
    LegalGround,
    LegalGroundCode,
    PolicyArea,
    RegulatorContext,
    ReporterType,
    Source,
    UserReportContext,
)
from reviewer_app.service.imagegen import synthetic_image
from reviewer_app.service.seed import add_case, demo_case
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api
from tests.integration.service.test_matching import _case

NOW = datetime.now(UTC)
GROUND = LegalGround(code=LegalGroundCode.ILLEGAL_CONTENT,
                     explanation="Unlawful under the simulated statute cited")


def _regulator_case(db_url: str, n: int) -> str:
    context = RegulatorContext(authority="Office of Online Safety (fictional)",
                               legal_basis="EU DSA Art. 16 notice (simulated)",
                               jurisdiction="EU-DE", reference=f"OOS-REPLY-{n}",
                               statutory_deadline=NOW + timedelta(hours=3))
    base = demo_case(0, random.Random(n), NOW, media_px=(64, 48))
    return add_case(db_url, dataclasses.replace(
        base, priority=100, source=Source.REGULATOR, reporter_type=ReporterType.REGULATOR,
        policy_area=PolicyArea.REGULATORY, sla_due_at=None, context=context))


def _templates(api: Api, source: str | None = None) -> dict[str, dict[str, Any]]:
    resp = api.call("GET", "/reply-templates" + (f"?source={source}" if source else ""))
    assert resp.status_code == 200, resp.text
    return {t["name"]: t for t in resp.json()["templates"]}


def _body(case_id: str, lease_id: str, **extra: Any) -> dict[str, Any]:
    return Api.decision_body(case_id, lease_id, policy_refs=["REG-DSA-16"],
                             legal_ground=GROUND.model_dump(mode="json"), **extra)


def test_a_decisions_reply_is_what_the_service_renders_and_is_kept(
        live_service: LiveService) -> None:
    first = _regulator_case(live_service.db_url, 1)
    second = _regulator_case(live_service.db_url, 2)
    api = Api(live_service.url)
    assert api.login(*live_service.accounts.specialist).status_code == 200
    lease = api.lease(max_cases=2).json()
    assert {c["id"] for c in lease["cases"]} == {first, second}
    lease_id = lease["lease_id"]
    template = _templates(api, "regulator")["regulator.actioned"]
    case = Case.model_validate(api.call("GET", f"/cases/{first}").json())
    facts = replies.ReplyFacts.for_case(case, Action.REMOVE, policy_refs=["REG-DSA-16"],
                                        legal_ground=GROUND)
    text = replies.render(template["body"], facts)
    assert "OOS-REPLY-1" in text
    assert first in text

    def refused(body: dict[str, Any]) -> str:
        resp = api.call("POST", f"/cases/{first}/decisions", json=body,
                        headers={"Idempotency-Key": body["client_id"]})
        assert resp.status_code == 422, resp.text
        return str(resp.json()["detail"])

    tampered = _body(first, lease_id, reply_template="regulator.actioned",
                     reply=text.replace("removed", "left up"))
    assert refused(tampered).startswith("reply:")
    other_source = _body(first, lease_id, reply_template="user_report.actioned", reply=text)
    assert refused(other_source).startswith("reply_template:")
    assert "user_report" in refused(other_source)
    # The same tampering through /v1/sync is refused as invalid, naming the field.
    synced = api.sync([_body(first, lease_id, reply_template="regulator.actioned",
                             reply=text + " P.S. free text")]).json()["results"]
    assert synced[0]["status"] == "invalid"
    assert synced[0]["problem"]["detail"].startswith("reply:")

    good = _body(first, lease_id, reply_template="regulator.actioned", reply=text,
                 reply_version=template["version"])
    resp = api.call("POST", f"/cases/{first}/decisions", json=good,
                    headers={"Idempotency-Key": good["client_id"]})
    assert resp.status_code == 201, resp.text
    # Through /v1/sync without the text: the service fills it from its copy of the case.
    synced = api.sync([_body(second, lease_id, reply_template="regulator.actioned")]).json()
    assert synced["results"][0]["status"] == "applied", synced

    for case_id, reference in ((first, "OOS-REPLY-1"), (second, "OOS-REPLY-2")):
        history = api.call("GET", f"/cases/{case_id}").json()["history"]
        decided = [h for h in history if h["kind"] == "decision"]
        assert "Reply sent (regulator.actioned, version 1)" in decided[-1]["body"]
        assert reference in decided[-1]["body"]
    assert text in [h for h in api.call("GET", f"/cases/{first}").json()["history"]
                    if h["kind"] == "decision"][-1]["body"]


def test_templates_are_listed_by_source_and_an_admin_replaces_one(
        live_service: LiveService) -> None:
    specialist, admin = Api(live_service.url), Api(live_service.url)
    assert specialist.login(*live_service.accounts.specialist).status_code == 200
    assert admin.login(*live_service.accounts.admin).status_code == 200
    every = _templates(specialist)
    assert {t["source"] for t in every.values()} >= {
        "user_report", "regulator", "business_partner", "ip_claim", "legal",
        "trusted_flagger"}
    ip = _templates(specialist, "ip_claim")
    assert ip
    assert all(t["source"] == "ip_claim" for t in ip.values())
    assert "counter_notice" in ip["ip_claim.copyright_decided"]["placeholders"]

    change = {"source": "user_report", "actions": ["keep"], "title": "No violation",
              "body": "Hello {reporter}, case {case_id}: {nickname}.", "reason": "shorter"}
    resp = admin.call("PUT", "/reply-templates/user_report.no_violation", json=change)
    assert resp.status_code == 422
    assert "{nickname}" in resp.json()["detail"]
    change["body"] = "Hello {reporter}, we reviewed case {case_id}: it has been {action}."
    resp = admin.call("PUT", "/reply-templates/user_report.no_violation", json=change)
    assert resp.status_code == 200, resp.text
    assert resp.json()["version"] == 2
    assert _templates(specialist, "user_report")["user_report.no_violation"]["body"] == (
        change["body"])
    audit = admin.call("GET", "/audit?action=reply_template_changed").json()["events"]
    assert [(e["actor"], e["subject_id"], e["detail"]["version"]) for e in audit] == [
        ("admin", "user_report.no_violation", 2)]


def test_a_group_decision_sends_each_case_its_own_reply_where_the_template_fits(
        live_service: LiveService) -> None:
    picture = synthetic_image(4242, width=640, height=360, fmt="PNG")
    viewed = add_case(live_service.db_url, _case(picture, "image/png", 100))
    same_source = add_case(live_service.db_url, dataclasses.replace(
        _case(picture, "image/png", 10),
        context=UserReportContext(reporter="user-9000 (simulated)", reason="violence")))
    partner = add_case(live_service.db_url, dataclasses.replace(
        _case(picture, "image/png", 10), source=Source.BUSINESS_PARTNER,
        reporter_type=ReporterType.BUSINESS_PARTNER,
        context=BusinessContext(account="Acme Ads Ltd (fictional)", listing_id="AD-1",
                                advertiser_policy="Ads: deceptive offers")))
    api = Api(live_service.url)
    assert api.login(*live_service.accounts.specialist).status_code == 200
    lease = api.lease(max_cases=1).json()
    assert [c["id"] for c in lease["cases"]] == [viewed]
    decision = Api.decision_body(viewed, lease["lease_id"], reply_template="user_report.actioned")
    resp = api.call("POST", f"/cases/{viewed}/group-decisions", json={"decision": decision},
                    headers={"Idempotency-Key": decision["client_id"]})
    assert resp.status_code == 201, resp.text
    assert {r["case_id"] for r in resp.json()["decided"]} == {same_source, partner}

    def last_decision(case_id: str) -> str:
        history = api.call("GET", f"/cases/{case_id}").json()["history"]
        return str([h for h in history if h["kind"] == "decision"][-1]["body"])

    assert "user-4711" in last_decision(viewed)
    assert "user-9000" in last_decision(same_source)  # rendered for its own case
    assert "Reply sent" not in last_decision(partner)  # another source's: no reply
