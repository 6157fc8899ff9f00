"""What a well-made desktop tool remembers and explains: window state, sign-in problems,
accessible names on every control."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QSpinBox, QWidget

from tests.gui.test_workstation import WAIT_MS, case_on_screen
from ui.views.login_dialog import LoginDialog


def test_every_control_has_an_accessible_name(qtbot: Any, workstation: Any) -> None:
    qtbot.waitUntil(lambda: case_on_screen(workstation), timeout=WAIT_MS)
    unnamed = [
        f"{type(w).__name__}({w.objectName() or w.text() if hasattr(w, 'text') else ''})"
        for w in workstation.window.findChildren(QWidget)
        if isinstance(w, QAbstractButton | QComboBox | QLineEdit | QSpinBox)
        and w.isVisibleTo(workstation.window)
        and not (w.accessibleName() or (isinstance(w, QAbstractButton) and w.text()))
    ]
    assert unnamed == []


def test_window_geometry_and_splitters_are_remembered(qtbot: Any, workstation: Any,
                                                      tmp_path: Path) -> None:
    window = workstation.window
    window.resize(701, 555)
    window.split.setSizes([250, 451])
    window.save_state()
    settings = QSettings(window.settings.fileName(), QSettings.Format.IniFormat)
    assert settings.value("window/geometry") is not None
    from ui.main_window import MainWindow

    again = MainWindow(workstation.flow, workstation.wellness, settings)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    # (offscreen's screen is 800 px wide, so only the height is free of clamping)
    assert again.size().height() == 555  # not the 900 px a window without settings gets
    assert again.split.sizes()[0] == window.split.sizes()[0]


def test_a_wrong_password_is_explained_and_the_password_is_never_kept(
        qtbot: Any, workstation: Any, live_service: Any, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "login.ini"), QSettings.Format.IniFormat)
    ws = workstation

    def attempt(user: str, password: str, on_result: Any) -> None:
        ws.workers.run(lambda: ws.session.login(user, password), lambda _me: on_result(None),
                       lambda exc: on_result(str(exc)))

    dialog = LoginDialog(settings, live_service.url, attempt)
    qtbot.addWidget(dialog)
    dialog.username.setText("demo")
    dialog.password.setText("not-the-password")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "failed" in dialog.error.text().lower(), timeout=WAIT_MS)
    assert dialog.password.text() == ""
    user, password = live_service.accounts.specialist
    dialog.password.setText(password)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.buttons.accepted.emit()
    settings.sync()
    stored = Path(settings.fileName()).read_text()
    assert user in stored
    assert password not in stored
