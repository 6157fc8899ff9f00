"""Every field of a team's ExposurePolicy, each with its meaning beside it and the engine's
message under it: general, display, display per category, breaks, assignment, caps, and the
overrides in force (read only here: they are granted from the dashboard)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from safeguards import BreakRules, CapAction, DisplaySettings, ExposurePolicy
from safeguards.policy import AssignmentRules
from ui.console.caps_editor import CapsEditor
from ui.console.category_display import CategoryDisplayEditor, outline_editor
from ui.console.field_editors import (
    BlurEditor,
    BoolEditor,
    CategoriesEditor,
    ChoiceEditor,
    DurationEditor,
    FieldEditor,
    ModesEditor,
    OffsetEditor,
    OptionalEditor,
    TextEditor,
    severity_editor,
)
from ui.console.field_grid import FieldGrid, error_label, show_error
from ui.console.wording import CAP_ACTIONS, meaning


def _display_fields(grid: FieldGrid) -> None:
    m = DisplaySettings
    grid.add("display.grayscale", "&Grayscale", BoolEditor("until colour is revealed"),
             meaning("display.grayscale", m))
    grid.add("display.blur_strength", "&Blur strength", BlurEditor(),
             meaning("display.blur_strength", m))
    grid.add("display.reveal_modes", "Reveal &modes", ModesEditor(),
             meaning("display.reveal_modes", m))
    grid.add("display.auto_reblur_seconds", "Auto &re-blur after",
             DurationEditor("seconds", with_hours=False), meaning("display.auto_reblur_seconds", m))
    grid.add("display.audio_muted", "Audio muted", BoolEditor("at start"),
             meaning("display.audio_muted", m))
    grid.add("display.video_autoplay", "Video autoplay", BoolEditor("plays by itself"),
             meaning("display.video_autoplay", m))
    grid.add("display.warning_from_severity", "&Warning from severity", severity_editor(),
             meaning("display.warning_from_severity", m))
    grid.add("display.colour_allowed", "C&olour allowed", BoolEditor("as the last reveal step"),
             meaning("display.colour_allowed", m))
    grid.add("display.outline_offered", "O&utline step", outline_editor(),
             meaning("display.outline_offered", m))


def _break_fields(grid: FieldGrid) -> None:
    m = BreakRules
    grid.add("breaks.work_interval_minutes", "Work &interval", DurationEditor("minutes"),
             meaning("breaks.work_interval_minutes", m))
    grid.add("breaks.break_minutes", "Break &length", DurationEditor("minutes"),
             meaning("breaks.break_minutes", m))
    grid.add("breaks.micro_break_seconds", "Micro-break",
             DurationEditor("seconds", with_hours=False),
             meaning("breaks.micro_break_seconds", m))
    grid.add("breaks.micro_break_from_severity", "Micro-break from severity", severity_editor(),
             meaning("breaks.micro_break_from_severity", m))
    grid.add("breaks.graphic_daily_limit_minutes", "&Daily graphic limit",
             OptionalEditor(DurationEditor("minutes"), own_text="a limit of"),
             meaning("breaks.graphic_daily_limit_minutes", m)
             + " Untick for no daily limit.")
    grid.add("breaks.graphic_categories", "Graphic categories", CategoriesEditor("none"),
             meaning("breaks.graphic_categories", m))
    grid.add("breaks.action_at_cap", "At a cap",
             ChoiceEditor([(str(a), CAP_ACTIONS[str(a)]) for a in CapAction]),
             meaning("breaks.action_at_cap", m))


def with_defaults(policy: dict[str, Any]) -> dict[str, Any]:
    """`policy` as the engine writes it; one it refuses (a merge may give one) keeps its values
    over the defaults, so the form can show it and the engine's messages about it."""
    try:
        return ExposurePolicy.model_validate(policy).model_dump(mode="json")
    except ValidationError:
        full = ExposurePolicy(name="draft").model_dump(mode="json")
        for key, value in policy.items():
            both_sections = isinstance(value, dict) and isinstance(full.get(key), dict)
            full[key] = {**full[key], **value} if both_sections else value
        return full


class PolicyForm(QWidget):
    """Signals:
        sig_changed(): any field changed (the draft should be checked again).
        sig_category(object): the harm category picked for per-category settings, or None.
    """

    sig_changed = Signal()
    sig_category = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyForm")
        self._loaded: dict[str, Any] = {}
        self.whole_error = error_label(self)
        self.general = FieldGrid("Policy", "", self)
        self.general.add("name", "&Name", TextEditor(), meaning("name", ExposurePolicy))
        self.general.add("description", "Descri&ption", TextEditor(),
                         meaning("description", ExposurePolicy))
        self.general.add("service_day_utc_offset_minutes", "Service day starts at",
                         OffsetEditor(), meaning("service_day_utc_offset_minutes",
                                                 ExposurePolicy))
        self.display = FieldGrid("Display (the team's defaults)", "display", self)
        _display_fields(self.display)
        self.by_category = CategoryDisplayEditor(self)
        self.breaks = FieldGrid("Breaks", "breaks", self)
        _break_fields(self.breaks)
        self.assignment = FieldGrid("Assignment", "assignment", self)
        self.assignment.add("assignment.dose_aware", "Dose-&aware assignment",
                            BoolEditor("prefer the least exposed for severe cases"),
                            meaning("assignment.dose_aware", AssignmentRules))
        self.assignment.add("assignment.severe_from_severity", "Severe from severity",
                            severity_editor(low=1),
                            meaning("assignment.severe_from_severity", AssignmentRules))
        self.caps_box = FieldGrid("Caps", "caps", self)
        self.caps = CapsEditor(self.caps_box)
        caps_note = QLabel(meaning("caps"), self.caps_box)
        caps_note.setWordWrap(True)
        self.caps_box.grid.addWidget(caps_note, 1, 0, 1, 2)
        self.caps_box.grid.addWidget(self.caps, 2, 0, 1, 2)
        self.overrides_box = FieldGrid("Overrides in this policy", "overrides", self)
        self.overrides_text = QLabel(self.overrides_box)
        self.overrides_text.setWordWrap(True)
        self.overrides_box.grid.addWidget(self.overrides_text, 1, 0, 1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.whole_error)
        for box in (self.general, self.display, self.by_category, self.breaks, self.assignment,
                    self.caps_box, self.overrides_box):
            layout.addWidget(box)
        layout.addStretch(1)
        for editor in self.editors.values():
            editor.sig_changed.connect(self._edited)
        self.caps.sig_changed.connect(self._edited)
        self.by_category.sig_changed.connect(self._edited)
        self.by_category.sig_category.connect(self.sig_category)

    @property
    def grids(self) -> list[FieldGrid]:
        return [self.general, self.display, self.by_category, self.breaks, self.assignment,
                self.caps_box, self.overrides_box]

    @property
    def editors(self) -> dict[str, FieldEditor]:
        """The editors of plain fields by path (per-category ones and caps live apart)."""
        found: dict[str, FieldEditor] = {}
        for grid in (self.general, self.display, self.breaks, self.assignment):
            found.update(grid.editors)
        return found

    def _edited(self) -> None:
        self.by_category.set_team(self.team_display())
        self.sig_changed.emit()

    # ------------------------------------------------------------------ values

    def load(self, policy: dict[str, Any]) -> None:
        """Show `policy` (as JSON, e.g. the one in force or a shipped profile)."""
        normal = with_defaults(policy)
        self._loaded = normal
        for path, editor in self.editors.items():
            editor.blockSignals(True)
            section, _, field = path.partition(".")
            value = normal[section][field] if field else normal[section]
            if isinstance(editor, OptionalEditor):
                editor.set_value(value)
                editor.set_inner(value if value is not None else 240, "no daily limit")
            else:
                editor.set_value(value)
            editor.blockSignals(False)
        self.caps.blockSignals(True)
        self.caps.set_value(normal["caps"])
        self.caps.blockSignals(False)
        self.by_category.blockSignals(True)
        self.by_category.set_value(normal["display_by_category"],
                                   DisplaySettings.model_validate(normal["display"]))
        self.by_category.blockSignals(False)
        self._show_overrides(normal["overrides"])
        self.show_problems({})
        self.sig_changed.emit()

    def _show_overrides(self, overrides: list[dict[str, Any]]) -> None:
        lines = [f"{o['cap']} set to {o['limit']:g} for {o.get('reviewer') or 'the whole team'}"
                 f" until {o['expires_at']} (by {o['granted_by']}: {o['reason']})"
                 for o in overrides]
        self.overrides_text.setText("<br>".join(lines) or
                                    "None. One-off overrides for one person are granted from "
                                    "the dashboard and expire by themselves.")

    def value(self) -> dict[str, Any]:
        """The draft as policy JSON (it may be invalid: `policy_diff.problems` says why)."""
        draft: dict[str, Any] = {
            k: v for k, v in self._loaded.items()
            if k in ("schema_version", "version", "overrides")}
        for path, editor in self.editors.items():
            section, _, field = path.partition(".")
            if field:
                draft.setdefault(section, {})[field] = editor.value()
            else:
                draft[section] = editor.value()
        draft["caps"] = self.caps.value()
        draft["display_by_category"] = self.by_category.value()
        return draft

    def team_display(self) -> DisplaySettings:
        """The team's display as drafted; the one loaded while the draft is not valid."""
        values = {path.split(".", 1)[1]: editor.value()
                  for path, editor in self.display.editors.items()}
        try:
            return DisplaySettings.model_validate(values)
        except ValueError:
            return DisplaySettings.model_validate(self._loaded.get("display", {}))

    def display_for(self, category: str | None) -> DisplaySettings:
        return self.by_category.display_for(category) if category else self.team_display()

    # ------------------------------------------------------------------ problems

    def show_problems(self, problems: dict[str, str]) -> None:
        """Each of the engine's messages beside its field; one with no field of its own goes
        to its section, or to the top of the form."""
        for grid in self.grids:
            for label in grid.errors.values():
                show_error(label, "")
        placed: dict[Any, list[str]] = {}
        for path, message in problems.items():
            if path.startswith(("caps[", "display_by_category")):
                continue
            label = self._label_for(path)
            placed.setdefault(label, []).append(message)
        for label, messages in placed.items():
            show_error(label, "; ".join(messages))
        self.caps.show_problems(problems)
        self.by_category.show_problems(problems)
        if "caps" in problems:
            show_error(self.caps_box.section_error, problems["caps"])

    def _label_for(self, path: str) -> QLabel:
        for grid in self.grids:
            if path in grid.errors:
                return grid.errors[path]
        trimmed = path.split("[")[0]
        while trimmed:
            for grid in self.grids:
                if trimmed in grid.errors:
                    return grid.errors[trimmed]
            trimmed = trimmed.rpartition(".")[0]
        return self.whole_error
