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
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from reviewer_app.client.errors import ClientError
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


@dataclass
class Workstation:
    """Everything `run` wires together, so tests can drive the same objects."""

    session: ReviewSession
    sync: SyncEngine
    workers: Workers
    flow: ReviewFlow
    wellness: WellnessMonitor
    window: MainWindow
    closed: bool = False

    def start_after_login(self) -> None:
        self.sync.start()
        self.wellness.start()
        self.flow.start()
        self.flow.pull()

    def shutdown(self) -> None:
        """Hide content, stop syncing after one last flush, give undecided cases back.

        Runs once, at quit; the window is already hidden, so the bounded network wait here
        (the client's timeouts) holds up nothing the reviewer sees."""
        if self.closed:
            return
        self.closed = True
        self.window.viewer.hide_now()
        self.wellness.stop()
        self.flow.stop()
        self.workers.close()
        self.sync.stop()
        try:
            self.session.sync()
            self.session.release_all()
        except ClientError as exc:
            log.info("leaving work in the outbox for next time: %s", exc)
        self.session.close()


def build_window(config: ClientConfig, settings: QSettings, *, prefetch: bool = True,
                 title: str = "") -> Workstation:
    session = ReviewSession(config)
    workers = Workers()
    flow = ReviewFlow(session, workers, prefetch=prefetch)
    wellness = WellnessMonitor(session, workers)
    window = MainWindow(flow, wellness, settings, title=title)
    sync = session.engine
    flow.sig_decided.connect(lambda _case: sync.wake())
    flow.sig_exposure.connect(lambda _event: sync.wake())
    return Workstation(session=session, sync=sync, workers=workers, flow=flow,
                       wellness=wellness, window=window)


def run(config: ClientConfig, *, demo_credentials: tuple[str, str] | None = None,
        tour_dir: Path | None = None, settings_path: Path | None = None,
        prefetch: bool = True) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("reviewer-app")
    app.setApplicationDisplayName("Reviewer workstation")
    settings = open_settings(settings_path)
    apply_theme(str(settings.value("theme", "dark")))
    title = "Reviewer workstation — DEMO (synthetic content)" if demo_credentials else ""
    try:
        ws = build_window(config, settings, prefetch=prefetch, title=title)
    except ClientError as exc:
        QMessageBox.critical(None, "Reviewer workstation", str(exc))
        return 1
    ws.window.sig_closing.connect(ws.shutdown)

    def attempt(user: str, password: str, on_result: Callable[[str | None], None]) -> None:
        ws.workers.run(lambda: ws.session.login(user, password),
                       lambda _me: on_result(None), lambda exc: on_result(str(exc)))

    tour = None
    if demo_credentials is not None:
        user, password = demo_credentials
        ws.window.show()

        def failed(exc: BaseException) -> None:
            QMessageBox.critical(ws.window, "Demo sign-in failed", str(exc))
            app.exit(1)

        ws.workers.run(lambda: ws.session.login(user, password),
                       lambda _me: ws.start_after_login(), failed)
        if tour_dir is not None:
            from ui.tour import Tour

            tour = Tour(ws, tour_dir)
            tour.start()
    else:
        ws.window.show()

        def ask_login() -> None:
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
            ws.window.show_error(str(exc))
            ask_login()

        ws.workers.run(ws.session.resume, resumed, not_resumed)
    code = app.exec()
    return tour.exit_code if tour is not None else code

