"""The admin's view of the server's audit log: filtered reads through the task runner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from workbench.views.errors import user_message
from workbench.views.task_runner import TaskRunner

#: ``fetch(user=…, customer=…, since=…, action=…, limit=…) -> list of entries`` (the server
#: client's ``audit_log``).
Fetch = Callable[..., list[dict[str, Any]]]


class AuditLogViewModel(QObject):
    """Signals:
        entries_ready(list): audit entries (dicts), newest first.
        failed(str): the read failed (message safe to show).
    """

    entries_ready = Signal(list)
    failed = Signal(str)

    def __init__(self, fetch: Fetch, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._runner = runner

    def load(self, user: str = "", customer: str = "", since: str = "", action: str = "", limit: int = 500) -> None:
        filters = {"user": user.strip() or None, "customer": customer.strip() or None,
                   "since": since.strip() or None, "action": action.strip() or None, "limit": limit}
        self._runner.run(lambda: self._fetch(**filters), self.entries_ready.emit,
                         lambda exc: self.failed.emit(user_message(exc)))
