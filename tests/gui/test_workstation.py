"""Keyboard flows of the workstation against the real service on loopback."""

from __future__ import annotations

from typing import Any

import requests
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlalchemy import select

from reviewer_app.domain import CaseStatus
from reviewer_app.store import cases
from reviewer_app.store.outbox import ItemState
from reviewer_app.store.schema import OutboxItem

WAIT_MS = 20_000


def case_or_empty_queue(ws: Any) -> bool:
    return case_on_screen(ws) or (ws.flow.pulls_answered > 0
                                  and ws.flow.next_case_id(None) is None)


def case_on_screen(ws: Any) -> bool:
    """The open case's item is on screen (a picture, a text or a clip), or its warning."""
    media = ws.window.media
    return ws.flow.current is not None and (media.painted_step is not None
                                            or media.interstitial)


def service_case_status(live_service: Any, case_id: str) -> str:
    user, password = live_service.accounts.admin
    login = requests.post(f"{live_service.url}/v1/auth/login",
                          json={"username": user, "password": password}, timeout=10)
    login.raise_for_status()
    token = login.json()["access_token"]
    reply = requests.get(f"{live_service.url}/v1/cases/{case_id}",
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
    reply.raise_for_status()
    return str(reply.json()["status"])


def release_on_the_service(live_service: Any, ws: Any, case_id: str) -> None:
    """Someone else ends the lease (as the service does when it expires or a lead reassigns)."""
    with ws.session.store.read() as db:
        row = cases.lease_of(db, case_id)
        assert row is not None
        lease_id = row.lease_id
    user, password = live_service.accounts.specialist
    token = requests.post(f"{live_service.url}/v1/auth/login",
                          json={"username": user, "password": password},
                          timeout=10).json()["access_token"]
    released = requests.delete(f"{live_service.url}/v1/leases/{lease_id}",
                               headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert released.status_code in (200, 204), released.text


def wait_synced(qtbot: Any, ws: Any, client_id: str) -> None:
    def synced() -> bool:
        with ws.session.store.read() as db:
            state = db.scalar(select(OutboxItem.state).where(OutboxItem.client_id == client_id))
        if state != ItemState.SYNCED:
            ws.sync.wake()
        return state == ItemState.SYNCED

    qtbot.waitUntil(synced, timeout=WAIT_MS)


def press(ws: Any, key: Qt.Key) -> None:
    QTest.keyClick(ws.window.viewer, key)


def test_remove_shortcut_writes_the_outbox_and_reaches_the_service(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    case_id = ws.flow.current.case.id
    before = ws.session.outbox_counts()
    press(ws, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: case_id in ws.flow.decided, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: (lambda c: c.pending + c.synced > before.pending + before.synced)(
        ws.session.outbox_counts()), timeout=WAIT_MS)
    ws.sync.wake()
    qtbot.waitUntil(lambda: service_case_status(live_service, case_id) == CaseStatus.DECIDED,
                    timeout=WAIT_MS)
    assert ws.flow.current is None or ws.flow.current.case.id != case_id


def test_ten_cases_decided_by_keyboard_only(qtbot: Any, workstation: Any,
                                            live_service: Any) -> None:
    ws = workstation
    keys = [Qt.Key.Key_R, Qt.Key.Key_K, Qt.Key.Key_L, Qt.Key.Key_T, Qt.Key.Key_I]
    decided: list[str] = []
    while len(decided) < 10:
        qtbot.waitUntil(lambda: case_or_empty_queue(ws), timeout=WAIT_MS)
        if ws.flow.current is None:
            answered = ws.flow.pulls_answered
            QTest.keyClick(ws.window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
            qtbot.waitUntil(lambda a=answered: ws.flow.pulls_answered > a, timeout=WAIT_MS)
            assert ws.flow.next_case_id(None) is not None, "the service ran out of cases"
            continue
        case_id = ws.flow.current.case.id
        if ws.window.viewer.interstitial:
            press(ws, Qt.Key.Key_Return)
            assert not ws.window.viewer.interstitial
        press(ws, keys[len(decided) % len(keys)])
        qtbot.waitUntil(lambda cid=case_id: cid in ws.flow.decided and (
            ws.flow.current is None or ws.flow.current.case.id != cid), timeout=WAIT_MS)
        decided.append(case_id)
    assert len(set(decided)) == 10

    def on_service(case_id: str) -> bool:
        ws.sync.wake()
        return service_case_status(live_service, case_id) == CaseStatus.DECIDED

    for case_id in decided:
        qtbot.waitUntil(lambda c=case_id: on_service(c), timeout=WAIT_MS)


def test_hide_now_blanks_the_content_at_once(qtbot: Any, workstation: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    press(ws, Qt.Key.Key_H)
    assert ws.window.viewer.hidden
    assert ws.window.viewer.painted_step is None
    press(ws, Qt.Key.Key_H)
    assert not ws.window.viewer.hidden


def test_a_lost_lease_is_shown_with_its_case_never_dropped(
        qtbot: Any, workstation: Any, live_service: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    case_id = ws.flow.current.case.id
    release_on_the_service(live_service, ws, case_id)
    if ws.window.viewer.interstitial:
        press(ws, Qt.Key.Key_Return)
    press(ws, Qt.Key.Key_R)
    ws.sync.wake()
    qtbot.waitUntil(lambda: ws.flow.sync_state is not None and any(
        p.case_id == case_id and p.kind == "decision" for p in ws.flow.sync_state.problems),
        timeout=WAIT_MS)
    problem = next(p for p in ws.flow.sync_state.problems
                   if p.case_id == case_id and p.kind == "decision")
    assert "lease" in problem.reason.lower() or "lease" in (problem.code or "").lower()
    assert "to resolve" in ws.window.sync_label.text()
    assert service_case_status(live_service, case_id) != CaseStatus.DECIDED


def test_a_note_is_synced_like_a_decision(qtbot: Any, workstation: Any,
                                          live_service: Any) -> None:
    ws = workstation
    qtbot.waitUntil(lambda: case_on_screen(ws), timeout=WAIT_MS)
    case_id = ws.flow.current.case.id
    messages: list[str] = []
    ws.flow.sig_message.connect(messages.append)
    ws.flow.add_note("Context checked against the partner's earlier notice.")
    qtbot.waitUntil(lambda: any("Note saved" in m for m in messages), timeout=WAIT_MS)
    ws.sync.wake()
    qtbot.waitUntil(lambda: ws.session.outbox_counts().pending == 0, timeout=WAIT_MS)
    user, password = live_service.accounts.admin
    token = requests.post(f"{live_service.url}/v1/auth/login",
                          json={"username": user, "password": password},
                          timeout=10).json()["access_token"]
    case = requests.get(f"{live_service.url}/v1/cases/{case_id}",
                        headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    notes = [h["body"] for h in case["history"] if h["kind"] == "note"]
    assert "Context checked against the partner's earlier notice." in notes
