"""One task runner with a cancellable task state (issue #14 point 4, Orange3's pattern): a long
task reports progress and status, which arrive on the GUI thread in order and before its
result, and stops when its caller cancels it."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QThread

from workbench.views.task_runner import TaskRunner, TaskState


def test_progress_and_status_arrive_on_the_gui_thread_before_the_result(qtbot: Any) -> None:
    runner = TaskRunner()
    gui = QThread.currentThread()
    seen: list[tuple[str, Any, bool]] = []

    def work(state: TaskState) -> int:
        assert QThread.currentThread() is not gui
        for i in range(1, 6):
            state.set_progress(i, 5)
        state.set_status("done counting")
        return 42

    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: not busy, timeout=5000):
        runner.start(work, lambda r: seen.append(("result", r, QThread.currentThread() is gui)),
                     on_progress=lambda d, t: seen.append(("progress", (d, t), QThread.currentThread() is gui)),
                     on_status=lambda text: seen.append(("status", text, QThread.currentThread() is gui)))
    assert [s[:2] for s in seen] == [("progress", (i, 5)) for i in range(1, 6)] + [
        ("status", "done counting"), ("result", 42)]
    assert all(on_gui for _, _, on_gui in seen)


def test_a_cancelled_task_stops_at_its_next_check(qtbot: Any) -> None:
    runner = TaskRunner()
    started = threading.Event()
    steps: list[int] = []

    def work(state: TaskState) -> str:
        started.set()
        for i in range(10_000):
            if state.wait_for_cancel(0.01):
                return "cancelled"
            steps.append(i)
        return "ran to the end"

    results: list[str] = []
    state = runner.start(work, results.append)
    assert started.wait(5)
    state.cancel()
    qtbot.waitUntil(lambda: results == ["cancelled"], timeout=5000)
    assert len(steps) < 10_000 and state.is_interruption_requested()
    assert runner.pending() == 0


def test_cancel_all_asks_every_running_task(qtbot: Any) -> None:
    runner = TaskRunner(max_threads=3)
    results: list[str] = []
    states = [runner.start(lambda st: "stopped" if st.wait_for_cancel(10) else "timed out", results.append)
              for _ in range(3)]
    runner.cancel_all()
    qtbot.waitUntil(lambda: len(results) == 3, timeout=5000)
    assert results == ["stopped"] * 3 and all(s.is_interruption_requested() for s in states)
