"""Sign-in: the server URL is remembered, the password never is. Errors (a wrong password, a
missing keyring, an unreachable service) are shown as the sentence the core gives."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class LoginDialog(QDialog):
    """`attempt(username, password, on_result)` is called off the dialog; it must call
    `on_result(None)` on success or `on_result("sentence")` on failure, on the GUI thread."""

    def __init__(self, settings: QSettings, server_url: str,
                 attempt: Callable[[str, str, Callable[[str | None], None]], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to the review service")
        self.setObjectName("loginDialog")
        self._settings = settings
        self._attempt = attempt
        self.server = QLabel(server_url, self)
        self.server.setAccessibleName("Server")
        self.username = QLineEdit(str(settings.value("login/username", "")), self)
        self.username.setAccessibleName("Username")
        self.password = QLineEdit(self)
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel("", self)
        self.error.setObjectName("loginError")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Sign-in problem")
        form = QFormLayout()
        form.addRow("Server", self.server)
        form.addRow("&Username", self.username)
        form.addRow("&Password", self.password)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        (self.password if self.username.text() else self.username).setFocus()

    def _submit(self) -> None:
        user, password = self.username.text().strip(), self.password.text()
        if not user or not password:
            self.error.setText("Enter your username and password.")
            return
        self.buttons.setEnabled(False)
        self.error.setText("Signing in…")
        self._attempt(user, password, self._result)

    def _result(self, problem: str | None) -> None:
        self.buttons.setEnabled(True)
        self.password.clear()
        if problem is None:
            self._settings.setValue("login/username", self.username.text().strip())
            self.accept()
        else:
            self.error.setText(problem)
            self.password.setFocus()
