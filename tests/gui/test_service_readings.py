"""The running workstation takes its safeguards from the service: a lead's policy change
arrives within one sync pass (by ETag) and changes what is on screen, and exposure the
service counted elsewhere counts here too (the meter shows the service's counters)."""

from __future__ import annotations

from typing import Any

from reviewer_app.domain import HarmCategory, Severity
from safeguards import Window
from tests.gui.test_safeguards_ui import lead_sets_team_policy
from tests.gui.test_workstation import WAIT_MS, case_on_screen
from tests.helpers.cases import add_urgent_case
from tests.integration.service.api import Api
from tests.integration.service.test_exposure import report
from ui.imaging import RevealStep


def test_a_lead_policy_change_reaches_the_running_client_within_a_sync_pass(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws) and ws.wellness.policy_etag is not None,
                    timeout=WAIT_MS)
    before = ws.window.viewer._renderings[RevealStep.BLURRED]
    old_width = ws.wellness.policy.display.blur_width_px
    changed = lead_sets_team_policy(live_service, {"display": {
        **ws.wellness.policy.display.model_dump(mode="json"), "blur_strength": 10}})
    ws.sync.wake()  # the next pass reads the policy by ETag, as every pass does
    qtbot.waitUntil(lambda: ws.wellness.policy.version == changed["version"], timeout=WAIT_MS)
    new_width = ws.wellness.policy.display.blur_width_px
    assert new_width < old_width
    qtbot.waitUntil(lambda: ws.window.viewer.policy.blur_width == new_width, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: ws.window.viewer._renderings.get(RevealStep.BLURRED)
                    not in (None, before), timeout=WAIT_MS)  # re-rendered, not the old blur


def test_exposure_counted_on_another_machine_counts_here(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    """The reviewer reveals a case on a second machine; the service counts it; this
    workstation's ledger (and so its gate and meter) has it after its next reading."""
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws) and ws.wellness.service is not None,
                    timeout=WAIT_MS)
    now = ws.session.clock.now
    before = ws.wellness.ledger.tally(Window.HOUR, now=now(),
                                      categories=[HarmCategory.ANIMAL_WELFARE]).revealed
    elsewhere = Api(live_service.url)
    assert elsewhere.login(*live_service.accounts.specialist).status_code == 200
    case_id = add_urgent_case(live_service.db_url, HarmCategory.ANIMAL_WELFARE, Severity.LOW)
    lease = elsewhere.lease(1).json()
    assert [c["id"] for c in lease["cases"]] == [case_id]
    case = elsewhere.call("GET", f"/cases/{case_id}").json()
    synced = elsewhere.call("POST", "/sync", json={"exposure_events": [report(case, now())]})
    assert synced.json()["results"][0]["status"] == "applied"
    ws.sync.wake()
    qtbot.waitUntil(lambda: ws.wellness.ledger.tally(
        Window.HOUR, now=now(), categories=[HarmCategory.ANIMAL_WELFARE]).revealed
        == before + 1, timeout=WAIT_MS)
