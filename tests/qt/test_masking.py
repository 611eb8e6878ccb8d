"""Numbers masked on every screen by default, for every role; a full number only through the
reveal action of a role allowed to reveal (the server audits it), shown, never stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from tests.local_data import AGENT, RECEPTION, WANG_PHONE, build_local_store
from workbench.services.actor import Actor
from workbench.services.call_events import CallEvent, Source
from workbench.services.dialing import DialService
from workbench.services.outcomes import OutcomeService
from workbench.services.screen_pop import ScreenPopService
from workbench.ui.main_window import MainWindow
from workbench.views.task_runner import TaskRunner
from workbench.views.workbench_vm import WorkbenchViewModel

LEAD = Actor("U-lead1", "lead1", "组长", "lead", "T01", None)
ADMIN = Actor("U-admin", "admin", "管理员", "admin", None, None)


def _window(qtbot, tmp_path: Path, actor: Actor, reveal=None):  # type: ignore[no-untyped-def]
    sf = build_local_store(tmp_path / f"{actor.username}.db")
    runner = TaskRunner()
    vm = WorkbenchViewModel(runner, actor, ScreenPopService(sf, actor), OutcomeService(sf, actor), sf,
                            dialing=DialService(sf, actor), reveal=reveal)
    win = MainWindow(vm, undo_seconds=5)
    qtbot.addWidget(win)
    win.show()
    return win, vm, runner


def _all_text(win: MainWindow) -> str:
    """Every label and every cell of the visible tables, as the user sees them."""
    parts = [lbl.text() for lbl in win.findChildren(QLabel)]
    model = win.work_model
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            parts.append(str(model.index(r, c).data(Qt.ItemDataRole.DisplayRole) or ""))
    return "\n".join(parts)


@pytest.mark.parametrize("actor", [AGENT, RECEPTION, LEAD, ADMIN], ids=lambda a: a.role)
def test_numbers_are_masked_on_every_screen(qtbot, tmp_path: Path, actor: Actor) -> None:  # type: ignore[no-untyped-def]
    win, vm, runner = _window(qtbot, tmp_path, actor)
    with qtbot.waitSignal(vm.worklist_ready, raising=True):
        vm.refresh_worklist()
    with qtbot.waitSignal(vm.pop_ready, raising=True):  # an incoming call still matches by number
        vm.on_call_event(CallEvent.from_number(WANG_PHONE, Source.CLI))
    failures: list[str] = []
    vm.lookup_failed.connect(failures.append)
    win.search_box.setText(WANG_PHONE)  # and a search result
    with qtbot.waitSignal(vm.pop_ready, raising=False, timeout=3000):
        qtbot.keyClick(win.search_box, Qt.Key.Key_Return)
    assert not failures
    shown = _all_text(win)
    pop = win._pop_page().pop_widget
    assert pop.phone_label.text() == "138****8000" and "****34" in pop.facts_label.text()
    assert f"{WANG_PHONE[:3]}****{WANG_PHONE[-4:]}" in shown
    assert WANG_PHONE not in shown.replace(win.search_box.text(), "")
    assert "561234" not in shown and "440106" not in shown  # no ID digits beyond the last 2
    grabbed = win.grab()  # the screenshot renders only what the widgets hold
    assert not grabbed.isNull()
    runner.wait_for_done()


def test_reveal_shows_the_number_for_allowed_roles_only(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def reveal(customer_id: str) -> str:
        asked.append(customer_id)
        return WANG_PHONE

    win, vm, runner = _window(qtbot, tmp_path, RECEPTION, reveal)
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number(WANG_PHONE, Source.STORE))
    pop = win._pop_page().pop_widget
    assert pop.reveal_button.isVisible() and "*" in pop.phone_label.text()
    with qtbot.waitSignal(vm.number_revealed, raising=True):
        qtbot.mouseClick(pop.reveal_button, Qt.MouseButton.LeftButton)
    assert asked == ["C1"] and pop.phone_label.text() == WANG_PHONE
    assert not pop.reveal_button.isVisible()
    runner.wait_for_done()
    # an agent's window offers no reveal at all (the server refuses it too)
    win2, vm2, runner2 = _window(qtbot, tmp_path / "agent", AGENT, reveal)
    with qtbot.waitSignal(vm2.pop_ready, raising=True):
        vm2.on_call_event(CallEvent.from_number(WANG_PHONE, Source.CLI))
    assert not win2._pop_page().pop_widget.reveal_button.isVisible()
    runner2.wait_for_done()


def test_work_list_export_is_masked_and_recorded_first(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from workbench.services.server_api import OfflineError

    reported: list[tuple[str, int]] = []
    sf = build_local_store(tmp_path / "x.db")
    runner = TaskRunner()
    vm = WorkbenchViewModel(runner, AGENT, ScreenPopService(sf, AGENT), OutcomeService(sf, AGENT), sf,
                            report_export=lambda what, rows: reported.append((what, rows)))
    out = tmp_path / "worklist.csv"
    with qtbot.waitSignal(vm.message, raising=True) as msg:
        vm.export_worklist(str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert "138****8000" in text and WANG_PHONE not in text
    assert "Exported" in msg.args[0] or "导出" in msg.args[0]
    rows = len(text.strip().splitlines()) - 1
    assert reported == [("work list", rows)] and rows > 0

    def offline(_what: str, _rows: int) -> None:
        raise OfflineError("down")

    vm2 = WorkbenchViewModel(runner, AGENT, ScreenPopService(sf, AGENT), OutcomeService(sf, AGENT), sf,
                             report_export=offline)
    out2 = tmp_path / "offline.csv"
    with qtbot.waitSignal(vm2.message, raising=True) as msg2:
        vm2.export_worklist(str(out2))
    assert not out2.exists() and "server" in msg2.args[0]
    runner.wait_for_done()


def test_a_replaced_lead_opens_the_customer_or_says_whose_book(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sf = build_local_store(tmp_path / "y.db")
    runner = TaskRunner()
    vm = WorkbenchViewModel(runner, AGENT, ScreenPopService(sf, AGENT), OutcomeService(sf, AGENT), sf,
                            lambda _event: False)
    unknown: list[object] = []
    vm.unknown_caller.connect(unknown.append)
    with qtbot.waitSignal(vm.pop_ready, raising=True) as popped:  # a customer of the desk's own book
        vm.on_lead_replaced("C1", WANG_PHONE)
    assert popped.args[0].portrait.id == "C1"
    messages: list[str] = []
    vm.message.connect(messages.append)
    with qtbot.waitSignal(vm.message, raising=True, check_params_cb=lambda m: "C-X" in m and ("book" in m or "团队" in m)):
        vm.on_lead_replaced("C-X", "13900000001")  # in another team's book: no pop, no new-lead form
    runner.wait_for_done()
    assert unknown == []
