"""The queue's SLA column: time left in hours and minutes, the warning colour inside the
service's warning window, and a clear breached mark (offscreen Qt, a fixed service time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont

from reviewer_app.domain import CaseSummary, HarmCategory, PolicyArea, Severity, Source
from ui.views.queue_panel import BREACHED_COLOUR, WARNING_COLOUR, QueueModel

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _summary(case_id: str, due_in: timedelta) -> CaseSummary:
    return CaseSummary(id=case_id, source=Source.REGULATOR, policy_area=PolicyArea.REGULATORY,
                       harm_category=HarmCategory.OTHER, severity=Severity.LOW, priority=50,
                       received_at=NOW - timedelta(hours=1), sla_due_at=NOW + due_in)


def _model(warning_minutes: int = 240) -> QueueModel:
    model = QueueModel()
    model.now = lambda: NOW
    model.set_cases([_summary("far", timedelta(hours=5, minutes=5, seconds=30)),
                     _summary("soon", timedelta(minutes=45, seconds=10)),
                     _summary("late", -timedelta(hours=1, minutes=10))])
    model.set_warning_minutes(warning_minutes)
    return model


def _cell(model: QueueModel, case_id: str, role: Qt.ItemDataRole) -> object:
    row = model.row_of(case_id)
    assert row is not None
    return model.data(model.index(row, 1), role)


def test_time_left_reads_in_hours_and_minutes_and_breached_is_marked(qapp: object) -> None:
    model = _model()
    assert _cell(model, "far", Qt.ItemDataRole.DisplayRole) == "5 h 05 min"
    assert _cell(model, "soon", Qt.ItemDataRole.DisplayRole) == "45 min"
    assert _cell(model, "late", Qt.ItemDataRole.DisplayRole) == "⚠ breached 1 h 10 min ago"
    font = _cell(model, "late", Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.bold()
    assert _cell(model, "soon", Qt.ItemDataRole.FontRole) is None
    assert "SLA breached" in str(_cell(model, "late", Qt.ItemDataRole.AccessibleTextRole))


def test_the_warning_colour_follows_the_services_window(qapp: object) -> None:
    model = _model(240)
    late = _cell(model, "late", Qt.ItemDataRole.ForegroundRole)
    assert isinstance(late, QBrush)
    assert late.color() == BREACHED_COLOUR
    soon = _cell(model, "soon", Qt.ItemDataRole.ForegroundRole)
    assert isinstance(soon, QBrush)
    assert soon.color() == WARNING_COLOUR
    assert _cell(model, "far", Qt.ItemDataRole.ForegroundRole) is None
    wider = _model(6 * 60)
    far = _cell(wider, "far", Qt.ItemDataRole.ForegroundRole)
    assert isinstance(far, QBrush)
    assert far.color() == WARNING_COLOUR
    narrower = _model(30)
    assert _cell(narrower, "soon", Qt.ItemDataRole.ForegroundRole) is None


def test_rows_are_made_again_when_time_passes_and_when_a_case_is_decided(qapp: object) -> None:
    """The model keeps each row's cells between changes; the adversary is a stale row: a
    countdown that no longer moves, a decided case still shown undecided."""
    now = [NOW]
    model = QueueModel()
    model.now = lambda: now[0]
    model.set_cases([_summary("soon", timedelta(minutes=45, seconds=10))])
    assert _cell(model, "soon", Qt.ItemDataRole.DisplayRole) == "45 min"
    now[0] = NOW + timedelta(minutes=50)
    assert _cell(model, "soon", Qt.ItemDataRole.DisplayRole) == "45 min"  # until the tick
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda first, last: changed.append((first.row(), last.row())))
    model.refresh_countdowns()
    assert changed == [(0, 0)]
    assert _cell(model, "soon", Qt.ItemDataRole.DisplayRole) == "⚠ breached 4 min ago"
    font = _cell(model, "soon", Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.bold()

    model.decided.add("soon")
    model.mark_decided("soon")
    row = model.row_of("soon")
    assert row is not None
    assert model.data(model.index(row, 0), Qt.ItemDataRole.DisplayRole) == "✓ 50"
    grey = model.data(model.index(row, 1), Qt.ItemDataRole.ForegroundRole)
    assert isinstance(grey, QBrush)
    assert grey.color() != BREACHED_COLOUR  # decided: no longer the breached red
    assert _cell(model, "soon", Qt.ItemDataRole.FontRole) is None
