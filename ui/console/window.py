"""The lead console's window: the policy editor, the team dashboard, quality and KPIs in tabs, every
command on a key (and in the Ctrl+K palette), progress while the service is asked, errors in
sentences, and the window's state remembered between sessions (QSettings, as the workstation
does). Only wellness leads and admins get here; it shows no case content or media."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reviewer_app.client.kpis import KpiClient
from reviewer_app.client.lead import LeadClient
from reviewer_app.client.quality import QualityClient
from reviewer_app.contract import Me, OverrideKind
from reviewer_app.domain import Role
from ui.console.dashboard import TeamDashboardView
from ui.console.intel import IntelligencePanel
from ui.console.kpi_panel import KpiPanel
from ui.console.policy_editor import PolicyEditor
from ui.console.quality_panel import QualityPanel
from ui.theme import apply_theme
from ui.views.command_palette import CommandPalette
from ui.workers import Workers

MAX_TEAMS_KEPT = 12


class ConsoleWindow(QMainWindow):
    """Signals:
        sig_closing(): the window is closing (its state is saved).
        sig_team(str): the team shown changed.
    """

    sig_closing = Signal()
    sig_team = Signal(str)

    def __init__(self, client: LeadClient, workers: Workers, me: Me, settings: QSettings, *,
                 title: str = "", quality: QualityClient | None = None,
                 kpis: KpiClient | None = None) -> None:
        super().__init__()
        self.setObjectName("leadConsole")
        self.me = me
        self.settings = settings
        self.workers = workers
        self.setWindowTitle(title or f"Wellness lead console — {me.username}")
        self.editor = PolicyEditor(client, workers, self)
        self.dashboard = TeamDashboardView(client, workers, self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("consoleTabs")
        self.tabs.addTab(self.editor, "&Policy")
        self.tabs.addTab(self.dashboard, "&Dashboard")
        self.quality = QualityPanel(quality, workers, self) if quality is not None else None
        if self.quality is not None:
            self.tabs.addTab(self.quality, "&Quality")
        self.kpis = KpiPanel(kpis, workers, self) if kpis is not None else None
        if self.kpis is not None:
            self.tabs.addTab(self.kpis, "&KPIs")
        self.intel = IntelligencePanel(client, workers, self)
        self.tabs.addTab(self.intel, "&Intelligence")
        self.team_picker = QComboBox(self)
        self.team_picker.setObjectName("teamPicker")
        self.team_picker.setAccessibleName("Team")
        self.team_picker.setEditable(me.role is Role.ADMIN)
        self.team_picker.setEnabled(me.role is Role.ADMIN)
        for team in self._known_teams():
            self.team_picker.addItem(team)
        self.team: str | None = None
        header = QWidget(self)
        row = QHBoxLayout(header)
        row.setContentsMargins(6, 6, 6, 0)
        who = "admin: any team (type a team's name, Enter)" if me.role is Role.ADMIN \
            else "wellness lead of this team"
        team_label = QLabel("&Team:", header)
        team_label.setBuddy(self.team_picker)
        row.addWidget(team_label)
        row.addWidget(self.team_picker)
        row.addWidget(QLabel(f"Signed in as <b>{me.username}</b>, {who}. Leads see no case "
                             "content or media here.", header), 1)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(header)
        column.addWidget(self.intel.notice)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(140)
        self.busy.setAccessibleName("Asking the review service")
        self.busy.hide()
        self._in_flight = 0
        self.statusBar().addPermanentWidget(self.busy)
        self.commands: list[QAction] = []
        self._build_actions()
        self._wire()
        self._restore()

    # ------------------------------------------------------------------ actions

    def _action(self, text: str, keys: str | QKeySequence.StandardKey, slot: Callable[[], object],
                name: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        self.commands.append(action)
        return action

    def _build_actions(self) -> None:
        a, ed, db = self._action, self.editor, self.dashboard
        self.act_policy = a("Show the policy editor", "Ctrl+1",
                            lambda: self.tabs.setCurrentWidget(ed), "showPolicy")
        self.act_dashboard = a("Show the team dashboard", "Ctrl+2",
                               lambda: self.tabs.setCurrentWidget(db), "showDashboard")
        if self.quality is not None:
            qa = self.quality
            self.act_quality = a("Show the quality figures (second reviews)", "Ctrl+3",
                                 self.show_quality, "showQuality")
            self.act_resolve = a("Resolve the disagreement selected", "Ctrl+Shift+D",
                                 qa.resolve_selected, "resolveDisagreement")
        if self.kpis is not None:
            self.act_kpis = a("Show the KPIs (per queue, per person)", "Ctrl+4",
                              self.show_kpis, "showKpis")
        self.act_team = a("Pick a team", "Ctrl+T", self.team_picker.setFocus, "pickTeam")
        self.act_save = a("Save the policy to the team", "Ctrl+S", ed.save, "savePolicy")
        self.act_reload = a("Reload the policy in force", "Ctrl+R", self.reload_policy,
                            "reloadPolicy")
        self.act_revert = a("Revert the draft to the policy in force", "Ctrl+Shift+Z",
                            ed.revert_to_in_force, "revertPolicy")
        self.act_profile = a("Start from the shipped profile picked", "Ctrl+Shift+O",
                             ed.start_from_profile, "startFromProfile")
        self.act_profiles = a("Pick a shipped profile", "Ctrl+O", ed.profiles.setFocus,
                              "pickProfile")
        self.act_add_cap = a("Add a cap", "Ctrl+Shift+N", lambda: ed.form.caps.add_cap(),
                             "addCap")
        self.act_remove_cap = a("Remove the selected cap", "Ctrl+Shift+X",
                                ed.form.caps.remove_selected, "removeCap")
        self.act_category = a("Pick a harm category for its own display", "Ctrl+G",
                              ed.form.by_category.picker.setFocus, "pickCategory")
        self.act_reason = a("Type the reason for the change", "Ctrl+J", ed.reason.setFocus,
                            "reason")
        self.act_refresh = a("Refresh the dashboard now", "F5", self.refresh_dashboard,
                             "refresh")
        self.act_end_shift = a("End today's graphic work for the person selected",
                               "Ctrl+Shift+E",
                               lambda: db.ask_override(OverrideKind.END_GRAPHIC_SHIFT), "endShift")
        self.act_add_break = a("Add a break for the person selected", "Ctrl+Shift+B",
                               lambda: db.ask_override(OverrideKind.ADD_BREAK), "addBreak")
        self.act_lift_cap = a("Lift a cap for today for the person selected", "Ctrl+Shift+U",
                              lambda: db.ask_override(OverrideKind.LIFT_CAP), "liftCap")
        self.act_revoke = a("Revoke the override selected", "Ctrl+Shift+R", db.revoke_selected,
                            "revoke")
        self.act_people = a("Go to the people table", "Ctrl+L", self._focus_people, "people")
        self.act_csv = a("Export the dashboard as CSV…", "Ctrl+E", self.ask_export_csv,
                         "exportCsv")
        self.act_png = a("Export the chart on screen as PNG…", "Ctrl+Shift+P",
                         self.ask_export_png, "exportPng")
        self.act_next_chart = a("Next chart", "Ctrl+Shift+Right", lambda: db.charts.setCurrentIndex(
            (db.charts.currentIndex() + 1) % db.charts.count()), "nextChart")
        self.act_intel = a("Show the intelligence view (trends and spikes)", "Ctrl+5",
                           lambda: self.tabs.setCurrentWidget(self.intel), "showIntelligence")
        self.act_report = a("Export the trend report (HTML)…", "Ctrl+Shift+I",
                            self.ask_export_report, "exportReport")
        self.act_palette = a("Command palette", "Ctrl+K", self.open_palette, "palette")
        self.act_theme = a("Switch dark/light theme", "Ctrl+Shift+T", self.toggle_theme, "theme")
        self.act_quit = a("Quit", QKeySequence.StandardKey.Quit, self.close, "quit")

    def _wire(self) -> None:
        pages: list[PolicyEditor | TeamDashboardView | QualityPanel | KpiPanel
                    | IntelligencePanel] = [self.editor, self.dashboard, self.intel]
        if self.quality is not None:
            pages.append(self.quality)
        if self.kpis is not None:
            pages.append(self.kpis)
        for page in pages:
            page.sig_busy.connect(self._busy)
            page.sig_message.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.editor.sig_conflict.connect(lambda text: self.statusBar().showMessage(text, 30000))
        self.editor.sig_saved.connect(lambda _saved: self.dashboard.refresh())
        self.intel.export.clicked.connect(self.ask_export_report)
        self.tabs.currentChanged.connect(lambda _i: self.intel.notice.hide()
                                         if self.tabs.currentWidget() is self.intel else None)
        self.team_picker.activated.connect(lambda _i: self.show_team(
            self.team_picker.currentText()))
        line = self.team_picker.lineEdit()
        if line is not None:
            line.returnPressed.connect(lambda: self.show_team(self.team_picker.currentText()))

    def _busy(self, started: bool) -> None:
        self._in_flight = max(0, self._in_flight + (1 if started else -1))
        self.busy.setVisible(self._in_flight > 0)

    # ------------------------------------------------------------------ commands

    def show_team(self, team: str) -> None:
        """Edit and watch `team` (a lead: always their own; the service refuses any other)."""
        team = team.strip()
        if not team or team == self.team:
            return
        self.team = team
        if self.team_picker.findText(team) < 0:
            self.team_picker.insertItem(0, team)
        self.team_picker.setCurrentText(team)
        self._remember_team(team)
        self.editor.load_team(team)
        self.dashboard.start(team)
        if self.quality is not None:
            self.quality.start(team)
        if self.kpis is not None:
            self.kpis.start(team)
        if not self.intel.timer.isActive():
            self.intel.start()
        self.sig_team.emit(team)

    def show_quality(self) -> None:
        if self.quality is not None:
            self.tabs.setCurrentWidget(self.quality)
            self.quality.refresh()

    def show_kpis(self) -> None:
        if self.kpis is not None:
            self.tabs.setCurrentWidget(self.kpis)
            self.kpis.refresh()

    def reload_policy(self) -> None:
        if self.team is not None:
            self.editor.load_team(self.team)

    def refresh_dashboard(self) -> None:
        self.dashboard.refresh()

    def _focus_people(self) -> None:
        self.tabs.setCurrentWidget(self.dashboard)
        self.dashboard.table.setFocus()

    def ask_export_csv(self) -> None:
        if self.dashboard.dashboard is None:
            self.statusBar().showMessage("The dashboard is not loaded yet.", 8000)
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export the dashboard as CSV",
                                              f"dashboard-{self.team}.csv", "CSV (*.csv)")
        if name:
            rows = self.dashboard.export_csv(Path(name))
            self.statusBar().showMessage(f"Wrote {rows} rows to {name}.", 10000)

    def ask_export_png(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export the chart as PNG",
                                              f"chart-{self.team}.png", "PNG (*.png)")
        if name:
            ok = self.dashboard.export_png(Path(name))
            self.statusBar().showMessage(f"Saved the chart to {name}." if ok else
                                         f"Could not write {name}.", 10000)

    def ask_export_report(self) -> None:
        if self.intel.series is None:
            self.statusBar().showMessage("The trends are not loaded yet.", 8000)
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export the trend report",
                                              f"trend-{self.intel.current_dimension()}.html",
                                              "HTML (*.html)")
        if name:
            ok = self.intel.export_report(Path(name))
            self.statusBar().showMessage(f"Wrote the report to {name}." if ok else
                                         f"Could not write {name}.", 10000)

    def open_palette(self) -> None:
        CommandPalette(self.commands, self).exec()

    def toggle_theme(self) -> None:
        theme = "light" if self.settings.value("theme", "dark") == "dark" else "dark"
        self.settings.setValue("theme", theme)
        apply_theme(theme)
        if self.dashboard.dashboard is not None:
            self.dashboard.show_dashboard(self.dashboard.dashboard, self.dashboard.team_overrides)

    # ------------------------------------------------------------------ state

    def _known_teams(self) -> list[str]:
        kept = self.settings.value("console/teams") or []
        teams = [str(t) for t in (kept if isinstance(kept, list) else [kept])]
        return list(dict.fromkeys([self.me.team, *teams]))

    def _remember_team(self, team: str) -> None:
        if self.me.role is not Role.ADMIN:
            return
        teams = list(dict.fromkeys([team, *self._known_teams()]))[:MAX_TEAMS_KEPT]
        self.settings.setValue("console/teams", teams)
        self.settings.setValue("console/lastTeam", team)

    def first_team(self) -> str:
        """The lead's own team; for an admin the team last looked at."""
        if self.me.role is Role.ADMIN:
            return str(self.settings.value("console/lastTeam", self.me.team))
        return self.me.team

    def _restore(self) -> None:
        geometry = self.settings.value("console/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1500, 950)
        for key, split in self._splitters().items():
            state = self.settings.value(f"console/{key}")
            if isinstance(state, QByteArray):
                split.restoreState(state)
        state = self.settings.value("console/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        tab = self.settings.value("console/tab")
        if tab is not None and str(tab).isdigit():
            self.tabs.setCurrentIndex(int(str(tab)))

    def _splitters(self) -> dict[str, QSplitter]:
        return {"policySplit": self.editor.split, "dashboardSplit": self.dashboard.split,
                "dashboardUpperSplit": self.dashboard.upper_split}

    def save_state(self) -> None:
        self.settings.setValue("console/geometry", self.saveGeometry())
        self.settings.setValue("console/state", self.saveState())
        self.settings.setValue("console/tab", self.tabs.currentIndex())
        for key, split in self._splitters().items():
            self.settings.setValue(f"console/{key}", split.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.dashboard.stop()
        self.save_state()
        self.sig_closing.emit()
        super().closeEvent(event)
