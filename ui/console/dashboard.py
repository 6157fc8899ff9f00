"""The team dashboard: per person, today and this week against the caps (people at 80% of a
cap first and marked), breaks, cap hits, the weekly trend, the spread of severe exposure
before and after dose-aware assignment, and check-in moods only as an aggregate. Figures are
the service's, fetched off the GUI thread on a timer (and on F5), with the time they are of.
Overrides for one person are granted and revoked from here. Exports: CSV and the chart as PNG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reviewer_app.client.lead import LeadClient
from reviewer_app.contract import (
    MemberOverride,
    MemberOverrideRequest,
    OverrideKind,
    PersonDashboard,
    TeamDashboard,
)
from ui.console.charts import charts_for
from ui.console.dashboard_export import write_csv
from ui.console.messages import console_message
from ui.console.override_dialog import OverrideDialog
from ui.console.people_model import PeopleModel
from ui.console.person_detail import PersonDetail
from ui.workers import Workers

REFRESH_MS = 60_000
MOOD_PRIVACY = ("Check-in moods are shown only as a mean over at least {n} people and over "
                "whole calendar weeks, so no reading can reveal one person's answers.")


def mood_text(dashboard: TeamDashboard) -> str:
    lines = [MOOD_PRIVACY.format(n=dashboard.mood_min_people)]
    for week in dashboard.mood:
        value = (f"mean mood {week.mean_mood:.1f} from {week.people} people"
                 if week.mean_mood is not None
                 else f"not shown: fewer than {dashboard.mood_min_people} people checked in")
        lines.append(f"Week of {week.week_start:%d %b %Y}: {value}")
    return "<br>".join(lines)


def spread_text(dashboard: TeamDashboard) -> str:
    spread = dashboard.spread_today
    state = "on" if dashboard.dose_aware else "off"
    total = sum(spread.per_person.values())
    if not total or spread.top_share is None:
        today = "no severe reveals yet today"
    else:
        today = (f"{total} severe reveal{'s' if total != 1 else ''} today; the most exposed "
                 f"person took {spread.top_share:.0%} of them")
    weeks = " ".join(_before_after(dashboard))
    return (f"Dose-aware assignment is <b>{state}</b> (severe means severity "
            f"{dashboard.severe_from_severity}+). {today}. {weeks}").strip()


def _before_after(dashboard: TeamDashboard) -> list[str]:
    """The weekly top share, averaged over the weeks with dose-aware off and with it on."""
    said = []
    for on, name in ((False, "off"), (True, "on")):
        shares = [p.severe_top_share for p in dashboard.trend
                  if p.dose_aware is on and p.severe_top_share is not None]
        if shares:
            said.append(f"Weeks with it {name}: the most exposed person took "
                        f"{sum(shares) / len(shares):.0%} of the severe reveals on average "
                        f"({len(shares)} week{'s' if len(shares) != 1 else ''}).")
    return said


class TeamDashboardView(QWidget):
    """Signals:
        sig_busy(bool): a service call started (True) or ended (False).
        sig_message(str): a sentence for the status line.
        sig_updated(object): a fresh TeamDashboard is on screen.
        sig_granted(object): a MemberOverride was granted.
        sig_revoked(int): the override with this id was revoked.
    """

    sig_busy = Signal(bool)
    sig_message = Signal(str)
    sig_updated = Signal(object)
    sig_granted = Signal(object)
    sig_revoked = Signal(int)

    def __init__(self, client: LeadClient, workers: Workers,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("teamDashboard")
        self.client = client
        self.workers = workers
        self.team: str | None = None
        self.dashboard: TeamDashboard | None = None
        self.team_overrides: list[MemberOverride] = []
        self.loading = False
        self.dialog: OverrideDialog | None = None
        self.updated = QLabel("Not loaded yet.", self)
        self.updated.setObjectName("lastUpdated")
        self.spread = QLabel(self)
        self.spread.setWordWrap(True)
        self.model = PeopleModel()
        self.table = QTableView(self)
        self.table.setObjectName("peopleTable")
        self.table.setAccessibleName("Team members")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(40)  # fit columns to the first rows, not all 500
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._fitted = False
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.detail = PersonDetail(self)
        self.views: dict[str, QChartView] = {}
        self.charts = QTabWidget(self)
        self.charts.setObjectName("dashboardCharts")
        for key, title in (("today", "Today by category"), ("trend", "Weekly trend"),
                           ("spread", "Severe-exposure spread")):
            view = QChartView(self.charts)
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumHeight(260)
            self.views[key] = view
            self.charts.addTab(view, title)
        self.mood = QLabel(MOOD_PRIVACY.format(n=5), self)
        self.mood.setObjectName("moodAggregate")
        self.mood.setWordWrap(True)
        self._build_layout()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

    def _build_layout(self) -> None:
        upper = QSplitter(Qt.Orientation.Horizontal, self)
        upper.setObjectName("dashboardUpperSplit")
        upper.addWidget(self.table)
        upper.addWidget(self.detail)
        upper.setStretchFactor(0, 3)
        upper.setStretchFactor(1, 2)
        lower = QWidget(self)
        column = QVBoxLayout(lower)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.charts, 1)
        column.addWidget(self.spread)
        column.addWidget(self.mood)
        self.split = QSplitter(Qt.Orientation.Vertical, self)
        self.split.setObjectName("dashboardSplit")
        self.split.addWidget(upper)
        self.split.addWidget(lower)
        self.upper_split = upper
        layout = QVBoxLayout(self)
        layout.addWidget(self.updated)
        layout.addWidget(self.split, 1)

    # ------------------------------------------------------------------ refreshing

    def start(self, team: str) -> None:
        """Show `team` and refresh now and then every minute."""
        self.team = team
        self.dashboard = None
        self.refresh()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        """Fetch the figures and the team's overrides (skipped while a fetch is under way)."""
        if self.team is None or self.loading:
            return
        team = self.team
        self.loading = True
        self.sig_busy.emit(True)
        self.updated.setText(self.updated.text().split(" — ")[0] + " — refreshing…")

        def op() -> tuple[TeamDashboard, list[MemberOverride]]:
            return self.client.dashboard(team), self.client.overrides(team)

        self.workers.run(op, lambda got: self._got(team, got), self._failed)

    def _got(self, team: str, got: tuple[TeamDashboard, list[MemberOverride]]) -> None:
        self.loading = False
        self.sig_busy.emit(False)
        if team != self.team:
            return
        self.show_dashboard(*got)

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.sig_busy.emit(False)
        text = console_message(exc, "refreshing the dashboard")
        when = self._when()
        self.updated.setText(f"{when} — {text}" if when else text)
        self.sig_message.emit(text)

    def _when(self) -> str:
        if self.dashboard is None:
            return ""
        at = self.dashboard.generated_at.astimezone()
        return f"Last updated {at:%H:%M:%S} (the service's figures at that time)"

    def show_dashboard(self, dashboard: TeamDashboard,
                       overrides: list[MemberOverride] | None = None) -> None:
        """Put `dashboard` on screen: table, the selected person, charts, spread and mood."""
        selected = self.selected_person()
        self.dashboard = dashboard
        self.team_overrides = list(overrides or [])
        self.model.set_people(dashboard.people)
        if not self._fitted and dashboard.people:
            self.table.resizeColumnsToContents()
            self._fitted = True
        self.set_charts(charts_for(dashboard, self.model.people))
        self.spread.setText(spread_text(dashboard))
        self.mood.setText(mood_text(dashboard))
        near = sum(1 for p in dashboard.people if p.near_cap)
        count = len(self.team_overrides)
        self.updated.setText(f"{self._when()} — team {dashboard.team}: "
                             f"{len(dashboard.people)} people, {near} near a cap, {count} "
                             f"override{'s' if count != 1 else ''} in force. F5 refreshes "
                             "now; every minute by itself.")
        row = self.model.row_of(selected.username) if selected else -1
        self.table.selectRow(row if row >= 0 else 0)
        self.detail.show_person(self.model.person(max(0, row)) if dashboard.people else None)
        self.sig_updated.emit(dashboard)

    def set_charts(self, charts: dict[str, QChart]) -> None:
        for key, chart in charts.items():
            old = self.views[key].chart()
            self.views[key].setChart(chart)
            if old is not None:
                old.deleteLater()

    def _row_changed(self, current: Any, _previous: Any) -> None:
        self.detail.show_person(self.model.person(current.row()))

    def selected_person(self) -> PersonDashboard | None:
        index = self.table.currentIndex()
        return self.model.person(index.row()) if index.isValid() else None

    def select_person(self, username: str) -> None:
        row = self.model.row_of(username)
        if row >= 0:
            self.table.selectRow(row)

    # ------------------------------------------------------------------ overrides

    def ask_override(self, kind: OverrideKind) -> OverrideDialog | None:
        """Open the dialog for `kind` for the person selected; granting sends it."""
        person = self.selected_person()
        if person is None or self.team is None:
            self.sig_message.emit("Select a person in the table first.")
            return None
        self.dialog = OverrideDialog(kind, person, self)
        self.dialog.accepted.connect(lambda: self._dialog_done(person.username))
        self.dialog.open()
        return self.dialog

    def _dialog_done(self, username: str) -> None:
        dialog, self.dialog = self.dialog, None
        request = dialog.request() if dialog is not None else None
        if request is not None:
            self.grant(username, request)

    def grant(self, username: str, request: MemberOverrideRequest) -> None:
        team = self.team
        if team is None:
            return
        self.sig_busy.emit(True)
        self.workers.run(lambda: self.client.grant(team, username, request),
                         self._granted, lambda exc: self._override_failed(exc, "granting"))

    def _granted(self, override: MemberOverride) -> None:
        self.sig_busy.emit(False)
        self.sig_message.emit(f"Granted to {override.username}: "
                              f"{override.kind.value.replace('_', ' ')}, until "
                              f"{override.expires_at:%H:%M} UTC.")
        self.sig_granted.emit(override)
        self.refresh()

    def revoke_selected(self) -> None:
        override_id = self.detail.selected_override()
        if override_id is None and self.detail.person and self.detail.person.overrides:
            override_id = self.detail.person.overrides[0].id
        if override_id is None:
            self.sig_message.emit("No override selected to revoke.")
            return
        self.revoke(override_id)

    def revoke(self, override_id: int) -> None:
        team = self.team
        if team is None:
            return
        self.sig_busy.emit(True)
        self.workers.run(lambda: self.client.revoke(team, override_id),
                         lambda _none: self._revoked(override_id),
                         lambda exc: self._override_failed(exc, "revoking"))

    def _revoked(self, override_id: int) -> None:
        self.sig_busy.emit(False)
        self.sig_message.emit(f"Override {override_id} revoked.")
        self.sig_revoked.emit(override_id)
        self.refresh()

    def _override_failed(self, exc: BaseException, doing: str) -> None:
        self.sig_busy.emit(False)
        self.sig_message.emit(console_message(exc, f"{doing} the override"))

    # ------------------------------------------------------------------ exports

    def export_csv(self, path: Path) -> int:
        """The dashboard on screen as CSV (one row per person x category x period)."""
        if self.dashboard is None:
            raise ValueError("no dashboard is loaded yet")
        return write_csv(self.dashboard, path)

    def export_png(self, path: Path, chart: str | None = None) -> bool:
        """The chart (`chart`, else the one on screen) as PNG, as drawn in its view."""
        key = chart or list(self.views)[self.charts.currentIndex()]
        view = self.views[key]
        if view.width() < 200 or view.height() < 150:
            view.resize(max(view.width(), 900), max(view.height(), 500))
        return view.grab().save(str(path), "PNG")
