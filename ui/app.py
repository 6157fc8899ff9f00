"""QApplication bootstrap: settings, theme, sign-in, the main window, the sync engine.

Only `reviewer_app/__main__.py` calls `run`; tests build the same parts with `build_window`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QWidget

from reviewer_app.client.errors import ClientError, LoginRequired
from reviewer_app.client.session import ReviewSession
from reviewer_app.client.sync import SyncEngine
from reviewer_app.config import ClientConfig
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

    def quit(self) -> None:
        """Save, then close: the window says "Saving your work…" meanwhile. Runs once."""
        if self.quitting or self.closed:
            return
        self.quitting = True
        self.window.show_saving()  # hides the content: a reveal in progress is booked now
        self.wellness.stop()
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


def run(config: ClientConfig, *, demo_credentials: tuple[str, str] | None = None,
        tour_dir: Path | None = None, settings_path: Path | None = None,
        prefetch: bool = True) -> int:
    """The workstation until it quits; its exit code. A session that cannot be opened or
    signed in is said in a message box, or, in a headless run (the tour, or no screen), on
    stderr with exit code 1: never a box nobody can answer, never a wait on the keyring."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("reviewer-app")
    app.setApplicationDisplayName("Reviewer workstation")
    headless = tour_dir is not None or app.platformName() in _HEADLESS_PLATFORMS

    def report(exc: BaseException, heading: str = "Reviewer workstation",
               parent: QWidget | None = None) -> None:
        if headless:
            sys.stderr.write(f"reviewer-app: {exc}\n")
        else:
            QMessageBox.critical(parent, heading, str(exc))

    settings = open_settings(settings_path)
    apply_theme(str(settings.value("theme", "dark")))
    title = "Reviewer workstation — DEMO (synthetic content)" if demo_credentials else ""
    try:
        session = _open_session(config, show_busy=not headless)
    except ClientError as exc:
        report(exc)
        return 1
    ws = build_window(config, settings, prefetch=prefetch, title=title, session=session)

    def give_up(exc: BaseException, heading: str = "Reviewer workstation") -> None:
        report(exc, heading, ws.window)
        app.exit(1)

    def attempt(user: str, password: str, on_result: Callable[[str | None], None]) -> None:
        ws.workers.run(lambda: ws.session.login(user, password),
                       lambda _me: on_result(None), lambda exc: on_result(str(exc)))

    tour = None
    if demo_credentials is not None:
        user, password = demo_credentials
        ws.window.show()
        ws.workers.run(lambda: ws.session.login(user, password),
                       lambda _me: ws.start_after_login(),
                       lambda exc: give_up(exc, "Demo sign-in failed"))
        if tour_dir is not None:
            from ui.tour import Tour

            tour = Tour(ws, tour_dir)
            tour.start()
    else:
        ws.window.show()

        def ask_login() -> None:
            if headless:
                give_up(LoginRequired("Not signed in, and there is no screen to sign in on: "
                                      "run `reviewer-cli login` first."))
                return
            dialog = LoginDialog(settings, config.server_url, attempt, ws.window)
            dialog.accepted.connect(ws.start_after_login)
            dialog.rejected.connect(ws.window.close)
            dialog.open()

        def resumed(me: object) -> None:
            if me is None:
                ask_login()
            else:
                ws.start_after_login()

        def not_resumed(exc: BaseException) -> None:
            if headless:
                give_up(exc)
                return
            ws.window.show_error(str(exc))
            ask_login()

        ws.workers.run(ws.session.resume, resumed, not_resumed)
    code = app.exec()
    return tour.exit_code if tour is not None else code
