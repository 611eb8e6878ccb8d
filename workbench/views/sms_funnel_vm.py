"""The SMS channel panel's state: fetches the server's SMS figures off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from workbench.services.channel_funnel import DEFAULT_DAYS, SmsChannelFigures
from workbench.views.errors import user_message
from workbench.views.task_runner import TaskRunner


class SmsFunnelViewModel(QObject):
    """Signals:
        ready(SmsChannelFigures): the figures of the chosen period.
        failed(str): a message safe to show (offline, not allowed, a bad report).
        busy_changed(bool): True while fetching.
    """

    ready = Signal(object)
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, fetch: Callable[[int], SmsChannelFigures], runner: TaskRunner | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._runner = runner or TaskRunner(self, max_threads=1)
        self.days = DEFAULT_DAYS
        self.figures: SmsChannelFigures | None = None
        self._asked = 0

    def refresh(self, days: int | None = None) -> None:
        if days is not None:
            self.days = days
        self._asked += 1
        asked, period = self._asked, self.days
        self.busy_changed.emit(True)

        def ok(figures: SmsChannelFigures) -> None:
            if asked != self._asked:
                return  # a newer request is on its way
            self.figures = figures
            self.busy_changed.emit(False)
            self.ready.emit(figures)

        def bad(exc: BaseException) -> None:
            if asked != self._asked:
                return
            self.busy_changed.emit(False)
            self.failed.emit(self.tr("The SMS figures could not be read: {e}").format(e=user_message(exc)))

        self._runner.run(lambda: self._fetch(period), ok, bad)
