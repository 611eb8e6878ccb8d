"""A due call-back tops the work list and alerts: status bar, sound, notification, banner on
the open pop; the next outcome closes it (real widgets offscreen, real local store)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from tests.local_data import AGENT
from workbench.app import LocalContext
from workbench.core.entities import utcnow
from workbench.local_store.models import Callback
from workbench.services.call_events import CallEvent, Source
from workbench.services.callbacks import due_callbacks
from workbench.ui.callback_alert import CallbackAlerter
from workbench.ui.main_window import MainWindow
from workbench.views.callback_alerts import CallbackAlerts
from workbench.views.task_runner import TaskRunner
from workbench.views.workbench_vm import WorkbenchViewModel

WAIT = 10_000


def _due_callback(ctx: LocalContext, cid: str = "CB-due", minutes_ago: int = 5, owner: str | None = "U-agent1",
                  customer: str = "C1") -> None:
    """A call-back whose time has come (made earlier, e.g. on another day or another desk)."""
    now = utcnow()
    with ctx.sf.begin() as s:
        s.add(Callback(id=cid, customer_id=customer, team_id="T01", owner_id=owner, created_by="U-agent1",
                       due_at=now - dt.timedelta(minutes=minutes_ago), status="open", note="约好上午回电",
                       created_at=now - dt.timedelta(days=1), updated_at=now))


def _window(qtbot: Any, ctx: LocalContext) -> tuple[MainWindow, WorkbenchViewModel, TaskRunner, CallbackAlerts, CallbackAlerter]:
    runner = TaskRunner()
    vm = WorkbenchViewModel(runner, ctx.actor, ctx.pops, ctx.outcomes, ctx.sf, None)
    win = MainWindow(vm, undo_seconds=5)
    qtbot.addWidget(win)
    alerts = CallbackAlerts(runner, lambda: due_callbacks(ctx.sf, AGENT), interval_ms=60_000, parent=win)
    alerter = CallbackAlerter(win, parent=win)
    alerts.callback_due.connect(alerter.on_callback_due)
    return win, vm, runner, alerts, alerter


def test_due_call_back_tops_the_work_list_and_alerts_with_a_banner(qtbot: Any, local_ctx: LocalContext) -> None:
    win, vm, runner, alerts, alerter = _window(qtbot, local_ctx)
    with qtbot.waitSignal(vm.worklist_ready, raising=True, timeout=WAIT):
        vm.refresh_worklist()
    assert win.work_model.rowCount() == 1 and win.work_model.row(0).kind == "task"
    with qtbot.waitSignal(vm.pop_ready, raising=True, timeout=WAIT):  # the customer's pop is open
        vm.on_call_event(CallEvent.from_number("13800138000", Source.SEARCH))
    page = win.current_page()
    assert page is not None and page.callback_banner.isHidden()

    _due_callback(local_ctx)
    with qtbot.waitSignal(alerts.callback_due, raising=True, timeout=WAIT) as due, \
            qtbot.waitSignal(vm.worklist_ready, raising=True, timeout=WAIT):
        alerts.check_now()
    assert due.args[0].id == "CB-due"
    # the work list: the call-back on top, marked due
    top = win.work_model.row(0)
    assert (top.kind, top.id, top.status) == ("callback", "CB-due", "due")
    assert win.work_model.data(win.work_model.index(0, 3)) == "Call-back due"
    # visible and audible: status bar, a desktop notification, a sound, the banner on the pop
    message = win.statusBar().currentMessage()
    assert "Call-back due: 王伟" in message and "约好上午回电" in message
    assert alerter.notifications == [("Call-back", message)] and alerter.sounds == 1
    assert not page.callback_banner.isHidden() and page.callback_banner.text() == message

    # announced once: the next check says nothing new
    with qtbot.assertNotEmitted(alerts.callback_due, wait=300):
        alerts.check_now()
        runner.wait_for_done()
        qtbot.wait(50)

    # the next outcome on the customer closes it: gone from the work list, banner down
    data = page.form.current_input()
    assert data is not None
    with qtbot.waitSignal(vm.worklist_ready, raising=True, timeout=WAIT):
        with qtbot.waitSignal(vm.saved, raising=True, timeout=WAIT):
            page.form.wrapup.setCurrentIndex(page.form.wrapup.findData("refused"))
            page.form.submit()
    assert page.callback_banner.isHidden()
    assert "call-back closed" in win.statusBar().currentMessage()
    kinds = [win.work_model.row(i).kind for i in range(win.work_model.rowCount())]
    assert "callback" not in kinds
    with local_ctx.sf() as s:
        assert s.execute(select(Callback.status)).scalar_one() == "done"
    runner.wait_for_done()


def test_no_banner_for_another_customer_and_team_call_backs_alert_too(qtbot: Any, local_ctx: LocalContext) -> None:
    win, vm, runner, alerts, alerter = _window(qtbot, local_ctx)
    with qtbot.waitSignal(vm.pop_ready, raising=True, timeout=WAIT):  # C1's pop is open
        vm.on_call_event(CallEvent.from_number("13800138000", Source.SEARCH))
    _due_callback(local_ctx, "CB-team", owner=None, customer="C3")  # anyone in my team
    _due_callback(local_ctx, "CB-theirs", owner="U-agent2", customer="C3")  # a teammate's own
    with qtbot.waitSignal(alerts.callback_due, raising=True, timeout=WAIT) as due:
        alerts.check_now()
    assert due.args[0].id == "CB-team" and due.args[0].team
    runner.wait_for_done()
    qtbot.wait(50)
    assert len(alerter.notifications) == 1 and "(team)" in alerter.notifications[0][1]
    page = win.current_page()
    assert page is not None and page.callback_banner.isHidden()  # C3's call is not on screen
    runner.wait_for_done()


def test_the_work_list_shows_the_recycling_warning(qtbot: Any, local_ctx: LocalContext) -> None:
    """A task warned by forced circulation (recycle_at from the server) says so."""
    from workbench.local_store.models import Task

    win, vm, runner, _alerts, _alerter = _window(qtbot, local_ctx)
    when = utcnow() + dt.timedelta(days=2)
    with local_ctx.sf.begin() as s:
        task = s.get(Task, "K1")
        assert task is not None
        task.recycle_at = when
    with qtbot.waitSignal(vm.worklist_ready, raising=True, timeout=WAIT):
        vm.refresh_worklist()
    from workbench.ui.screen_pop import fmt_time

    assert win.work_model.data(win.work_model.index(0, 3)) == f"Outbound call · back to the pool {fmt_time(when)}"
    runner.wait_for_done()
