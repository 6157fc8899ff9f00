"""An appeal on the desktop, with the real service: the appeal case shows its banner (the
appellant's statement, the decision appealed and its policy version), a plain decision key
is refused there, and Uphold (U) reaches the service."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer_app.domain import Action
from reviewer_app.service.accounts import add_user
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api

STATEMENT = "My post was news reporting (synthetic appeal)."


@pytest.fixture
def appealed(live_service: LiveService) -> tuple[LiveService, str]:
    """The most urgent case, decided by another specialist and appealed, before the
    workstation (the demo specialist) signs in and leases."""
    add_user(live_service.db_url, "first", "first-specialist-pw", "specialist",
             live_service.accounts.team)
    first = Api(live_service.url)
    assert first.login("first", "first-specialist-pw").status_code == 200
    lease = first.lease(1).json()
    case_id = lease["cases"][0]["id"]
    assert first.decide(case_id, lease["lease_id"]).status_code == 201
    assert first.call("DELETE", f"/leases/{lease['lease_id']}").status_code == 204
    admin = Api(live_service.url)
    assert admin.login(*live_service.accounts.admin).status_code == 200
    filed = admin.call("POST", f"/cases/{case_id}/appeals",
                       json={"appellant": "user", "statement": STATEMENT})
    assert filed.status_code == 201, filed.text
    return live_service, case_id


def test_an_appeal_case_shows_its_banner_and_uphold_reaches_the_service(
    qtbot: Any, appealed: tuple[LiveService, str], workstation: Any,
) -> None:
    live, case_id = appealed
    window = workstation.window
    qtbot.waitUntil(lambda: workstation.flow.open_id == case_id, timeout=15_000)
    qtbot.waitUntil(window.appeal_banner.isVisible, timeout=10_000)
    text = window.appeal_banner.label.text()
    assert STATEMENT in text
    assert "remove under CS-VIO-1 (policy version 1)" in text
    bar = window.decision_bar
    uphold, overturn = bar.appeal_actions
    assert uphold.isEnabled()
    assert overturn.isEnabled()
    assert uphold.shortcut().toString() == "U"
    assert overturn.shortcut().toString() == "O"

    problems: list[str] = []
    bar.sig_problem.connect(problems.append)
    plain = bar.decision_actions[next(iter(bar.decision_actions))]
    qtbot.waitUntil(lambda: plain.isEnabled() and bar.under_appeal, timeout=10_000)
    plain.trigger()  # a plain decision
    assert problems
    assert "appeal" in problems[-1]
    assert workstation.flow.open_id == case_id  # nothing decided

    uphold.trigger()
    admin = Api(live.url)
    assert admin.login(*live.accounts.admin).status_code == 200

    def upheld() -> bool:
        return admin.call("GET", f"/cases/{case_id}/appeal").json()["status"] == "upheld"

    qtbot.waitUntil(upheld, timeout=10_000)
    assert workstation.flow.open_id != case_id
    assert not window.appeal_banner.isVisible()


@pytest.fixture
def regulator_appealed(live_service: LiveService) -> tuple[LiveService, str, Api]:
    """A regulator's case, the most urgent, kept by another specialist and appealed, before
    the workstation signs in and leases (so no lease of the workstation's can take it
    first); also the admin's session, to read the appeal."""
    import dataclasses
    import random
    from datetime import UTC, datetime

    from reviewer_app.domain import Source
    from reviewer_app.service.seed import add_case, demo_case

    case = demo_case(1, random.Random(1), datetime.now(UTC), media_px=(64, 36))
    assert case.source is Source.REGULATOR
    case_id = add_case(live_service.db_url, dataclasses.replace(case, priority=100))
    add_user(live_service.db_url, "first", "first-specialist-pw", "specialist",
             live_service.accounts.team)
    first = Api(live_service.url)
    assert first.login("first", "first-specialist-pw").status_code == 200
    lease = first.lease(1).json()
    assert lease["cases"][0]["id"] == case_id
    assert first.decide(case_id, lease["lease_id"], action="keep").status_code == 201
    assert first.call("DELETE", f"/leases/{lease['lease_id']}").status_code == 204
    admin = Api(live_service.url)
    assert admin.login(*live_service.accounts.admin).status_code == 200
    assert admin.call("POST", f"/cases/{case_id}/appeals",
                      json={"appellant": "reporter", "statement": STATEMENT}).status_code == 201
    return live_service, case_id, admin


def test_a_regulator_case_is_overturned_with_its_legal_ground(
    qtbot: Any, regulator_appealed: tuple[LiveService, str, Api], workstation: Any,
) -> None:
    """Overturning to remove a regulator's case needs a legal ground, as any decision of that
    source does: the bar asks for it, and the overturn carries it to the service."""
    from sqlalchemy import select

    from reviewer_app.service.db import Database
    from reviewer_app.service.models import DecisionRow

    live_service, case_id, admin = regulator_appealed
    qtbot.waitUntil(lambda: any(c.id == case_id for c in workstation.flow.cases),
                    timeout=15_000)
    if workstation.flow.open_id != case_id:
        workstation.flow.open(case_id)
    window = workstation.window
    qtbot.waitUntil(lambda: workstation.flow.open_id == case_id
                    and window.appeal_banner.isVisible(), timeout=15_000)
    bar = window.decision_bar
    problems: list[str] = []
    bar.sig_problem.connect(problems.append)
    _uphold, overturn = bar.appeal_actions
    overturn.trigger()
    bar.decision_actions[Action.REMOVE].trigger()
    assert problems
    assert "legal ground" in problems[-1]
    bar.ground.setCurrentIndex(1)
    bar.ground_text.setText("The notice shows the content is illegal here (simulated)")
    overturn.trigger()
    bar.decision_actions[Action.REMOVE].trigger()

    def overturned() -> bool:
        return admin.call("GET", f"/cases/{case_id}/appeal").json()["status"] == "overturned"

    qtbot.waitUntil(overturned, timeout=10_000)
    db = Database(live_service.db_url, pool_size=1)
    try:
        with db.read() as s:
            latest = s.scalars(select(DecisionRow).where(DecisionRow.case_id == case_id)
                               .order_by(DecisionRow.id.desc())).first()
            assert latest is not None
            assert latest.action == "remove"
            assert latest.legal_ground == bar.ground.itemData(1)
            assert latest.legal_ground_explanation == (
                "The notice shows the content is illegal here (simulated)")
    finally:
        db.dispose()
