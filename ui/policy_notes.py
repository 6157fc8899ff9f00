"""Policy versions on the desktop: the decision bar's citations from the service's taxonomy,
and the change notes (the unseen ones once at sign-in, marked seen when the reviewer closes
them; all of them again from Help > Policy changes…). Every call runs on the session pool
(ui/workers.py), never on the GUI thread."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from reviewer_app.client.session import ReviewSession
from reviewer_app.contract import PolicyChangeNote, PolicyTaxonomy
from ui.views.decision_bar import DecisionBar
from ui.views.policy_changes import PolicyChangesDialog
from ui.workers import Workers

log = logging.getLogger(__name__)


class PolicyNotes(QObject):
    def __init__(self, session: ReviewSession, workers: Workers, window: QWidget,
                 bar: DecisionBar) -> None:
        super().__init__(window)
        self.session = session
        self.workers = workers
        self.window = window
        self.bar = bar
        self.dialog: PolicyChangesDialog | None = None

    def start(self) -> None:
        """After sign-in: the taxonomy for the decision bar, then the unseen notes."""
        def taxonomy_failed(exc: BaseException) -> None:
            log.info("policy taxonomy not fetched (built-in codes meanwhile): %s", exc)

        self.workers.run(self.session.policy_taxonomy, self._got_taxonomy, taxonomy_failed)
        self.workers.run(self.session.unseen_policy_changes, self._got_unseen,
                         lambda exc: log.info("change notes not fetched: %s", exc))

    def _got_taxonomy(self, _taxonomy: PolicyTaxonomy) -> None:
        self.bar.set_taxonomy(self.session.citable_policy())

    def _got_unseen(self, notes: list[PolicyChangeNote]) -> None:
        if not notes:
            return
        dialog = self._show(notes, unseen=True)
        versions = [n.version for n in notes]
        dialog.finished.connect(lambda _result: self._mark_seen(versions))

    def _mark_seen(self, versions: list[int]) -> None:
        self.workers.run(lambda: self.session.mark_policy_changes_seen(versions), None,
                         lambda exc: log.info("change notes not marked seen: %s", exc))

    def show_all(self) -> None:
        """Help > Policy changes…: every note, newest first (nothing is marked)."""
        self.workers.run(self.session.policy_changes,
                         lambda notes: self._show(notes, unseen=False),
                         lambda exc: log.info("change notes not fetched: %s", exc))

    def _show(self, notes: list[PolicyChangeNote], *, unseen: bool) -> PolicyChangesDialog:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog = PolicyChangesDialog(notes, unseen=unseen, parent=self.window)
        dialog.destroyed.connect(lambda _obj=None: self._forget(dialog))
        dialog.show()
        return dialog

    def _forget(self, dialog: PolicyChangesDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
