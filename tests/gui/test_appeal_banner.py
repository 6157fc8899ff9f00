"""An appeal on the desktop, with the real service: the appeal case shows its banner (the
appellant's statement, the decision appealed and its policy version), a plain decision key
is refused there, and Uphold (U) reaches the service."""

from __future__ import annotations

from typing import Any

import pytest

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
    bar.decision_actions[next(iter(bar.decision_actions))].trigger()  # a plain decision
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
