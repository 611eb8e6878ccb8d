"""Small dialogs: login, new lead, work-order result."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QLocale, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.ui import palette


class LoginDialog(QDialog):
    """Asks for the server, user name and password. Remembers the user name (not the password).

    Signals:
        login_requested(str, str, str): server URL, user name, password.
    """

    login_requested = Signal(str, str, str)

    def __init__(self, server_url: str, username: str, keyring_note: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Agent Workbench — log in"))
        self.server = QLineEdit(server_url)
        self.username = QLineEdit(username)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setStyleSheet(f"color: {palette.colors().error};")
        self.error.setWordWrap(True)
        self.note = QLabel(keyring_note)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {palette.colors().muted};")
        self.note.setVisible(bool(keyring_note))
        form = QFormLayout()
        form.addRow(self.tr("&Server"), self.server)
        form.addRow(self.tr("&User name"), self.username)
        form.addRow(self.tr("&Password"), self.password)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Log in"))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        (self.password if username else self.username).setFocus()
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._retry_allowed)

    def _submit(self) -> None:
        user, pw, url = self.username.text().strip(), self.password.text(), self.server.text().strip()
        if not user or not pw:
            self.show_error(self.tr("Enter your user name and password."))
            return
        self.buttons.setEnabled(False)
        self.error.setText(self.tr("Logging in…"))
        self.login_requested.emit(url, user, pw)

    def show_error(self, message: str) -> None:
        self._retry.stop()
        self.buttons.setEnabled(True)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        self.error.setText(message)
        self.password.selectAll()
        self.password.setFocus()

    def show_throttled(self, retry_after_s: float) -> None:
        """Too many failed logins: say at what time to try again, and offer Log in only then."""
        wait = max(1, round(retry_after_s))
        at = QDateTime.currentDateTime().addSecs(wait)
        clock = QLocale().toString(at.time(), QLocale.FormatType.ShortFormat if wait >= 120 else "HH:mm:ss")
        self.show_error(self.tr("Too many failed logins. Try again after %1 (in %2 s).")
                        .replace("%1", clock).replace("%2", str(wait)))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self._retry.start(wait * 1000)

    def _retry_allowed(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        self.error.setText(self.tr("You can try again now."))


class NewLeadDialog(QDialog):
    """An unknown caller: create a lead prefilled with the number."""

    def __init__(self, number: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Unknown caller — new lead"))
        self.number = QLineEdit(number)
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("Name, or e.g. 'Mr Wang'"))
        self.city = QLineEdit()
        self.note = QLineEdit()
        self.error = QLabel()
        self.error.setStyleSheet(f"color: {palette.colors().error};")
        form = QFormLayout()
        form.addRow(self.tr("&Number"), self.number)
        form.addRow(self.tr("N&ame"), self.name)
        form.addRow(self.tr("&City"), self.city)
        form.addRow(self.tr("N&ote"), self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Nobody with this number is known here or on the server.")))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.name.setFocus()

    def _check(self) -> None:
        if not self.name.text().strip():
            self.error.setText(self.tr("Enter a name."))
            return
        self.accept()

    def values(self) -> tuple[str, str, str, str]:
        return (self.number.text().strip(), self.name.text().strip(), self.city.text().strip(),
                self.note.text().strip())


class WorkOrderResultDialog(QDialog):
    """A receptionist works a work order: arrived / done / failed (with a reason)."""

    def __init__(self, choices: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Work order"))
        self.status = QComboBox()
        for code, label in choices:
            self.status.addItem(label, code)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("Reason (required when failed)"))
        form = QFormLayout()
        form.addRow(self.tr("&Result"), self.status)
        form.addRow(self.tr("&Reason"), self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def values(self) -> tuple[str, str]:
        return self.status.currentData(), self.reason.text().strip()
