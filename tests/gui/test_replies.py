"""Replies on the desktop: the chooser in the decision bar (the first reply for the action by
default, No reply, a named one only for its actions, one that cannot be filled refused), and,
against the real service, the preview (Ctrl+R) showing the case's own facts and the decision
queueing exactly that text in the outbox, where it survives a restart and reaches the
service."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from reviewer_app.contract import ReplyTemplate
from reviewer_app.domain import (
    Action,
    BusinessContext,
    RegulatorContext,
    Source,
    UserReportContext,
)
from reviewer_app.store.local import LocalStore
from reviewer_app.store.schema import OutboxItem
from tests.gui.test_source_fields import REGULATOR
from tests.gui.test_workstation import WAIT_MS, case_on_screen, press, wait_synced
from tests.unit.test_contract import a_case
from ui.views.decision_bar import DecisionBar

ACTIONED = ReplyTemplate(name="regulator.actioned", source=Source.REGULATOR,
                         actions=[Action.REMOVE, Action.LABEL], title="Request actioned",
                         body="To {authority} re {reference}: {action} ({legal_ground}).",
                         version=3)
KEPT = ReplyTemplate(name="regulator.no_action", source=Source.REGULATOR,
                     actions=[Action.KEEP], title="No action",
                     body="To {authority} re {reference}: {action}.", version=1)


def _bar(qtbot: Any) -> tuple[DecisionBar, list[str], list[Any]]:
    bar = DecisionBar()
    qtbot.addWidget(bar)
    bar.set_case(a_case().model_copy(update={"context": REGULATOR}))
    bar.reply.set_templates([ACTIONED, KEPT])
    problems: list[str] = []
    drafts: list[Any] = []
    bar.sig_problem.connect(problems.append)
    bar.sig_decide.connect(drafts.append)
    return bar, problems, drafts


def test_the_chooser_sends_the_first_reply_for_the_action_or_none(qtbot: Any) -> None:
    bar, problems, drafts = _bar(qtbot)
    bar.commit(Action.KEEP)  # the default: the first template for keep
    assert problems == []
    assert drafts[-1].reply_template == "regulator.no_action"
    assert bar.reply_for(Action.KEEP)[1] == (
        "To Office of Online Safety (fictional) re OOS-9: left up (no action taken).")
    bar.ground.setCurrentIndex(bar.ground.findData("illegal_content"))
    bar.ground_text.setText("Illegal in EU-DE (simulated)")
    bar.reply.setCurrentIndex(bar.reply.findData("regulator.no_action"))
    bar.commit(Action.REMOVE)  # a named template only answers its own actions
    assert len(drafts) == 1
    assert "not for remove" in problems[-1]
    bar.reply.setCurrentIndex(bar.reply.findData(""))  # No reply
    bar.commit(Action.KEEP)
    assert drafts[-1].reply_template is None


def test_a_chosen_reply_that_cannot_be_filled_stops_the_decision_and_says_why(
        qtbot: Any) -> None:
    bar, problems, drafts = _bar(qtbot)
    bar.ground.setCurrentIndex(bar.ground.findData("illegal_content"))
    bar.ground_text.setText("Illegal in EU-DE (simulated)")
    unfillable = ACTIONED.model_copy(update={"name": "regulator.odd",
                                             "body": "Dear {rights_holder}"})
    bar.reply.set_templates([unfillable, ACTIONED])
    bar.commit(Action.REMOVE)  # the default passes over what cannot be filled
    assert problems == []
    assert drafts[-1].reply_template == "regulator.actioned"
    bar.reply.set_templates([unfillable])
    bar.commit(Action.REMOVE)  # and sends none when nothing fills
    assert drafts[-1].reply_template is None
    bar.reply.setCurrentIndex(bar.reply.findData("regulator.odd"))
    bar.commit(Action.REMOVE)  # chosen by name: sent as chosen, or the decision waits
    assert len(drafts) == 2
    assert "{rights_holder}" in problems[-1]


def test_the_preview_shows_the_cases_own_facts_and_the_outbox_keeps_that_reply(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws) and bool(ws.window.decision_bar.reply.templates),
                    timeout=WAIT_MS)
    case = ws.flow.current.case
    QTest.keyClick(ws.window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    preview = ws.window.reply_preview
    assert preview.isVisible()
    assert preview.picked_action() is Action.REMOVE
    shown = preview.text.toPlainText()
    assert case.id in shown
    own = {UserReportContext: "reporter", BusinessContext: "listing_id",
           RegulatorContext: "reference"}.get(type(case.context))
    if own is not None:
        assert getattr(case.context, own) in shown
    press(ws, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: case.id in ws.flow.decided, timeout=WAIT_MS)

    def queued() -> dict[str, Any] | None:
        store = LocalStore(ws.session.config.store_path)  # as a restarted app opens it
        try:
            with store.read() as db:
                item = db.scalars(select(OutboxItem).where(OutboxItem.case_id == case.id,
                                                           OutboxItem.kind == "decision")).first()
                return None if item is None else dict(json.loads(item.payload)) | {
                    "_client_id": item.client_id}
        finally:
            store.close()

    qtbot.waitUntil(lambda: queued() is not None, timeout=WAIT_MS)
    payload = queued()
    assert payload is not None
    assert payload["reply"] == shown
    first = next(t for t in ws.session.reply_templates(case.source, Action.REMOVE))
    assert payload["reply_template"] == first.name
    wait_synced(qtbot, ws, payload["_client_id"])
    history = ws.session.api.call(type(case), "GET", f"/v1/cases/{case.id}").history
    assert shown in history[-1].body
