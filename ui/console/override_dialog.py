"""A one-off change for one person: end the shift's graphic work, add a break, or lift a cap
for the rest of the service day. Always with a reason (audited); it expires by itself. The
request is checked by the contract's own model as the lead types."""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewer_app.contract import MemberOverrideRequest, OverrideKind, PersonDashboard
from ui.console.field_editors import DurationEditor, NumberEditor
from ui.console.field_grid import error_label, show_error
from ui.console.policy_diff import error_path
from ui.console.wording import span_text

TITLES = {
    OverrideKind.END_GRAPHIC_SHIFT: "End today's graphic work",
    OverrideKind.ADD_BREAK: "Add a break",
    OverrideKind.LIFT_CAP: "Lift a cap for today",
}
EXPLAIN = {
    OverrideKind.END_GRAPHIC_SHIFT: "No more cases from the graphic categories for {who} until "
    "the end of the service day; other work may go on.",
    OverrideKind.ADD_BREAK: "An enforced break for {who}, starting now. It cannot be ended "
    "early.",
    OverrideKind.LIFT_CAP: "Raise one of {who}'s caps until the end of the service day. Use "
    "it rarely, and only with {who}'s agreement.",
}


def _is_seconds(measure: str) -> bool:
    return "second" in measure


class OverrideDialog(QDialog):
    """`request()` is the MemberOverrideRequest to send once accepted."""

    def __init__(self, kind: OverrideKind, person: PersonDashboard,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.person = person
        self.setWindowTitle(f"{TITLES[kind]}: {person.username}")
        self.setObjectName("overrideDialog")
        explain = QLabel(EXPLAIN[kind].format(who=person.username), self)
        explain.setWordWrap(True)
        form = QFormLayout()
        self.minutes = DurationEditor("minutes", with_seconds=False, parent=self)
        self.minutes.set_value(15)
        self.cap = QComboBox(self)
        self.cap.setAccessibleName("Cap")
        for use in person.caps:
            self.cap.addItem(f"{use.label}: {self._amount(use.used, use.measure)} of "
                             f"{self._amount(use.limit, use.measure)} used", use.key)
        self.limit = NumberEditor(low=-1, high=10_000_000, hint=self._limit_words, parent=self)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText("Why (required; kept in the audit log)")
        self.reason.setAccessibleName("Reason")
        if kind is OverrideKind.ADD_BREAK:
            form.addRow("Break &length", self.minutes)
        else:
            self.minutes.hide()
        if kind is OverrideKind.LIFT_CAP:
            form.addRow("&Cap", self.cap)
            form.addRow("&New limit for today", self.limit)
        else:
            self.cap.hide()
            self.limit.hide()
        form.addRow("&Reason", self.reason)
        self.problem = error_label(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.grant_button: QPushButton = self.buttons.addButton(
            "&Grant", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.cap.currentIndexChanged.connect(self._cap_picked)
        for signal in (self.minutes.sig_changed, self.limit.sig_changed,
                       self.reason.textChanged):
            signal.connect(self.check)
        self._cap_picked()
        self.reason.setFocus()

    def _use(self) -> object | None:
        key = self.cap.currentData()
        return next((u for u in self.person.caps if u.key == key), None)

    def _measure(self) -> str:
        use = self._use()
        return str(getattr(use, "measure", ""))

    @staticmethod
    def _amount(value: float, measure: str) -> str:
        return span_text(value) if _is_seconds(measure) else f"{value:g}"

    def _limit_words(self, value: int) -> str:
        return f"= {span_text(value)}" if _is_seconds(self._measure()) else ""

    def _cap_picked(self, *_args: object) -> None:
        use = self._use()
        if use is not None:
            current = float(getattr(use, "limit", 0))
            self.limit.set_value(int(current * 1.25 + 0.999))
            unit = "s" if _is_seconds(self._measure()) else "items"
            self.limit.spin.setSuffix(f" {unit}")
        self.check()

    def request(self) -> MemberOverrideRequest | None:
        """The request as typed, or None (the contract's message shows under the form)."""
        try:
            request = self._build()
        except ValidationError as exc:
            first = exc.errors()[0]
            where = error_path(first.get("loc", ())) or "request"
            show_error(self.problem, f"{where}: {first.get('msg', 'invalid')}")
            return None
        show_error(self.problem, "")
        return request

    def _build(self) -> MemberOverrideRequest:
        reason = self.reason.text().strip()
        if self.kind is OverrideKind.ADD_BREAK:
            return MemberOverrideRequest(kind=self.kind, reason=reason,
                                         minutes=float(self.minutes.value()))
        if self.kind is OverrideKind.LIFT_CAP:
            return MemberOverrideRequest(kind=self.kind, reason=reason,
                                         cap=self.cap.currentData(),
                                         limit=float(self.limit.value()))
        return MemberOverrideRequest(kind=self.kind, reason=reason)

    def check(self, *_args: object) -> None:
        ok = self.request() is not None
        if self.kind is OverrideKind.LIFT_CAP and self.cap.count() == 0:
            show_error(self.problem, f"{self.person.username} has no caps to lift.")
            ok = False
        self.grant_button.setEnabled(ok)
