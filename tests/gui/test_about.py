"""Help > About: the version, and an honest sentence about what the tool does not claim."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence

from reviewer_app import __version__
from ui.main_window import about_text


def test_help_about_has_a_key_the_version_and_no_medical_claim(workstation: Any) -> None:
    window = workstation.window
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert window.act_about in help_menu.actions()
    assert window.act_about.shortcut() == QKeySequence("F1")
    assert window.act_about.isEnabled()
    text = about_text()
    assert f"Reviewer workstation {__version__}" in text
    assert "claims no medical or psychological benefit" in text
