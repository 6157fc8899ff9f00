"""The appeal banner above the media: the case is an appeal. It shows who appeals and their
statement, and the decision appealed with the policy version it was made under; the
decision bar then offers Uphold (U) and Overturn (O, then the new action's key). Hidden for
a case that is not under an open appeal. Text only: the banner never shows media."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from reviewer_app.contract import Appeal, AppealStatus


def appeal_lines(appeal: Appeal | None) -> list[str]:
    if appeal is None or appeal.status is not AppealStatus.OPEN:
        return []
    d = appeal.original
    version = (f"policy version {d.policy_version}" if d.policy_version is not None
               else "a policy version not recorded")
    refs = ", ".join(d.policy_refs) or "no citation"
    who = appeal.appellant.value.replace("_", " ")
    return [f"Appeal by the {who}: {appeal.statement}",
            f"Original decision: {d.action.value} under {refs} ({version}), "
            f"{d.decided_at:%Y-%m-%d %H:%M}" + (f": {d.reason}" if d.reason else ""),
            "Uphold (U) or overturn (O, then the new action's key)"]


class AppealBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appealBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(self)
        self.label.setObjectName("appealText")
        self.label.setAccessibleName("Appeal")
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label)
        self.appeal: Appeal | None = None
        self.hide()

    def set_appeal(self, appeal: Appeal | None) -> None:
        lines = appeal_lines(appeal)
        self.appeal = appeal if lines else None
        self.label.setText("<br>".join(html.escape(line) for line in lines))
        self.setVisible(bool(lines))
