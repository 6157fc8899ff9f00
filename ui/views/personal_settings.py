"""Personal display and break settings: a reviewer may make things safer than the team policy
(stronger blur, fewer reveal ways, quicker re-blur, earlier warnings, no colour, more
breaks), never weaker. A looser value is kept but ignored by the gate, and the dialog says so.
They apply over every harm category's display, including those a lead made stricter."""

from __future__ import annotations

import json
from collections.abc import Sequence

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reviewer_app.domain import HarmCategory
from safeguards import DisplaySettings, PersonalSettings, RevealMode

SETTINGS_KEY = "personal/safeguards"


def load_personal(settings: QSettings) -> PersonalSettings | None:
    """The stored preferences; unreadable ones are dropped (the team policy then applies)."""
    raw = settings.value(SETTINGS_KEY)
    if not raw:
        return None
    try:
        return PersonalSettings.model_validate(json.loads(str(raw)))
    except ValueError:
        return None


def save_personal(settings: QSettings, personal: PersonalSettings) -> None:
    settings.setValue(SETTINGS_KEY, personal.model_dump_json(exclude_none=True))


class PersonalSettingsDialog(QDialog):
    def __init__(self, team: DisplaySettings, current: PersonalSettings | None,
                 parent: QWidget | None = None, *,
                 own_display: Sequence[HarmCategory] = ()) -> None:
        """`team`: the team's default display; `own_display`: the harm categories for which
        the lead set display settings of their own (named, so the reviewer knows)."""
        super().__init__(parent)
        self.setWindowTitle("Personal safeguards")
        self.setObjectName("personalSettings")
        mine = current or PersonalSettings()
        self.blur = QSpinBox(self)
        self.blur.setRange(1, 10)
        self.blur.setValue(mine.blur_strength or team.blur_strength)
        self.blur.setAccessibleName("Blur strength")
        self.reblur = QSpinBox(self)
        self.reblur.setRange(1, 300)
        self.reblur.setSuffix(" s")
        self.reblur.setValue(mine.auto_reblur_seconds or team.auto_reblur_seconds)
        self.reblur.setAccessibleName("Re-blur after")
        self.warn = QSpinBox(self)
        self.warn.setRange(0, 4)
        self.warn.setValue(team.warning_from_severity if mine.warning_from_severity is None
                           else mine.warning_from_severity)
        self.warn.setAccessibleName("Warning from severity")
        self.no_colour = QCheckBox("&Never show colour (the stepped reveal stops at sharp "
                                   "grayscale)", self)
        self.no_colour.setChecked(mine.colour_allowed is False or not team.colour_allowed)
        self.no_colour.setEnabled(team.colour_allowed)
        self.no_colour.setAccessibleName("Never show colour")
        self.modes: dict[RevealMode, QCheckBox] = {}
        allowed = set(mine.reveal_modes or team.reveal_modes)
        form = QFormLayout()
        form.addRow(QLabel(f"Team policy: blur {team.blur_strength}, re-blur after "
                           f"{team.auto_reblur_seconds} s, warning from severity "
                           f"{team.warning_from_severity}.", self))
        form.addRow("&Blur strength (1 light - 10 strongest)", self.blur)
        form.addRow("&Re-blur a stepped reveal after", self.reblur)
        form.addRow("&Warn before media from severity", self.warn)
        form.addRow(self.no_colour)
        for mode in RevealMode:
            box = QCheckBox(f"Allow {mode.value} reveal", self)
            box.setChecked(mode in allowed)
            box.setEnabled(mode in team.reveal_modes)
            box.setAccessibleName(f"Allow {mode.value} reveal")
            self.modes[mode] = box
            form.addRow(box)
        text = ("These settings can only make your view safer than your team's policy. "
                "A value looser than the team's is ignored.")
        if own_display:
            names = ", ".join(sorted(c.value.replace("_", " ") for c in own_display))
            text += (f" Your lead set display settings of their own for: {names}; "
                     "yours apply on top of those too.")
        note = QLabel(text, self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def personal(self) -> PersonalSettings:
        modes = tuple(m for m, box in self.modes.items() if box.isChecked() and box.isEnabled())
        return PersonalSettings(
            blur_strength=self.blur.value(),
            auto_reblur_seconds=self.reblur.value(),
            warning_from_severity=self.warn.value(),
            reveal_modes=modes or None,
            colour_allowed=False if self.no_colour.isChecked() and self.no_colour.isEnabled()
            else None,
        )
