"""Keeps the desktop's scores fresh: installs synced models and re-scores the book in the
background, with progress; mines cross-sell rules. No widgets."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from workbench.services.desk_scoring import DeskScoring
from workbench.views.errors import user_message
from workbench.views.task_runner import TaskRunner, TaskState


class ScoringController(QObject):
    """Signals:
        progress(int, int): customers scored so far, and in all (during a refresh).
        refreshed(int): a refresh finished; how many customers were scored.
        model_error(str): a synced model could not be loaded; the previous one stays in use.
    """

    progress = Signal(int, int)
    refreshed = Signal(int)
    model_error = Signal(str)

    def __init__(self, scoring: DeskScoring, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.scoring = scoring
        self._runner = runner
        self._busy = False
        self._again = False
        self._task: TaskState | None = None

    def check(self) -> None:
        """After a sync: install newer models (then re-score) and refresh cross-sell rules."""
        if self._busy:
            self._again = True
            return
        self._busy = True

        def work(state: TaskState) -> int:
            self.scoring.mine_cross_sell()
            changed, errors = self.scoring.reload_models()
            for message in errors:
                self.model_error.emit(message)
            if not changed:
                return -1
            return self.scoring.refresh_book(state.set_progress, state.is_interruption_requested)

        self._task = self._runner.start(work, self._done, self._failed, on_progress=self.progress.emit)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _done(self, scored: int) -> None:
        self._busy = False
        if scored >= 0:
            self.refreshed.emit(scored)
        if self._again:
            self._again = False
            self.check()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.progress.emit(0, 0)
        self.model_error.emit(user_message(exc))
