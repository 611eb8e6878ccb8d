"""The audit log window (admins): who did what, when, from where, to which customer."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.views.audit_vm import AuditLogViewModel
from workbench.views.row_table import Column, RowTableModel


class AuditLogWindow(QWidget):
    """Filters (user, customer, since, action) over the server's audit log, newest first."""

    def __init__(self, vm: AuditLogViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        self.user = QLineEdit()
        self.user.setPlaceholderText(self.tr("User id"))
        self.customer = QLineEdit()
        self.customer.setPlaceholderText(self.tr("Customer id"))
        self.since = QLineEdit()
        self.since.setPlaceholderText(self.tr("Since (YYYY-MM-DD)"))
        self.action = QLineEdit()
        self.action.setPlaceholderText(self.tr("Action (e.g. reveal, export, login_failed)"))
        self.search = QPushButton(self.tr("Search"))
        self.status = QLabel()
        self.model = RowTableModel([
            Column(self.tr("Time (UTC)"), lambda e: str(e.get("at", ""))[:19].replace("T", " ")),
            Column(self.tr("User"), lambda e: e.get("user_id") or ""),
            Column(self.tr("Action"), lambda e: e.get("action") or ""),
            Column(self.tr("Customer"), lambda e: e.get("customer_id") or ""),
            Column(self.tr("Rows"), lambda e: "" if e.get("rows") is None else str(e["rows"]), align_right=True),
            Column(self.tr("Address"), lambda e: e.get("address") or ""),
            Column(self.tr("Detail"), lambda e: e.get("detail") or ""),
        ], self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(False)
        bar = QHBoxLayout()
        for w in (self.user, self.customer, self.since, self.action, self.search):
            bar.addWidget(w)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.status)
        for edit in (self.user, self.customer, self.since, self.action):
            edit.returnPressed.connect(self.on_search)
        self.search.clicked.connect(self.on_search)
        vm.entries_ready.connect(self.on_entries)
        vm.failed.connect(self.status.setText)

    def on_search(self) -> None:
        self.status.setText(self.tr("Loading…"))
        self.vm.load(self.user.text(), self.customer.text(), self.since.text(), self.action.text())

    def on_entries(self, entries: list[Any]) -> None:
        self.model.set_rows(entries)
        self.status.setText(self.tr("%n entries", "", len(entries)))
