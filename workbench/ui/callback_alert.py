"""The alert of a call-back whose time has come: status bar, a sound, a desktop notification
and, when that customer's pop is open, a banner on it. The work list is refreshed so the
call-back is on top."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

from workbench.services.callbacks import DueCallback
from workbench.ui.screen_pop import fmt_time


class CallbackAlerter(QObject):
    """Turns ``CallbackAlerts.callback_due`` into what the agent sees and hears.

    ``window`` is the main window (``statusBar()``, ``vm.refresh_worklist()``,
    ``show_callback_banner()``). The desktop notification goes through a system tray icon
    when the desktop has a tray; ``notifications`` keeps every (title, text) shown, and
    ``sounds`` counts the beeps (both for the status line and for tests).
    """

    def __init__(self, window: object, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.notifications: list[tuple[str, str]] = []
        self.sounds = 0
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.show()

    def text_for(self, cb: DueCallback) -> str:
        who = self.tr(" (team)") if cb.team else ""
        text = self.tr("Call-back due: {name}, {when}{who}").format(
            name=cb.customer_name, when=fmt_time(cb.due_at), who=who)
        if cb.released:
            text += self.tr(" — overdue, released to the team")
        if cb.note:
            text += f" — {cb.note}"
        return text

    def on_callback_due(self, cb: DueCallback) -> None:
        text = self.text_for(cb)
        window = self.window
        window.statusBar().showMessage(text, 60_000)  # type: ignore[attr-defined]
        QApplication.beep()
        self.sounds += 1
        title = self.tr("Call-back")
        self.notifications.append((title, text))
        if self.tray is not None:
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 15_000)
        window.show_callback_banner(cb.customer_id, text)  # type: ignore[attr-defined]
        window.vm.refresh_worklist()  # type: ignore[attr-defined]
