"""Policy versions on the desktop, with the real service: the change notes not seen yet
appear once after sign-in and are marked seen when closed, Help > Policy changes… lists them
again, and the decision bar cites the service's taxonomy (a retired code gone, a new one
there)."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer_app.service.policy_versions import BUILTIN
from tests.helpers.service_fixtures import LiveService
from tests.integration.service.api import Api

NOTE = "CS-VIO-2 is retired; spam gets its own rule."


@pytest.fixture
def published(live_service: LiveService) -> LiveService:
    """Version 2 published before the workstation signs in."""
    admin = Api(live_service.url)
    assert admin.login(*live_service.accounts.admin).status_code == 200
    rules = [r.model_dump(mode="json") for r in BUILTIN]
    for rule in rules:
        if rule["code"] == "CS-VIO-2":
            rule["retired"] = True
    rules.append({"code": "CS-SPAM-1", "area": "community_standards",
                  "title": "Spam: bulk posting"})
    resp = admin.call("POST", "/policy/versions",
                      json={"base_version": 1, "rules": rules, "change_note": NOTE})
    assert resp.status_code == 201, resp.text
    return live_service


def _unseen(live: LiveService) -> list[int]:
    demo = Api(live.url)
    assert demo.login(*live.accounts.specialist).status_code == 200
    return [n["version"] for n in demo.call("GET", "/policy/changes/unseen").json()["notes"]]


def test_unseen_notes_appear_once_and_the_bar_cites_the_services_taxonomy(
    qtbot: Any, published: LiveService, workstation: Any,
) -> None:
    notes = workstation.window.policy_notes
    qtbot.waitUntil(lambda: notes.dialog is not None and notes.dialog.isVisible(),
                    timeout=10_000)
    dialog = notes.dialog
    assert not dialog.isModal()
    assert [n.version for n in dialog.notes] == [2]
    assert NOTE in dialog.text.toPlainText()
    bar = workstation.window.decision_bar
    qtbot.waitUntil(lambda: bar.citation.findData("CS-SPAM-1") >= 0, timeout=10_000)
    assert bar.citation.findData("CS-VIO-2") == -1  # retired: no longer offered
    assert _unseen(published) == [2]  # not seen until closed

    dialog.close()
    qtbot.waitUntil(lambda: _unseen(published) == [], timeout=10_000)
    notes.start()  # a later sign-in: nothing unseen, nothing shown
    assert workstation.workers.wait_idle()
    qtbot.wait(50)
    assert notes.dialog is None

    workstation.window.act_policy_changes.trigger()  # Help > Policy changes… (Ctrl+Shift+P)
    qtbot.waitUntil(lambda: notes.dialog is not None and notes.dialog.isVisible(),
                    timeout=10_000)
    assert notes.dialog.windowTitle() == "Policy changes"
    assert [n.version for n in notes.dialog.notes] == [2]
    assert workstation.window.act_policy_changes in workstation.window._commands
    notes.dialog.close()
