"""The appointment of a work order on real widgets (issue 18, point 7): typed in the outcome
form by keyboard (Alt+T, Alt+A, Enter) with a message next to it when the store cannot take
it, and a receptionist's work list showing today's appointments first, in time order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt

from tests.local_data import QIAN_PHONE, RECEPTION, WANG_PHONE, ZHAO_PHONE, build_local_store
from tests.qt.test_screen_pop import pop
from workbench.app import LocalContext
from workbench.core.appointments import business_day
from workbench.core.clock import BUSINESS_TZ, UTC, utcnow
from workbench.local_store.models import Customer, WorkOrder
from workbench.services.dialing import DialService
from workbench.services.outcomes import OutcomeInput, OutcomeService
from workbench.services.screen_pop import ScreenPopService
from workbench.ui.main_window import MainWindow
from workbench.ui.outcome_form import OutcomeForm
from workbench.views.task_runner import TaskRunner
from workbench.views.workbench_vm import WorkbenchViewModel


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = business_day(utcnow()) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), BUSINESS_TZ).astimezone(UTC)


def _type(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)


def test_appointment_typed_by_keyboard_and_checked(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    form = OutcomeForm()
    qtbot.addWidget(form)
    form.load(pop(local_ctx, WANG_PHONE), "outbound", [("S001", "天河营业厅", "广州")])
    form.show()
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    assert not form.appointment.isEnabled()  # only with a transfer to a store
    form.note.setFocus()
    qtbot.keyClick(form.note, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(form.transfer_on.isChecked)  # a mnemonic clicks the box (animated)
    assert form.appointment.isEnabled()
    qtbot.keyClick(form.transfer_on, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(form.appointment.hasFocus)
    sent: list[OutcomeInput] = []
    form.submitted.connect(sent.append)

    for text, message in [
        ("tomorrow", "type a time such as 14:30"),
        ("+1 03:00", "the store takes visits from 09:00 to 21:00"),
        ("2020-01-01 10:00", "that time has passed"),
        ("+99 10:00", "at most 90 days ahead"),
    ]:
        _type(qtbot, form.appointment, text)
        qtbot.keyClick(form.appointment, Qt.Key.Key_Return)
        assert not sent, text
        assert message in form.status.text(), (text, form.status.text())
        assert form.appointment.hasFocus()  # back to the field, to type it again
    # a slot that runs past closing time is refused too
    _type(qtbot, form.appointment, "+1 20:45")
    form.slot.setFocus()
    form.slot.setCurrentIndex(form.slot.findData(30))
    qtbot.keyClick(form.slot, Qt.Key.Key_Return)
    assert not sent and "09:00 to 21:00" in form.status.text()

    _type(qtbot, form.appointment, "+1 14:30")
    qtbot.keyClick(form.appointment, Qt.Key.Key_Tab)
    assert form.slot.hasFocus()
    form.slot.setCurrentIndex(form.slot.findData(45))
    form.appointment.setFocus()
    with qtbot.waitSignal(form.submitted, raising=True) as blocker:
        qtbot.keyClick(form.appointment, Qt.Key.Key_Return)
    data: OutcomeInput = blocker.args[0]
    assert data.transfer_store_id == "S001"
    assert data.appointment_at == at(1, 14, 30) and data.appointment_minutes == 45
    # the field stays with its call: another call's form is empty, this one's comes back
    kept = form.capture()
    form.forget()
    form.load(pop(local_ctx, ZHAO_PHONE), "outbound", [("S001", "天河营业厅", "广州")])
    assert form.appointment.text() == ""
    form.restore(kept, [("S001", "天河营业厅", "广州")])
    assert form.appointment.text() == "+1 14:30" and form.slot.currentData() == 45


def test_empty_appointment_and_no_transfer_send_none(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    form = OutcomeForm()
    qtbot.addWidget(form)
    form.load(pop(local_ctx, WANG_PHONE), "outbound", [("S001", "天河营业厅", "广州")])
    form.appointment.setText("+1 10:00")  # typed, then the transfer untick
    data = form.current_input()
    assert data is not None and data.appointment_at is None
    form.transfer_on.setChecked(True)
    form.appointment.clear()
    data = form.current_input()
    assert data is not None and data.transfer_store_id == "S001" and data.appointment_at is None


def test_store_work_list_shows_todays_appointments_in_time_order(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sf = build_local_store(tmp_path / "store.db")
    with sf.begin() as s:
        ids: dict[str, str] = {phone: cid for phone, cid in s.query(Customer.phone, Customer.id)}
        now = utcnow()
        # as pulled from the server: sent in this order, for these times
        for wid, phone, when, minutes in [
            ("WO-15", WANG_PHONE, at(0, 15), 30), ("WO-none", ZHAO_PHONE, None, None),
            ("WO-tomorrow", QIAN_PHONE, at(1, 9), 30), ("WO-10", ZHAO_PHONE, at(0, 10), 60),
            ("WO-12", QIAN_PHONE, at(0, 12, 15), None),
        ]:
            s.add(WorkOrder(id=wid, customer_id=ids[phone], store_id="S001", status="created",
                            from_user_id="U-agent1", team_id="T01", appointment_at=when,
                            appointment_minutes=minutes, created_at=now, updated_at=now))
    actor = RECEPTION
    runner = TaskRunner()
    vm = WorkbenchViewModel(runner, actor, ScreenPopService(sf, actor), OutcomeService(sf, actor), sf,
                            dialing=DialService(sf, actor))
    win = MainWindow(vm, undo_seconds=5)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(vm.worklist_ready, raising=True):
        vm.refresh_worklist()
    model = win.work_model
    orders = [model.row(r) for r in range(model.rowCount()) if model.row(r).kind == "work_order"]
    assert [o.id for o in orders] == ["WO-10", "WO-12", "WO-15", "WO-tomorrow", "WO-none"]
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    col = headers.index("Appointment")
    shown = [model.index(r, col).data(Qt.ItemDataRole.DisplayRole) for r in range(len(orders))]
    tomorrow = at(1, 9).astimezone(BUSINESS_TZ)
    assert shown == ["10:00–11:00", "12:15", "15:00–15:30", f"{tomorrow:%m-%d} 09:00–09:30", ""]
    runner.wait_for_done()
