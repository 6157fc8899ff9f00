"""The wellness lead console against the real service on loopback: a policy edited in the
console reaches a signed-in specialist's gate, a concurrent save brings the 412 message and
the merge view, the engine's own messages block a bad policy, the preview is the viewer's
rendering, the dashboard shows the service's figures and exports them, overrides are granted
and revoked, and a specialist never gets the console (the service refuses them anyway)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import ValidationError
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from reviewer_app.client.lead import LeadClient, NotPermitted
from reviewer_app.client.session import ReviewSession
from reviewer_app.contract import MemberOverrideRequest, OverrideKind, TeamDashboard
from reviewer_app.domain import HarmCategory, ProblemCode, Severity
from safeguards import BreakRules, Cap
from tests.gui.test_safeguards_ui import open_case_of, revealed
from tests.gui.test_workstation import WAIT_MS, wait_synced
from ui.console.dashboard_export import CSV_COLUMNS
from ui.console.lead_console import LeadConsole, build_console, wants_console
from ui.console.people_model import COLUMNS
from ui.console.preview import REVIEWER_DISPLAY
from ui.console.window import ConsoleWindow
from ui.imaging import RevealStep, render

TEAM = "escalations"


@pytest.fixture
def lead_console(qtbot: Any, live_service: Any, make_client_config: Any,
                 tmp_path: Path) -> Iterator[LeadConsole]:
    """The console wired to the real service, signed in as the demo wellness lead (refresh
    token in the real OS keyring, under this test's own service name)."""
    session = ReviewSession(make_client_config(live_service.url))
    session.login(*live_service.accounts.lead)
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    console = build_console(session, settings)
    qtbot.addWidget(console.window)
    console.window.show()
    console.start()
    editor = console.window.editor
    qtbot.waitUntil(lambda: editor.in_force is not None and editor.preview.ready,
                    timeout=WAIT_MS)
    try:
        yield console
    finally:
        console.shutdown()
        assert console.workers.session_pool.activeThreadCount() == 0


def api_login(live_service: Any, who: str) -> dict[str, str]:
    user, password = getattr(live_service.accounts, who)
    reply = requests.post(f"{live_service.url}/v1/auth/login",
                          json={"username": user, "password": password}, timeout=10)
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def service_policy(live_service: Any) -> dict[str, Any]:
    reply = requests.get(f"{live_service.url}/v1/teams/{TEAM}/policy",
                         headers=api_login(live_service, "admin"), timeout=10)
    reply.raise_for_status()
    return dict(reply.json())


def activate(qtbot: Any, window: Any) -> None:
    """Make `window` the active one (its keyboard shortcuts work only then)."""
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)


def press(window: ConsoleWindow, key: Qt.Key,
          modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.ControlModifier) -> None:
    """A key chord on the console, as the lead types it (the console must be active)."""
    assert window.isActiveWindow(), "the console is not the active window"
    QTest.keyClick(window, key, modifiers)


def set_field(console: LeadConsole, path: str, value: Any) -> None:
    """Type a value into a field of the form, as the lead would (the editor's own signal)."""
    editor = console.window.editor.form.editors[path]
    editor.set_value(value)
    editor.sig_changed.emit()


def syncing(ws: Any, condition: Callable[[], bool]) -> Callable[[], bool]:
    """`condition`, waking the workstation's sync engine while it does not hold yet (a plain
    bool: pytest-qt takes a None from the callback for a pass)."""
    def check() -> bool:
        held = bool(condition())
        if not held:
            ws.sync.wake()
        return held

    return check


def saturation(image: QImage) -> int:
    """The largest max(R,G,B) - min(R,G,B) of a picture (0 for gray)."""
    small = image.scaled(96, 54)
    worst = 0
    for y in range(small.height()):
        for x in range(small.width()):
            c = small.pixelColor(x, y)
            rgb = (c.red(), c.green(), c.blue())
            worst = max(worst, max(rgb) - min(rgb))
    return worst


def detail(image: QImage) -> int:
    """Sum of differences between neighbouring pixels: a blurrier picture has less."""
    gray = image.scaled(160, 90).convertToFormat(QImage.Format.Format_Grayscale8)
    return sum(abs(gray.pixelColor(x, y).value() - gray.pixelColor(x + 1, y).value())
               for y in range(gray.height()) for x in range(gray.width() - 1))


def engine_message(**breaks: Any) -> str:
    with pytest.raises(ValidationError) as refused:
        BreakRules(**breaks)
    return str(refused.value.errors()[0]["msg"]).removeprefix("Value error, ")


# ------------------------------------------------------------------ the policy editor


def test_a_lead_edits_the_policy_and_a_signed_in_specialists_gate_follows(
        qtbot: Any, workstation: Any, lead_console: LeadConsole, live_service: Any) -> None:
    ws, window = workstation, lead_console.window
    editor = window.editor
    activate(qtbot, window)
    ws.wellness.set_case(HarmCategory.GRAPHIC_VIOLENCE, Severity.HIGH)
    assert ws.wellness.verdict.allowed
    version = editor.in_force.version

    editor.form.caps.add_button.click()
    row = editor.form.caps.rows[-1]
    row.categories.set_value([str(HarmCategory.GRAPHIC_VIOLENCE)])
    row.categories.sig_changed.emit()
    for name, value in (("min_severity", 0), ("window", "day"), ("measure", "shown"),
                        ("limit", 0)):
        row.editors[name].set_value(value)
        row.editors[name].sig_changed.emit()
    key = Cap.model_validate(row.value()).key
    assert any(c.path == f"caps[{key}]" for c in editor.diff.changes)
    assert not editor.save_button.isEnabled()  # no reason yet
    press(window, Qt.Key.Key_J)
    QTest.keyClicks(QApplication.focusWidget(), "test: close graphic violence for today")
    assert editor.save_button.isEnabled()
    press(window, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: editor.in_force.version == version + 1, timeout=WAIT_MS)
    saved = service_policy(live_service)
    assert saved["version"] == version + 1
    assert saved["reason"] == "test: close graphic violence for today"
    assert any(Cap.model_validate(c).key == key for c in saved["policy"]["caps"])

    qtbot.waitUntil(syncing(ws, lambda: any(c.key == key for c in ws.wellness.policy.caps)),
                    timeout=WAIT_MS)
    ws.wellness.set_case(HarmCategory.GRAPHIC_VIOLENCE, Severity.HIGH)
    verdict = ws.wellness.verdict
    assert verdict.policy_version == version + 1
    assert not verdict.allowed
    assert verdict.reason is ProblemCode.CAP_REACHED
    assert verdict.blocks(HarmCategory.GRAPHIC_VIOLENCE)
    assert ws.window.overlay.isVisible()
    ws.wellness.set_case(HarmCategory.SCAMS_FRAUD, Severity.HIGH)
    assert ws.wellness.verdict.allowed  # only the capped category is refused


def test_a_concurrent_save_gets_the_412_message_and_the_merge_view_saves_against_theirs(
        qtbot: Any, lead_console: LeadConsole, live_service: Any) -> None:
    window = lead_console.window
    editor = window.editor
    activate(qtbot, window)
    version = editor.in_force.version
    current = service_policy(live_service)
    theirs = {**current["policy"], "breaks": {**current["policy"]["breaks"], "break_minutes": 12}}
    put = requests.put(f"{live_service.url}/v1/teams/{TEAM}/policy",
                       headers={**api_login(live_service, "admin"),
                                "If-Match": editor.in_force.etag},
                       json={"policy": theirs, "reason": "another lead: longer breaks"},
                       timeout=10)
    assert put.status_code == 200, put.text

    set_field(lead_console, "display.blur_strength", 8)
    editor.reason.setText("test: a stronger blur")
    press(window, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: editor.merge is not None, timeout=WAIT_MS)
    message = editor.status.text()
    assert message.startswith(f"admin saved version {version + 1} at ")
    assert "while you were editing" in message
    assert editor.merge.message.text() == message
    assert editor.in_force.version == version  # nothing was saved
    picks = editor.merge.picks
    assert picks["breaks.break_minutes"] == "theirs"
    assert picks["display.blur_strength"] == "yours"
    fields = {f.path: f for f in editor.merge.fields}
    assert fields["breaks.break_minutes"].base == current["policy"]["breaks"]["break_minutes"]
    assert fields["breaks.break_minutes"].theirs == 12

    editor.merge.save.click()
    qtbot.waitUntil(lambda: editor.in_force.version == version + 2, timeout=WAIT_MS)
    saved = service_policy(live_service)
    assert saved["policy"]["breaks"]["break_minutes"] == 12
    assert saved["policy"]["display"]["blur_strength"] == 8
    assert saved["updated_by"] == live_service.accounts.lead[0]


def test_a_bad_value_shows_the_engines_message_and_save_stays_off(
        qtbot: Any, lead_console: LeadConsole, live_service: Any) -> None:
    window = lead_console.window
    editor = window.editor
    activate(qtbot, window)
    version = editor.in_force.version
    editor.reason.setText("test: too short a break")
    breaks = editor.form.breaks
    duration = breaks.editors["breaks.break_minutes"]
    duration.hours.setValue(0)
    duration.minutes.setValue(0)
    duration.seconds.setValue(30)
    expected = engine_message(break_minutes=0.5)
    assert expected.startswith("a break shorter than a minute")
    label = breaks.errors["breaks.break_minutes"]
    assert label.isVisible()
    assert label.text() == expected
    assert not editor.save_button.isEnabled()
    press(window, Qt.Key.Key_S)
    qtbot.wait(300)
    assert service_policy(live_service)["version"] == version

    editor.form.caps.add_cap({"window": "day", "measure": "revealed", "limit": -1})
    assert "a cap cannot be negative (got -1)" in editor.form.caps.rows[-1].words.text()
    editor.form.caps.remove_selected()
    duration.seconds.setValue(0)
    duration.minutes.setValue(12)
    assert not label.isVisible()
    assert editor.save_button.isEnabled()


def test_the_preview_is_the_viewers_rendering_grayscale_and_blurred_as_set(
        qtbot: Any, lead_console: LeadConsole) -> None:
    editor = lead_console.window.editor
    preview = editor.preview
    blurred = preview.panels[RevealStep.BLURRED]
    set_field(lead_console, "display.grayscale", True)
    set_field(lead_console, "display.blur_strength", 1)
    qtbot.waitUntil(lambda: preview.ready, timeout=WAIT_MS)
    assert saturation(blurred.grab().toImage()) <= 8
    viewer_would = render(preview.source, RevealStep.BLURRED, REVIEWER_DISPLAY,
                          blur_width=preview.display.blur_width_px, grayscale=True)
    assert blurred.rendering.image == viewer_would.image
    light = detail(blurred.grab().toImage())

    set_field(lead_console, "display.blur_strength", 10)
    qtbot.waitUntil(lambda: preview.ready and preview.display.blur_strength == 10,
                    timeout=WAIT_MS)
    assert detail(blurred.grab().toImage()) < light * 0.7

    set_field(lead_console, "display.grayscale", False)
    qtbot.waitUntil(lambda: preview.ready and not preview.display.grayscale, timeout=WAIT_MS)
    assert saturation(blurred.grab().toImage()) > 60
    assert saturation(preview.panels[RevealStep.SHARP_GRAY].grab().toImage()) <= 8

    by_category = editor.form.by_category
    activate(qtbot, lead_console.window)
    press(lead_console.window, Qt.Key.Key_G)
    assert QApplication.focusWidget() is by_category.picker
    by_category.select(str(HarmCategory.ANIMAL_WELFARE))
    colour = by_category.optional["colour_allowed"]
    colour.set_value(False)
    colour.sig_changed.emit()
    qtbot.waitUntil(lambda: preview.ready and preview.category == "animal_welfare",
                    timeout=WAIT_MS)
    assert preview.panels[RevealStep.COLOUR].rendering is None
    assert "never" in preview.captions[RevealStep.COLOUR].text()
    assert any(c.path == "display_by_category.animal_welfare.colour_allowed"
               for c in editor.diff.changes)


# ------------------------------------------------------------------ who gets the console


def test_a_specialist_never_gets_the_console_and_the_service_refuses_them(
        qtbot: Any, workstation: Any, tmp_path: Path) -> None:
    ws = workstation
    assert not wants_console(ws.session.me)
    with pytest.raises(ValueError):
        build_console(ws.session, QSettings(str(tmp_path / "x.ini"),
                                            QSettings.Format.IniFormat))
    console_commands = {"showPolicy", "showDashboard", "savePolicy", "pickTeam", "endShift",
                        "addBreak", "liftCap", "revoke", "exportCsv", "exportPng"}
    commands = ws.window.actions()
    assert commands
    assert not [a.objectName() for a in commands if a.objectName() in console_commands]
    assert not [a.text() for a in commands
                if any(w in a.text().lower() for w in ("dashboard", "override", "console"))]
    assert not [w for w in QApplication.topLevelWidgets()
                if isinstance(w, ConsoleWindow) and w.isVisible()]

    lead = LeadClient(ws.session.api)
    in_force = lead.policy(TEAM)  # members may read the policy they work under
    with pytest.raises(NotPermitted):
        lead.save_policy(TEAM, in_force.policy, etag=in_force.etag, reason="not mine to set")
    with pytest.raises(NotPermitted):
        lead.dashboard(TEAM)
    with pytest.raises(NotPermitted):
        lead.grant(TEAM, ws.session.me.username,
                   MemberOverrideRequest(kind=OverrideKind.ADD_BREAK, reason="not mine",
                                         minutes=5))


# ------------------------------------------------------------------ the dashboard


def some_exposure(qtbot: Any, ws: Any) -> None:
    """The specialist reveals one case (hold Space), and it reaches the service."""
    activate(qtbot, ws.window)
    open_case_of(qtbot, ws, severe=False)
    events: list[Any] = []
    ws.flow.sig_exposure.connect(events.append)
    QTest.keyPress(ws.window.viewer, Qt.Key.Key_Space)
    qtbot.wait(300)
    QTest.keyRelease(ws.window.viewer, Qt.Key.Key_Space)
    wait_synced(qtbot, ws, str(revealed(events)[0].client_id))


def test_the_dashboard_shows_the_services_figures_and_exports_them(
        qtbot: Any, workstation: Any, lead_console: LeadConsole, tmp_path: Path) -> None:
    some_exposure(qtbot, workstation)
    window = lead_console.window
    view = window.dashboard
    activate(qtbot, window)
    press(window, Qt.Key.Key_2)
    before = view.dashboard
    QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: view.dashboard is not None and view.dashboard is not before
                    and not view.loading, timeout=WAIT_MS)
    shown: TeamDashboard = view.dashboard
    service = lead_console.client.dashboard(TEAM)
    assert [p.username for p in shown.people] == [p.username for p in service.people]
    for mine, theirs in zip(shown.people, service.people, strict=True):
        assert mine.today == theirs.today
        assert mine.week == theirs.week
        assert (mine.cap_hits_today, mine.cap_hits_week) == (theirs.cap_hits_today,
                                                             theirs.cap_hits_week)
    demo = next(p for p in shown.people if p.username == workstation.session.me.username)
    assert sum(f.revealed for f in demo.today) >= 1

    model, columns = view.model, [c[0] for c in COLUMNS]
    assert [p.near_cap for p in model.people] == sorted((p.near_cap for p in model.people),
                                                        reverse=True)
    row = model.row_of(demo.username)
    cell = model.index(row, columns.index("Today revealed")).data()
    assert cell == sum(f.revealed for f in demo.today)
    assert model.index(row, columns.index("Week shown")).data() == sum(f.shown for f in demo.week)
    avoided = service.people[[p.username for p in service.people].index(demo.username)]
    assert model.index(row, columns.index("Exposure avoided today / week")).data() == \
        f"{avoided.exposure_avoided.today} / {avoided.exposure_avoided.week}"
    assert "at least 5 people" in view.mood.text()
    assert "Last updated" in view.updated.text()

    path = tmp_path / "dashboard.csv"
    count = view.export_csv(path)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    expected = sum(2 * len({f.harm_category for f in p.today} | {f.harm_category for f in p.week})
                   for p in shown.people)
    assert count == len(rows) == expected
    for period, figures in (("today", demo.today), ("week", demo.week)):
        for f in figures:
            line = next(r for r in rows if r["username"] == demo.username
                        and r["period"] == period and r["harm_category"] == f.harm_category)
            assert int(line["shown"]) == f.shown
            assert int(line["revealed"]) == f.revealed
            assert int(line["exposure_avoided"]) == getattr(demo.exposure_avoided, period)
            assert float(line["revealed_seconds"]) == pytest.approx(f.revealed_seconds, abs=1e-3)

    png = tmp_path / "trend.png"
    assert view.export_png(png, "trend")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(png))
    assert not image.isNull()
    assert image.width() >= 200
    assert image.height() >= 150


def test_an_override_is_granted_with_a_reason_shown_with_its_expiry_and_revoked(
        qtbot: Any, workstation: Any, lead_console: LeadConsole) -> None:
    window = lead_console.window
    view = window.dashboard
    activate(qtbot, window)
    press(window, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: view.dashboard is not None and not view.loading, timeout=WAIT_MS)
    username = workstation.session.me.username
    view.select_person(username)
    press(window, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier
          | Qt.KeyboardModifier.ShiftModifier)
    dialog = view.dialog
    assert dialog is not None
    assert not dialog.grant_button.isEnabled()  # a reason is required
    dialog.minutes.set_value(20)
    dialog.reason.setText("test: a hard case just now")
    assert dialog.grant_button.isEnabled()
    granted: list[Any] = []
    view.sig_granted.connect(granted.append)
    dialog.grant_button.click()
    qtbot.waitUntil(lambda: bool(granted), timeout=WAIT_MS)
    override = granted[0]
    assert override.kind is OverrideKind.ADD_BREAK
    assert override.reason == "test: a hard case just now"
    assert override.expires_at > override.granted_at

    def person() -> Any:
        return next(p for p in view.dashboard.people if p.username == username)

    qtbot.waitUntil(lambda: not view.loading and any(o.id == override.id
                                                     for o in person().overrides),
                    timeout=WAIT_MS)
    view.select_person(username)
    texts = [view.detail.overrides.item(i).text() for i in range(view.detail.overrides.count())]
    assert any(f"until {override.expires_at:%Y-%m-%d %H:%M} UTC" in t for t in texts)
    qtbot.waitUntil(syncing(workstation, lambda: not workstation.wellness.verdict.allowed),
                    timeout=WAIT_MS)  # the break reaches the specialist at their next sync

    view.detail.overrides.setCurrentRow(0)
    revoked: list[int] = []
    view.sig_revoked.connect(revoked.append)
    activate(qtbot, window)
    press(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier
          | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: revoked == [override.id], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not view.loading and not any(o.id == override.id
                                                         for o in person().overrides),
                    timeout=WAIT_MS)
    assert all(o.id != override.id for o in lead_console.client.overrides(TEAM))


# ------------------------------------------------------------------ errors and state


def test_an_unreachable_service_is_said_in_a_sentence_and_the_draft_stays(
        qtbot: Any, lead_console: LeadConsole, live_service: Any) -> None:
    window = lead_console.window
    editor, view = window.editor, window.dashboard
    activate(qtbot, window)
    set_field(lead_console, "display.blur_strength", 9)
    editor.reason.setText("test: saved while the service is down")
    version = editor.in_force.version
    live_service.running.stop()
    press(window, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: not editor.saving, timeout=WAIT_MS)
    assert "cannot be reached" in editor.status.text()
    assert "your edits stay in the console" in editor.status.text()
    assert editor.in_force.version == version
    assert editor.form.editors["display.blur_strength"].value() == 9
    assert editor.save_button.isEnabled()  # try again once it is back
    QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not view.loading and "cannot be reached" in view.updated.text(),
                    timeout=WAIT_MS)


def test_an_admin_picks_a_team_and_the_console_remembers_it(
        qtbot: Any, live_service: Any, make_client_config: Any, tmp_path: Path) -> None:
    settings_path = tmp_path / "admin-console.ini"

    def open_console() -> LeadConsole:
        session = ReviewSession(make_client_config(live_service.url))
        session.login(*live_service.accounts.admin)
        console = build_console(session, QSettings(str(settings_path),
                                                   QSettings.Format.IniFormat))
        qtbot.addWidget(console.window)
        console.window.show()
        return console

    first = open_console()
    try:
        window = first.window
        assert window.team_picker.isEditable()
        first.start()
        qtbot.waitUntil(lambda: first.window.editor.in_force is not None, timeout=WAIT_MS)
        assert window.team == TEAM
        window.team_picker.setEditText("night-shift")
        window.team_picker.lineEdit().returnPressed.emit()
        assert window.team == "night-shift"
        qtbot.waitUntil(lambda: window.editor.in_force is not None
                        and window.editor.in_force.team_policy.team == "night-shift",
                        timeout=WAIT_MS)
        window.tabs.setCurrentIndex(1)
    finally:
        first.shutdown()
    second = open_console()
    try:
        assert second.window.first_team() == "night-shift"
        assert second.window.tabs.currentIndex() == 1
        teams = [second.window.team_picker.itemText(i)
                 for i in range(second.window.team_picker.count())]
        assert {"night-shift", TEAM} <= set(teams)
    finally:
        second.shutdown()
