"""A calm dark theme (the default) and a light one, on Qt's Fusion style."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

_DARK = {
    QPalette.ColorRole.Window: "#202225",
    QPalette.ColorRole.WindowText: "#dcddde",
    QPalette.ColorRole.Base: "#2a2c30",
    QPalette.ColorRole.AlternateBase: "#26282b",
    QPalette.ColorRole.Text: "#dcddde",
    QPalette.ColorRole.Button: "#2f3136",
    QPalette.ColorRole.ButtonText: "#dcddde",
    QPalette.ColorRole.Highlight: "#4a6fa5",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2f3136",
    QPalette.ColorRole.ToolTipText: "#dcddde",
    QPalette.ColorRole.PlaceholderText: "#8e9297",
}


def apply_theme(name: str) -> None:
    """Apply "dark" or "light" to the running application."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    app.setStyle("Fusion")
    if name == "light":
        app.setPalette(app.style().standardPalette())
        return
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6b6f76"))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText,
                     QColor("#6b6f76"))
    app.setPalette(palette)
