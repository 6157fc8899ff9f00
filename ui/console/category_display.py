"""Display settings per harm category: pick a category, then set any of its display values;
an unset value keeps the team's default. The preview follows the category picked here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from reviewer_app.domain import HarmCategory
from safeguards.display import CategoryDisplay, DisplaySettings
from ui.console.field_editors import (
    BlurEditor,
    BoolEditor,
    DurationEditor,
    FieldEditor,
    ModesEditor,
    OptionalEditor,
    severity_editor,
)
from ui.console.field_grid import FieldGrid, show_error
from ui.console.wording import category_text, meaning, value_text

TEAM_DEFAULTS = "(team default for every category)"

FIELDS: tuple[tuple[str, str, type[FieldEditor] | None], ...] = (
    ("grayscale", "Grayscale", None),
    ("blur_strength", "Blur strength", BlurEditor),
    ("reveal_modes", "Reveal modes", ModesEditor),
    ("auto_reblur_seconds", "Auto re-blur", None),
    ("audio_muted", "Audio muted", None),
    ("video_autoplay", "Video autoplay", None),
    ("warning_from_severity", "Warning from severity", None),
    ("colour_allowed", "Colour allowed", None),
    ("outline_offered", "Outline step", None),
)

OUTLINE_TEXT = "Offer an outline step (edges only)"
OUTLINE_TIP = "Studies found outline renderings reduced distress while keeping content judgeable."
"""All the console claims for the outline step: no more than the studies found."""


def outline_editor(parent: QWidget | None = None) -> BoolEditor:
    """The lead's choice to offer the reduced-detail step, with the one sentence it rests on."""
    editor = BoolEditor(OUTLINE_TEXT, parent)
    editor.box.setToolTip(OUTLINE_TIP)
    editor.setToolTip(OUTLINE_TIP)
    return editor


def _inner(name: str, parent: QWidget) -> FieldEditor:
    if name == "outline_offered":
        return outline_editor(parent)
    if name in ("grayscale", "audio_muted", "video_autoplay", "colour_allowed"):
        return BoolEditor("on", parent)
    if name == "blur_strength":
        return BlurEditor(parent)
    if name == "reveal_modes":
        return ModesEditor(parent)
    if name == "auto_reblur_seconds":
        return DurationEditor("seconds", with_hours=False, parent=parent)
    return severity_editor(parent)


class CategoryDisplayEditor(FieldGrid):
    """Signals (besides FieldGrid's):
        sig_changed(): a category's setting changed.
        sig_category(object): the category picked (str), or None for the team's defaults.
    """

    sig_changed = Signal()
    sig_category = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Display per harm category", "display_by_category", parent)
        self.by_category: dict[str, dict[str, Any]] = {}
        self.team = DisplaySettings()
        self.current: str | None = None
        top = QWidget(self)
        row = QHBoxLayout(top)
        row.setContentsMargins(0, 0, 0, 0)
        self.picker = QComboBox(top)
        self.picker.setAccessibleName("Harm category")
        self.picker.addItem(TEAM_DEFAULTS, None)
        for category in HarmCategory:
            self.picker.addItem(category_text(category), str(category))
        label = QLabel("&Category", top)
        label.setBuddy(self.picker)
        row.addWidget(label)
        row.addWidget(self.picker, 1)
        self.summary = QLabel(top)
        self.summary.setWordWrap(True)
        note = QLabel(meaning("display_by_category"), self)
        note.setWordWrap(True)
        column = QVBoxLayout()
        column.addWidget(top)
        column.addWidget(note)
        column.addWidget(self.summary)
        self.grid.addLayout(column, self.grid.rowCount(), 0, 1, 2)
        self.optional: dict[str, OptionalEditor] = {}
        for name, title, _ in FIELDS:
            editor = OptionalEditor(_inner(name, self), self)
            self.add(f"display_by_category.*.{name}", title, editor,
                     meaning(f"display.{name}", DisplaySettings))
            editor.sig_changed.connect(lambda n=name: self._edited(n))
            self.optional[name] = editor
        self.picker.currentIndexChanged.connect(self._picked)
        self._picked()

    def value(self) -> dict[str, dict[str, Any]]:
        return {cat: dict(own) for cat, own in self.by_category.items() if own}

    def set_value(self, by_category: dict[str, dict[str, Any]], team: DisplaySettings) -> None:
        self.by_category = {cat: {k: v for k, v in (own or {}).items() if v is not None}
                            for cat, own in by_category.items()}
        self.team = team
        self._picked()

    def set_team(self, team: DisplaySettings) -> None:
        """The team's defaults changed: unset values show the new default."""
        self.team = team
        self._load_editors()

    def select(self, category: str | None) -> None:
        self.picker.setCurrentIndex(max(0, self.picker.findData(category)))

    def _picked(self, *_args: object) -> None:
        self.current = self.picker.currentData()
        self._load_editors()
        self.sig_category.emit(self.current)

    def _load_editors(self) -> None:
        own = self.by_category.get(self.current or "", {})
        team = self.team.model_dump(mode="json")
        for name, editor in self.optional.items():
            editor.blockSignals(True)
            editor.setEnabled(self.current is not None)
            editor.set_value(own.get(name))
            editor.set_inner(own.get(name, team[name]),
                             f"team: {value_text(f'display.{name}', team[name])}")
            editor.blockSignals(False)
        self._summarise()

    def _edited(self, name: str) -> None:
        if self.current is None:
            return
        own = self.by_category.setdefault(self.current, {})
        value = self.optional[name].value()
        if value is None:
            own.pop(name, None)
        else:
            own[name] = value
        if not own:
            del self.by_category[self.current]
        self._summarise()
        self.sig_changed.emit()

    def _summarise(self) -> None:
        with_own = [category_text(c) for c in HarmCategory if self.by_category.get(str(c))]
        self.summary.setText("Categories with their own settings: "
                             + (", ".join(with_own) or "none"))
        for index in range(1, self.picker.count()):
            cat = self.picker.itemData(index)
            mark = " •" if self.by_category.get(cat) else ""
            self.picker.setItemText(index, category_text(cat) + mark)

    def display_for(self, category: str | None) -> DisplaySettings:
        """The display reviewers get for `category` under this draft (the team's, with the
        category's values in place); the team's while the draft cannot be valid."""
        own = self.by_category.get(category or "")
        if not own:
            return self.team
        try:
            return CategoryDisplay.model_validate(own).over(self.team)
        except ValueError:
            return self.team

    def show_problems(self, problems: dict[str, str]) -> None:
        """Messages for the category picked beside its fields; the others in the summary."""
        elsewhere: list[str] = []
        for name in self.optional:
            show_error(self.errors[f"display_by_category.*.{name}"], "")
        section = problems.get("display_by_category", "")
        for path, message in problems.items():
            if not path.startswith("display_by_category."):
                continue
            _, category, *rest = path.split(".")
            field = rest[0].split("[")[0] if rest else ""
            if category == self.current and field in self.optional:
                show_error(self.errors[f"display_by_category.*.{field}"], message)
            else:
                elsewhere.append(f"{category_text(category)}: {field or 'settings'}: {message}")
        show_error(self.section_error, "; ".join(filter(None, [section, *elsewhere])))
