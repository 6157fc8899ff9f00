"""The queue: leased cases in priority/SLA order, with an SLA countdown (time left in hours
and minutes, amber inside the service's warning window, red, bold and marked "⚠ breached
... ago" once past due), and buttons to pull more cases and to release the unfinished ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from reviewer_app.domain import CaseSummary
from safeguards import SystemClock
from ui.views.case_view import SEVERITY_COLOURS, hours_minutes, humanise

COLUMNS = ("Priority", "SLA", "Source", "Area", "Category", "Severity")
_Index = QModelIndex | QPersistentModelIndex


DEFAULT_WARNING_MINUTES = 240
"""The service's default SLA warning window (GET /v1/sla/config `warning_minutes`); the
window sets the one in force through `QueueModel.warning_minutes`."""
BREACHED_COLOUR = QColor("#c53030")
WARNING_COLOUR = QColor("#b7791f")
BREACHED_MARK = "\u26a0"  # a warning sign, before the word "breached"


def sla_left_minutes(summary: CaseSummary, now: datetime) -> int:
    return int((summary.sla_due_at - now).total_seconds() // 60)


def sla_cell(summary: CaseSummary, now: datetime) -> str:
    """Time left as "3 h 05 min" or "45 min"; once past due, "⚠ breached 1 h 10 min ago"."""
    left = (summary.sla_due_at - now).total_seconds()
    if left >= 0:
        return hours_minutes(left)
    return f"{BREACHED_MARK} breached {hours_minutes(left)} ago"


def sla_colour(minutes: int, warning_minutes: int = DEFAULT_WARNING_MINUTES) -> QColor | None:
    """Red once breached, amber inside the warning window, else the normal text colour."""
    if minutes < 0:
        return BREACHED_COLOUR
    if minutes < warning_minutes:
        return WARNING_COLOUR
    return None


def sla_state(minutes: int, warning_minutes: int = DEFAULT_WARNING_MINUTES) -> str:
    """The same in words, for screen readers and the tooltip."""
    if minutes < 0:
        return "SLA breached"
    if minutes < warning_minutes:
        return "SLA due soon"
    return "SLA on track"


_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole,
                    Qt.ItemDataRole.FontRole, Qt.ItemDataRole.BackgroundRole,
                    Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole})
"""The roles data() answers; the view asks for a dozen more per cell, per paint."""


class QueueModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.cases: list[CaseSummary] = []
        self.decided: set[str] = set()
        self.now: Callable[[], datetime] = SystemClock().now
        """Service time (the window sets the session's clock); SLA times are service times."""
        self.warning_minutes = DEFAULT_WARNING_MINUTES

    def set_cases(self, cases: list[CaseSummary]) -> None:
        self.beginResetModel()
        self.cases = sorted(cases, key=lambda c: (-c.priority, c.sla_due_at))
        self.endResetModel()

    def mark_decided(self, case_id: str) -> None:
        """Repaint a row once its decision is safe in the outbox (`decided` is the flow's set)."""
        row = self.row_of(case_id)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def row_of(self, case_id: str) -> int | None:
        for row, case in enumerate(self.cases):
            if case.id == case_id:
                return row
        return None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.cases)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if role not in _ROLES:
            return None
        case = self.cases[index.row()]
        col = index.column()
        now = self.now()
        minutes = sla_left_minutes(case, now)
        if role == Qt.ItemDataRole.DisplayRole:
            done = case.id in self.decided
            return (
                f"{'✓ ' if done else ''}{case.priority}",
                sla_cell(case, now),
                humanise(case.source),
                humanise(case.policy_area),
                humanise(case.harm_category),
                str(int(case.severity)),
            )[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            if case.id in self.decided:
                return QBrush(QColor("#808080"))
            if col == 1 and (colour := sla_colour(minutes, self.warning_minutes)) is not None:
                return QBrush(colour)
        if role == Qt.ItemDataRole.FontRole and col == 1 and minutes < 0 \
                and case.id not in self.decided:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and col == 5:
            return QBrush(QColor(SEVERITY_COLOURS.get(int(case.severity), "#4a5568")))
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"Case {case.id}, due {case.sla_due_at:%Y-%m-%d %H:%M} UTC "
                    f"({sla_state(minutes, self.warning_minutes)})")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return (f"Case {case.id}, priority {case.priority}, {humanise(case.harm_category)}, "
                    f"severity {int(case.severity)}, {sla_state(minutes, self.warning_minutes)}: "
                    f"{sla_cell(case, now).removeprefix(BREACHED_MARK).strip()}")
        return None

    def set_warning_minutes(self, minutes: int) -> None:
        """The service's SLA warning window (from GET /v1/sla/config)."""
        self.warning_minutes = max(0, int(minutes))
        self.refresh_countdowns()

    def refresh_countdowns(self) -> None:
        if self.cases:
            self.dataChanged.emit(self.index(0, 1), self.index(len(self.cases) - 1, 1))


class QueuePanel(QWidget):
    """Signals:
        sig_open(str): the reviewer chose a case.
        sig_pull(): pull more cases.
        sig_release(): release the undecided cases back to the queue.
    """

    sig_open = Signal(str)
    sig_pull = Signal()
    sig_release = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = QueueModel()
        self.table = QTableView(self)
        self.table.setObjectName("queueTable")
        self.table.setAccessibleName("Leased cases")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.activated.connect(lambda idx: self.sig_open.emit(self.model.cases[idx.row()].id))
        self.pull = QPushButton("&Pull cases", self)
        self.pull.setAccessibleName("Pull more cases")
        self.pull.setToolTip("Lease more cases from the queue (Ctrl+L)")
        self.pull.clicked.connect(self.sig_pull)
        self.release = QPushButton("Re&lease", self)
        self.release.setAccessibleName("Release undecided cases")
        self.release.setToolTip("Give undecided cases back to the queue")
        self.release.clicked.connect(self.sig_release)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pull)
        buttons.addWidget(self.release)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self.model.refresh_countdowns)
        self._tick.start(30_000)

    def select(self, case_id: str) -> None:
        row = self.model.row_of(case_id)
        if row is not None:
            self.table.selectRow(row)

    def set_locked(self, locked: bool, *, release: bool = False, pull: bool = False) -> None:
        """While content is locked (a break, a cap, quitting) no case can be opened from the
        queue; `release` and `pull` keep those buttons as a way out (e.g. at a cap)."""
        self.table.setEnabled(not locked)
        self.release.setEnabled(not locked or release)
        self.pull.setEnabled(not locked or pull)
