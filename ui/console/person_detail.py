"""One person on the dashboard: today and this week by harm category, each cap with how far
it is used, breaks due and taken, and the overrides in force (each with its expiry, and a way
to revoke it). Operational counters only: no case content, no media, no mood."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewer_app.contract import CapUse, MemberOverride, PersonDashboard
from ui.console.people_model import breaks_text, state_text
from ui.console.wording import category_text, span_text

FIGURE_COLUMNS = ("Harm category", "Today shown", "Today revealed", "Today time revealed",
                  "Week shown", "Week revealed", "Week time revealed")


def cap_amount(use: CapUse, value: float) -> str:
    return span_text(value) if "second" in use.measure or use.key == "graphic_daily_limit" \
        else f"{value:g}"


def override_text(o: MemberOverride) -> str:
    what = o.kind.value.replace("_", " ")
    if o.minutes is not None:
        what += f" of {span_text(o.minutes * 60)}"
    if o.cap:
        what += f" {o.cap} to {o.limit:g}"
    return (f"{what}, until {o.expires_at:%Y-%m-%d %H:%M} UTC (by {o.granted_by}: "
            f"{o.reason})")


class PersonDetail(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("personDetail")
        self.person: PersonDashboard | None = None
        self.heading = QLabel("Pick a person in the table.", self)
        self.heading.setWordWrap(True)
        self.figures = QTableWidget(0, len(FIGURE_COLUMNS), self)
        self.figures.setAccessibleName("Figures by harm category")
        self.figures.setHorizontalHeaderLabels(list(FIGURE_COLUMNS))
        self.figures.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.figures.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive)
        self.figures.setMinimumHeight(140)
        self.caps_box = QWidget(self)
        self.caps_layout = QVBoxLayout(self.caps_box)
        self.caps_layout.setContentsMargins(0, 0, 0, 0)
        self.overrides = QListWidget(self)
        self.overrides.setAccessibleName("Overrides in force")
        self.overrides.setMaximumHeight(110)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.figures, 2)
        layout.addWidget(QLabel("<b>Caps</b> (a warning at 80%; reaching one carries no "
                                "penalty)", self))
        layout.addWidget(self.caps_box)
        layout.addWidget(QLabel("<b>Overrides in force</b> (select one and press Ctrl+Shift+R "
                                "to revoke it)", self))
        layout.addWidget(self.overrides)

    def show_person(self, person: PersonDashboard | None) -> None:
        self.person = person
        self._clear_caps()
        self.overrides.clear()
        if person is None:
            self.heading.setText("Pick a person in the table.")
            self.figures.setRowCount(0)
            return
        self.heading.setText(
            f"<b>{person.username}</b>{' — ⚠ near a cap' if person.near_cap else ''}. Now: "
            f"{state_text(person)}. Breaks today: {breaks_text(person.breaks_today)}; this "
            f"week: {breaks_text(person.breaks_week)}. Cap hits today "
            f"{person.cap_hits_today}, this week {person.cap_hits_week}.")
        today = {f.harm_category: f for f in person.today}
        week = {f.harm_category: f for f in person.week}
        categories = sorted(set(today) | set(week))
        self.figures.setRowCount(len(categories))
        for row, category in enumerate(categories):
            t, w = today.get(category), week.get(category)
            cells = [category_text(category),
                     str(t.shown if t else 0), str(t.revealed if t else 0),
                     span_text(t.revealed_seconds if t else 0),
                     str(w.shown if w else 0), str(w.revealed if w else 0),
                     span_text(w.revealed_seconds if w else 0)]
            for column, text in enumerate(cells):
                self.figures.setItem(row, column, QTableWidgetItem(text))
        self.figures.resizeColumnsToContents()
        for use in person.caps:
            self._add_cap(use)
        for override in person.overrides:
            item = QListWidgetItem(override_text(override))
            item.setData(Qt.ItemDataRole.UserRole, override.id)
            self.overrides.addItem(item)

    def _clear_caps(self) -> None:
        while self.caps_layout.count():
            item = self.caps_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _add_cap(self, use: CapUse) -> None:
        bar = QProgressBar(self.caps_box)
        bar.setRange(0, 100)
        bar.setValue(min(100, int(use.fraction * 100)))
        bar.setFormat(f"{use.label}: {cap_amount(use, use.used)} of "
                      f"{cap_amount(use, use.limit)} ({use.fraction:.0%})"
                      + (" — raised by an override" if use.overridden else ""))
        bar.setAccessibleName(bar.format())
        colour = "#c53030" if use.fraction >= 1 else "#b7791f" if use.fraction >= 0.8 else ""
        if colour:
            bar.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}")
        self.caps_layout.addWidget(bar)

    def selected_override(self) -> int | None:
        item = self.overrides.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None
