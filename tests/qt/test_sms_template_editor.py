"""Issue 15 point 2 on the desk: the policy studio's SMS template editor, real widgets offscreen
over a real local store, with no server (offline): the checks as you type, drafts, the keys.
Publishing to a live server is in tests/integration/sms/test_sms_template_studio.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from sqlalchemy import select

from tests.local_data import NOW, build_local_store
from workbench.i18n import install_language
from workbench.local_store.models import SmsTemplateDraft
from workbench.services.policy_admin import PolicyAdminService
from workbench.services.sms_templates import SmsTemplateService
from workbench.ui.policy_studio import PolicyStudio
from workbench.ui.sms_templates import SmsTemplatesPage
from workbench.views.policy_studio_vm import PolicyStudioViewModel
from workbench.views.sms_templates_vm import SmsTemplatesViewModel
from workbench.views.task_runner import TaskRunner

WAIT = 20_000


@pytest.fixture
def studio(qtbot: Any, qapp: Any, tmp_path: Path) -> Iterator[tuple[PolicyStudio, SmsTemplatesPage, Any]]:
    assert install_language(qapp, "en")  # as the app does: English plural forms
    sf = build_local_store(tmp_path / "local.db")
    runner = TaskRunner()
    vm = PolicyStudioViewModel(PolicyAdminService(sf, clock=lambda: NOW), runner)
    tvm = SmsTemplatesViewModel(SmsTemplateService(sf, None), runner)
    with qtbot.waitSignal(tvm.book_changed, raising=True, timeout=WAIT):
        widget = PolicyStudio(vm, templates_vm=tvm)
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    page = widget.templates_page
    assert page is not None
    widget.tabs.setCurrentWidget(page)
    yield widget, page, sf
    runner.wait_for_done()
    sf.kw["bind"].dispose()


def test_typing_shows_segments_and_names_each_problem(qtbot: Any, studio: Any) -> None:
    _w, page, _sf = studio
    page.body_edit.clear()
    page.body_edit.setFocus()
    # QTest types ASCII only: Chinese arrives as an input method commits it, inserted text
    page.body_edit.insertPlainText("【客户服务】")
    qtbot.keyClicks(page.body_edit, "{name}")
    page.body_edit.insertPlainText("您好，")
    assert page.segments_label.text().startswith("1 segment ·")
    assert page.issues_label.text() == "Template OK"
    qtbot.keyClicks(page.body_edit, "{nmae}")
    text = page.body_edit.toPlainText()
    assert page.issues_label.text().startswith(
        f"Unknown placeholder {{nmae}} at position {text.index('{nmae}')} (known: name, policy")
    assert (text.index("{nmae}"), text.index("{nmae}") + 6) in page.highlighted_ranges()
    page.body_edit.setPlainText("【客户服务】{name}您好，开发票找我")
    text = page.body_edit.toPlainText()
    assert page.issues_label.text() == f"Sensitive word “发票” at position {text.index('发票')}"
    assert page.highlighted_ranges() == [(text.index("发票"), text.index("发票") + 2)]
    assert not page.save_button.isEnabled() and not page.publish_button.isEnabled()
    page.body_edit.setPlainText("客户服务：{name}您好")
    assert "signature 【…】" in page.issues_label.text()
    # 70 Chinese characters in one segment, 67 per segment beyond
    page.body_edit.setPlainText("【客户服务】" + "好" * 64)
    assert page.segments_label.text().startswith("1 segment ·")
    page.body_edit.moveCursor(QTextCursor.MoveOperation.End)
    page.body_edit.insertPlainText("好")
    assert page.segments_label.text().startswith("2 segments ·")
    assert "67 characters per segment" in page.segments_label.text()
    assert "offline" in page.words_label.text().lower()


def test_save_a_draft_by_key_and_publish_offline_keeps_it(qtbot: Any, studio: Any) -> None:
    _w, page, sf = studio
    page.id_edit.setText("TPL-HANGUP")
    page.name_edit.setText("挂机短信")
    page.purpose_combo.setCurrentIndex(page.purpose_combo.findData("hangup"))
    page.policy_combo.setCurrentIndex(page.policy_combo.findData("P-168-504"))
    page.body_edit.setPlainText("【客户服务】{name}您好，{policy}：{pitch} 办理请点{link}")
    page.body_edit.setFocus()
    with qtbot.waitSignal(page.vm.book_changed, raising=True, timeout=WAIT):
        qtbot.keyClick(page.body_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "Saved the draft of TPL-HANGUP" in page.message.text()
    with sf() as s:
        row = s.execute(select(SmsTemplateDraft)).scalar_one()
        assert (row.id, row.purpose, row.policy_id) == ("TPL-HANGUP", "hangup", "P-168-504")
    assert [page.list_model.row(i).id for i in range(page.list_model.rowCount())] == ["TPL-HANGUP"]
    assert page.list_model.data(page.list_model.index(0, 4)) == "draft (not published)"
    with qtbot.waitSignal(page.vm.error, raising=True, timeout=WAIT) as err:
        qtbot.keyClick(page.body_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "Not connected to the server" in err.args[0] and "Not connected" in page.message.text()
    with sf() as s:  # the draft stays on the desk
        assert s.execute(select(SmsTemplateDraft.id)).scalars().all() == ["TPL-HANGUP"]
    # a bad body cannot be saved, not even by key
    page.body_edit.setPlainText("{name}您好")
    qtbot.keyClick(page.body_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    with sf() as s:
        assert s.execute(select(SmsTemplateDraft.body)).scalar_one().startswith("【客户服务】")
    with qtbot.waitSignal(page.vm.discarded, raising=True, timeout=WAIT):
        qtbot.keyClick(page.body_edit, Qt.Key.Key_Delete,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    with sf() as s:
        assert s.execute(select(SmsTemplateDraft)).scalars().all() == []


def test_the_editor_speaks_chinese(qtbot: Any, qapp: Any, studio: Any) -> None:
    _w, _page, sf = studio
    assert install_language(qapp, "zh")
    try:
        vm = SmsTemplatesViewModel(SmsTemplateService(sf, None), TaskRunner())
        page = SmsTemplatesPage(vm)
        qtbot.addWidget(page)
        page.body_edit.setPlainText("【客户服务】{nmae}您好，开发票")
        text = page.issues_label.text()
        assert "未知占位符 {nmae}" in text and "敏感词“发票”" in text
        assert "1 条短信" in page.segments_label.text()
        assert page.save_button.text().startswith("保存草稿")
    finally:
        install_language(qapp, "en")


def test_an_admin_desk_opens_the_studio_with_its_sms_templates_tab(qtbot: Any, qapp: Any, local_ctx: Any) -> None:
    """The desk's wiring (``desktop._add_tools``): Ctrl+Shift+P opens the studio, whose last tab
    is the template editor; without a server it says it checks against the shipped words."""
    import dataclasses

    from tests.qt.test_screen_pop import _window
    from workbench.desktop import _add_tools

    assert install_language(qapp, "en")
    win, _vm, runner = _window(qtbot, local_ctx)
    admin = dataclasses.replace(local_ctx.actor, role="admin", team_id=None)
    _add_tools(win, local_ctx, admin, runner, None)
    actions = [a for a in win.tools_menu.actions() if a.shortcut().toString() == "Ctrl+Shift+P"]
    assert len(actions) == 1
    actions[0].trigger()
    studio = win._tool_windows["studio"]
    assert isinstance(studio, PolicyStudio) and studio.templates_page is not None
    assert "SMS templates" in [studio.tabs.tabText(i) for i in range(studio.tabs.count())]
    qtbot.waitUntil(lambda: "shipped word list" in studio.templates_page.words_label.text(), timeout=WAIT)
    win.close()
    runner.wait_for_done()
