"""The lead console's intelligence tab: cases received per hour for one dimension (the
service's rollups, counts only), the hours that spike marked on the chart, each spike's
explanation (baseline, threshold, method) one click away, an in-window notice when a new
spike appears, the cases behind any point of the chart one click away (ids only: a lead
sees no content), the emerging clusters of decisions that share a policy citation, a
near-duplicate group, a media hash or a reporter organisation, and a stakeholder report
written as HTML (counts, keys and ids, never media).

The tab polls `GET /v1/trends` and `GET /v1/trends/clusters` on its own timer through the
console's serial worker; the GUI thread never waits on the service."""

from __future__ import annotations

import base64
import html
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QScatterSeries, QValueAxis
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMargins,
    QPointF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewer_app.client.lead import LeadClient
from reviewer_app.contract import (
    DecisionCluster,
    DecisionClusters,
    SpikeAlert,
    TrendCases,
    TrendSeries,
)
from ui.console.messages import console_message
from ui.workers import Workers

REFRESH_MS = 60_000
DIMENSIONS = ("queue", "source", "policy_area", "harm_category", "jurisdiction",
              "reporter_organisation")
SPIKES_SERIES = "Spikes"
SPIKES_WITH_CASES = 20
"""The ids behind each spike are fetched with the trend, for the most recent spikes."""
CaseIds = dict[tuple[str, datetime], TrendCases]
CLUSTER_KINDS = {"policy_citation": "policy citation", "pdq_group": "near-duplicate group",
                 "media_hash": "media hash", "reporter_organisation": "reporter organisation"}


def _hour_index(series: TrendSeries, at: datetime) -> float:
    return (at - series.since).total_seconds() / 3600.0


def explain(spike: SpikeAlert) -> str:
    """One spike in words, with everything needed to check it by hand."""
    baseline = ", ".join(str(n) for n in spike.baseline) or "none"
    return (f"{spike.key} at {spike.hour:%Y-%m-%d %H:00} UTC: {spike.count} cases; "
            f"baseline (same hour, weeks back) {baseline}; median {spike.median:g}, "
            f"MAD {spike.mad:g}, threshold {spike.threshold:g}, score {spike.score:.1f}. "
            f"Method: {spike.method}")


def cluster_figures(cluster: DecisionCluster) -> str:
    """One cluster's figures in words, and what the rule made of them."""
    verdict = "emerging" if cluster.emerging else "not emerging"
    return (f"{CLUSTER_KINDS[cluster.kind]} {cluster.key}: {cluster.count} cases decided in "
            f"the window, {cluster.baseline} in the days before (expected "
            f"{cluster.expected:g}, threshold {cluster.threshold:g}): {verdict}.")


def explain_cluster(cluster: DecisionCluster, method: str) -> str:
    """One cluster in words: its figures and the rule that judged it."""
    return f"{cluster_figures(cluster)} Rule: {method}"


def cluster_line(cluster: DecisionCluster) -> str:
    mark = "EMERGING " if cluster.emerging else ""
    return (f"{mark}{CLUSTER_KINDS[cluster.kind]} {cluster.key}: {cluster.count} cases "
            f"(expected {cluster.expected:g})")


def point_hour(series: TrendSeries, x: float) -> datetime:
    """The hour a chart point stands for (x: hours since the start of the span)."""
    return series.since + timedelta(hours=round(x))


def trend_chart(series: TrendSeries) -> QChart:
    """One line per key (x: hours since the start of the span) and the spikes as points."""
    chart = QChart()
    chart.setTitle(f"Cases received per hour by {series.dimension.replace('_', ' ')}")
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    lines: dict[str, QLineSeries] = {}
    top = 1
    for point in series.points:
        line = lines.get(point.key)
        if line is None:
            line = lines[point.key] = QLineSeries()
            line.setName(point.key)
            line.setPointsVisible(True)  # every hour a mark to click, a lone one too
            line.setMarkerSize(5.0)
        line.append(_hour_index(series, point.bucket_start), point.count)
        top = max(top, point.count)
    marks = QScatterSeries()
    marks.setName(SPIKES_SERIES)
    marks.setMarkerSize(12.0)
    for spike in series.spikes:
        marks.append(_hour_index(series, spike.hour), spike.count)
        top = max(top, spike.count)
    x_axis = QValueAxis()
    x_axis.setTitleText(f"Hours since {series.since:%d %b %H:00} UTC")
    x_axis.setRange(0, max(1.0, _hour_index(series, series.until)))
    x_axis.setLabelFormat("%d")
    y_axis = QValueAxis()
    y_axis.setTitleText("Cases")
    y_axis.setRange(0, top * 1.1)
    y_axis.setLabelFormat("%d")
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    for s in [*lines.values(), marks]:
        chart.addSeries(s)
        s.attachAxis(x_axis)
        s.attachAxis(y_axis)
    return chart


def cases_text(cases: TrendCases | None) -> str:
    if cases is None:
        return "Case ids not fetched (older spike)."
    more = f" (the first {len(cases.case_ids)})" if cases.count > len(cases.case_ids) else ""
    return f"{cases.count} cases{more}: " + ", ".join(cases.case_ids)


def _clusters_html(found: DecisionClusters | None) -> str:
    if found is None:
        return ""
    items = "".join(
        f"<li>{html.escape(cluster_figures(c))}<br>"
        f"{html.escape('Cases: ' + ', '.join(c.case_ids))}</li>" for c in found.clusters) \
        or "<li>No decisions share a key in this window.</li>"
    return (f"<h2>Clusters of decisions</h2><p>Decided {found.since:%Y-%m-%d %H:%M} to "
            f"{found.until:%Y-%m-%d %H:%M} UTC, against {found.baseline_since:%Y-%m-%d %H:%M} "
            f"onwards. Rule: {html.escape(found.method)}</p><ul>{items}</ul>")


def report_html(series: TrendSeries, chart_png: bytes, cases: CaseIds | None = None,
                found: DecisionClusters | None = None) -> str:
    """The stakeholder report: the chart, each spike explained, the counts per key, the
    clusters of decisions (counts and ids: never media, never people)."""
    totals: dict[str, int] = {}
    for point in series.points:
        totals[point.key] = totals.get(point.key, 0) + point.count
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{n}</td></tr>"
                   for k, n in sorted(totals.items()))
    got = cases or {}
    spikes = "".join(f"<li>{html.escape(explain(s))}<br>"
                     f"{html.escape(cases_text(got.get((s.key, s.hour))))}</li>"
                     for s in series.spikes) \
        or "<li>No spike in this span.</li>"
    image = base64.b64encode(chart_png).decode("ascii")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>Trend report: {html.escape(series.dimension)}</title></head><body>"
        f"<h1>Cases received by {html.escape(series.dimension.replace('_', ' '))}</h1>"
        f"<p>{series.since:%Y-%m-%d %H:00} to {series.until:%Y-%m-%d %H:00} UTC, per hour. "
        "Counts only: no case content, no media, no people.</p>"
        f"<img alt='Trend chart' src='data:image/png;base64,{image}'>"
        f"<h2>Spikes</h2><ul>{spikes}</ul>"
        f"<p>Method: {html.escape(series.method)}</p>"
        f"<h2>Cases per key</h2><table><tr><th>Key</th><th>Cases</th></tr>{rows}</table>"
        f"{_clusters_html(found)}</body></html>")


class IntelligencePanel(QWidget):
    """Signals:
        sig_busy(bool): a fetch started (True) or ended (False).
        sig_message(str): something for the status bar.
        sig_spike(object): a spike not seen before by this panel (a SpikeAlert).
    """

    sig_busy = Signal(bool)
    sig_message = Signal(str)
    sig_spike = Signal(object)

    def __init__(self, client: LeadClient, workers: Workers,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("intelligence")
        self.client = client
        self.workers = workers
        self.series: TrendSeries | None = None
        self.cases: CaseIds = {}
        self.found: DecisionClusters | None = None
        self.loading = False
        self._seen: set[tuple[str, datetime]] = set()
        self.dimension = QComboBox(self)
        self.dimension.setAccessibleName("Dimension")
        self.dimension.addItems([d.replace("_", " ") for d in DIMENSIONS])
        self.dimension.activated.connect(lambda _i: self.refresh())
        self.export = QPushButton("Export report…", self)
        self.notice = QLabel(self)
        self.notice.setObjectName("spikeNotice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background: #fff3cd; color: #664d03; padding: 6px;")
        self.notice.hide()  # the console shows it above its tabs, hidden on this tab
        self.view = QChartView(self)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(260)
        self.spikes = QListWidget(self)
        self.spikes.setObjectName("spikeList")
        self.spikes.setAccessibleName("Spikes")
        self.detail = QLabel("Pick a spike to see why it was flagged.", self)
        self.detail.setObjectName("spikeDetail")
        self.detail.setWordWrap(True)
        self.case_ids = QListWidget(self)
        self.case_ids.setObjectName("spikeCases")
        self.case_ids.setAccessibleName("Cases behind the spike (ids only)")
        self.spikes.currentRowChanged.connect(self._spike_chosen)
        self.clusters = QListWidget(self)
        self.clusters.setObjectName("clusterList")
        self.clusters.setAccessibleName("Clusters of decisions")
        self.clusters.currentRowChanged.connect(self._cluster_chosen)
        row = QHBoxLayout()
        label = QLabel("&By:", self)
        label.setBuddy(self.dimension)
        row.addWidget(label)
        row.addWidget(self.dimension)
        row.addStretch(1)
        row.addWidget(self.export)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.spikes)
        layout.addWidget(QLabel("Clusters of decisions (last 24 hours):", self))
        layout.addWidget(self.clusters)
        layout.addWidget(self.detail)
        layout.addWidget(self.case_ids)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

    def current_dimension(self) -> str:
        return DIMENSIONS[max(0, self.dimension.currentIndex())]

    def start(self) -> None:
        self.refresh()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        if self.loading:
            return
        self.loading = True
        self.sig_busy.emit(True)
        dimension = self.current_dimension()
        def op() -> tuple[TrendSeries, CaseIds, DecisionClusters]:
            series = self.client.trends(dimension)
            recent = sorted(series.spikes, key=lambda s: s.hour)[-SPIKES_WITH_CASES:]
            return series, {(s.key, s.hour): self.client.trend_cases(dimension, s.key, s.hour)
                            for s in recent}, self.client.clusters()

        self.workers.run(op, self._got, self._failed)

    def _got(self, got: tuple[TrendSeries, CaseIds, DecisionClusters]) -> None:
        self.loading = False
        self.sig_busy.emit(False)
        self.cases = got[1]
        self.show_series(got[0])
        self.show_clusters(got[2])

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.sig_busy.emit(False)
        self.sig_message.emit(console_message(exc, "reading the trends"))

    def show_series(self, series: TrendSeries) -> None:
        self.series = series
        chart = trend_chart(series)
        for line in chart.series():
            if isinstance(line, QScatterSeries):
                line.clicked.connect(self._spike_clicked)
            elif isinstance(line, QLineSeries):
                line.clicked.connect(partial(self._line_clicked, line.name()))
        self.view.setChart(chart)
        self.spikes.clear()
        self.case_ids.clear()
        for spike in series.spikes:
            self.spikes.addItem(f"{spike.hour:%d %b %H:00} UTC — {spike.key}: {spike.count} "
                                f"cases (threshold {spike.threshold:g})")
        fresh = [s for s in series.spikes if (s.key, s.hour) not in self._seen]
        self._seen.update((s.key, s.hour) for s in series.spikes)
        if fresh:
            names = ", ".join(f"{s.key} at {s.hour:%H:00} UTC" for s in fresh[:3])
            self.notice.setText(f"Spike: {names} — more cases than the same hour of the "
                                "recent weeks. See the Intelligence tab.")
            self.notice.show()
            for spike in fresh:
                self.sig_spike.emit(spike)

    def show_clusters(self, found: DecisionClusters) -> None:
        self.found = found
        self.clusters.clear()
        for cluster in found.clusters:
            self.clusters.addItem(cluster_line(cluster))
            self.clusters.item(self.clusters.count() - 1).setToolTip(
                explain_cluster(cluster, found.method))
        if not found.clusters:
            self.clusters.addItem("No decisions of the last 24 hours share a key.")

    def _cluster_chosen(self, row: int) -> None:
        if self.found is None or not 0 <= row < len(self.found.clusters):
            return
        cluster = self.found.clusters[row]
        self.detail.setText(explain_cluster(cluster, self.found.method))
        self.case_ids.clear()
        self.case_ids.addItems(cluster.case_ids)

    def _spike_clicked(self, at: QPointF) -> None:
        """A spike's mark on the chart picks it in the list (its explanation and cases)."""
        if self.series is None:
            return
        hour = point_hour(self.series, at.x())
        for row, spike in enumerate(self.series.spikes):
            if spike.hour == hour and spike.count == round(at.y()):
                self.spikes.setCurrentRow(row)
                return

    def _line_clicked(self, key: str, at: QPointF) -> None:
        self.open_point(key, at.x())

    def open_point(self, key: str, x: float) -> None:
        """The ids of the cases behind one point of a line, fetched off the GUI thread."""
        if self.series is None:
            return
        hour = point_hour(self.series, x)
        dimension = self.series.dimension
        self.detail.setText(f"Fetching the cases of {key} at {hour:%d %b %H:00} UTC…")

        def op() -> TrendCases:
            return self.client.trend_cases(dimension, key, hour)

        self.workers.run(op, self._point_cases, lambda exc: self.sig_message.emit(
            console_message(exc, "reading the cases behind the point")))

    def _point_cases(self, cases: TrendCases) -> None:
        self.detail.setText(f"{cases.key} at {cases.hour:%d %b %H:00} UTC: "
                            f"{cases_text(cases).split(':')[0]}.")
        self.case_ids.clear()
        self.case_ids.addItems(cases.case_ids)

    def _spike_chosen(self, row: int) -> None:
        if self.series is None or not 0 <= row < len(self.series.spikes):
            return
        spike = self.series.spikes[row]
        cases = self.cases.get((spike.key, spike.hour))
        self.detail.setText(explain(spike) + "\n" + cases_text(cases).split(":")[0] + ".")
        self.case_ids.clear()
        self.case_ids.addItems(cases.case_ids if cases is not None else [])

    def chart_png(self) -> bytes:
        image = self.view.grab().toImage()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")  # type: ignore[call-overload]  # stubs want bytes
        buffer.close()
        return bytes(data.data())

    def export_report(self, path: Path) -> bool:
        """Write the HTML report of the trend shown; False when nothing is loaded yet."""
        if self.series is None:
            return False
        path.write_text(report_html(self.series, self.chart_png(), self.cases, self.found),
                        encoding="utf-8")
        return True
