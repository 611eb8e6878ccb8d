"""The main window: work list, search / arrival lookup, one tab per call, status bar."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QTableView,
    QToolBar,
    QWidget,
)

from workbench.core.appointments import business_day, format_slot
from workbench.core.codes import Role, work_order_steps
from workbench.core.phone import InvalidPhoneError
from workbench.services.call_events import CallEvent, Source
from workbench.services.dialing import DialCheck
from workbench.services.outcomes import Recorded
from workbench.services.screen_pop import ScreenPop
from workbench.services.worklist import WorkItem
from workbench.ui import labels, palette, table_fit
from workbench.ui.call_tabs import CallTabs, OpenCall, PopPage
from workbench.ui.dialogs import NewLeadDialog, WorkOrderResultDialog
from workbench.ui.screen_pop import fmt_pct, fmt_time
from workbench.views.row_table import Column, RowTableModel
from workbench.views.workbench_vm import WorkbenchViewModel

if TYPE_CHECKING:  # the sync engine (and httpx behind it) is not needed to show the window
    from workbench.services.sync_engine import SyncStatus

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Signals:
        language_change_requested(str): "zh" or "en", chosen in the menu.
        dial_number(str): contact pressure allowed a call: the softphone should dial it.
    """

    language_change_requested = Signal(str)
    dial_number = Signal(str)

    def __init__(self, vm: WorkbenchViewModel, undo_seconds: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        self.undo_seconds = undo_seconds
        actor = vm.actor
        self.setWindowTitle(self.tr("Agent Workbench — {name} ({role})").format(
            name=actor.display_name, role=labels.role(actor.role)))
        self.resize(1366, 768)

        # --- search / arrival lookup
        self.search_kind = QComboBox()
        self.search_kind.addItem(self.tr("Mobile"), "phone")
        self.search_kind.addItem(self.tr("Member no."), "member_no")
        # desks hold no ID numbers: the server matches the whole number the customer shows
        self.search_kind.addItem(self.tr("ID number (on the server)"), "id_number")
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText(
            self.tr("Customer arrives / search: mobile, member no. or ID (Ctrl+F)")
            if actor.role == Role.RECEPTIONIST else self.tr("Search a customer by mobile (Ctrl+F)")
        )
        self.search_box.setClearButtonEnabled(True)
        self.search_box.returnPressed.connect(self._on_search)
        bar = QToolBar(self.tr("Search"))
        bar.setMovable(False)
        bar.addWidget(self.search_kind)
        bar.addWidget(self.search_box)
        self.addToolBar(bar)
        QShortcut(QKeySequence.StandardKey.Find, self, self._focus_search)

        # --- work list
        self.work_model = RowTableModel(self._work_columns(), self)
        self.work_view = QTableView()
        self.work_view.setModel(self.work_model)
        self.work_view.setSortingEnabled(True)
        self.work_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.work_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.work_view.verticalHeader().setVisible(False)
        header = self.work_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((64, 84, 110, 96, 36, 52)):
            header.resizeSection(col, width)
        table_fit.install(self.work_view)
        self.work_view.activated.connect(self._on_work_item)
        self.work_view.doubleClicked.connect(self._on_work_item)
        dock = QDockWidget(self.tr("My work"), self)
        dock.setObjectName("workDock")
        dock.setWidget(self.work_view)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        self.resizeDocks([dock], [400], Qt.Orientation.Horizontal)  # its columns fit at 1366×768

        # --- calls
        self.placeholder = QLabel(self.tr("Waiting for a call… (a call, a search or a task opens the customer here)"))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet(f"color: {palette.colors().muted}; font-size: 14pt;")
        self.tabs = CallTabs(self.placeholder)
        self.tabs.tabCloseRequested.connect(self._close_tab)
        self.tabs.callChanged.connect(self._switch_call)
        self.setCentralWidget(self.tabs)
        self.tabs.addTab(self.placeholder, self.tr("Welcome"))
        QShortcut(QKeySequence("Ctrl+W"), self, lambda: self._close_tab(self.tabs.currentIndex()))
        QShortcut(QKeySequence(Qt.Key.Key_F9), self, self._focus_outcome)  # keyboard-only: to the form

        # --- status bar
        self.sync_label = QLabel(self.tr("Sync: starting…"))
        self.phone_label = QLabel("")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.hide()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.phone_label)
        self.statusBar().addPermanentWidget(self.sync_label)

        # --- menu
        menu = self.menuBar().addMenu(self.tr("&Workbench"))
        refresh = QAction(self.tr("Refresh work list"), self)
        refresh.setShortcut(QKeySequence(Qt.Key.Key_F5))
        refresh.triggered.connect(vm.refresh_worklist)
        menu.addAction(refresh)
        lang = menu.addMenu(self.tr("Language"))
        for code, name in (("zh", "中文"), ("en", "English")):
            act = QAction(name, self)
            act.triggered.connect(lambda _=False, c=code: self.language_change_requested.emit(c))
            lang.addAction(act)
        dial = QAction(self.tr("Dial the customer"), self)
        dial.setShortcut(QKeySequence("Ctrl+D"))
        dial.triggered.connect(self.dial_current)
        menu.addAction(dial)
        export = QAction(self.tr("Export work list…"), self)
        export.setObjectName("exportWorklist")
        export.triggered.connect(self._export_worklist)
        menu.addAction(export)
        self.tools_menu = self.menuBar().addMenu(self.tr("&Tools"))
        self._tool_windows: dict[str, QWidget] = {}
        quit_action = QAction(self.tr("Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)

        # --- view-model
        vm.pop_ready.connect(self.on_pop_ready)
        vm.unknown_caller.connect(self.on_unknown_caller)
        vm.lookup_failed.connect(lambda m: self.statusBar().showMessage(m, 8000))
        vm.saved.connect(self.on_saved)
        vm.save_failed.connect(self.on_save_failed)
        vm.undone.connect(self.on_undone)
        vm.worklist_ready.connect(self.on_worklist)
        vm.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        vm.lead_created.connect(self.on_lead_created)
        vm.dial_ready.connect(self.dial_number.emit)
        vm.dial_ready.connect(lambda n: self.statusBar().showMessage(self.tr("Dialling {n}…").format(n=n[-4:].rjust(len(n), "*")), 5000))
        vm.dial_blocked.connect(self.on_dial_blocked)
        vm.explanation_ready.connect(self.on_explanation)
        vm.pop_refreshed.connect(self.on_pop_refreshed)
        vm.moves_ready.connect(lambda cid, moves: self._pop_page().pop_widget.show_moves(cid, moves))
        vm.objection_matched.connect(self.on_objection_matched)
        vm.dial_refused.connect(lambda m: self.statusBar().showMessage(m, 10000))
        self._pending_lead_event: CallEvent | None = None
        QTimer.singleShot(0, self._pop_page)  # the page the calls are shown on, built while idle

    # ------------------------------------------------------------------ work list
    def _work_columns(self) -> list[Column]:
        def what(item: WorkItem) -> str:
            if item.kind == "callback":
                return self.tr("Call-back due") if item.status == "due" else self.tr("Call-back")
            if item.kind == "work_order":
                return self.tr("Work order: {s}").format(s=labels.work_order_status(item.status))
            if item.recycle_at is not None:
                return self.tr("{channel} · back to the pool {when}").format(
                    channel=labels.channel(item.channel), when=fmt_time(item.recycle_at))
            return labels.channel(item.channel)

        return [
            Column(self.tr("Customer"), lambda i: i.customer_name),
            Column(self.tr("Mobile"), lambda i: i.phone_display),
            Column(self.tr("Policy"), lambda i: i.policy_name),
            Column(self.tr("Task"), what, tooltip=lambda i: i.detail),
            Column(self.tr("Appointment"),
                   lambda i: format_slot(i.appointment_at, i.appointment_minutes,
                                         business_day(dt.datetime.now(dt.UTC))),
                   sort_key=lambda i: (i.appointment_at is None, i.appointment_at)),
            Column(self.tr("Tier"), lambda i: i.lead_tier),
            Column(self.tr("Deal p."), lambda i: fmt_pct(i.deal_p), sort_key=lambda i: i.deal_p or 0.0,
                   align_right=True),
            Column(self.tr("Updated"), lambda i: fmt_time(i.when), sort_key=lambda i: (i.when is None, i.when)),
        ]

    def _export_worklist(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export work list"), "worklist.csv",
                                              self.tr("CSV (*.csv)"))
        if path:
            self.vm.export_worklist(path)  # numbers masked; recorded on the server first

    def on_worklist(self, items: list[WorkItem]) -> None:
        self.work_model.set_rows(items)
        table_fit.fit_columns(self.work_view, max_width=150)

    def _on_work_item(self, index: object) -> None:
        idx = self.work_view.currentIndex()
        if not idx.isValid():
            return
        item: WorkItem = self.work_model.row(idx.row())
        channel = "store" if self.vm.actor.role == Role.RECEPTIONIST else "outbound"
        self.vm.on_call_event(CallEvent(number=item.phone, source=Source.SEARCH, channel=channel,
                                        direction="outbound", call_id=item.id))
        if item.kind == "work_order":
            self._work_order_dialog(item)

    def _work_order_dialog(self, item: WorkItem) -> None:
        nxt = work_order_steps(self.vm.actor.role, item.status)
        if not nxt:
            return
        dlg = WorkOrderResultDialog([(c, labels.work_order_status(c)) for c in nxt], self)
        if dlg.exec():
            status, reason = dlg.values()
            self.vm.transition_work_order(item.id, status, reason)

    # ------------------------------------------------------------------ tool windows
    def add_tool_window(self, key: str, title: str, shortcut: str, factory: Callable[[], QWidget]) -> QAction:
        """A menu entry opening a window (dashboards, policy studio) built on first use."""
        action = QAction(title, self)
        action.setShortcut(QKeySequence(shortcut))

        def open_window() -> None:
            window = self._tool_windows.get(key)
            if window is None:
                window = factory()
                window.setWindowTitle(title.replace("&", ""))
                window.resize(1280, 800)
                self._tool_windows[key] = window
            window.show()
            window.raise_()
            window.activateWindow()

        action.triggered.connect(open_window)
        self.tools_menu.addAction(action)
        return action

    def add_dashboards(self, factory: Callable[[], QWidget]) -> QAction:
        return self.add_tool_window("dashboard", self.tr("&Dashboards"), "Ctrl+Shift+D", factory)

    def add_at_risk(self, factory: Callable[[], QWidget]) -> QAction:
        return self.add_tool_window("at_risk", self.tr("&At-risk list"), "Ctrl+Shift+R", factory)

    def add_policy_studio(self, factory: Callable[[], QWidget]) -> QAction:
        return self.add_tool_window("studio", self.tr("&Policy studio"), "Ctrl+Shift+P", factory)

    def add_audit_log(self, factory: Callable[[], QWidget]) -> QAction:
        return self.add_tool_window("audit", self.tr("&Audit log"), "Ctrl+Shift+A", factory)

    def add_agent_admin(self, factory: Callable[[], QWidget]) -> QAction:
        return self.add_tool_window("agents", self.tr("A&gents and skills"), "Ctrl+Shift+G", factory)

    def closeEvent(self, event: QCloseEvent) -> None:
        for window in self._tool_windows.values():
            window.close()
        super().closeEvent(event)

    # ------------------------------------------------------------------ dialling
    def dial_current(self) -> None:
        """Dial the customer of the open tab, or of the selected work-list line."""
        page = self.current_page()
        customer_id = page.customer_id if page is not None else None
        if customer_id is None:
            idx = self.work_view.currentIndex()
            if idx.isValid():
                customer_id = self.work_model.row(idx.row()).customer_id
        if customer_id:
            self.vm.request_dial(customer_id)

    def on_dial_blocked(self, check: DialCheck) -> None:
        reasons = "\n".join("• " + labels.warning(r.code, r.params) for r in check.decision.reasons)
        if not (self.vm.can_override and check.decision.overridable):
            hint = self.tr("A team lead can override this.") if check.decision.overridable else ""
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Call not allowed"),
                              self.tr("This call may not start now:") + "\n" + reasons + "\n" + hint,
                              QMessageBox.StandardButton.Ok, self)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            return
        dlg = QInputDialog(self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.setWindowTitle(self.tr("Override contact pressure"))
        dlg.setLabelText(reasons + "\n\n" + self.tr("Reason for the override (recorded):"))
        dlg.textValueSelected.connect(lambda text: self.vm.dial_with_override(check, text))
        dlg.open()

    # ------------------------------------------------------------------ search
    def _focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def _focus_outcome(self) -> None:
        """F9: to the outcome form of the call on screen (its first field)."""
        page = self.current_page()
        if page is not None:
            page.form.wrapup.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _on_search(self) -> None:
        text = self.search_box.text().strip()
        if not text:
            return
        kind = self.search_kind.currentData()
        channel = "store" if self.vm.actor.role == Role.RECEPTIONIST else "outbound"
        source = Source.STORE if self.vm.actor.role == Role.RECEPTIONIST else Source.SEARCH
        try:
            event = (CallEvent.from_number(text, source, channel=channel, direction="inbound")
                     if kind == "phone" else
                     CallEvent(number=text, source=source, channel=channel, key_kind=kind))
        except InvalidPhoneError as exc:
            self.statusBar().showMessage(str(exc), 6000)
            return
        self.vm.on_call_event(event)

    # ------------------------------------------------------------------ call-backs
    def show_callback_banner(self, customer_id: str, text: str) -> bool:
        """Show ``text`` above the pop if this customer's call is on screen; whether shown."""
        page = self.tabs.page
        call = self.current_call()
        if page is None or call is None or call.customer_id != customer_id:
            return False
        page.callback_banner.setText(text)
        page.callback_banner.show()
        return True

    # ------------------------------------------------------------------ calls
    def page_for(self, customer_id: str) -> OpenCall | None:
        """The open call of this customer, if any."""
        return next((c for c in self.open_pages() if c.customer_id == customer_id), None)

    def on_pop_ready(self, pop: ScreenPop, event: CallEvent) -> None:
        """A new call opens a tab (earlier calls stay open); the same customer reuses theirs."""
        page = self._pop_page()
        call = self.page_for(pop.portrait.id)
        if call is None:
            call = OpenCall(event, pop.portrait.id)
            if self.tabs.indexOf(self.placeholder) >= 0:
                self.tabs.removeTab(self.tabs.indexOf(self.placeholder))
            self.tabs.addTab(call, pop.portrait.name)
        call.call_event = event
        log.info("screen pop: customer %s (%s call via %s)", pop.portrait.id, event.channel, event.source)
        self.tabs.setCurrentWidget(call)
        if call.pop is None:  # a new call starts afresh, even if the page showed this customer
            page.pop_widget.forget()
            page.form.forget()
        page.pop_widget.show_snapshot(pop)
        page.form.load(pop, event.channel, self.vm.stores_for(pop.portrait.city))
        self.activateWindow()
        self.raise_()

    def _pop_page(self) -> PopPage:
        """The single page every call is shown on (built on first use or while idle)."""
        page = self.tabs.page
        if page is None:
            page = PopPage()
            page.form.submitted.connect(self._submit)
            page.pop_widget.objection_typed.connect(self._objection)
            page.form.undo_requested.connect(self.vm.undo_last)
            page.pop_widget.accept_requested.connect(self._accept)
            page.pop_widget.portrait_edit_requested.connect(self._save_portrait)
            self.vm.portrait_saved.connect(page.pop_widget.portrait_editor.saved)
            self.vm.portrait_failed.connect(
                lambda cid, m: page.pop_widget.portrait_editor.show_error(m)
                if cid == page.pop_widget.portrait_editor.customer_id else None)
            page.pop_widget.set_reveal_allowed(self.vm.can_reveal)
            page.pop_widget.reveal_requested.connect(self.vm.reveal_number)
            self.vm.number_revealed.connect(page.pop_widget.show_revealed)
            self.tabs.set_page(page)
        return page

    def _switch_call(self, previous: OpenCall | None, call: OpenCall | None) -> None:
        """Another tab: the call on screen is put aside, the other one's state comes back."""
        page = self._pop_page()
        page.callback_banner.hide()
        if previous is not None:
            previous.pop = page.pop_widget.capture()
            previous.form = page.form.capture()
        page.call = call
        if call is None or call.pop is None:
            return  # a new call: on_pop_ready fills the page
        newer, call.newer = call.newer, None
        if newer is not None:  # refreshed while not shown: shown as on_pop_refreshed would have
            call.pop.snapshot = newer
            call.pop.explanation = None
        page.pop_widget.restore(call.pop)
        stores = self.vm.stores_for(call.pop.snapshot.portrait.city)
        assert call.form is not None
        page.form.restore(call.form, stores)
        if newer is not None:
            page.form.load(newer, call.call_event.channel, stores)
        if call.explanation is not None:
            page.pop_widget.explain_label.setText(call.explanation)
            page.pop_widget.explain_label.show()
            call.explanation = None

    def _submit(self, data: Any) -> None:
        snap = self._pop_page().pop_widget.snapshot
        arms = tuple(sec.arm for sec in snap.script if sec.arm) if snap else ()
        self.vm.save_outcome(data, arms)

    def _objection(self, text: str) -> None:
        snap = self._pop_page().pop_widget.snapshot
        if snap is not None:
            top = snap.offers[0].policy_id if snap.offers else None
            self.vm.match_objection(snap.portrait.id, top, text)

    def on_objection_matched(self, customer_id: str, match: Any) -> None:
        call = self.page_for(customer_id)
        if call is None:
            return
        if call is self.tabs.shown_call():
            self._pop_page().pop_widget.show_objection_answer(match)
        elif call.pop is not None:
            call.pop.matched = match if match is not None else ("", "", 0.0)

    def _accept(self, policy_id: str) -> None:
        """Record that the customer took the offer; every desktop stops offering it."""
        call = self.tabs.shown_call()
        if call is not None and call.customer_id:
            self.vm.accept_policy(call.customer_id, policy_id, call.call_event.channel)

    def _save_portrait(self, customer_id: str, values: dict[str, Any]) -> None:
        call = self.tabs.shown_call()
        channel = call.call_event.channel if call is not None else "outbound"
        self.vm.save_portrait(customer_id, values, channel)

    def open_pages(self) -> list[OpenCall]:
        """The calls on screen, in tab order."""
        return [c for c in (self.tabs.widget(i) for i in range(self.tabs.count())) if isinstance(c, OpenCall)]

    open_calls = open_pages

    def on_pop_refreshed(self, pop: ScreenPop) -> None:
        """Newer data for a customer on screen (keeps the call, the tab and what was typed)."""
        call = self.page_for(pop.portrait.id)
        if call is None:
            return
        if call is self.tabs.shown_call():
            page = self._pop_page()
            page.pop_widget.show_snapshot(pop)
            page.form.load(pop, call.call_event.channel, self.vm.stores_for(pop.portrait.city))
        else:
            call.newer = pop  # shown when its tab is chosen

    def refresh_open_pops(self) -> None:
        """After a sync: every customer on screen is rebuilt (e.g. an offer accepted elsewhere)."""
        for page in self.open_pages():
            if page.customer_id:
                self.vm.refresh_pop(page.customer_id, page.call_event.channel)

    def on_explanation(self, customer_id: str, score: Any) -> None:
        call = self.page_for(customer_id)
        if call is None:
            return
        if call is self.tabs.shown_call():
            self._pop_page().pop_widget.show_explanation(score)
        else:
            call.explanation = self._pop_page().pop_widget.explanation_text(score)

    def show_progress(self, done: int, total: int, text: str) -> None:
        """A progress bar in the status bar for long background work (hidden when done)."""
        if total <= 0 or done >= total:
            self.progress.hide()
            return
        self.progress.setFormat(text + " %p%")
        self.progress.setMaximum(total)
        self.progress.setValue(done)
        self.progress.show()

    def on_scoring_progress(self, done: int, total: int) -> None:
        self.show_progress(done, total, self.tr("Refreshing scores"))

    def on_model_error(self, message: str) -> None:
        self.statusBar().showMessage(
            self.tr("A new scoring model could not be loaded; the previous one stays in use: {m}").format(m=message),
            15000)

    def current_page(self) -> PopPage | None:
        """The page showing the current call (None while no call is open)."""
        return self.tabs.page if self.tabs.shown_call() is not None else None

    def current_call(self) -> OpenCall | None:
        return self.tabs.shown_call()

    def on_unknown_caller(self, event: CallEvent) -> None:
        """Nobody known: offer the new-lead form prefilled with the number (non-blocking)."""
        if event.key_kind != "phone":
            self.statusBar().showMessage(self.tr("No customer found for {q}").format(q=event.number), 8000)
            return
        dlg = NewLeadDialog(event.number, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def save() -> None:
            number, name, city, note = dlg.values()
            self._pending_lead_event = event
            self.vm.create_lead(number, name, city, note)

        dlg.accepted.connect(save)
        dlg.open()

    def on_lead_created(self, _customer_id: str) -> None:
        self.statusBar().showMessage(self.tr("New lead saved"), 6000)
        event = getattr(self, "_pending_lead_event", None)
        self._pending_lead_event = None
        if event is not None:
            self.vm.on_call_event(event)

    def on_saved(self, rec: Recorded) -> None:
        page = self.current_page()
        if page is not None:
            page.form.on_saved(self.undo_seconds)
            if page.customer_id:
                self.vm.refresh_pop(page.customer_id, page.call_event.channel)
        self.statusBar().showMessage(self._saved_text(rec), 8000)
        self.vm.refresh_worklist()

    def _saved_text(self, rec: Recorded) -> str:
        """"Outcome saved", and what became of the customer's call-back."""
        change = rec.callback
        text = self.tr("Outcome saved")
        if change is None or change.action == "none":
            return text
        page = self.current_page()
        if page is not None and change.action == "closed":
            page.callback_banner.hide()
            return text + self.tr("; call-back closed")
        proposal = change.proposal
        if proposal is None:
            return text
        text += self.tr("; call-back at {when}").format(when=fmt_time(proposal.due_at))
        if proposal.moved:
            why = ", ".join(labels.callback_move_reason(r) for r in proposal.reasons)
            text += self.tr(" (moved from {asked}: {why})").format(asked=fmt_time(proposal.asked), why=why)
        return text

    def on_save_failed(self, message: str) -> None:
        page = self.current_page()
        if page is not None:
            page.form.on_failed(message)
        else:
            QMessageBox.warning(self, self.tr("Not saved"), message)

    def on_undone(self, ok: bool) -> None:
        page = self.current_page()
        if page is not None:
            page.form.on_undone(ok)
            if ok and page.customer_id:
                self.vm.refresh_pop(page.customer_id, page.call_event.channel)
        self.vm.refresh_worklist()

    def _close_tab(self, index: int) -> None:
        if isinstance(self.tabs.widget(index), OpenCall):
            self.tabs.removeTab(index)
        if not self.open_pages() and self.tabs.indexOf(self.placeholder) < 0:
            self.tabs.insertTab(0, self.placeholder, self.tr("Welcome"))
            self.tabs.setCurrentIndex(0)

    # ------------------------------------------------------------------ status
    def set_sync_status(self, text: str, ok: bool) -> None:
        self.sync_label.setText(text)
        self.sync_label.setStyleSheet("" if ok else f"color: {palette.colors().error}; font-weight: bold;")

    def on_sync_status(self, st: SyncStatus) -> None:
        """Online/offline, pending count and last sync time, in the status bar."""
        when = QLocale().toString(QTime(*st.last_sync_at.astimezone().timetuple()[3:6]), "HH:mm:ss") if st.last_sync_at else "—"
        if st.online:
            text = self.tr("Online · %n waiting · last sync {t}", "", st.pending).format(t=when)
        else:
            text = self.tr("Offline — showing local data, %n change(s) waiting", "", st.pending)
        if st.rejected:
            text += self.tr(" · %n refused by the server", "", st.rejected)
        self.set_sync_status(text, st.online)

    def on_sync_progress(self, records: int) -> None:
        self.set_sync_status(self.tr("Syncing… %n record(s)", "", records), True)

    def on_language_saved(self) -> None:
        self.statusBar().showMessage(
            self.tr("Language saved: it takes effect the next time the workbench starts."), 8000)

    def on_call_ended(self, call_id: str, talk_seconds: int) -> None:
        """The softphone says the call ended: its talk time goes to that call's outcome form."""
        target = self.tabs.shown_call()
        for call in self.open_pages():
            if call.call_event.call_id == call_id:
                target = call
        if target is None:
            return
        if target is self.tabs.shown_call():
            self._pop_page().form.set_call_duration(talk_seconds)
        elif target.form is not None:
            target.form.duration_s = max(0, int(talk_seconds))

    def on_softphone_connection(self, connected: bool, message: str) -> None:
        """Calm and in the interface's language: no softphone is a normal state of the demo and
        of a desk without one (the technical reason is in the tooltip)."""
        if connected:
            self.set_phone_status(self.tr("Softphone connected"), True)
            self.phone_label.setToolTip("")
            return
        found = re.search(r"\(([^()]+:\d+)\)", message)
        where = found.group(1) if found else ""
        self.set_phone_status(self.tr("No softphone connected (hover here for how to connect one)"), True)
        self.phone_label.setToolTip(
            self.tr("Start a softphone with a control port, e.g. baresip with its ctrl_tcp module listening "
                    "on %1; the workbench connects to it by itself. Without one, calls still pop from the "
                    "server, a search, or `workbench call NUMBER`, and you dial by hand. "
                    "(softphone_host / softphone_port in the settings; port 0 turns this off)").replace("%1", where or "127.0.0.1:4444"))

    def on_softphone_command_failed(self, command: str, message: str) -> None:
        """A softphone command (dial, answer, hang up) failed: say so in the interface's language."""
        if "not connected" in message.lower():
            text = self.tr("No softphone connected: dial the number by hand.")
        else:
            text = self.tr("The softphone could not carry out “%1”.").replace("%1", command)
        self.statusBar().showMessage(text, 10000)

    def on_no_local_socket(self) -> None:
        """Another program holds this user's local socket: calls handed over cannot arrive."""
        self.statusBar().showMessage(self.tr("Calls from other programs cannot reach this window "
                                             "(its local socket is taken)."), 10000)

    def on_no_softphone(self) -> None:
        self.set_phone_status(self.tr("No softphone configured"), True)
        self.phone_label.setToolTip(self.tr("softphone_port is 0 in the settings: calls pop from the server, "
                                            "a search or `workbench call NUMBER`; you dial by hand."))

    def set_phone_status(self, text: str, ok: bool) -> None:
        self.phone_label.setText(text)
        self.phone_label.setStyleSheet("" if ok else f"color: {palette.colors().error};")

