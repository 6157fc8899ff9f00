"""The dashboard's charts (QtCharts), built from the service's figures: the team's weekly
trend, the spread of severe exposure (before and after dose-aware assignment), and today's
reveals by harm category for the people nearest a cap."""

from __future__ import annotations

import math

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QHorizontalStackedBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from reviewer_app.contract import PersonDashboard, TeamDashboard, TrendPoint
from ui.console.wording import category_text

PEOPLE_IN_CHART = 15
"""Today's chart shows the people nearest a cap; the table lists everyone."""
_CATEGORY_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                     "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    app = QApplication.instance()
    dark = isinstance(app, QApplication) and app.palette().window().color().lightness() < 128
    chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight)
    return chart


def _weeks(trend: list[TrendPoint]) -> list[str]:
    return [f"{p.week_start:%d %b}" for p in trend]


def _value_axis(chart: QChart, title: str, top: float, align: Qt.AlignmentFlag) -> QValueAxis:
    """A count axis from 0 with whole-number ticks (a few items give one tick per item)."""
    axis = QValueAxis()
    axis.setTitleText(title)
    upper = max(1, math.ceil(top * 1.1))
    axis.setRange(0, upper)
    if upper <= 10:
        axis.setTickCount(upper + 1)
    else:
        axis.applyNiceNumbers()
    axis.setLabelFormat("%d")
    chart.addAxis(axis, align)
    return axis


def trend_chart(trend: list[TrendPoint]) -> QChart:
    """Team totals per service week: shown, revealed and severe reveals; cap hits as a line."""
    chart = _chart("Team totals per week (the last 8 service weeks)")
    bars = QBarSeries()
    for name, values in (("Items shown", [p.shown for p in trend]),
                         ("Items revealed", [p.revealed for p in trend]),
                         ("Severe reveals", [p.severe_revealed for p in trend])):
        bar_set = QBarSet(name)
        bar_set.append([float(v) for v in values])
        bars.append(bar_set)
    chart.addSeries(bars)
    hits = QLineSeries()
    hits.setName("Cap hits")
    for i, point in enumerate(trend):
        hits.append(float(i), float(point.cap_hits))
    chart.addSeries(hits)
    weeks = QBarCategoryAxis()
    weeks.append(_weeks(trend) or ["no weeks yet"])
    chart.addAxis(weeks, Qt.AlignmentFlag.AlignBottom)
    bars.attachAxis(weeks)
    top = max([max(p.shown, p.revealed) for p in trend] or [1])
    items = _value_axis(chart, "items", top, Qt.AlignmentFlag.AlignLeft)
    bars.attachAxis(items)
    line_x = QValueAxis()
    line_x.setRange(-0.5, max(0.5, len(trend) - 0.5))
    line_x.setVisible(False)
    chart.addAxis(line_x, Qt.AlignmentFlag.AlignBottom)
    hits.attachAxis(line_x)
    cap_axis = _value_axis(chart, "cap hits", max([p.cap_hits for p in trend] or [1]),
                           Qt.AlignmentFlag.AlignRight)
    hits.attachAxis(cap_axis)
    return chart


def spread_chart(trend: list[TrendPoint]) -> QChart:
    """Per week, the share of severe reveals that went to the single most exposed person,
    split by whether dose-aware assignment was on: lower is a fairer spread."""
    chart = _chart("Severe exposure: share of the week's severe reveals taken by the most "
                   "exposed person (lower is better spread)")
    off, on = QBarSet("dose-aware off"), QBarSet("dose-aware on")
    off.setColor(QColor("#e15759"))
    on.setColor(QColor("#59a14f"))
    for point in trend:
        share = 100.0 * (point.severe_top_share or 0.0)
        off.append(0.0 if point.dose_aware else share)
        on.append(share if point.dose_aware else 0.0)
    series = QBarSeries()
    series.append(off)
    series.append(on)
    chart.addSeries(series)
    weeks = QBarCategoryAxis()
    weeks.append(_weeks(trend) or ["no weeks yet"])
    chart.addAxis(weeks, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(weeks)
    share_axis = QValueAxis()
    share_axis.setRange(0, 100)
    share_axis.setLabelFormat("%d%%")
    share_axis.setTitleText("top person's share")
    chart.addAxis(share_axis, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(share_axis)
    return chart


def today_chart(people: list[PersonDashboard]) -> QChart:
    """Today's reveals per harm category, stacked, for the people nearest a cap."""
    shown = people[:PEOPLE_IN_CHART]
    who = "the person" if len(shown) == 1 else f"the {len(shown)} people"
    chart = _chart(f"Revealed today by harm category: {who} nearest a cap (everyone is in "
                   "the table)")
    categories = sorted({f.harm_category for p in shown for f in p.today})
    series = QHorizontalStackedBarSeries()
    for i, category in enumerate(categories):
        bar_set = QBarSet(category_text(category))
        bar_set.setColor(QColor(_CATEGORY_COLOURS[i % len(_CATEGORY_COLOURS)]))
        for person in reversed(shown):  # the nearest a cap at the top
            bar_set.append(float(sum(f.revealed for f in person.today
                                     if f.harm_category == category)))
        series.append(bar_set)
    chart.addSeries(series)
    names = QBarCategoryAxis()
    names.append([p.username for p in reversed(shown)] or ["nobody"])
    names.setTruncateLabels(False)  # a name cut to "..." tells the lead nothing
    chart.addAxis(names, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(names)
    top = max([sum(f.revealed for f in p.today) for p in shown] or [1])
    counts = _value_axis(chart, "items revealed today", top, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(counts)
    return chart


def charts_for(dashboard: TeamDashboard, people: list[PersonDashboard]) -> dict[str, QChart]:
    """Every chart of the dashboard by name (`people` in the table's order)."""
    return {"trend": trend_chart(dashboard.trend), "spread": spread_chart(dashboard.trend),
            "today": today_chart(people)}


def antialias(view: QWidget) -> None:
    view.setRenderHint(QPainter.RenderHint.Antialiasing)  # type: ignore[attr-defined]
