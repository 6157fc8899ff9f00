"""KPIs equal hand-computed values on a seeded (synthetic) dataset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reviewer_app.service.kpis import (
    AppealFact,
    AvoidedFact,
    DecisionFact,
    Facts,
    QaFact,
    compute,
    percentile,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = T0 + timedelta(hours=2)  # every case below is due at 11:00


def _d(queue: str, person: str, minutes: int, handle_ms: int) -> DecisionFact:
    return DecisionFact(queue, person, T0 + timedelta(minutes=minutes), handle_ms, DUE)


FACTS = Facts(
    decisions=[
        # queue a: ana at 09:10, 09:50, 11:30 (late); ben at 10:05
        _d("a", "ana", 10, 30_000), _d("a", "ana", 50, 10_000), _d("a", "ana", 150, 50_000),
        _d("a", "ben", 65, 20_000),
        # queue b: ben at 09:20 and 13:00 (late)
        _d("b", "ben", 20, 40_000), _d("b", "ben", 240, 60_000),
    ],
    qa=[QaFact("a", "ana", "remove", "remove"), QaFact("a", "ana", "remove", "keep"),
        QaFact("b", "ben", "keep", "keep"), QaFact("b", "ben", "keep", "keep")],
    appeals=[AppealFact("a", "ana", True), AppealFact("a", "ana", False),
             AppealFact("b", "ben", False)],
    avoided=[AvoidedFact("a", "ana", 3), AvoidedFact("b", "ben", 2)],
)


@pytest.fixture(scope="module")
def kpis():  # type: ignore[no-untyped-def]
    return compute("t1", T0, T0 + timedelta(days=1), FACTS, queues=["a", "b", "idle"],
                   people=["ana", "ben", "cy"])


def test_percentile_is_nearest_rank() -> None:
    # n=6 sorted 10,20,30,40,50,60: p50 rank ceil(3)=3 -> 30; p90 rank ceil(5.4)=6 -> 60
    assert percentile([60, 10, 50, 20, 40, 30], 50) == 30
    assert percentile([60, 10, 50, 20, 40, 30], 90) == 60
    assert percentile([], 50) is None


def test_team_figures(kpis) -> None:  # type: ignore[no-untyped-def]
    o = kpis.overall
    assert o.key == "all"
    assert o.decisions == 6
    # hours with decisions: 09 (3: 09:10, 09:20, 09:50), 10, 11, 13 -> 4; 6 / 4 = 1.5
    assert o.active_hours == 4
    assert o.decisions_per_hour == 1.5
    # handle sorted 10,20,30,40,50,60 s: p50 = 30 s, p90 = 60 s
    assert (o.handle_p50_ms, o.handle_p90_ms) == (30_000, 60_000)
    # late: 11:30 and 13:00 -> 4 met, 2 breached, 4/6 = 66.67 %
    assert (o.sla_met, o.sla_breached) == (4, 2)
    assert o.sla_compliance_percent == pytest.approx(400 / 6)
    # QA: 3 of 4 agree = 75 %; first labels remove 2 keep 2, second remove 1 keep 3:
    # p_e = (2*1 + 2*3) / 16 = 0.5; kappa = (0.75 - 0.5) / (1 - 0.5) = 0.5
    assert (o.qa.n, o.qa.agreed, o.qa.percent) == (4, 3, 75.0)
    assert o.qa.kappa == pytest.approx(0.5)
    # appeals: 1 overturned of 3 decided = 33.3 %
    assert (o.appeals_decided, o.appeals_overturned) == (3, 1)
    assert o.appeal_overturn_percent == pytest.approx(100 / 3)
    assert o.exposure_avoided == 3 + 2


def test_per_queue(kpis) -> None:  # type: ignore[no-untyped-def]
    a, b, idle = kpis.by_queue
    assert [a.key, b.key, idle.key] == ["a", "b", "idle"]
    # a: 09:10, 09:50, 10:05, 11:30 -> hours 09, 10, 11: 4 / 3; handle 10,20,30,50:
    # p50 rank 2 -> 20 s, p90 rank ceil(3.6)=4 -> 50 s; 3 met of 4 = 75 %
    assert a.decisions == 4
    assert a.decisions_per_hour == pytest.approx(4 / 3)
    assert (a.handle_p50_ms, a.handle_p90_ms, a.sla_compliance_percent) == (20_000, 50_000,
                                                                            75.0)
    # a's QA: 1 of 2 agree; first remove,remove; second remove,keep -> p_e = 2*1/4 = 0.5,
    # kappa = (0.5 - 0.5) / 0.5 = 0
    assert a.qa.percent == 50.0
    assert a.qa.kappa == pytest.approx(0.0)
    assert (a.appeals_decided, a.appeal_overturn_percent, a.exposure_avoided) == (2, 50.0, 3)
    # b: 09:20, 13:00 -> 2 / 2 hours = 1.0; 40, 60 s: p50 rank 1 -> 40 s, p90 rank 2 -> 60 s
    # 1 met of 2 = 50 %; QA both keep/keep: p_e = 1, kappa undefined; 0 of 1 appeal
    assert b.decisions_per_hour == 1.0
    assert (b.handle_p50_ms, b.handle_p90_ms) == (40_000,
                                                                                  60_000)
    assert b.sla_compliance_percent == 50.0
    assert b.qa.percent == 100.0
    assert b.qa.kappa is None
    assert b.qa.kappa_undefined
    assert b.appeal_overturn_percent == 0.0
    assert idle.decisions == 0
    assert idle.decisions_per_hour is None
    assert idle.sla_compliance_percent is None
    assert idle.appeal_overturn_percent is None


def test_per_person(kpis) -> None:  # type: ignore[no-untyped-def]
    ana, ben, cy = kpis.by_person
    # ana: 09:10, 09:50, 11:30 -> 3 / 2 hours; 10,30,50 s: p50 rank 2 -> 30 s, p90 rank 3
    assert ana.decisions == 3
    assert ana.decisions_per_hour == 1.5
    assert (ana.handle_p50_ms, ana.handle_p90_ms) == (30_000, 50_000)
    assert (ana.sla_met, ana.sla_breached) == (2, 1)
    # ben: 09:20, 10:05, 13:00 -> 3 / 3 hours; 20,40,60 s -> p50 40 s, p90 60 s; 2 met
    assert ben.decisions_per_hour == 1.0
    assert ben.handle_p50_ms == 40_000
    assert (ben.sla_met, ben.sla_breached, ben.exposure_avoided) == (2, 1, 2)
    assert cy.key == "cy"
    assert cy.decisions == 0
    assert cy.qa.n == 0


def test_csv_has_the_team_then_queues_then_people(kpis) -> None:  # type: ignore[no-untyped-def]
    from reviewer_app.client.kpis import COLUMNS, to_csv

    lines = to_csv(kpis).splitlines()
    assert lines[0] == ",".join(COLUMNS)
    # team: 6 decisions, 4 hours, 1.5/h, 30 s, 60 s, 4 met, 2 late, 66.6667 %, QA 4/3 75 % k 0.5,
    # appeals 3/1 33.3333 %, 5 items
    assert lines[1] == "team,all,6,4,1.5,30000,60000,4,2,66.6667,4,3,75,0.5,3,1,33.3333,5"
    assert [line.split(",")[:2] for line in lines[2:]] == [
        ["queue", "a"], ["queue", "b"], ["queue", "idle"],
        ["person", "ana"], ["person", "ben"], ["person", "cy"]]
    assert lines[4].split(",")[4] == ""  # idle: no pace, an empty cell
