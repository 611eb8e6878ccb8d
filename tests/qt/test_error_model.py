"""One error model (issue #14, point 5): what the user can act on (a UserError) reaches the
status bar, translated; a bug in a task reaches the crash handler with its traceback and the
log, and the user sees a generic sentence instead of the exception's text."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any

import pytest

from tests.qt.conftest import LocalContext
from workbench.core.errors import UserError
from workbench.services.dialing import DialRefused, DialService
from workbench.services.outcomes import InputError
from workbench.services.server_api import OfflineError
from workbench.ui.main_window import MainWindow
from workbench.views import errors, workbench_vm
from workbench.views.task_runner import TaskRunner
from workbench.views.workbench_vm import WorkbenchViewModel

NOW = dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def crash_handler(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """What reaches ``sys.excepthook`` (where the app's crash handler sits)."""
    seen: list[tuple[Any, ...]] = []
    monkeypatch.setattr(sys, "excepthook", lambda *info: seen.append(info))
    return seen


def _window(qtbot: Any, ctx: LocalContext) -> tuple[MainWindow, WorkbenchViewModel, TaskRunner]:
    runner = TaskRunner()
    vm = WorkbenchViewModel(runner, ctx.actor, ctx.pops, ctx.outcomes, ctx.sf,
                            dialing=DialService(ctx.sf, ctx.actor, clock=lambda: NOW))
    win = MainWindow(vm, undo_seconds=5)
    qtbot.addWidget(win)
    return win, vm, runner


def test_a_user_error_in_a_task_reaches_the_status_bar(qtbot: Any, local_ctx: LocalContext,
                                                       crash_handler: list[tuple[Any, ...]]) -> None:
    win, vm, runner = _window(qtbot, local_ctx)
    with qtbot.waitSignal(vm.dial_refused, raising=True) as blocker:
        vm.request_dial("NO-SUCH-CUSTOMER")
    assert blocker.args == ["unknown customer: NO-SUCH-CUSTOMER"]
    assert win.statusBar().currentMessage() == "unknown customer: NO-SUCH-CUSTOMER"
    assert crash_handler == []
    runner.wait_for_done()


def test_a_bug_in_a_task_reaches_the_crash_handler_and_the_log_not_the_status_bar(
        qtbot: Any, local_ctx: LocalContext, crash_handler: list[tuple[Any, ...]],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def buggy_worklist(*_a: Any) -> Any:
        return {}["planted bug"]

    monkeypatch.setattr(workbench_vm, "load_worklist", buggy_worklist)
    win, vm, runner = _window(qtbot, local_ctx)
    with caplog.at_level(logging.ERROR, logger=errors.__name__), \
            qtbot.waitSignal(vm.message, raising=True) as blocker:
        vm.refresh_worklist()
    shown = blocker.args[0]
    assert "planted bug" not in shown and "KeyError" not in shown
    assert shown == "Something went wrong; the error was recorded in the log."
    assert win.statusBar().currentMessage() == shown
    [(kind, exc, tb)] = crash_handler
    assert kind is KeyError and exc.args == ("planted bug",)
    assert tb is not None and "buggy_worklist" in {f.co_name for f in _frames(tb)}
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.exc_info[1] is exc
    runner.wait_for_done()


def _frames(tb: Any) -> list[Any]:
    out = []
    while tb is not None:
        out.append(tb.tb_frame.f_code)
        tb = tb.tb_next
    return out


def test_the_user_actionable_errors_are_user_errors_and_translated(crash_handler: list[tuple[Any, ...]]) -> None:
    from workbench.core.phone import InvalidPhoneError
    from workbench.core.tables import TableFileError
    from workbench.services.analytics import ScopeError

    for exc in (InputError("x"), DialRefused("x"), OfflineError("x"), InvalidPhoneError("x"),
                TableFileError("x"), ScopeError("x")):
        assert isinstance(exc, UserError) and errors.user_message(exc) == "x"
    # templates are translated first, then filled in
    assert errors.user_message(UserError("{n} rows", n=3)) == "3 rows"
    assert crash_handler == []


def test_the_generic_sentence_for_a_bug_is_in_chinese_too(qapp: Any, crash_handler: list[tuple[Any, ...]]) -> None:
    from workbench.i18n import install_language

    install_language(qapp, "zh")
    try:
        assert errors.user_message(RuntimeError("internal detail")) == "出现了意外错误，详情已记录在日志中。"
    finally:
        install_language(qapp, "en")
    assert [info[0] for info in crash_handler] == [RuntimeError]


def test_the_rule_export_template_limit_and_studio_errors_are_user_errors(
        crash_handler: list[tuple[Any, ...]]) -> None:
    from workbench.core.pressure import LimitSpecError, PressureLimitSpec
    from workbench.core.rules import RuleError, compile_rule
    from workbench.core.sms_text import RenderError
    from workbench.services.exports import ExportRefused
    from workbench.services.policy_admin import PolicyInputError

    with pytest.raises(RuleError) as rule:
        compile_rule("plan_fee ==")
    with pytest.raises(LimitSpecError) as limit:
        PressureLimitSpec(channel="outbound", period="fortnight")
    for exc in (rule.value, limit.value, RenderError("x"), ExportRefused("x"), PolicyInputError("x")):
        assert isinstance(exc, UserError)
        assert errors.user_message(exc) == str(exc)
    assert "fortnight" in errors.user_message(limit.value)
    assert crash_handler == []


@pytest.mark.parametrize("which", ["audit", "sms_funnel"])
def test_a_bug_behind_a_lead_screen_shows_the_generic_sentence(
        qtbot: Any, which: str, crash_handler: list[tuple[Any, ...]]) -> None:
    from workbench.views.audit_vm import AuditLogViewModel
    from workbench.views.sms_funnel_vm import SmsFunnelViewModel

    def buggy(*_a: Any, **_k: Any) -> Any:
        raise AttributeError("secret internals")

    runner = TaskRunner()
    vm: Any = AuditLogViewModel(buggy, runner) if which == "audit" else SmsFunnelViewModel(buggy, runner)
    start = vm.load if which == "audit" else vm.refresh
    with qtbot.waitSignal(vm.failed, raising=True) as blocker:
        start()
    assert "secret internals" not in blocker.args[0]
    assert "Something went wrong" in blocker.args[0]
    assert [info[0] for info in crash_handler] == [AttributeError]
    runner.wait_for_done()


def test_no_view_or_widget_shows_the_text_of_an_arbitrary_exception() -> None:
    """A static guard: failure callbacks in views/ and ui/ go through ``user_message``."""
    import re
    from pathlib import Path

    import workbench

    root = Path(workbench.__file__).parent
    bad = []
    for path in [*root.joinpath("views").glob("*.py"), *root.joinpath("ui").glob("*.py")]:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"lambda exc: [^\n]*\(str\(exc\)\)|\.format\((e|m)=exc\)|format\(m=str\(exc\)\)", line):
                bad.append(f"{path.name}:{n}: {line.strip()}")
    assert bad == []
