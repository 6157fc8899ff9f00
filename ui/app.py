"""QApplication bootstrap: settings, theme, sign-in, then by the account's role the review
workstation (a specialist: main window, sync engine) or the wellness lead console (a lead or
an admin).

Only `reviewer_app/__main__.py` calls `run`; tests build the same parts with `build_window`
and `ui.console.lead_console.build_console`.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from reviewer_app.client.errors import ClientError, LoginRequired
from reviewer_app.client.session import ReviewSession
from reviewer_app.client.sync import SyncEngine
from reviewer_app.config import ClientConfig
from reviewer_app.contract import Me
from reviewer_app.domain import Role
from ui.console.lead_console import build_console, wants_console
from ui.main_window import MainWindow
from ui.review_flow import ReviewFlow
from ui.theme import apply_theme
from ui.views.login_dialog import LoginDialog
from ui.wellness import WellnessMonitor
from ui.workers import Workers

log = logging.getLogger(__name__)


def open_settings(path: Path | None) -> QSettings:
    """Per-user settings (window state, theme, last username); never secrets."""
    if path is None:
        path = Path(platformdirs.user_config_dir("reviewer-app")) / "workstation.ini"
    return QSettings(str(path), QSettings.Format.IniFormat)


SHUTDOWN_WAIT_MS = 120_000
"""How long `shutdown()` waits for queued work and the last sync (each network call is bounded
by the client's own timeouts well inside this)."""


@dataclass
class Workstation:
    """Everything `run` wires together, so tests can drive the same objects.

    Quitting saves first: closing the window calls `quit`, which hides the content, queues one
    last job on the serial session pool (behind every decision, note and exposure event
    already queued) and closes the window when that job reports back."""

    session: ReviewSession
    sync: SyncEngine
    workers: Workers
    flow: ReviewFlow
    wellness: WellnessMonitor
    window: MainWindow
    closed: bool = False
    quitting: bool = False

    def __post_init__(self) -> None:
        self.window.before_close = self.quit

    def start_after_login(self) -> None:
        self.sync.start()
        self.wellness.start()
        self.flow.start()
        self.flow.pull()
        self.window.policy_notes.start()
        self.window.queue_spikes.start()

    def quit(self) -> None:
        """Save, then close: the window says "Saving your work…" meanwhile. Runs once."""
        if self.quitting or self.closed:
            return
        self.quitting = True
        self.window.show_saving()  # hides the content: a reveal in progress is booked now
        self.wellness.stop()
        self.window.queue_spikes.stop()
        self.flow.stop()
        self.workers.run(lambda: None, lambda _none: self.window.show_saving(
            "Saved on this computer. Sending it to the service and giving back the cases "
            "you did not decide…"))
        self.workers.run(self._last_sync, lambda _none: self._finish(),
                         lambda _exc: self._finish())

    def _last_sync(self) -> None:
        """On the session pool, after everything queued before it: one last flush, then the
        undecided cases go back to the queue. What cannot be sent stays in the outbox."""
        self.sync.stop()
        try:
            self.session.sync()
            self.session.release_all()
        except ClientError as exc:
            log.info("leaving work in the outbox for next time: %s", exc)

    def _finish(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.workers.close()
        self.session.close()
        self.window.finish_close()

    def shutdown(self) -> None:
        """Save and close now, waiting here for the queued work and the last sync (tests and
        scripts; the window's own close does the same without blocking)."""
        if self.closed:
            return
        self.quit()
        self.workers.session_pool.waitForDone(SHUTDOWN_WAIT_MS)
        self._finish()


def build_window(config: ClientConfig, settings: QSettings, *, prefetch: bool = True,
                 title: str = "", session: ReviewSession | None = None) -> Workstation:
    session = session or ReviewSession(config)
    workers = Workers()
    flow = ReviewFlow(session, workers, prefetch=prefetch)
    wellness = WellnessMonitor(session, workers)
    window = MainWindow(flow, wellness, settings, title=title)
    sync = session.engine
    flow.sig_decided.connect(lambda _case: sync.wake())
    flow.sig_exposure.connect(lambda _event: sync.wake())
    return Workstation(session=session, sync=sync, workers=workers, flow=flow,
                       wellness=wellness, window=window)


_HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal"})
"""Qt platforms with no screen: nobody can see, let alone answer, a message box there."""


def _open_session(config: ClientConfig, *, show_busy: bool) -> ReviewSession:
    """The ReviewSession, opened on a worker (its keyring look-up and store migration may take
    seconds; each keyring call gives up after its deadline) while the event loop runs and,
    with a screen, a busy note says what is happening. Raises what opening raised."""
    log.info("opening the session (keyring, local store)")
    workers = Workers()
    loop = QEventLoop()
    outcome: list[ReviewSession | BaseException] = []
    busy: QProgressDialog | None = None
    if show_busy:
        busy = QProgressDialog("Opening your session…", "", 0, 0)
        busy.setWindowTitle("Reviewer workstation")
        busy.setCancelButton(None)
        busy.setMinimumDuration(0)
        busy.show()

    def settle(result: ReviewSession | BaseException) -> None:
        outcome.append(result)
        loop.quit()

    workers.run(lambda: ReviewSession(config), settle, settle)
    loop.exec()
    workers.close()
    if busy is not None:
        busy.close()
        busy.deleteLater()
    workers.deleteLater()
    opened = outcome[0]
    if isinstance(opened, BaseException):
        raise opened
    return opened


DemoLogin = tuple[str, str, str]
"""(what it is, username, password) of a demo account offered at the demo's sign-in."""


def _choose_demo_login(logins: list[DemoLogin], on_chosen: Callable[[DemoLogin], None],
                       on_cancel: Callable[[], None]) -> QInputDialog:
    """The demo's sign-in with a screen: pick one of the demo accounts (the specialist's
    workstation, or the wellness lead's console)."""
    dialog = QInputDialog()
    dialog.setWindowTitle("Reviewer workstation — DEMO (synthetic content)")
    dialog.setLabelText("Sign in to the demo as:")
    dialog.setComboBoxItems([f"{what} ({user})" for what, user, _ in logins])
    dialog.setComboBoxEditable(False)
    dialog.setOkButtonText("Sign in")

    def picked(text: str) -> None:
        on_chosen(next(login for login in logins if f"{login[0]} ({login[1]})" == text))

    dialog.textValueSelected.connect(picked)
    dialog.rejected.connect(on_cancel)
    dialog.open()
    return dialog


def qt_environment() -> None:
    """Before the QApplication: Qt's raster engine hands every fill of 96 lines or more to a
    thread pool and waits for it. On a shared or small CPU the hand-off (a woken thread, a
    latch) costs the GUI thread more than the fill, during a case switch most of all; with
    QT_NO_GUI_THREADPOOL the fills stay on the GUI thread (a setting of the user's wins)."""
    os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")


def run(config: ClientConfig, *, demo_credentials: tuple[str, str] | None = None,
        tour_dir: Path | None = None, settings_path: Path | None = None,
        prefetch: bool = True, demo_logins: list[DemoLogin] | None = None,
        lead_credentials: tuple[str, str] | None = None) -> int:
    """The workstation, or for a wellness lead or an admin the lead console, until it quits;
    its exit code. Which one opens is decided by the role of the account signed in; a
    specialist never gets the console. A session that cannot be opened or signed in is said
    in a message box, or, in a headless run (the tour, or no screen), on stderr with exit
    code 1: never a box nobody can answer, never a wait on the keyring.

    `demo_logins`: the demo's accounts to pick from (with a screen and no `demo_credentials`).
    `lead_credentials`: the tour's second part signs in to the console with these."""
    qt_environment()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("reviewer-app")
    app.setApplicationDisplayName("Reviewer workstation")
    headless = tour_dir is not None or app.platformName() in _HEADLESS_PLATFORMS
    demo = demo_credentials is not None or bool(demo_logins)

    def report(exc: BaseException, heading: str = "Reviewer workstation",
               parent: QWidget | None = None) -> None:
        if headless:
            sys.stderr.write(f"reviewer-app: {exc}\n")
        else:
            QMessageBox.critical(parent, heading, str(exc))

    settings = open_settings(settings_path)
    apply_theme(str(settings.value("theme", "dark")))
    try:
        session = _open_session(config, show_busy=not headless)
    except ClientError as exc:
        report(exc)
        return 1
    signing_in = Workers()
    app.setQuitOnLastWindowClosed(False)  # until a main window is up: the sign-in is a dialog
    opened: dict[str, object] = {}

    def give_up(exc: BaseException, heading: str = "Reviewer workstation") -> None:
        report(exc, heading)
        app.exit(1)

    def route(me: Me | None) -> None:
        """Open what the account signed in is for: the console for a lead or an admin, the
        workstation for a specialist."""
        if wants_console(me):
            title = "Wellness lead console — DEMO (synthetic data)" if demo else ""
            console = build_console(session, settings, title=title)
            opened["console"] = console
            console.window.show()
            console.start()
        else:
            title = "Reviewer workstation — DEMO (synthetic content)" if demo else ""
            ws = build_window(config, settings, prefetch=prefetch, title=title,
                              session=session)
            opened["workstation"] = ws
            ws.window.show()
            ws.start_after_login()
            if tour_dir is not None:
                from ui.tour import Tour

                tour = Tour(ws, tour_dir, lead_credentials=lead_credentials)
                opened["tour"] = tour
                tour.start()
        app.setQuitOnLastWindowClosed(True)

    def sign_in(user: str, password: str, heading: str = "Demo sign-in failed") -> None:
        signing_in.run(lambda: session.login(user, password), route,
                       lambda exc: give_up(exc, heading))

    def attempt(user: str, password: str, on_result: Callable[[str | None], None]) -> None:
        def signed_in(me: Me | None) -> None:
            if me is not None and me.role is Role.INTEGRATION:
                signing_in.run(session.logout, lambda _r: None, lambda _exc: None)
                on_result("this is an integration account: partner systems use it to send "
                          "cases over the API; it cannot sign in to the workstation")
            else:
                on_result(None)

        signing_in.run(lambda: session.login(user, password), signed_in,
                       lambda exc: on_result(str(exc)))

    if demo_credentials is None and demo_logins and headless:
        demo_credentials = demo_logins[0][1:]  # no screen to choose on: the first account
    if demo_credentials is not None:
        sign_in(*demo_credentials)
    elif demo_logins:
        opened["chooser"] = _choose_demo_login(
            demo_logins, lambda login: sign_in(login[1], login[2]), lambda: app.exit(0))
    else:
        def ask_login() -> None:
            if headless:
                give_up(LoginRequired("Not signed in, and there is no screen to sign in on: "
                                      "run `reviewer-cli login` first."))
                return
            dialog = LoginDialog(settings, config.server_url, attempt)
            opened["login"] = dialog
            dialog.accepted.connect(lambda: route(session.me))
            dialog.rejected.connect(lambda: app.exit(0))
            dialog.open()

        def resumed(me: object) -> None:
            if me is None:
                ask_login()
            else:
                route(session.me)

        def not_resumed(exc: BaseException) -> None:
            if headless:
                give_up(exc)
                return
            QMessageBox.warning(None, "Reviewer workstation", str(exc))
            ask_login()

        signing_in.run(session.resume, resumed, not_resumed)
    code = app.exec()
    signing_in.close()
    if "console" not in opened and "workstation" not in opened:
        session.close()  # the sign-in was given up: nothing else owns the session
    tour = opened.get("tour")
    if tour is not None:
        return int(getattr(tour, "exit_code", 1))
    return code
