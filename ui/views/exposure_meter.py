"""Exposure meter: today's use of each cap, with the 80% warning in amber and a reached cap
in red. Counted by the tool, never self-reported; reaching a cap carries no penalty."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from safeguards import ExposureLedger, ExposurePolicy, Measure, Verdict
from safeguards.gate import WARN_AT
from ui.views.case_view import humanise

MEASURE_TEXT = {Measure.SHOWN: "shown", Measure.REVEALED: "revealed",
                Measure.SECONDS_REVEALED: "min revealed"}


def cap_title(categories: tuple[object, ...], min_severity: int, window: str,
              measure: Measure) -> str:
    what = ", ".join(humanise(str(c)) for c in categories) or "All categories"
    return f"{what}, severity {min_severity}+, {MEASURE_TEXT[measure]} per {window}"


class ExposureMeter(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exposureMeter")
        self.setAccessibleName("Exposure meter")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel("<b>Exposure</b> (counted by the tool)", self)
        self._layout.addWidget(self.heading)
        self.warning = QLabel("", self)
        self.warning.setWordWrap(True)
        self.warning.setObjectName("exposureWarning")
        self.warning.setAccessibleName("Exposure warning")
        self._layout.addWidget(self.warning)
        self.avoided = QLabel("", self)
        self.avoided.setObjectName("exposureAvoided")
        self.avoided.setWordWrap(True)
        self._layout.addWidget(self.avoided)
        self.bars: list[QProgressBar] = []
        self.titles: list[QLabel] = []

    def update_from(self, policy: ExposurePolicy, ledger: ExposureLedger, verdict: Verdict,
                    now: datetime) -> None:
        while len(self.bars) < len(policy.caps):
            label = QLabel(self)
            label.setWordWrap(True)
            bar = QProgressBar(self)
            bar.setTextVisible(True)
            bar.setMaximumHeight(14)
            self._layout.addWidget(label)
            self._layout.addWidget(bar)
            self.titles.append(label)
            self.bars.append(bar)
        for label, bar in zip(self.titles[len(policy.caps):], self.bars[len(policy.caps):],
                              strict=True):
            label.hide()
            bar.hide()
        for cap, bar, label in zip(policy.caps, self.bars, self.titles, strict=False):
            limit = policy.limit_for(cap, now)
            used = ledger.tally(cap.window, now=now, categories=cap.categories,
                                min_severity=cap.min_severity).measure(cap.measure)
            scale = 60.0 if cap.measure is Measure.SECONDS_REVEALED else 1.0
            bar.setMaximum(max(1, int(limit / scale)))
            bar.setValue(min(bar.maximum(), int(used / scale)))
            title = cap_title(cap.categories, int(cap.min_severity), cap.window, cap.measure)
            bar.setFormat(f"{int(used / scale)} / {int(limit / scale)}")
            label.setText(title)
            label.show()
            bar.setAccessibleName(f"{title}: {int(used / scale)} of {int(limit / scale)}")
            fraction = used / limit if limit > 0 else 1.0
            colour = "#c53030" if fraction >= 1 else "#b7791f" if fraction >= WARN_AT else ""
            bar.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}" if colour
                              else "")
            bar.show()
        if verdict.warnings:
            worst = verdict.warnings[0]
            self.warning.setText(f"Nearing a limit: {worst.cap} at "
                                 f"{int(worst.fraction * 100)}%. Consider a break (Ctrl+B).")
        else:
            self.warning.setText("")

    def set_avoided(self, avoided: object) -> None:
        """Exposure avoided (reveals near-duplicate matching made unneeded), as the service
        counts it; hidden until there is some."""
        today = getattr(avoided, "today", 0)
        week = getattr(avoided, "week", 0)
        text = (f"Exposure avoided: {today} today, {week} this week (matches decided "
                "without revealing)") if today or week else ""
        self.avoided.setText(text)
        self.avoided.setAccessibleName(text or "No exposure avoided yet")
