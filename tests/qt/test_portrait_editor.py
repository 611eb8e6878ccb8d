"""Editing the portrait from the pop by keyboard alone (issue 18, point 7): F4, Tab, arrows,
Space, typing, Ctrl+S -- the local store and the outbox change together, and the pop shows
the deal score recomputed on the desk."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from tests.local_data import NOW, WANG_PHONE
from tests.synth.upgrade_model import upgrade_intent_model
from workbench.app import LocalContext
from workbench.local_store.models import Customer, Outbox
from workbench.services.call_events import CallEvent, Source
from workbench.services.desk_scoring import DeskScoring
from workbench.services.dialing import DialService
from workbench.services.portrait_edit import PortraitEditor
from workbench.ui.main_window import MainWindow
from workbench.views.task_runner import TaskRunner
from workbench.views.workbench_vm import WorkbenchViewModel


def test_portrait_edited_by_keyboard_alone(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    desk = DeskScoring(local_ctx.sf)
    desk.registry.install(upgrade_intent_model())
    runner = TaskRunner()
    vm = WorkbenchViewModel(runner, local_ctx.actor, local_ctx.pops, local_ctx.outcomes, local_ctx.sf,
                            dialing=DialService(local_ctx.sf, local_ctx.actor, clock=lambda: NOW),
                            portraits=PortraitEditor(local_ctx.sf, desk))
    win = MainWindow(vm, undo_seconds=5)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number(WANG_PHONE, Source.CLI, channel="outbound"))
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    page = win.current_page()
    assert page is not None
    pop = page.pop_widget
    editor = pop.portrait_editor
    assert editor.isHidden()
    assert pop.score_label.text() in ("Deal 42%", "成交 42%")
    qtbot.keyClick(pop.offers_view, Qt.Key.Key_F4)
    assert editor.isVisible() and editor.channel.hasFocus()
    assert editor.channel.accessibleName() and editor.interests.accessibleName() and editor.note.accessibleName()
    for _ in range(editor.channel.findData("sms") - editor.channel.currentIndex()):
        qtbot.keyClick(editor.channel, Qt.Key.Key_Down)
    assert editor.channel.currentData() == "sms"
    qtbot.keyClick(editor.channel, Qt.Key.Key_Tab)
    assert editor.no_sms.hasFocus()
    qtbot.keyClick(editor.no_sms, Qt.Key.Key_Space)
    qtbot.keyClick(editor.no_sms, Qt.Key.Key_Tab)
    assert editor.interests.hasFocus()
    codes = [editor.interests.item(i).data(Qt.ItemDataRole.UserRole) for i in range(editor.interests.count())]
    for _ in range(codes.index("upgrade_intent")):
        qtbot.keyClick(editor.interests, Qt.Key.Key_Down)
    qtbot.keyClick(editor.interests, Qt.Key.Key_Space)
    qtbot.keyClick(editor.interests, Qt.Key.Key_Tab)
    assert editor.note.hasFocus()
    qtbot.keyClicks(editor.note, "wants a Mate 70")
    with qtbot.waitSignal(vm.pop_refreshed, raising=True, timeout=10_000):
        qtbot.keyClick(editor.note, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    runner.wait_for_done()
    assert editor.isHidden()
    with local_ctx.sf() as s:
        c = s.get(Customer, "C1")
        assert c is not None
        assert (c.preferred_channel, c.do_not_sms, c.note) == ("sms", True, "wants a Mate 70")
        assert "upgrade_intent" in c.tags and "price_sensitive" in c.tags
        [entry] = s.execute(select(Outbox)).scalars().all()
        assert (entry.entity, entry.op) == ("customer", "update")
        assert entry.data["tags_add"] == ["upgrade_intent"]
        new_deal = c.scores["deal"]
    assert new_deal != 0.42
    assert f"{new_deal * 100:.0f}%" in pop.score_label.text()
    assert "Wants a new handset" in pop.tags_label.text() or "换机意向" in pop.tags_label.text()
    # F4 again shows what was saved; Esc closes without writing
    qtbot.keyClick(pop.offers_view, Qt.Key.Key_F4)
    assert editor.no_sms.isChecked() and editor.note.toPlainText() == "wants a Mate 70"
    qtbot.keyClick(editor.channel, Qt.Key.Key_Escape)
    assert editor.isHidden()


def test_refused_portrait_edit_shows_the_reason_and_writes_nothing(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    vm = WorkbenchViewModel(runner, local_ctx.actor, local_ctx.pops, local_ctx.outcomes, local_ctx.sf)
    win = MainWindow(vm, undo_seconds=5)
    qtbot.addWidget(win)
    with qtbot.waitSignal(vm.pop_ready, raising=True):
        vm.on_call_event(CallEvent.from_number(WANG_PHONE, Source.CLI))
    pop = win.current_page().pop_widget
    pop.open_portrait_editor()
    with qtbot.waitSignal(vm.portrait_failed, raising=True):
        pop.portrait_edit_requested.emit("C1", {"preferred_channel": "pigeon"})
    runner.wait_for_done()
    assert "pigeon" in pop.portrait_editor.status.text() and not pop.portrait_editor.isHidden()
    with local_ctx.sf() as s:
        assert list(s.execute(select(Outbox)).scalars()) == []
