"""Logs and crash reports: a rotating log file as well as stderr, a crash dialog that names the
file and copies a scrubbed report, and every unexpected exception of a worker task, of the GUI
thread or of another thread reaching it with its traceback."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from workbench import __version__, crash
from workbench.core import logfiles
from workbench.ui import crash_dialog
from workbench.views.task_runner import TaskRunner


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = logfiles.setup_logging("workbench", directory=tmp_path)
    assert path == tmp_path / "workbench.log"
    yield path
    for handler in logfiles._state.pop("handlers", []):
        logging.getLogger().removeHandler(handler)
        handler.close()
    logfiles._state.pop("path", None)


@pytest.fixture
def dialog_handler(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    crash_dialog.install_crash_dialog()
    yield
    crash.set_handler(None)
    for d in crash_dialog._dialog:
        d.hide()
        d.deleteLater()
    crash_dialog._dialog.clear()


def _shown() -> crash_dialog.CrashDialog | None:
    return crash_dialog._dialog[0] if crash_dialog._dialog and crash_dialog._dialog[0].isVisible() else None


def test_the_log_goes_to_a_rotating_file_and_warnings_to_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(logfiles, "MAX_BYTES", 4000)
    path = logfiles.setup_logging("rot", directory=tmp_path / "logs", stderr_level=logging.WARNING)
    try:
        log = logging.getLogger("workbench.sync")
        log.info("an info line for the file only")
        log.warning("a warning for both")
        for i in range(200):
            log.info("filler line %d %s", i, "x" * 40)
        assert path is not None and path.exists() and (tmp_path / "logs" / "rot.log.1").exists()
        assert not (tmp_path / "logs" / f"rot.log.{logfiles.BACKUPS + 1}").exists()
        everything = "".join(p.read_text(encoding="utf-8") for p in sorted((tmp_path / "logs").glob("rot.log*")))
        assert "filler line 199" in everything
        err = capfd.readouterr().err
        assert "a warning for both" in err and "an info line" not in err
    finally:
        for handler in logfiles._state.pop("handlers", []):
            logging.getLogger().removeHandler(handler)
            handler.close()


def test_the_platform_log_folder_and_its_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import platformdirs

    monkeypatch.delenv("WORKBENCH_LOG_DIR", raising=False)
    assert logfiles.log_dir() == Path(platformdirs.user_log_dir("agent-workbench", appauthor=False))
    monkeypatch.setenv("WORKBENCH_LOG_DIR", str(tmp_path))
    assert logfiles.log_dir() == tmp_path


def test_scrub_removes_personal_data_and_keeps_the_rest() -> None:
    text = ("caller +86 138-0013-8000 and 8613900139000 / 13700137000, id 11010519491231002X, "
            "old id 110105491231002, card 6222021234567890123, mail wang.wei@example.com, "
            f"file {Path.home()}/x.py, line 42, at 2026-12-04 18:41:47,123, version 0.1.0, 0x7f3a2b1c")
    out = logfiles.scrub(text)
    for secret in ("138-0013-8000", "13900139000", "13700137000", "11010519491231002X", "110105491231002",
                   "6222021234567890123", "wang.wei@example.com", str(Path.home())):
        assert secret not in out, (secret, out)
    assert out.count("[phone]") == 3 and out.count("[ID]") == 2 and "[number]" in out and "[e-mail]" in out
    assert "line 42" in out and "2026-12-04 18:41:47,123" in out and "0.1.0" in out and "~/x.py" in out


def test_a_bug_in_a_worker_task_reaches_the_log_and_the_crash_dialog(qtbot, log_file: Path,  # type: ignore[no-untyped-def]
                                                                     dialog_handler: None) -> None:
    logging.getLogger("workbench.screen_pop").info("popping 13800138000 for agent1")
    failures: list[BaseException] = []

    def buggy() -> None:
        {"a": 1}["phone 13800138000"]  # a bug: KeyError, with a number in its message

    runner = TaskRunner()
    runner.run(buggy, lambda _r: None, failures.append)
    qtbot.waitUntil(lambda: _shown() is not None and bool(failures))
    runner.wait_for_done()
    dialog = _shown()
    assert dialog is not None and isinstance(failures[0], KeyError)  # the caller still hears of it
    assert str(log_file) in dialog.message.text()
    logged = log_file.read_text(encoding="utf-8")
    assert "unexpected exception in a background task" in logged and "Traceback" in logged and "in buggy" in logged
    report = dialog.report_text()
    assert f"Agent Workbench {__version__}" in report and "os: " in report and "python: " in report
    assert "Traceback" in report and "KeyError" in report and "in buggy" in report
    assert "popping [phone] for agent1" in report  # the last log lines, scrubbed
    assert "13800138000" not in report
    QGuiApplication.clipboard().clear()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == report


def test_an_expected_failure_is_not_a_crash(qtbot, log_file: Path, dialog_handler: None) -> None:  # type: ignore[no-untyped-def]
    from workbench.services.server_api import OfflineError

    failures: list[BaseException] = []
    runner = TaskRunner()
    for exc in (OfflineError("server unreachable"), ValueError("a policy needs an id and a name"), OSError("disk")):
        def fail(e: BaseException = exc) -> None:
            raise e

        runner.run(fail, None, failures.append)
    qtbot.waitUntil(lambda: len(failures) == 3)
    runner.wait_for_done()
    assert _shown() is None
    assert "unexpected exception" not in log_file.read_text(encoding="utf-8")


def test_gui_thread_and_other_thread_exceptions_reach_the_dialog(qtbot, log_file: Path, dialog_handler: None,  # type: ignore[no-untyped-def]
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.app import install_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    install_excepthook()
    try:
        raise AttributeError("'NoneType' object has no attribute 'customer_id'")
    except AttributeError:
        sys.excepthook(*sys.exc_info())
    dialog = _shown()
    assert dialog is not None and "AttributeError" in dialog.report_text()

    def worker() -> None:
        raise ZeroDivisionError("in a thread")

    t = threading.Thread(target=worker, name="keyring")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: "ZeroDivisionError" in dialog.report_text())
    assert "AttributeError" in dialog.report_text()  # both, while the dialog stays open
    assert "unexpected exception in thread keyring" in log_file.read_text(encoding="utf-8")
