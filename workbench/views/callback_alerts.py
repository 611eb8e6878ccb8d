"""Brings call-backs back at their time: polls the local store off the GUI thread and says
once, per call-back, that it is due (the main window turns that into the alert).

Works offline: the call-backs are rows of the local store (made by the outcome form or
received by sync), and the check never leaves the machine.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from workbench.services.callbacks import DueCallback
from workbench.views.task_runner import TaskRunner


class CallbackAlerts(QObject):
    """Polls for due call-backs every ``interval_ms`` and announces each one once.

    Signals:
        callback_due(object): a :class:`DueCallback` whose time has come (once per
            call-back and due time: a rescheduled one is announced again at its new time).
    """

    callback_due = Signal(object)

    def __init__(self, runner: TaskRunner, load_due: Callable[[], list[DueCallback]],
                 interval_ms: int = 15_000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._load_due = load_due
        self._announced: set[tuple[str, float]] = set()
        self._busy = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check_now)

    def start(self) -> None:
        self.timer.start()
        self.check_now()

    def stop(self) -> None:
        self.timer.stop()

    def check_now(self) -> None:
        """Look for due call-backs now (in a worker; at most one check at a time)."""
        if self._busy:
            return
        self._busy = True
        self._runner.run(self._load_due, self.on_due_loaded, self.on_check_failed)

    def on_due_loaded(self, due: list[DueCallback]) -> None:
        self._busy = False
        for cb in due:
            key = (cb.id, cb.due_at.timestamp())
            if key not in self._announced:
                self._announced.add(key)
                self.callback_due.emit(cb)

    def on_check_failed(self, _exc: BaseException) -> None:
        self._busy = False  # a locked store: the next tick tries again
