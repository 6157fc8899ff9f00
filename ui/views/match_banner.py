"""The match banner above the media: what near-duplicate matching found for the open case.

"Matches case X decided remove under CS-VIO-1 on ... (PDQ distance 6)": an earlier decision
the reviewer may apply without revealing anything; "In hash bank 'known-violating': decide
without revealing": the bank already says what it is; "Group of 4 near-identical cases":
viewing one item decides them all. Hidden when there is nothing to say. Ids and decisions
only: the banner never shows media."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from reviewer_app.client.matches import earlier_decided, undecided_in_group
from reviewer_app.contract import CaseMatches


def banner_lines(found: CaseMatches | None) -> list[str]:
    """The banner's sentences, most useful first; empty when nothing matched."""
    if found is None:
        return []
    lines: list[str] = []
    earlier = earlier_decided(found)
    if earlier is not None and earlier.decision is not None:
        d = earlier.decision
        refs = ", ".join(d.policy_refs) or "no citation"
        lines.append(f"Matches case {earlier.case_id} decided {d.action.value} under {refs} "
                     f"on {d.decided_at:%Y-%m-%d %H:%M} (PDQ distance {earlier.distance})")
    if found.bank_match:
        lines.append(f"In hash bank '{found.bank_match}': decide without revealing")
    if found.near_duplicates:
        lines.append(f"Group of {len(found.near_duplicates) + 1} near-identical cases")
    return lines


GROUP_IDLE = "Decide the whole group (Ctrl+Shift+G)"
GROUP_ARMED = ("Group decision on: your next decision goes to all {size} cases "
               "(Ctrl+Shift+G: this case only)")


class MatchBanner(QFrame):
    """Signals:
        sig_apply(): apply the earlier decision without revealing.
        sig_group(): arm (or disarm) the group decision: the reviewer's next decision on
            the viewed case, whatever its action, goes to the whole group.
    """

    sig_apply = Signal()
    sig_group = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("matchBanner")
        self.setAccessibleName("Match banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#matchBanner { background: #ebf4ff; border: 1px solid #90cdf4; }"
                           "#matchBanner QLabel { color: #1a365d; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        self.text = QLabel("", self)
        self.text.setObjectName("matchText")
        self.text.setWordWrap(True)
        row.addWidget(self.text, 1)
        self.apply_button = QPushButton("Apply without revealing (Ctrl+Shift+A)", self)
        self.apply_button.setObjectName("applyMatch")
        self.apply_button.clicked.connect(self.sig_apply.emit)
        row.addWidget(self.apply_button)
        self.group_button = QPushButton(GROUP_IDLE, self)
        self.group_button.setObjectName("decideGroup")
        self.group_button.setCheckable(True)
        self.group_button.clicked.connect(self.sig_group.emit)
        row.addWidget(self.group_button)
        self.case_id: str | None = None
        self.matches: CaseMatches | None = None
        self.hide()

    @property
    def group_armed(self) -> bool:
        """The next decision goes to the whole group (Ctrl+Shift+G armed it)."""
        return self.group_button.isChecked() and self.can_group

    def set_group_armed(self, armed: bool) -> None:
        armed = armed and self.can_group
        self.group_button.setChecked(armed)
        size = len(self.matches.near_duplicates) + 1 if self.matches is not None else 0
        self.group_button.setText(GROUP_ARMED.format(size=size) if armed else GROUP_IDLE)

    @property
    def can_apply(self) -> bool:
        return self.matches is not None and earlier_decided(self.matches) is not None

    @property
    def can_group(self) -> bool:
        return self.matches is not None and bool(undecided_in_group(self.matches))

    def set_matches(self, case_id: str | None, found: CaseMatches | None) -> None:
        self.case_id = case_id
        self.matches = found
        lines = banner_lines(found)
        self.text.setText("<br>".join(html.escape(line, quote=False) for line in lines))
        self.text.setAccessibleName("; ".join(lines))
        self.apply_button.setVisible(self.can_apply)
        self.group_button.setVisible(self.can_group)
        self.set_group_armed(False)
        self.setVisible(bool(lines))
