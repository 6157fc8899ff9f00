"""The console's KPIs tab: the team's KPIs over the last N days (reviewer_app.service.kpis
has the definitions), one table per queue and one per person, the team's row first in each,
and Export CSV (the same CSV as `reviewer-cli kpis`). Every service call runs on the
console's serial worker (ui/workers.py); counts and times only, never content."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewer_app.client.kpis import KpiClient, to_csv
from reviewer_app.contract import KpiFigures, TeamKpis
from ui.console.messages import console_message
from ui.workers import Workers

COLUMNS = ("", "Decisions", "Per hour", "Handle p50", "Handle p90", "SLA met", "Breaches",
           "QA agreement", "QA kappa", "Appeals overturned", "Exposure avoided")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _secs(ms: int | None) -> str:
    return "—" if ms is None else f"{ms / 1000:.1f} s"


def kpi_row(f: KpiFigures) -> tuple[str, ...]:
    return (f.key, str(f.decisions),
            "—" if f.decisions_per_hour is None else f"{f.decisions_per_hour:.2f}",
            _secs(f.handle_p50_ms), _secs(f.handle_p90_ms), _pct(f.sla_compliance_percent),
            str(f.sla_breached), _pct(f.qa.percent),
            "—" if f.qa.kappa is None else f"{f.qa.kappa:.2f}",
            f"{f.appeals_overturned} of {f.appeals_decided} "
            f"({_pct(f.appeal_overturn_percent)})", str(f.exposure_avoided))


def _table(name: str, parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(COLUMNS), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(COLUMNS))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _fill(table: QTableWidget, rows: list[KpiFigures]) -> None:
    table.setRowCount(len(rows))
    for r, f in enumerate(rows):
        for c, text in enumerate(kpi_row(f)):
            table.setItem(r, c, QTableWidgetItem(text))


class KpiPanel(QWidget):
    """Signals:
        sig_busy(bool): a service call started (True) or ended (False).
        sig_message(str): a sentence for the status line.
    """

    sig_busy = Signal(bool)
    sig_message = Signal(str)

    def __init__(self, client: KpiClient, workers: Workers,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.workers = workers
        self.team: str | None = None
        self.loading = False
        self.kpis: TeamKpis | None = None
        self.days = QSpinBox(self)
        self.days.setObjectName("kpiDays")
        self.days.setRange(1, 366)
        self.days.setValue(7)
        self.days.setSuffix(" days")
        self.days.setAccessibleName("Period: the last days")
        self.reload_button = QPushButton("Reload", self)
        self.reload_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.setObjectName("kpiExportCsv")
        self.export_button.clicked.connect(self.ask_export_csv)
        self.period = QLabel(self)
        self.by_queue = _table("kpiByQueue", self)
        self.by_queue.setAccessibleName("KPIs per queue")
        self.by_person = _table("kpiByPerson", self)
        self.by_person.setAccessibleName("KPIs per person")
        top = QHBoxLayout()
        label = QLabel("The &last", self)
        label.setBuddy(self.days)
        top.addWidget(label)
        top.addWidget(self.days)
        top.addWidget(self.reload_button)
        top.addWidget(self.period, 1)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel("<b>Per queue</b> (decisions in force, no escalations)", self))
        layout.addWidget(self.by_queue, 1)
        layout.addWidget(QLabel("<b>Per person</b>", self))
        layout.addWidget(self.by_person, 1)

    def start(self, team: str) -> None:
        self.team = team
        self.refresh()

    def refresh(self) -> None:
        if self.team is None or self.loading:
            return
        team, days, client = self.team, self.days.value(), self.client
        self.loading = True
        self.sig_busy.emit(True)

        def ok(got: TeamKpis) -> None:
            self.loading = False
            self.sig_busy.emit(False)
            if team == self.team:
                self.show_kpis(got)

        def failed(exc: BaseException) -> None:
            self.loading = False
            self.sig_busy.emit(False)
            self.sig_message.emit(console_message(exc, "loading the KPIs"))

        self.workers.run(lambda: client.last_days(team, days), ok, failed)

    def show_kpis(self, kpis: TeamKpis) -> None:
        self.kpis = kpis
        self.period.setText(f"{kpis.since:%Y-%m-%d %H:%M} – {kpis.until:%Y-%m-%d %H:%M} UTC")
        _fill(self.by_queue, [kpis.overall, *kpis.by_queue])
        _fill(self.by_person, [kpis.overall, *kpis.by_person])

    def export_csv(self, path: Path) -> int:
        """Writes the KPIs shown; returns the rows written (the header not counted)."""
        assert self.kpis is not None
        text = to_csv(self.kpis)
        path.write_text(text, encoding="utf-8")
        return text.count("\n") - 1

    def ask_export_csv(self) -> None:
        if self.kpis is None:
            self.sig_message.emit("The KPIs are not loaded yet.")
            return
        name, _ = QFileDialog.getSaveFileName(self, "Export the KPIs as CSV",
                                              f"kpis-{self.team}.csv", "CSV (*.csv)")
        if name:
            rows = self.export_csv(Path(name))
            self.sig_message.emit(f"Wrote {rows} rows to {name}.")
