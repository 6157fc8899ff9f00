"""The policy editor page: the team's policy in force, edited field by field, checked by the
engine as the lead types, previewed on a synthetic picture, compared against the policy in
force, and saved with a reason and If-Match. When someone else saved first (412), the merge
view opens and the merged policy is saved against their ETag.

Every service call runs on the serial session worker; validation is inline (the engine is
fast and Qt-free); the preview renders on the decode pool.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from reviewer_app.client.lead import LeadClient, PolicyConflict, PolicyInForce
from safeguards import list_profiles, load_profile
from ui.console.diff_view import DiffView
from ui.console.merge_dialog import MergeDialog
from ui.console.messages import console_message
from ui.console.policy_diff import problems
from ui.console.policy_form import PolicyForm
from ui.console.preview import PolicyPreview
from ui.workers import Workers


class PolicyEditor(QWidget):
    """Signals:
        sig_busy(bool): a service call started (True) or ended (False).
        sig_message(str): a sentence for the status line.
        sig_saved(object): the PolicyInForce just saved.
        sig_loaded(object): the PolicyInForce just read.
        sig_conflict(str): someone else saved first; the sentence that says who and when.
    """

    sig_busy = Signal(bool)
    sig_message = Signal(str)
    sig_saved = Signal(object)
    sig_loaded = Signal(object)
    sig_conflict = Signal(str)

    def __init__(self, client: LeadClient, workers: Workers,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyEditor")
        self.client = client
        self.workers = workers
        self.team: str | None = None
        self.in_force: PolicyInForce | None = None
        self.base: dict[str, Any] | None = None
        """The policy the edit started from (the one in force when it was read)."""
        self.problems: dict[str, str] = {}
        self.saving = False
        self.merge: MergeDialog | None = None
        self.form = PolicyForm(self)
        self.form_scroll = scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        self.preview = PolicyPreview(workers, self)
        self.diff = DiffView(self)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText("Why this change? (required; kept in the audit log)")
        self.reason.setAccessibleName("Reason for the change")
        self.save_button = QPushButton("&Save to the team (Ctrl+S)", self)
        self.save_button.setEnabled(False)
        self.status = QLabel("", self)
        self.status.setObjectName("policyStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.profiles = QComboBox(self)
        self.profiles.setAccessibleName("Shipped profile")
        self.profiles.addItems(list_profiles())
        self.start_from = QPushButton("Start from this &profile", self)
        self.revert = QPushButton("Re&vert to the policy in force", self)
        self.in_force_label = QLabel("Not loaded yet.", self)
        self.in_force_label.setWordWrap(True)
        self._build_layout(scroll)
        self.form.sig_changed.connect(self.check)
        self.form.sig_category.connect(lambda _c: self._preview())
        self.reason.textChanged.connect(lambda _t: self._enable_save())
        self.reason.returnPressed.connect(self.save)
        self.save_button.clicked.connect(self.save)
        self.start_from.clicked.connect(lambda: self.start_from_profile())
        self.revert.clicked.connect(self.revert_to_in_force)

    def _build_layout(self, scroll: QScrollArea) -> None:
        top = QHBoxLayout()
        top.addWidget(self.in_force_label, 1)
        top.addWidget(QLabel("Shipped profiles (illustrative starting points):", self))
        top.addWidget(self.profiles)
        top.addWidget(self.start_from)
        top.addWidget(self.revert)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.preview, 3)
        column.addWidget(self.diff, 2)
        reason_label = QLabel("&Reason for this change:", right)
        reason_label.setBuddy(self.reason)
        column.addWidget(reason_label)
        column.addWidget(self.reason)
        column.addWidget(self.save_button)
        column.addWidget(self.status)
        self.split = QSplitter(Qt.Orientation.Horizontal, self)
        self.split.setObjectName("policySplit")
        self.split.addWidget(scroll)
        self.split.addWidget(right)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.split, 1)

    # ------------------------------------------------------------------ loading

    def load_team(self, team: str) -> None:
        """Read `team`'s policy in force and edit it (what was being edited is dropped)."""
        self.team = team
        self.in_force = None
        self.base = None
        self.in_force_label.setText(f"Loading the policy of team {team}…")
        self._call(lambda: self.client.policy(team), self._loaded, "loading the policy")

    def _loaded(self, current: PolicyInForce) -> None:
        self.in_force = current
        self.base = current.policy
        self.form.load(current.policy)
        self.reason.clear()
        self._describe_in_force()
        self.sig_loaded.emit(current)

    def _describe_in_force(self) -> None:
        assert self.in_force is not None
        saved = self.in_force.team_policy
        when = f" on {saved.updated_at:%Y-%m-%d at %H:%M} UTC" if saved.updated_at else ""
        who = f" by {saved.updated_by}" if saved.updated_by else ""
        self.in_force_label.setText(
            f"<b>Team {self.team}</b>: version {saved.version} in force, saved{who}{when}"
            f"{f' ({saved.reason})' if saved.reason else ''}.")

    def start_from_profile(self, name: str | None = None) -> None:
        """Put a shipped profile in the form; the diff shows it against the policy in force."""
        name = name or self.profiles.currentText()
        self.profiles.setCurrentText(name)
        profile = load_profile(name).model_dump(mode="json")
        if self.in_force is not None:
            profile["version"] = self.in_force.version
        self.form.load(profile)
        self.sig_message.emit(f"Started from the shipped profile {name!r}; its numbers are "
                              "illustrative starting points.")

    def revert_to_in_force(self) -> None:
        if self.in_force is not None:
            self.form.load(self.in_force.policy)

    # ------------------------------------------------------------------ checking

    def draft(self) -> dict[str, Any]:
        return self.form.value()

    def check(self) -> None:
        """Run the engine on the draft: its messages beside the fields, the diff, the preview."""
        draft = self.draft()
        self.problems = problems(draft)
        self.form.show_problems(self.problems)
        self.diff.compare(self.in_force.policy if self.in_force else None, draft)
        self._preview()
        self._enable_save()

    def _preview(self) -> None:
        category = self.form.by_category.current
        self.preview.show_display(self.form.display_for(category), category)

    def _enable_save(self) -> None:
        ready, why = self.can_save()
        self.save_button.setEnabled(ready)
        self.save_button.setToolTip(why)
        if not self.saving and self.in_force is not None:
            self.status.setText(why if not ready else "Ready to save (Ctrl+S).")

    def can_save(self) -> tuple[bool, str]:
        """(may save now, why not in words)."""
        if self.in_force is None:
            return False, "The policy in force is not loaded yet."
        if self.saving:
            return False, "Saving…"
        if self.problems:
            count = len(self.problems)
            return False, (f"Fix the {count} problem{'s' if count > 1 else ''} shown in red "
                           "before saving.")
        if not self.diff.changes:
            return False, "Nothing to save: the draft is the policy in force."
        if not self.reason.text().strip():
            return False, "Give a reason for the change (it is kept with the change)."
        return True, ""

    # ------------------------------------------------------------------ saving

    def save(self) -> None:
        """Save the draft with If-Match of the policy it was edited from."""
        ready, why = self.can_save()
        if not ready or self.in_force is None or self.team is None:
            self.sig_message.emit(why)
            return
        self._save(self.draft(), self.in_force.etag)

    def _save(self, policy: dict[str, Any], etag: str) -> None:
        team, reason = self.team, self.reason.text().strip()
        assert team is not None
        self.saving = True
        self._enable_save()
        self.status.setText("Saving…")
        self._call(lambda: self.client.save_policy(team, policy, etag=etag, reason=reason),
                   self._saved, "saving the policy", self._save_failed)

    def _saved(self, saved: PolicyInForce) -> None:
        self.saving = False
        self.in_force = saved
        self.base = saved.policy
        self.form.load(saved.policy)
        self.reason.clear()
        self._describe_in_force()
        text = (f"Saved: version {saved.version} is in force for team {self.team}. Reviewers "
                "get it at their next sync.")
        self.status.setText(text)
        self.sig_message.emit(text)
        self.sig_saved.emit(saved)

    def _save_failed(self, exc: BaseException) -> None:
        self.saving = False
        if isinstance(exc, PolicyConflict):
            self._conflict(exc)
            return
        self._enable_save()
        text = console_message(exc, "saving the policy")
        self.status.setText(text)
        self.sig_message.emit(text)

    def _conflict(self, exc: PolicyConflict) -> None:
        """Show who saved when, and the merge view: base, theirs, yours per field."""
        theirs = exc.current
        yours = self.draft()
        base = self.base or theirs.policy
        self.status.setText(str(exc))
        self.sig_conflict.emit(str(exc))
        self.merge = MergeDialog(str(exc), base, theirs.policy, yours, self)
        self.merge.accepted.connect(lambda: self._merged(theirs))
        self.merge.rejected.connect(lambda: self._merge_dropped(theirs))
        self.merge.open()

    def _merged(self, theirs: PolicyInForce) -> None:
        assert self.merge is not None
        result = self.merge.result_policy()
        self.merge = None
        self.in_force = theirs
        self.base = theirs.policy
        self.form.load(result)
        self._describe_in_force()
        if self.problems:
            self.status.setText("The merged policy has problems (in red); fix them and save.")
            return
        self._save(self.draft(), theirs.etag)

    def _merge_dropped(self, theirs: PolicyInForce) -> None:
        """Merge cancelled: their version is now the one in force; the draft stays for another
        try (its diff is now against theirs)."""
        self.merge = None
        yours = self.draft()
        self.in_force = theirs
        self.base = theirs.policy
        self._describe_in_force()
        self.form.load(yours)

    # ------------------------------------------------------------------ plumbing

    def _call(self, op: Any, done: Any, doing: str, failed: Any = None) -> None:
        self.sig_busy.emit(True)

        def finished(result: Any) -> None:
            self.sig_busy.emit(False)
            done(result)

        def went_wrong(exc: BaseException) -> None:
            self.sig_busy.emit(False)
            if failed is not None:
                failed(exc)
                return
            text = console_message(exc, doing)
            self.status.setText(text)
            if self.in_force is None:
                self.in_force_label.setText(text)
            self.sig_message.emit(text)

        self.workers.run(op, finished, went_wrong)
