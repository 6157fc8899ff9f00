"""Small editors for policy fields, each with `value()`, `set_value()` and `sig_changed`.

Their ranges are wider than the engine allows on purpose: the engine (ExposurePolicy) is the
one judge of a value, and its message shows beside the field, so the editor never silently
clamps a number to something the lead did not type. Times are entered and shown in hours,
minutes and seconds, never as raw minutes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSlider,
    QSpinBox,
    QToolButton,
    QWidget,
)

from reviewer_app.domain import HarmCategory
from safeguards import RevealMode
from ui.console.wording import SEVERITY_NAMES, blur_words, category_text


class FieldEditor(QWidget):
    """Signals:
        sig_changed(): the value changed (typed, picked or set).
    """

    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def _changed(self, *_args: object) -> None:
        self.sig_changed.emit()


class BoolEditor(FieldEditor):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QCheckBox(text, self)
        self.row.addWidget(self.box)
        self.row.addStretch(1)
        self.box.toggled.connect(self._changed)

    def value(self) -> bool:
        return self.box.isChecked()

    def set_value(self, value: Any) -> None:
        self.box.setChecked(bool(value))


class TextEditor(FieldEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line = QLineEdit(self)
        self.row.addWidget(self.line)
        self.line.textChanged.connect(self._changed)

    def value(self) -> str:
        return self.line.text()

    def set_value(self, value: Any) -> None:
        self.line.setText(str(value or ""))


class NumberEditor(FieldEditor):
    """A whole number with a unit; `hint` turns the value into words beside it."""

    def __init__(self, unit: str = "", *, low: int = -100_000, high: int = 1_000_000,
                 hint: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = QSpinBox(self)
        self.spin.setRange(low, high)
        self.spin.setSuffix(f" {unit}" if unit else "")
        self.words = QLabel(self)
        self._hint = hint
        self.row.addWidget(self.spin)
        self.row.addWidget(self.words, 1)
        self.spin.valueChanged.connect(self._update)

    def _update(self, *_args: object) -> None:
        self.words.setText(self._hint(self.spin.value()) if self._hint else "")
        self.sig_changed.emit()

    def value(self) -> int:
        return self.spin.value()

    def set_value(self, value: Any) -> None:
        self.spin.setValue(int(value or 0))
        self.words.setText(self._hint(self.spin.value()) if self._hint else "")


class DurationEditor(FieldEditor):
    """A span entered as hours, minutes and seconds; `unit` is what the policy stores
    ("minutes" or "seconds")."""

    def __init__(self, unit: str, *, with_seconds: bool = True, with_hours: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unit = unit
        self.hours = QSpinBox(self)
        self.hours.setRange(-99, 99)
        self.hours.setSuffix(" h")
        self.minutes = QSpinBox(self)
        self.minutes.setRange(-59, 599)
        self.minutes.setSuffix(" min")
        self.seconds = QDoubleSpinBox(self)
        self.seconds.setRange(-59, 59.99)
        self.seconds.setDecimals(0)
        self.seconds.setSuffix(" s")
        for spin, shown in ((self.hours, with_hours), (self.minutes, True),
                            (self.seconds, with_seconds)):
            spin.setVisible(shown)
            self.row.addWidget(spin)
            spin.valueChanged.connect(self._changed)
        self.row.addStretch(1)

    def total_seconds(self) -> float:
        return self.hours.value() * 3600 + self.minutes.value() * 60 + self.seconds.value()

    def value(self) -> float | int:
        seconds = self.total_seconds()
        if self.unit == "seconds":
            return int(round(seconds))
        minutes = seconds / 60
        return int(minutes) if minutes == int(minutes) else round(minutes, 3)

    def set_value(self, value: Any) -> None:
        seconds = float(value or 0) * (1 if self.unit == "seconds" else 60)
        sign = -1 if seconds < 0 else 1
        seconds = abs(seconds)
        hours = int(seconds // 3600) if self._shows(self.hours) else 0
        rest = seconds - hours * 3600
        minutes = int(rest // 60)
        secs = rest - minutes * 60
        if not self._shows(self.seconds):
            minutes, secs = minutes + int(round(secs / 60)), 0
        for spin in (self.hours, self.minutes, self.seconds):
            spin.blockSignals(True)
        self.hours.setValue(sign * hours)
        self.minutes.setValue(sign * minutes)
        self.seconds.setValue(sign * secs)
        for spin in (self.hours, self.minutes, self.seconds):
            spin.blockSignals(False)

    @staticmethod
    def _shows(spin: QWidget) -> bool:
        return not spin.isHidden()


class OffsetEditor(FieldEditor):
    """A UTC offset as UTC+h:mm, stored in minutes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sign = QComboBox(self)
        self.sign.addItems(["UTC+", "UTC-"])
        self.hours = QSpinBox(self)
        self.hours.setRange(0, 23)
        self.hours.setSuffix(" h")
        self.minutes = QSpinBox(self)
        self.minutes.setRange(0, 59)
        self.minutes.setSuffix(" min")
        for widget in (self.sign, self.hours, self.minutes):
            self.row.addWidget(widget)
        self.row.addStretch(1)
        self.sign.currentIndexChanged.connect(self._changed)
        self.hours.valueChanged.connect(self._changed)
        self.minutes.valueChanged.connect(self._changed)

    def value(self) -> int:
        minutes = self.hours.value() * 60 + self.minutes.value()
        return -minutes if self.sign.currentIndex() == 1 else minutes

    def set_value(self, value: Any) -> None:
        minutes = int(value or 0)
        for widget in (self.sign, self.hours, self.minutes):
            widget.blockSignals(True)
        self.sign.setCurrentIndex(1 if minutes < 0 else 0)
        self.hours.setValue(abs(minutes) // 60)
        self.minutes.setValue(abs(minutes) % 60)
        for widget in (self.sign, self.hours, self.minutes):
            widget.blockSignals(False)


class ChoiceEditor(FieldEditor):
    """One of a few values, each shown in words."""

    def __init__(self, choices: list[tuple[Any, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox(self)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(10)  # long choices elide rather than widen the form
        for value, text in choices:
            self.combo.addItem(text, value)
            self.combo.setItemData(self.combo.count() - 1, text,
                                   Qt.ItemDataRole.ToolTipRole)
        self.row.addWidget(self.combo, 1)
        self.combo.currentIndexChanged.connect(self._changed)

    def value(self) -> Any:
        return self.combo.currentData()

    def set_value(self, value: Any) -> None:
        index = self.combo.findData(value)
        self.combo.setCurrentIndex(max(0, index))


def severity_editor(parent: QWidget | None = None, *, low: int = 0) -> ChoiceEditor:
    return ChoiceEditor([(s, f"{s} {SEVERITY_NAMES[s]}") for s in range(low, 5)], parent)


class BlurEditor(FieldEditor):
    """Blur strength on a slider, said in words beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(1, 10)
        self.slider.setPageStep(1)
        self.slider.setAccessibleName("Blur strength")
        self.words = QLabel(self)
        self.words.setWordWrap(True)
        self.row.addWidget(self.slider, 1)
        self.row.addWidget(self.words, 2)
        self.slider.valueChanged.connect(self._update)

    def _update(self, *_args: object) -> None:
        self.words.setText(blur_words(self.slider.value()))
        self.sig_changed.emit()

    def value(self) -> int:
        return self.slider.value()

    def set_value(self, value: Any) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(int(value))
        self.slider.blockSignals(False)
        self.words.setText(blur_words(self.slider.value()))


class ModesEditor(FieldEditor):
    """Which reveal modes are allowed (none is the engine's error, shown beside it)."""

    TEXT = {RevealMode.HOLD: "hold a key", RevealMode.LENS: "lens",
            RevealMode.STEPPED: "stepped (blur, gray, colour)"}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes = {mode: QCheckBox(self.TEXT[mode], self) for mode in RevealMode}
        for box in self.boxes.values():
            self.row.addWidget(box)
            box.toggled.connect(self._changed)
        self.row.addStretch(1)

    def value(self) -> list[str]:
        return [str(m) for m, box in self.boxes.items() if box.isChecked()]

    def set_value(self, value: Any) -> None:
        wanted = {str(v) for v in value or ()}
        for mode, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(str(mode) in wanted)
            box.blockSignals(False)


class CategoriesEditor(FieldEditor):
    """Harm categories picked from a menu; `none_text` says what an empty pick means."""

    def __init__(self, none_text: str = "all categories",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.none_text = none_text
        self.button = QToolButton(self)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.button)
        self.category_actions: dict[HarmCategory, QAction] = {}
        for category in HarmCategory:
            action = self.menu.addAction(category_text(category))
            action.setCheckable(True)
            action.toggled.connect(self._toggled)
            self.category_actions[category] = action
        self.button.setMenu(self.menu)
        self.row.addWidget(self.button, 1)
        self._caption()

    def _toggled(self, *_args: object) -> None:
        self._caption()
        self.sig_changed.emit()

    def _caption(self) -> None:
        names = [category_text(c) for c in self.value()]
        full = ", ".join(names) or self.none_text
        self.button.setText(full if len(names) <= 2 else f"{len(names)} categories")
        self.button.setToolTip(full)

    def value(self) -> list[str]:
        return [str(c) for c, a in self.category_actions.items() if a.isChecked()]

    def set_value(self, value: Any) -> None:
        wanted = {str(v) for v in value or ()}
        for category, action in self.category_actions.items():
            action.blockSignals(True)
            action.setChecked(str(category) in wanted)
            action.blockSignals(False)
        self._caption()


class OptionalEditor(FieldEditor):
    """A per-category value: unticked means "the team's default" (None); ticked, the value of
    the inner editor replaces the team's for that category."""

    def __init__(self, inner: FieldEditor, parent: QWidget | None = None, *,
                 own_text: str = "own value") -> None:
        super().__init__(parent)
        self.own = QCheckBox(own_text, self)
        self.inner = inner
        inner.setParent(self)
        self.default = QLabel(self)
        self.default.setWordWrap(True)
        self.default.setMaximumWidth(220)
        self.row.addWidget(self.own)
        self.row.addWidget(inner, 1)
        self.row.addWidget(self.default)
        self.own.toggled.connect(self._toggled)
        inner.sig_changed.connect(self._changed)
        self._toggled(False)

    def _toggled(self, checked: bool) -> None:
        self.inner.setEnabled(checked)
        self.default.setVisible(not checked)
        self.sig_changed.emit()

    def value(self) -> Any:
        return self.inner.value() if self.own.isChecked() else None

    def set_value(self, value: Any) -> None:
        if value is not None:
            self.inner.blockSignals(True)
            self.inner.set_value(value)
            self.inner.blockSignals(False)
        self.own.blockSignals(True)
        self.own.setChecked(value is not None)
        self.own.blockSignals(False)
        self.inner.setEnabled(value is not None)
        self.default.setVisible(value is None)

    def set_inner(self, value: Any, default_text: str) -> None:
        """The inner editor shows `value` (the team's when unset); the note says the default."""
        self.inner.blockSignals(True)
        self.inner.set_value(value)
        self.inner.blockSignals(False)
        self.default.setText(default_text)
