"""What a new user sees: a calm, translated softphone status; columns that fit at 1366×768 with
elided texts whole in their tooltip; a do-not-call or complaint customer's pop leading with the
warning and the trail; no raw keys; accessible names; colours that follow the system palette;
and a whole call, from ring to saved outcome, with the keyboard alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QAccessible, QColor, QHelpEvent, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QToolTip, QWidget
from sqlalchemy import select

from tests.local_data import NOW, QIAN_PHONE, WANG_PHONE, ZHAO_PHONE
from workbench.app import LocalContext
from workbench.i18n import install_language
from workbench.local_store.models import ContactEvent
from workbench.services.call_events import CallEvent, Source
from workbench.ui import palette, table_fit
from workbench.ui.main_window import MainWindow
from workbench.views.task_runner import TaskRunner
from workbench.views.workbench_vm import WorkbenchViewModel

SHOTS = Path(__file__).resolve().parents[2] / "bench" / "out"


@pytest.fixture
def zh(qapp):  # type: ignore[no-untyped-def]
    install_language(qapp, "zh")
    yield
    install_language(qapp, "en")


def _window(qtbot, ctx: LocalContext):  # type: ignore[no-untyped-def]
    from workbench.services.dialing import DialService

    runner = TaskRunner()
    vm = WorkbenchViewModel(runner, ctx.actor, ctx.pops, ctx.outcomes, ctx.sf,
                            dialing=DialService(ctx.sf, ctx.actor, clock=lambda: NOW))
    win = MainWindow(vm, undo_seconds=5)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    qtbot.waitExposed(win)
    return win, vm, runner


def _ring(qtbot, win, vm, number: str):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(vm.pop_ready, raising=True, timeout=10000):
        vm.on_call_event(CallEvent(number=number, source=Source.SOFTPHONE, call_id=f"call-{number}"))
    page = win.current_page()
    assert page is not None
    return page


def test_the_softphone_status_is_calm_and_in_the_interface_language(qtbot, local_ctx, zh) -> None:  # type: ignore[no-untyped-def]
    win, _vm, runner = _window(qtbot, local_ctx)
    win.on_softphone_connection(False, "Softphone not connected (127.0.0.1:4444): Connection refused; retrying")
    text = win.phone_label.text()
    assert text == "未连接软电话（鼠标停在此处查看连接方法）"
    assert not re.search(r"[A-Za-z]{3,}", text)  # no English left in the Chinese interface
    assert "color" not in win.phone_label.styleSheet()  # not red: a normal state
    assert "127.0.0.1:4444" in win.phone_label.toolTip() and "baresip" in win.phone_label.toolTip()
    win.on_softphone_command_failed("dial", "Softphone not connected (127.0.0.1:4444)")
    assert win.statusBar().currentMessage() == "未连接软电话：请手动拨号。"
    runner.wait_for_done()


def _covered(view, col: int) -> bool:  # type: ignore[no-untyped-def]
    """Every shown row's text of ``col`` fits its column, or shows whole in the tooltip."""
    model = view.model()
    header = view.horizontalHeader()
    if header.sectionViewportPosition(col) + header.sectionSize(col) > view.viewport().width() + 1:
        return False  # cut off by the view's edge (a horizontal scroll bar)
    for row in range(min(model.rowCount(), table_fit.MEASURED_ROWS)):
        index = model.index(row, col)
        if not table_fit.is_elided(view, index):
            continue
        rect = view.visualRect(index)
        if rect.isEmpty():
            return False
        QToolTip.hideText()
        event = QHelpEvent(QEvent.Type.ToolTip, rect.center(), view.viewport().mapToGlobal(rect.center()))
        QApplication.sendEvent(view.viewport(), event)
        if QToolTip.text() != (index.data(Qt.ItemDataRole.ToolTipRole) or index.data()):
            return False
    return True


def test_no_clipped_columns_at_1366x768(qtbot, local_ctx, zh) -> None:  # type: ignore[no-untyped-def]
    from workbench.services.worklist import load_worklist

    win, vm, runner = _window(qtbot, local_ctx)
    win.on_worklist(load_worklist(local_ctx.sf, local_ctx.actor))
    page = _ring(qtbot, win, vm, WANG_PHONE)
    qtbot.wait(50)
    pop = page.pop_widget
    offers = pop.offers_view
    metrics = offers.fontMetrics()
    value_col = next(c for c in range(offers.model().columnCount())
                     if offers.model().headerData(c, Qt.Orientation.Horizontal) == "价值（元）")
    for row in range(offers.model().rowCount()):  # numbers are never elided
        assert not table_fit.is_elided(offers, offers.model().index(row, value_col))
    header = offers.horizontalHeader()
    for col in range(offers.model().columnCount() - 1):
        title = offers.model().headerData(col, Qt.Orientation.Horizontal)
        assert header.sectionSize(col) >= metrics.horizontalAdvance(title), title  # header readable
    work = win.work_view
    assert work.model().rowCount() > 0
    for view in (offers, pop.trail_view, work):
        for col in range(view.model().columnCount()):
            assert _covered(view, col), (view.accessibleName(), col)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert win.grab().save(str(SHOTS / "pop-1366x768-zh.png"))
    runner.wait_for_done()


@pytest.mark.parametrize("number", [ZHAO_PHONE, QIAN_PHONE])  # do not call; open complaint
def test_a_restricted_customer_leads_with_the_warning_and_the_trail(qtbot, local_ctx, number: str) -> None:  # type: ignore[no-untyped-def]
    from workbench.services.worklist import load_worklist

    win, vm, runner = _window(qtbot, local_ctx)
    win.on_worklist(load_worklist(local_ctx.sf, local_ctx.actor))
    pop = _ring(qtbot, win, vm, WANG_PHONE).pop_widget  # an ordinary customer first
    assert not pop.restricted and pop._body.widget(0) is pop._middle
    pop = _ring(qtbot, win, vm, number).pop_widget
    assert pop.restricted and pop.warning_bar.isVisible()
    assert pop._layout.indexOf(pop.warning_bar) == 0  # above everything
    assert pop._body.widget(0) is pop.history_tabs and pop.history_tabs.currentIndex() == 0  # the trail
    assert pop.warning_bar.geometry().top() < pop.history_tabs.mapTo(pop, QPoint(0, 0)).y() \
        < pop.offers_view.mapTo(pop, QPoint(0, 0)).y()
    qtbot.wait(50)
    for view in (pop.offers_view, pop.trail_view, win.work_view):  # English, narrower panes: still no cut column
        for col in range(view.model().columnCount()):
            assert _covered(view, col), (view.accessibleName(), col)
    SHOTS.mkdir(parents=True, exist_ok=True)
    win.grab().save(str(SHOTS / f"pop-restricted-{number}.png"))
    pop = _ring(qtbot, win, vm, WANG_PHONE).pop_widget  # and back
    assert not pop.restricted and pop._body.widget(0) is pop._middle
    runner.wait_for_done()


def test_no_raw_keys_in_score_explanations_or_warnings(qapp) -> None:  # type: ignore[no-untyped-def]
    from workbench.core.scoring.explain import describe
    from workbench.ui import labels

    for key, value in (("tag:complaint_prone", 1), ("tag:complaint_prone", 0), ("tag:brand_new_tag", 1),
                       ("hist_refusals_90d", None), ("some_new_feature", 3)):
        zh, en = describe(key, value, 0.05)
        for text in (zh, en):
            assert not re.search(r"[a-z]+_[a-z]+", text), text
    assert "投诉倾向" in describe("tag:complaint_prone", 1, 0.05)[0]
    assert "Complaint-prone" in describe("tag:complaint_prone", 1, 0.05)[1]
    assert "_" not in labels.warning("a_reason_from_a_newer_server", {})


def _accessible_name(widget: QWidget) -> str:
    """What a screen reader announces as the name (a combo box's Qt reports its current item as
    the name and its accessible name as the label, so take the property there)."""
    if widget.metaObject().className() == "QComboBox":
        return widget.accessibleName()
    iface = QAccessible.queryAccessibleInterface(widget)
    return iface.text(QAccessible.Text.Name) if iface is not None else ""


def test_the_pop_and_the_form_have_accessible_names(qtbot, local_ctx, zh) -> None:  # type: ignore[no-untyped-def]
    win, vm, runner = _window(qtbot, local_ctx)
    page = _ring(qtbot, win, vm, WANG_PHONE)
    missing = []
    for root in (page.pop_widget, page.form):
        for w in root.findChildren(QWidget):
            if not w.isVisibleTo(root) or w.parent() is None:
                continue
            if w.focusPolicy() != Qt.FocusPolicy.NoFocus and not w.objectName().startswith("qt_"):
                if w.metaObject().className() in ("QScrollBar", "QTabBar", "QLineEdit") and w.parent() not in (root,) \
                        and not w.accessibleName() and w.parent().accessibleName():
                    continue  # the inner parts of a named control (a combo's line edit, a table's bars)
                name = _accessible_name(w)
                if not name or "&" in name:
                    missing.append((root.metaObject().className(), w.metaObject().className(), name))
            elif isinstance(w, QLabel) and w.text() and not w.accessibleDescription() and not w.buddy():
                if w.parent() is root or w in (page.pop_widget.name_label, page.pop_widget.warning_bar):
                    missing.append((root.metaObject().className(), "QLabel", w.text()[:20]))
    assert not missing, missing
    assert _accessible_name(page.form.wrapup) == "通话结果"
    runner.wait_for_done()


def _palette(window: str, text: str, highlight: str = "#308cc6", highlighted: str = "#ffffff") -> QPalette:
    pal = QPalette()
    for role, color in ((QPalette.ColorRole.Window, window), (QPalette.ColorRole.Base, window),
                        (QPalette.ColorRole.WindowText, text), (QPalette.ColorRole.Text, text),
                        (QPalette.ColorRole.Highlight, highlight), (QPalette.ColorRole.HighlightedText, highlighted)):
        pal.setColor(role, QColor(color))
    return pal


@pytest.mark.parametrize(("name", "window", "text", "hl", "hl_text"), [
    ("light", "#efefef", "#000000", "#308cc6", "#ffffff"),
    ("dark", "#2a2a2a", "#e6e6e6", "#2a82da", "#ffffff"),
    ("high-contrast", "#000000", "#ffffff", "#ffff00", "#000000"),
])
def test_colours_follow_the_system_palette(qtbot, local_ctx, name, window, text, hl, hl_text) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    old = app.palette()
    app.setPalette(_palette(window, text, hl, hl_text))
    try:
        pal = palette.colors()
        assert pal.dark == (name != "light") and pal.high_contrast == (name == "high-contrast")
        for fg in (pal.text, pal.muted, pal.error, pal.ok, pal.info):
            assert palette.contrast(fg, window) >= 4.5, (name, fg)
        for bg in (pal.warning_bg, pal.tier, pal.stage, pal.lead):
            assert palette.contrast(pal.warning_fg if bg == pal.warning_bg else pal.badge_fg, bg) >= 4.5, (name, bg)
        for bg in (pal.answer_bg, pal.objection_bg):
            assert palette.contrast(text, bg) >= 4.5, (name, bg)
        assert palette.contrast(pal.error, pal.error_bg) >= 4.5, name
        assert palette.contrast(pal.badge_fg, pal.alert_bg) >= 4.5, name
        win, vm, runner = _window(qtbot, local_ctx)
        pop = _ring(qtbot, win, vm, ZHAO_PHONE).pop_widget
        assert pal.warning_bg in pop.warning_bar.styleSheet() and pal.muted in pop.explain_label.styleSheet()
        assert "}}" not in pop.warning_bar.styleSheet()  # a valid style sheet (no f-string braces left)
        if name == "high-contrast":  # the system's own colours, no hues of ours
            assert pal.warning_bg == hl and pal.muted == text
        runner.wait_for_done()
    finally:
        app.setPalette(old)


def test_a_whole_call_from_ring_to_saved_outcome_with_the_keyboard_alone(qtbot, local_ctx) -> None:  # type: ignore[no-untyped-def]
    win, vm, runner = _window(qtbot, local_ctx)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    page = _ring(qtbot, win, vm, WANG_PHONE)  # the softphone rings: the pop opens

    def key(k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        qtbot.keyClick(QApplication.focusWidget() or win, k, mod)

    key(Qt.Key.Key_F9)  # to the outcome form
    form = page.form
    assert QApplication.focusWidget() is form.wrapup
    while form.wrapup.currentData() != "interested":
        key(Qt.Key.Key_Down)
    key(Qt.Key.Key_Tab)  # -> intent
    key(Qt.Key.Key_Tab)  # -> policy
    key(Qt.Key.Key_Tab)  # -> note
    assert QApplication.focusWidget() is form.note
    qtbot.keyClicks(QApplication.focusWidget(), "call back next week")
    with qtbot.waitSignal(vm.saved, raising=True, timeout=10000):
        key(Qt.Key.Key_Return)
    runner.wait_for_done()
    with local_ctx.sf() as s:
        saved = s.execute(select(ContactEvent).where(ContactEvent.customer_id == "C1")
                          .order_by(ContactEvent.started_at.desc())).scalars().first()
    assert saved is not None and saved.wrapup == "interested" and saved.note == "call back next week"


def test_every_colour_comes_from_the_palette_module() -> None:
    """One colour palette (issue #14 point 4): no colour literal in a widget or view-model."""
    import re
    from pathlib import Path

    import workbench

    root = Path(workbench.__file__).parent
    found = [f"{p.relative_to(root)}:{n}: {line.strip()}"
             for p in [*root.joinpath("ui").glob("*.py"), *root.joinpath("views").glob("*.py")] if p.name != "palette.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"#[0-9a-fA-F]{6}\b|background=\"w\"", line)]
    assert found == []
