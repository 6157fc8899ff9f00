"""The queue: leased cases in priority/SLA order, with an SLA countdown (time left in hours
and minutes, amber inside the service's warning window, red, bold and marked "⚠ breached
... ago" once past due), and buttons to pull more cases and to release the unfinished ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


_BOLD = QFont()
_BOLD.setBold(True)
_DECIDED_BRUSH = QBrush(QColor("#808080"))


@dataclass(frozen=True, slots=True)
class _Row:
    """One row as the view asks for it, made once per change (a decision, a countdown tick):
    a table paint asks a dozen roles of every cell it paints, and the answers are looked up."""

    display: tuple[str, ...]
    foreground: tuple[QBrush | None, ...]
    font: tuple[QFont | None, ...]
    background: tuple[QBrush | None, ...]
    tooltip: str
    accessible: str

    @classmethod
    def of(cls, case: CaseSummary, now: datetime, *, decided: bool,
           warning_minutes: int) -> _Row:
        minutes = sla_left_minutes(case, now)
        sla = sla_cell(case, now)
        state = sla_state(minutes, warning_minutes)
        colour = sla_colour(minutes, warning_minutes)
        none: tuple[None, ...] = (None,) * len(COLUMNS)
        foreground: tuple[QBrush | None, ...] = none
        if decided:
            foreground = (_DECIDED_BRUSH,) * len(COLUMNS)
        elif colour is not None:
            foreground = (None, QBrush(colour)) + none[2:]
        return cls(
            display=(f"{'✓ ' if decided else ''}{case.priority}", sla, humanise(case.source),
                     humanise(case.policy_area), humanise(case.harm_category),
                     str(int(case.severity))),
            foreground=foreground,
            font=(None, _BOLD) + none[2:] if minutes < 0 and not decided else none,
            background=none[:5] + (QBrush(QColor(
                SEVERITY_COLOURS.get(int(case.severity), "#4a5568"))),),
            tooltip=f"Case {case.id}, due {case.sla_due_at:%Y-%m-%d %H:%M} UTC ({state})",
            accessible=(f"Case {case.id}, priority {case.priority}, "
                        f"{humanise(case.harm_category)}, severity {int(case.severity)}, "
                        f"{state}: {sla.removeprefix(BREACHED_MARK).strip()}"),
        )


_FIELDS: dict[int, str] = {role.value: field for role, field in (
    (Qt.ItemDataRole.DisplayRole, "display"), (Qt.ItemDataRole.ForegroundRole, "foreground"),
    (Qt.ItemDataRole.FontRole, "font"), (Qt.ItemDataRole.BackgroundRole, "background"),
    (Qt.ItemDataRole.ToolTipRole, "tooltip"), (Qt.ItemDataRole.AccessibleTextRole, "accessible"))}
"""The roles data() answers, and the `_Row` field of each; the view asks a dozen more."""


class QueueModel(QAbstractTableModel):
    """The leased cases, highest priority first. Each row's cells are made once per change
    (`_Row`): a decision remakes its row, the countdown tick (`refresh_countdowns`) every row,
    so a paint reads neither the clock nor the case."""

    def __init__(self) -> None:
        super().__init__()
        self.cases: list[CaseSummary] = []
        self.decided: set[str] = set()
        self.now: Callable[[], datetime] = SystemClock().now
        """Service time (the window sets the session's clock); SLA times are service times."""
        self.warning_minutes = DEFAULT_WARNING_MINUTES
        self._rows: dict[int, _Row] = {}

    def set_cases(self, cases: list[CaseSummary]) -> None:
        self.beginResetModel()
        self.cases = sorted(cases, key=lambda c: (-c.priority, c.sla_due_at))
        self._rows.clear()
        self.endResetModel()

    def mark_decided(self, case_id: str) -> None:
        """Repaint a row once its decision is safe in the outbox (`decided` is the flow's set)."""
        row = self.row_of(case_id)
        if row is not None:
            self._rows.pop(row, None)
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

    def _row(self, row: int) -> _Row:
        made = self._rows.get(row)
        if made is None:
            case = self.cases[row]
            made = self._rows[row] = _Row.of(case, self.now(), decided=case.id in self.decided,
                                             warning_minutes=self.warning_minutes)
        return made

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        field = _FIELDS.get(role)
        if field is None or not index.isValid():
            return None
        value = getattr(self._row(index.row()), field)
        return value[index.column()] if isinstance(value, tuple) else value

    def set_warning_minutes(self, minutes: int) -> None:
        """The service's SLA warning window (from GET /v1/sla/config)."""
        self.warning_minutes = max(0, int(minutes))
        self.refresh_countdowns()

    def refresh_countdowns(self) -> None:
        """Time has passed: every row is made again (its countdown, colour and words)."""
        self._rows.clear()
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
        self.table.horizontalHeader().setHighlightSections(False)  # no header repaint per pick
        # Columns fit their contents when the cases change and when the countdowns tick, not
        # on every change of a row (ResizeToContents measures every row at each decision).
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.model.modelReset.connect(self.table.resizeColumnsToContents)
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
        self._tick.timeout.connect(self._refresh_countdowns)
        self._tick.start(30_000)

    def _refresh_countdowns(self) -> None:
        self.model.refresh_countdowns()
        self.table.resizeColumnToContents(1)

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
