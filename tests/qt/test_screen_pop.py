"""The unified policy view and the outcome form, as a person uses them (offscreen)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from tests.local_data import NOW, QIAN_PHONE, WANG_PHONE, ZHAO_PHONE
from workbench.app import LocalContext
from workbench.core.entities import UTC
from workbench.ipc import CallListener
from workbench.local_store.models import Acceptance, ContactEvent, Outbox
from workbench.services.call_events import CallEvent, Source
from workbench.services.outcomes import OutcomeInput
from workbench.ui.dialogs import NewLeadDialog
from workbench.ui.main_window import MainWindow
from workbench.ui.outcome_form import OutcomeForm
from workbench.ui.screen_pop import ScreenPopWidget
from workbench.views.task_runner import TaskRunner
from workbench.views.workbench_vm import WorkbenchViewModel


def pop(ctx: LocalContext, number: str, *, channel: str = "outbound", now: dt.datetime = NOW):  # type: ignore[no-untyped-def]
    snapshot = ctx.pops.build(number, channel=channel, now=now)
    assert snapshot is not None
    return snapshot


def test_pop_shows_who_what_and_history(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    widget = ScreenPopWidget()
    qtbot.addWidget(widget)
    snap = pop(local_ctx, WANG_PHONE)
    widget.show_snapshot(snap)
    assert widget.name_label.text() == "王伟"
    assert widget.phone_label.text() == "138****8000"  # masked for every role (issue #18)
    assert "96" in widget.plan_label.text()
    assert widget.warning_bar.isHidden()
    assert widget.offers_model.rowCount() == 1
    assert widget.offers_model.index(0, 0).data() == "预存168得504"
    assert "168" in widget.script_view.toPlainText() and "王伟" in widget.script_view.toPlainText()
    assert widget.trail_model.rowCount() == 2
    first = widget.trail_model.index(0, 0).data()
    second = widget.trail_model.index(1, 0).data()
    assert first > second  # newest first


@pytest.mark.parametrize(
    ("case", "expected"),
    [("do_not_call", "do_not_call"), ("complaint", "open_complaint"), ("cap", "cap_reached"),
     ("quiet", "quiet_hours"), ("accepted", "already_accepted"), ("cooldown", "cooldown")],
)
def test_red_bar_for_each_reason_not_to_push(qtbot, local_ctx: LocalContext, case: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    number, now = WANG_PHONE, NOW
    with local_ctx.sf.begin() as s:
        if case == "do_not_call":
            number = ZHAO_PHONE
        elif case == "complaint":
            number = QIAN_PHONE
        elif case == "cap":
            for i in range(2):
                s.add(ContactEvent(id=f"cap{i}", customer_id="C1", channel="outbound", team_id="T01",
                                   started_at=NOW - dt.timedelta(days=1, hours=i), wrapup="no_answer"))
        elif case == "quiet":
            now = dt.datetime(2026, 11, 10, 14, 30, tzinfo=UTC)  # 22:30 in Beijing
        elif case == "accepted":
            s.add(Acceptance(id="A1", customer_id="C1", policy_id="P-168-504", channel="store",
                             store_id="S001", accepted_at=NOW - dt.timedelta(days=2), value=504))
        elif case == "cooldown":
            s.add(ContactEvent(id="ref", customer_id="C1", channel="outbound", team_id="T01",
                               started_at=NOW - dt.timedelta(days=1), wrapup="refused"))
    widget = ScreenPopWidget()
    qtbot.addWidget(widget)
    snap = pop(local_ctx, number, now=now)
    assert expected in {w.code for w in snap.warnings}
    widget.show_snapshot(snap)
    assert not widget.warning_bar.isHidden()
    assert widget.warning_bar.text().startswith("Do not push:")
    if case == "accepted":
        assert "天河营业厅" in widget.warning_bar.text()
        assert widget.offers_model.rowCount() == 0  # never offered again


def test_objection_answers_are_one_key_away(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    widget = ScreenPopWidget()
    qtbot.addWidget(widget)
    widget.show_snapshot(pop(local_ctx, WANG_PHONE))
    widget.show()
    assert "1/1" in widget.script_view.toHtml() or "14" in widget.script_view.toPlainText()
    qtbot.keyClick(widget, Qt.Key.Key_F6)
    assert "14元" in widget.script_view.toPlainText()


def test_outcome_form_by_keyboard_alone(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    form = OutcomeForm()
    qtbot.addWidget(form)
    form.load(pop(local_ctx, WANG_PHONE), "outbound", [("S001", "天河营业厅", "广州")])
    form.set_call_duration(95)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    form.wrapup.setFocus()
    # choose "refused" with the arrow keys, tab to the note, type, press Enter
    for _ in range(form.wrapup.findData("refused")):
        qtbot.keyClick(form.wrapup, Qt.Key.Key_Down)
    assert form.wrapup.currentData() == "refused"
    qtbot.keyClick(form.wrapup, Qt.Key.Key_Tab)  # -> intent
    qtbot.keyClick(form.intent, Qt.Key.Key_Tab)  # -> policy
    qtbot.keyClick(form.policy, Qt.Key.Key_Tab)  # -> note
    assert form.note.hasFocus()
    qtbot.keyClicks(form.note, "too expensive")
    with qtbot.waitSignal(form.submitted, raising=True) as blocker:
        qtbot.keyClick(form.note, Qt.Key.Key_Return)
    data: OutcomeInput = blocker.args[0]
    assert data.customer_id == "C1" and data.wrapup == "refused" and data.note == "too expensive"
    assert data.duration_s == 95 and data.policy_id == "P-168-504" and data.task_id == "K1"
    form.on_saved(undo_seconds=5)
    assert form.undo_button.isEnabled() and "5 s" in form.status.text()
    with qtbot.waitSignal(form.undo_requested, raising=True):
        qtbot.keyClick(form.note, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def test_call_back_time_proposes_tomorrow_when_ticked(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QDateTime

    form = OutcomeForm()
    qtbot.addWidget(form)
    form.load(pop(local_ctx, WANG_PHONE), "outbound", [("S001", "天河营业厅", "广州")])
    form.callback_at.setMinimumDateTime(QDateTime.currentDateTime().addDays(-3))
    form.callback_at.setDateTime(QDateTime.currentDateTime().addDays(-2))  # a form built long ago
    form.callback_on.setChecked(True)
    assert form.callback_at.isEnabled()
    proposed = form.callback_at.dateTime()
    assert QDateTime.currentDateTime().addSecs(23 * 3600) < proposed <= QDateTime.currentDateTime().addDays(1)
    soon = QDateTime.currentDateTime().addSecs(1800)
    form.callback_at.setDateTime(soon)  # the agent's own choice survives unticking and ticking
    form.callback_on.setChecked(False)
    form.callback_on.setChecked(True)
    data = form.current_input()
    assert data is not None and data.callback_at is not None
    assert abs(data.callback_at - soon.toPython().astimezone(UTC)) < dt.timedelta(minutes=1)


def _window(qtbot, ctx: LocalContext, lookup=None):  # type: ignore[no-untyped-def]
    from workbench.services.dialing import DialService

    runner = TaskRunner()
    # a fixed clock: 11:00 in Beijing, outside quiet hours whenever the test runs
    vm = WorkbenchViewModel(runner, ctx.actor, ctx.pops, ctx.outcomes, ctx.sf, lookup,
                            dialing=DialService(ctx.sf, ctx.actor, clock=lambda: NOW))
    win = MainWindow(vm, undo_seconds=5)
    qtbot.addWidget(win)
    return win, vm, runner


def test_second_call_opens_a_tab_and_keeps_the_first(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    win, vm, runner = _window(qtbot, local_ctx)
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number("+86 138-0013-8000", Source.CLI))
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number("8613700137000", Source.SERVER))
    assert [p.customer_id for p in win.open_pages()] == ["C1", "C3"]
    assert win.tabs.currentWidget().customer_id == "C3"
    with qtbot.waitSignal(vm.pop_ready, raising=True):  # the same customer again: reuses the tab
        vm.on_call_event(CallEvent.from_number("13800138000", Source.SOFTPHONE))
    assert len(win.open_pages()) == 2 and win.tabs.currentWidget().customer_id == "C1"
    win._close_tab(win.tabs.indexOf(win.open_pages()[0]))
    assert [p.customer_id for p in win.open_pages()] == ["C3"]  # the other call stays
    runner.wait_for_done()


def test_switching_calls_brings_back_each_customer_and_what_was_typed(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    """One pop page serves every open call: a tab switch puts the shown call's unsaved input
    aside and brings the other call's back, and news for a call not shown waits for its tab."""
    from types import SimpleNamespace

    win, vm, runner = _window(qtbot, local_ctx)
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent(number=WANG_PHONE, source=Source.CLI, call_id="call-1"))
    page = win.current_page()
    assert page is not None and page.customer_id == "C1"
    form, pw = page.form, page.pop_widget
    form.wrapup.setCurrentIndex(form.wrapup.findData("interested"))
    form.note.setText("想了解4G套餐")
    form.callback_on.setChecked(True)
    wang_callback = form.callback_at.dateTime().addSecs(3600)
    form.callback_at.setDateTime(wang_callback)
    pw.objection_box.setText("太贵了")
    pw.history_tabs.setCurrentIndex(1)

    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent(number=QIAN_PHONE, source=Source.SERVER, call_id="call-2"))
    assert win.current_page() is page and page.customer_id == "C3"  # the same page, filled anew
    assert pw.name_label.text() != "王伟" and pw.objection_box.text() == ""
    assert form.note.text() == "" and form.wrapup.currentData() is None and not form.callback_on.isChecked()
    assert pw.history_tabs.currentIndex() == 0
    form.transfer_on.setChecked(True)  # proposes the "transferred" wrap-up
    form.intent.setCurrentIndex(form.intent.findData("high"))
    form.transfer_note.setText("客户到店办理")

    # news for the call not on screen waits for its tab
    win.on_explanation("C1", SimpleNamespace(probability=0.42, top_factors=[]))
    win.on_call_ended("call-1", 95)
    newer = local_ctx.pops.build(WANG_PHONE, channel="outbound")
    win.on_pop_refreshed(newer)  # e.g. after a sync
    assert pw.explain_label.isHidden() and page.customer_id == "C3"

    win.tabs.setCurrentIndex(win.tabs.indexOf(win.page_for("C1")))
    assert page.customer_id == "C1" and pw.name_label.text() == "王伟" and pw.snapshot is newer
    assert form.wrapup.currentData() == "interested" and form.note.text() == "想了解4G套餐"
    assert form.callback_on.isChecked() and form.callback_at.dateTime() == wang_callback
    assert not form.transfer_on.isChecked() and not form.store.isEnabled()
    assert pw.objection_box.text() == "太贵了" and pw.history_tabs.currentIndex() == 1
    assert not pw.explain_label.isHidden() and "42%" in pw.explain_label.text()
    data = form.current_input()
    assert data is not None and data.customer_id == "C1" and data.duration_s == 95

    win.tabs.setCurrentIndex(win.tabs.indexOf(win.page_for("C3")))
    assert page.customer_id == "C3" and form.wrapup.currentData() == "transferred"
    assert form.intent.currentData() == "high"
    assert form.transfer_on.isChecked() and form.store.isEnabled() and form.transfer_note.text() == "客户到店办理"
    assert not form.callback_on.isChecked() and pw.explain_label.isHidden()

    # closing the call on screen shows the other one, as it was left
    win._close_tab(win.tabs.currentIndex())
    assert [c.customer_id for c in win.open_pages()] == ["C1"]
    assert page.customer_id == "C1" and form.note.text() == "想了解4G套餐"
    win._close_tab(win.tabs.currentIndex())
    assert win.open_pages() == [] and win.current_page() is None
    # the same customer calling again is a new call: nothing typed before comes back
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number(WANG_PHONE, Source.CLI))
    assert win.current_page() is page and form.note.text() == "" and pw.objection_box.text() == ""
    runner.wait_for_done()


def test_a_new_call_starts_with_a_fresh_form_and_the_undo_stays_with_its_call(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    win, vm, runner = _window(qtbot, local_ctx)
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number(WANG_PHONE, Source.CLI))
    form = win.current_page().form
    form.on_saved(undo_seconds=5)  # a save of this call, still undoable
    assert form.undo_button.isEnabled() and "Ctrl+Z" in form.status.text()
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number(QIAN_PHONE, Source.CLI))
    assert not form.undo_button.isEnabled() and form.status.text() == "" and form.save_button.isEnabled()
    win.tabs.setCurrentIndex(win.tabs.indexOf(win.page_for("C1")))  # back to the saved call
    assert form.undo_button.isEnabled() and "Ctrl+Z" in form.status.text()
    runner.wait_for_done()


def test_save_from_the_window_writes_outbox_and_undo_takes_it_back(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    win, vm, runner = _window(qtbot, local_ctx)
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number(WANG_PHONE, Source.CLI, channel="outbound"))
    page = win.current_page()
    assert page is not None
    page.form.note.setText("明天下午回电")
    page.form.submit()  # no wrap-up chosen yet: refused in the form, nothing saved
    assert "wrap-up" in page.form.status.text()
    page.form.wrapup.setCurrentIndex(page.form.wrapup.findData("interested"))
    with qtbot.waitSignal(vm.saved, raising=True):
        qtbot.keyClick(page.form.note, Qt.Key.Key_Return)
    with local_ctx.sf() as s:
        assert [o.entity for o in s.execute(select(Outbox)).scalars()][:1] == ["contact_event"]
    assert "Ctrl+Z" in page.form.status.text()
    with qtbot.waitSignal(vm.undone, raising=True) as blocker:
        qtbot.keyClick(page.form.note, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [True]
    with local_ctx.sf() as s:
        assert list(s.execute(select(Outbox)).scalars()) == []
    runner.wait_for_done()


def test_refused_save_shows_the_reason_and_writes_nothing(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    win, vm, runner = _window(qtbot, local_ctx)
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number(WANG_PHONE, Source.CLI))
    page = win.current_page()
    page.form.wrapup.setCurrentIndex(page.form.wrapup.findData("transferred"))
    page.form.transfer_on.setChecked(False)
    with qtbot.waitSignal(vm.save_failed, raising=True):
        page.form.submit()
    assert "store" in page.form.status.text()
    with local_ctx.sf() as s:
        assert list(s.execute(select(Outbox)).scalars()) == []
    runner.wait_for_done()


def test_unknown_caller_asks_the_server_then_offers_a_new_lead(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def lookup(event: CallEvent) -> bool:
        asked.append(event.number)
        return False

    win, vm, runner = _window(qtbot, local_ctx, lookup)
    with qtbot.waitSignal(vm.unknown_caller, raising=True) as blocker:
        vm.on_call_event(CallEvent.from_number("+86 136 0000 2222", Source.CLI))
    assert asked == ["13600002222"]
    assert blocker.args[0].number == "13600002222"
    dialog = win.findChild(NewLeadDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.number.text() == "13600002222"  # prefilled with the caller's number
    dialog.name.setText("孙先生")
    dialog.city.setText("广州")
    with qtbot.waitSignal(vm.pop_ready, raising=True) as b2:  # saved, then popped
        dialog.accept()
    assert b2.args[0].portrait.is_lead and b2.args[0].portrait.name == "孙先生"
    with local_ctx.sf() as s:
        assert [(o.entity, o.op) for o in s.execute(select(Outbox)).scalars()] == [("customer", "create")]
    runner.wait_for_done()


def test_store_arrival_lookup_by_member_number_and_id(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    asked: list[tuple[str, str]] = []

    def lookup(event: CallEvent) -> str:  # the server matches ID numbers (desks hold none)
        asked.append((event.key_kind, event.number))
        return "C1"

    win, vm, runner = _window(qtbot, local_ctx, lookup)
    for kind, text in (("member_no", "M0001"), ("id_number", "11010519491231002X")):
        win.search_kind.setCurrentIndex(win.search_kind.findData(kind))
        win.search_box.setText(text)
        with qtbot.waitSignal(vm.pop_ready, raising=True) as blocker:
            qtbot.keyClick(win.search_box, Qt.Key.Key_Return)
        assert blocker.args[0].portrait.id == "C1"
    assert asked == [("id_number", "11010519491231002X")]  # the member number was found locally
    runner.wait_for_done()


def test_workbench_call_reaches_the_running_instance(qtbot, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    name = f"wb-test-{os.getpid()}-{tmp_path.name}"
    monkeypatch.setenv("WORKBENCH_SOCKET", name)
    listener = CallListener(name)
    assert listener.start()
    env = {**os.environ, "WORKBENCH_SOCKET": name, "QT_QPA_PLATFORM": "offscreen"}
    with qtbot.waitSignal(listener.call_received, raising=True, timeout=15000) as blocker:
        proc = subprocess.Popen([sys.executable, "-m", "workbench", "call", "--no-start", "+86 138-0013-8000"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert blocker.args[0].number == "13800138000" and blocker.args[0].source == Source.CLI
    bad = subprocess.run([sys.executable, "-m", "workbench", "call", "--no-start", "not-a-number"],
                         env=env, capture_output=True, text=True, timeout=15)
    assert bad.returncode == 2 and "not a phone number" in bad.stderr
    listener.close()
    gone = subprocess.run([sys.executable, "-m", "workbench", "call", "--no-start", "13800138000"],
                          env=env, capture_output=True, text=True, timeout=15)
    assert gone.returncode == 1 and "not running" in gone.stderr


def test_many_thousand_qt_calls_do_not_crash(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    """PySide6-Essentials 6.12.0 on Python 3.11 drops a reference to None on every void call
    ("Fatal Python error: none_dealloc"): this makes enough of them to crash such a build."""
    widget = ScreenPopWidget()
    qtbot.addWidget(widget)
    snap = pop(local_ctx, WANG_PHONE)
    for _ in range(2000):
        widget.show_snapshot(snap)  # dozens of void Qt calls each (setText, setVisible, ...)
        widget.warning_bar.hide()
    assert widget.name_label.text() == "王伟"


def test_click_to_dial_checks_pressure_first(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QMessageBox

    win, vm, runner = _window(qtbot, local_ctx)
    dialled: list[str] = []
    win.dial_number.connect(dialled.append)
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number(WANG_PHONE, Source.SEARCH, channel="outbound"))
    from PySide6.QtGui import QAction

    dial = next(a for a in win.findChildren(QAction) if a.shortcut().toString() == "Ctrl+D")
    with qtbot.waitSignal(win.dial_number, raising=True, timeout=20000):
        dial.trigger()
    assert dialled == [WANG_PHONE]
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number(ZHAO_PHONE, Source.SEARCH, channel="outbound"))
    with qtbot.waitSignal(vm.dial_blocked, raising=True) as blocked:
        win.dial_current()
    assert "do_not_call" in blocked.args[0].decision.codes
    box = win.findChild(QMessageBox)
    assert box is not None and box.isVisible() and "•" in box.text()
    assert dialled == [WANG_PHONE]  # nothing dialled
    runner.wait_for_done()


def test_tool_windows_open_from_the_menu(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    from workbench.ui.dashboard import DashboardWidget, create_dashboard

    win, vm, runner = _window(qtbot, local_ctx)
    made: list[DashboardWidget] = []

    def factory() -> DashboardWidget:
        widget = create_dashboard(local_ctx.sf, local_ctx.actor, runner)[0]
        made.append(widget)
        return widget

    action = win.add_dashboards(factory)
    assert action.shortcut().toString() == "Ctrl+Shift+D"
    action.trigger()
    action.trigger()  # opened once, then raised
    assert len(made) == 1 and made[0].isVisible()
    win.close()
    assert not made[0].isVisible()
    runner.wait_for_done()


def test_objection_found_from_the_customers_words_and_script_feedback_learns(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    from workbench.local_store.models import Script, SyncState

    with local_ctx.sf.begin() as s:
        s.add(Script(id="S-168-obj2", policy_id="P-168-504", section="objection", title="不需要",
                     body="{name}，这个活动不用改套餐，只是把话费提前存进来。", keywords=["不需要", "没必要"]))
        s.add(Script(id="S-168-open-B", policy_id="P-168-504", section="opening", variant="B", title="开场B",
                     body="{name}您好，打扰一分钟。"))
    local_ctx.pops.invalidate()
    win, vm, runner = _window(qtbot, local_ctx)
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number(WANG_PHONE, Source.CLI, channel="outbound"))
    page = win.current_page()
    snap = page.pop_widget.snapshot
    arms = [sec.arm for sec in snap.script if sec.arm]
    assert any(a.startswith("P-168-504|opening|") for a in arms)
    assert len([sec for sec in snap.script if sec.section == "objection"]) == 2
    page.pop_widget.objection_box.setText("我觉得没必要")
    with qtbot.waitSignal(vm.objection_matched, raising=True) as found:
        qtbot.keyClick(page.pop_widget.objection_box, Qt.Key.Key_Return)
    title, text, score = found.args[1]
    assert title == "不需要" and "王伟" in text and score > 0
    assert "不用改套餐" in page.pop_widget.script_view.toPlainText()
    # the call ends with an acceptance: the variants shown learn from it
    page.form.wrapup.setCurrentIndex(page.form.wrapup.findData("accepted"))
    with qtbot.waitSignal(vm.saved, raising=True):
        page.form.submit()
    runner.wait_for_done()
    with local_ctx.sf() as s:
        state = s.get(SyncState, "script_bandit")
        assert state is not None
    opening_arm = next(a for a in arms if "|opening|" in a)
    assert local_ctx.pops.advisor.bandit().mean(opening_arm) > 0.5  # one success recorded


def test_pop_shows_renewal_beside_deal_and_churn(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    """Issue 17 point 7: the renewal propensity is shown beside the deal and churn scores."""
    from sqlalchemy import update

    from workbench.local_store.models import Customer

    snap = pop(local_ctx, WANG_PHONE)
    with local_ctx.sf.begin() as s:
        s.execute(update(Customer).where(Customer.id == snap.portrait.id)
                  .values(scores={"deal": 0.31, "churn": 0.62, "renewal": 0.47}))
    widget = ScreenPopWidget()
    qtbot.addWidget(widget)
    widget.show_snapshot(pop(local_ctx, WANG_PHONE))
    text = widget.score_label.text()
    assert "31%" in text and "62%" in text and "47%" in text
    assert "续约" in text or "Renewal" in text


def test_a_lead_gets_the_at_risk_list_in_the_tools_menu(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    """Issue 17 point 7: the desk's wiring adds the at-risk list for leads (agents do not get it)."""
    import dataclasses

    from workbench.desktop import _add_tools
    from workbench.ui.at_risk import AtRiskWidget

    win, _vm, runner = _window(qtbot, local_ctx)
    lead = dataclasses.replace(local_ctx.actor, role="lead", team_id="T01")
    _add_tools(win, local_ctx, lead, runner, None)
    actions = [a for a in win.tools_menu.actions() if a.shortcut().toString() == "Ctrl+Shift+R"]
    assert len(actions) == 1
    actions[0].trigger()
    page = win._tool_windows["at_risk"]
    assert isinstance(page, AtRiskWidget) and page.isVisible()
    page.shutdown()
    win.close()
    runner.wait_for_done()
