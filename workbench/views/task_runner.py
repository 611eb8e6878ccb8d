"""The one way off the GUI thread.

``TaskRunner.run(fn, on_success, on_failure)`` runs ``fn`` on a worker thread of a
``QThreadPool`` and delivers its result (or exception) back on the GUI thread through a
queued signal. Task code never touches widgets. A :class:`Latest` slot implements "newest
wins": starting a new task there makes the result of the previous one be dropped.

A long job (a score refresh, an import) is started with
``TaskRunner.start(fn, ...)``: ``fn`` receives a :class:`TaskState` (Orange3's pattern) to
report progress and status, which arrive on the GUI thread, and to read whether cancelling was
asked; the returned state is the handle the caller cancels with. Raw threads stay inside this
module, except where a thread must never hold up the exit (the sync loops and the
server link, whose network waits end with the process: daemon threads, each with its reason)
and the softphone client's socket reader in the services.

An unexpected exception in a task (a bug: see :func:`workbench.crash.is_expected`) goes to the
log with its traceback and to the crash handler, and then to ``on_failure`` as any failure
(so the caller can reset its state); an expected one (offline, refused, bad input) is logged
in one line and given to ``on_failure``.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from workbench import crash

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives in the GUI thread; its signals carry results back there."""

    finished = Signal(int, object)
    failed = Signal(int, object, str)
    progress = Signal(int, int, int)
    status = Signal(int, str)


class TaskState:
    """A long task's side of the conversation: progress and status go to the GUI thread
    (through the runner's relay), a cancel request comes back. Also the caller's handle."""

    def __init__(self, job_id: int, relay: _Relay) -> None:
        self.job_id = job_id
        self._relay = relay
        self._cancel = threading.Event()

    def set_progress(self, done: int, total: int) -> None:
        """``done`` of ``total`` steps (delivered to ``on_progress`` on the GUI thread)."""
        self._relay.progress.emit(self.job_id, int(done), int(total))

    def set_status(self, text: str) -> None:
        """A line of status (delivered to ``on_status`` on the GUI thread)."""
        self._relay.status.emit(self.job_id, text)

    def cancel(self) -> None:
        """Ask the task to stop at its next check (it may still finish)."""
        self._cancel.set()

    def is_interruption_requested(self) -> bool:
        return self._cancel.is_set()

    def wait_for_cancel(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, waking at once on a cancel; True if cancelled."""
        return self._cancel.wait(timeout)


class _Job(QRunnable):
    def __init__(self, job_id: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._id = job_id
        self._fn = fn
        self._relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # delivered to on_failure on the GUI thread
            self._relay.failed.emit(self._id, exc, traceback.format_exc())
            return
        self._relay.finished.emit(self._id, result)


class TaskRunner(QObject):
    """Runs callables off the GUI thread with success / failure callbacks on the GUI thread.

    Signals:
        busy_changed(bool): True while any task is running.
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._on_finished)
        self._relay.failed.connect(self._on_failed)
        self._relay.progress.connect(self._on_progress)
        self._relay.status.connect(self._on_status)
        self._watchers: dict[int, tuple[Callable[[int, int], None] | None, Callable[[str], None] | None]] = {}
        self._states: dict[int, TaskState] = {}
        self._callbacks: dict[int, tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None]] = {}
        self._next = 0

    def run(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> int:
        """Start ``fn`` in the pool; returns a task id."""
        self._next += 1
        job_id = self._next
        self._callbacks[job_id] = (on_success, on_failure)
        if len(self._callbacks) == 1:
            self.busy_changed.emit(True)
        self._pool.start(_Job(job_id, fn, self._relay))
        return job_id

    def start(
        self,
        fn: Callable[[TaskState], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        *,
        on_progress: Callable[[int, int], None] | None = None,
        on_status: Callable[[str], None] | None = None,
    ) -> TaskState:
        """Start a long task ``fn(state)``; returns its :class:`TaskState` (cancel with it)."""
        state = TaskState(self._next + 1, self._relay)
        self._watchers[state.job_id] = (on_progress, on_status)
        self._states[state.job_id] = state
        job_id = self.run(lambda: fn(state), on_success, on_failure)
        assert job_id == state.job_id
        return state

    def cancel_all(self) -> None:
        """Ask every long task still running to stop (shutdown)."""
        for state in list(self._states.values()):
            state.cancel()

    def pending(self) -> int:
        return len(self._callbacks)

    def wait_for_done(self, msecs: int = 30000) -> bool:
        """Block until the pool is idle (tests and shutdown only)."""
        return self._pool.waitForDone(msecs)

    def _on_progress(self, job_id: int, done: int, total: int) -> None:
        on_progress = self._watchers.get(job_id, (None, None))[0]
        if on_progress is not None:
            on_progress(done, total)

    def _on_status(self, job_id: int, text: str) -> None:
        on_status = self._watchers.get(job_id, (None, None))[1]
        if on_status is not None:
            on_status(text)

    def _pop(self, job_id: int) -> tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None]:
        self._watchers.pop(job_id, None)
        self._states.pop(job_id, None)
        cbs = self._callbacks.pop(job_id, (None, None))
        if not self._callbacks:
            self.busy_changed.emit(False)
        return cbs

    def _on_finished(self, job_id: int, result: object) -> None:
        on_success, _ = self._pop(job_id)
        if on_success is not None:
            on_success(result)

    def _on_failed(self, job_id: int, exc: object, tb: str) -> None:
        _, on_failure = self._pop(job_id)
        assert isinstance(exc, BaseException)
        if not crash.is_expected(exc):
            crash.report(exc, tb, where="a background task")
        elif on_failure is None:
            log.error("background task failed:\n%s", tb)
        else:
            log.info("background task failed: %s: %s", type(exc).__name__, exc)
        if on_failure is not None:
            on_failure(exc)


class Latest:
    """Newest wins: only the most recent task's callbacks run."""

    def __init__(self, runner: TaskRunner) -> None:
        self._runner = runner
        self._generation = 0

    def run(
        self,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._generation += 1
        gen = self._generation

        def ok(result: Any) -> None:
            if gen == self._generation and on_success is not None:
                on_success(result)

        def bad(exc: BaseException) -> None:
            if gen == self._generation and on_failure is not None:
                on_failure(exc)

        self._runner.run(fn, ok, bad)

    def cancel(self) -> None:
        """Forget the running task's result."""
        self._generation += 1
