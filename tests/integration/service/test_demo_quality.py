"""The demo's quality history, read as a lead and a specialist read it over HTTP: six blind
second reviews of the colleagues' decisions on the trend burst, one of them disagreeing (an
open disagreement for the lead), agreement and kappa computed from them, and one second
review waiting that the demo specialist pulls from the QA queue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reviewer_app.contract import QA_QUEUE
from reviewer_app.service.seed import seed_demo
from reviewer_app.service.seed_quality import REVIEWED_TASKS
from reviewer_app.service.settings import ServiceSettings
from tests.helpers.service_fixtures import LiveService, serving
from tests.integration.service.test_intake import _as


@pytest.fixture
def demo(service_settings: ServiceSettings) -> Iterator[LiveService]:
    accounts = seed_demo(service_settings.db_url, cases=4, history=True, trends=True)
    with serving(service_settings, accounts) as live:
        yield live


def test_the_demo_has_second_reviews_a_disagreement_and_one_waiting(demo: LiveService) -> None:
    team = demo.accounts.team
    lead = _as(demo, "lead")
    agreement = lead.call("GET", f"/teams/{team}/quality/agreement").json()
    overall = agreement["overall"]
    assert (overall["n"], overall["agreed"]) == (REVIEWED_TASKS, REVIEWED_TASKS - 1)
    assert overall["percent"] == pytest.approx(100 * 5 / 6, abs=0.1)
    assert demo.accounts.specialist[0] not in {r["key"] for r in agreement["by_reviewer"]}
    open_ones = lead.call("GET", f"/teams/{team}/quality/disagreements?resolved=false").json()
    [disagreement] = open_ones["disagreements"]
    assert (disagreement["first_action"], disagreement["second_action"]) == ("remove",
                                                                              "restrict")
    assert disagreement["first_reviewer"] != disagreement["second_reviewer"]
    assert lead.call("GET", f"/teams/{team}/quality/config").json()["share_percent"] == 10

    specialist = _as(demo, "specialist")
    lease = specialist.lease(5, queue=QA_QUEUE).json()
    assert len(lease["cases"]) == 1, lease
    assert lease["cases"][0]["id"] != disagreement["case_id"]  # the waiting one
    second = specialist.decide(lease["cases"][0]["id"], lease["lease_id"], action="remove",
                               policy_refs=["AD-SCAM-1"])
    assert second.status_code == 201, second.text
    after = lead.call("GET", f"/teams/{team}/quality/agreement").json()["overall"]
    assert (after["n"], after["agreed"]) == (REVIEWED_TASKS + 1, REVIEWED_TASKS)
