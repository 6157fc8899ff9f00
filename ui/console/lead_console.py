"""The lead console wired together: the signed-in session, its workers, the LeadClient and
the window. `ui.app` builds it when the account signed in is a wellness lead or an admin;
tests and the tour build the same parts with `build_console`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QSettings

from reviewer_app.client.kpis import KpiClient
from reviewer_app.client.lead import LeadClient
from reviewer_app.client.quality import QualityClient
from reviewer_app.client.session import ReviewSession
from reviewer_app.contract import Me
from reviewer_app.domain import Role
from ui.console.window import ConsoleWindow
from ui.workers import Workers

log = logging.getLogger(__name__)
CONSOLE_ROLES = frozenset({Role.WELLNESS_LEAD, Role.ADMIN})
"""Who signs in to the console instead of the review workstation."""


def wants_console(me: Me | None) -> bool:
    return me is not None and me.role in CONSOLE_ROLES


@dataclass
class LeadConsole:
    """Everything the console needs, so tests can drive the same objects.

    Closing the window stops the dashboard's timer, waits for the call under way (each is
    bounded by the client's timeouts) and closes the session."""

    session: ReviewSession
    workers: Workers
    client: LeadClient
    window: ConsoleWindow
    closed: bool = False

    def __post_init__(self) -> None:
        self.window.sig_closing.connect(self._finish)

    def start(self, team: str | None = None) -> None:
        """Show the lead's team (an admin: `team`, else the one last looked at)."""
        self.window.show_team(team or self.window.first_team())

    def _finish(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.window.dashboard.stop()
        self.window.intel.stop()
        self.workers.close()
        self.session.close()

    def shutdown(self) -> None:
        """Close now (tests and scripts)."""
        if self.window.isVisible():
            self.window.close()
        self._finish()


def build_console(session: ReviewSession, settings: QSettings, *, title: str = "") -> LeadConsole:
    """The console for a session already signed in as a wellness lead or an admin."""
    me = session.me
    if not wants_console(me):
        raise ValueError("the lead console is for wellness leads and admins only")
    assert me is not None
    workers = Workers()
    client = LeadClient(session.api)
    window = ConsoleWindow(client, workers, me, settings, title=title,
                           quality=QualityClient(session.api),
                           kpis=KpiClient(session.api, session.clock.now))
    log.info("lead console for %s (%s)", me.username, me.role.value)
    return LeadConsole(session=session, workers=workers, client=client, window=window)
