"""The crash dialog: what happened, where the log is, and a report to copy for IT."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench import __version__
from workbench.core.logfiles import crash_report, current_log_file


class CrashDialog(QDialog):
    """Shown (not modal, never blocking) for an unexpected exception; later ones are added to
    the same dialog while it is open."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Agent Workbench — internal error"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName(self.tr("Crash report"))
        self.details.setMinimumSize(560, 220)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton(self.tr("&Copy report"))
        self.copy_button.setAccessibleName(self.tr("Copy the crash report"))
        self.copy_button.clicked.connect(self.copy_report)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setText(self.tr("Close"))
        buttons.rejected.connect(self.hide)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self._reports: list[str] = []

    def add(self, exc: BaseException, tb_text: str) -> None:
        if not self.isVisible():
            self._reports.clear()
        self._reports.append(crash_report(tb_text, version=__version__))
        path = current_log_file()
        where = (self.tr("The details were written to the log file %1.").replace("%1", str(path)) if path
                 else self.tr("The details were written to the error output (no log file could be opened)."))
        self.message.setText(
            self.tr("An internal error occurred: %1").replace("%1", f"{type(exc).__name__}: {exc}")
            + "\n\n" + where + "\n" + self.tr("Your saved work is safe. Copy the report and send it to your IT support."))
        self.details.setPlainText("\n\n".join(self._reports))

    def report_text(self) -> str:
        return self.details.toPlainText()

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report_text())
        self.copy_button.setText(self.tr("Copied"))


_dialog: list[CrashDialog] = []


def show_crash(exc: BaseException, tb_text: str) -> CrashDialog | None:
    """The crash handler of the desktop: fill and show the one crash dialog."""
    if QApplication.instance() is None:
        return None
    if not _dialog:
        _dialog.append(CrashDialog(QApplication.activeWindow()))
    dialog = _dialog[0]
    dialog.add(exc, tb_text)
    dialog.show()
    dialog.raise_()
    return dialog


class _Relay(QObject):
    """Lives on the GUI thread: a report from any thread is shown there (queued)."""

    crashed = Signal(object, str)


def install_crash_dialog() -> None:
    """Make the crash dialog the handler of :mod:`workbench.crash` (call on the GUI thread)."""
    from workbench import crash

    relay = _Relay(QApplication.instance())
    relay.crashed.connect(show_crash)
    crash.set_handler(lambda exc, text: relay.crashed.emit(exc, text))
