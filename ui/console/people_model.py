"""The dashboard's people as a table model: today and this week, against the caps, people at
80% of a cap or more first and marked. Figures are the service's, shown as they came."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from reviewer_app.contract import BreakCompliance, CategoryFigures, PersonDashboard
from ui.console.wording import span_text

Index = QModelIndex | QPersistentModelIndex
NEAR = QColor("#b7791f")
REACHED = QColor("#c53030")


def totals(figures: list[CategoryFigures]) -> tuple[int, int, float]:
    """(shown, revealed, seconds revealed) over every category."""
    return (sum(f.shown for f in figures), sum(f.revealed for f in figures),
            sum(f.revealed_seconds for f in figures))


def breaks_text(b: BreakCompliance) -> str:
    return f"{b.taken} of {b.due} taken" + (f", {b.overridden} overridden" if b.overridden
                                           else "")


def state_text(person: PersonDashboard) -> str:
    state = person.break_state.state.replace("_", " ")
    return state if not person.break_state.reason else f"{state} ({person.break_state.reason})"


def overrides_text(person: PersonDashboard) -> str:
    return "; ".join(f"{o.kind.value.replace('_', ' ')} until {o.expires_at:%H:%M} UTC"
                     for o in person.overrides)


def _highest(person: PersonDashboard) -> str:
    if not person.caps:
        return "no caps"
    cap = max(person.caps, key=lambda c: c.fraction)
    return f"{cap.fraction:.0%} of {cap.label}"


Totals = tuple[int, int, float]
Cell = Callable[[PersonDashboard, Totals, Totals], Any]
COLUMNS: tuple[tuple[str, Cell], ...] = (
    ("", lambda p, t, w: "⚠ near a cap" if p.near_cap else ""),
    ("Person", lambda p, t, w: p.username),
    ("Highest cap use", lambda p, t, w: _highest(p)),
    ("Today shown", lambda p, t, w: t[0]),
    ("Today revealed", lambda p, t, w: t[1]),
    ("Today time revealed", lambda p, t, w: span_text(t[2])),
    ("Week shown", lambda p, t, w: w[0]),
    ("Week revealed", lambda p, t, w: w[1]),
    ("Week time revealed", lambda p, t, w: span_text(w[2])),
    ("Cap hits today / week", lambda p, t, w: f"{p.cap_hits_today} / {p.cap_hits_week}"),
    ("Breaks today", lambda p, t, w: breaks_text(p.breaks_today)),
    ("Breaks this week", lambda p, t, w: breaks_text(p.breaks_week)),
    ("Now", lambda p, t, w: state_text(p)),
    ("Overrides", lambda p, t, w: overrides_text(p)),
    ("Exposure avoided today / week",
     lambda p, t, w: f"{p.exposure_avoided.today} / {p.exposure_avoided.week}"),
)
"""Each column's title and its cell from the person and their (shown, revealed, seconds
revealed) totals of today and of this week."""


def row_cells(person: PersonDashboard) -> tuple[Any, ...]:
    today, week = totals(person.today), totals(person.week)
    return tuple(cell(person, today, week) for _, cell in COLUMNS)


class PeopleModel(QAbstractTableModel):
    """Each row's cells are worked out once per refresh: a view asks for them many times."""

    def __init__(self) -> None:
        super().__init__()
        self.people: list[PersonDashboard] = []
        self._cells: list[tuple[Any, ...]] = []
        self._tips: list[str] = []

    def set_people(self, people: list[PersonDashboard]) -> None:
        """People near a cap first (the service's order otherwise, which already does so)."""
        self.beginResetModel()
        self.people = sorted(people, key=lambda p: not p.near_cap)
        self._cells = [row_cells(p) for p in self.people]
        self._tips = ["\n".join(f"{c.label}: {c.fraction:.0%}"
                                + (" (overridden)" if c.overridden else "") for c in p.caps)
                      for p in self.people]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self.people)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt API)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = index.row()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[row][index.column()]
        person = self.people[row]
        if role == Qt.ItemDataRole.ForegroundRole and person.near_cap:
            return REACHED if person.max_fraction >= 1 else NEAR
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 2:
            return self._tips[row]
        if role == Qt.ItemDataRole.UserRole:
            return person.username
        return None

    def person(self, row: int) -> PersonDashboard | None:
        return self.people[row] if 0 <= row < len(self.people) else None

    def row_of(self, username: str) -> int:
        return next((i for i, p in enumerate(self.people) if p.username == username), -1)
