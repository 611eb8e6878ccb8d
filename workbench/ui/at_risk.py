"""The lead's at-risk page (issue 17 point 7): customers by churn risk x value in seed 002's
four quadrants, sortable, exportable (masked, audited), and one action: retention tasks for the
selected customers through an assignment rule. Loading and the action run off the GUI thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.core.phone import mask_middle
from workbench.services.at_risk import QUADRANTS, AtRiskRow, AtRiskService
from workbench.services.exports import ExportRefused
from workbench.views.errors import user_message
from workbench.views.table_models import ColumnSpec, DataFrameTableModel
from workbench.views.task_runner import TaskRunner

CTX = "AtRiskColumns"
QUADRANT_TEXT = {
    "retain": QT_TRANSLATE_NOOP("AtRiskColumns", "High risk · high value"),
    "watch": QT_TRANSLATE_NOOP("AtRiskColumns", "High risk · low value"),
    "nurture": QT_TRANSLATE_NOOP("AtRiskColumns", "Low risk · high value"),
    "maintain": QT_TRANSLATE_NOOP("AtRiskColumns", "Low risk · low value"),
}
RULES = ("round-robin", "tier-a-to-grade-a", "best-score-least-loaded")
DEFAULT_POLICY = "P-RETAIN-CHURN"


def _quadrant_label(code: Any) -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate(CTX, QUADRANT_TEXT.get(str(code), str(code)))


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("name", QT_TRANSLATE_NOOP("AtRiskColumns", "Customer"), "text"),
    ColumnSpec("mobile", QT_TRANSLATE_NOOP("AtRiskColumns", "Mobile"), "text"),
    ColumnSpec("quadrant", QT_TRANSLATE_NOOP("AtRiskColumns", "Quadrant"), "text", label=_quadrant_label),
    ColumnSpec("churn", QT_TRANSLATE_NOOP("AtRiskColumns", "Churn risk"), "percent"),
    ColumnSpec("renewal", QT_TRANSLATE_NOOP("AtRiskColumns", "Renewal"), "percent"),
    ColumnSpec("deal", QT_TRANSLATE_NOOP("AtRiskColumns", "Deal"), "percent"),
    ColumnSpec("value_tier", QT_TRANSLATE_NOOP("AtRiskColumns", "Value tier"), "text"),
    ColumnSpec("plan_fee", QT_TRANSLATE_NOOP("AtRiskColumns", "Monthly fee (¥)"), "money"),
    ColumnSpec("at_risk_value", QT_TRANSLATE_NOOP("AtRiskColumns", "Revenue at risk (¥/yr)"), "money",
               tooltip=QT_TRANSLATE_NOOP("AtRiskColumns", "Churn risk × 12 × monthly fee")),
)


def rows_frame(rows: list[AtRiskRow]) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": [r.customer_id for r in rows], "name": [r.name for r in rows],
        "mobile": [mask_middle(r.phone) for r in rows], "quadrant": [r.quadrant for r in rows],
        "churn": [r.churn for r in rows], "renewal": [r.renewal for r in rows], "deal": [r.deal for r in rows],
        "value_tier": [r.value_tier for r in rows], "plan_fee": [r.plan_fee for r in rows],
        "at_risk_value": [r.at_risk_value for r in rows],
    })


class AtRiskWidget(QWidget):
    """The page. Signals: ``loaded(int)`` rows shown, ``done(str)`` an action's message."""

    loaded = Signal(int)
    done = Signal(str)

    def __init__(self, service: AtRiskService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = TaskRunner(self)
        self._rows: list[AtRiskRow] = []
        self.quadrant = QComboBox()
        self.quadrant.addItem(self.tr("All quadrants"), "")
        for q in QUADRANTS:
            self.quadrant.addItem(_quadrant_label(q), q)
        self.quadrant.currentIndexChanged.connect(self._show)
        self.counts = QLabel()
        self.model = DataFrameTableModel(COLUMNS, self, context=CTX)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)  # largest revenue at risk first, as loaded
        self.table.sortByColumn([c.key for c in COLUMNS].index("at_risk_value"), Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.policy = QLineEdit(DEFAULT_POLICY)
        self.rule = QComboBox()
        self.rule.addItems(list(RULES))
        self.reason = QLineEdit(self.tr("Retention: high churn risk"))
        self.create_button = QPushButton(self.tr("Create retention tasks for the selection"))
        self.create_button.clicked.connect(self.create_for_selection)
        self.reload_button = QPushButton(self.tr("Reload"))
        self.reload_button.clicked.connect(self.reload)
        self.status = QLabel()
        self.status.setWordWrap(True)
        top = QHBoxLayout()
        for w in (QLabel(self.tr("Quadrant")), self.quadrant, self.counts, self.reload_button):
            top.addWidget(w)
        top.addStretch(1)
        action = QHBoxLayout()
        for w in (QLabel(self.tr("Policy")), self.policy, QLabel(self.tr("Rule")), self.rule,
                  QLabel(self.tr("Reason")), self.reason, self.create_button):
            action.addWidget(w)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addLayout(action)
        lay.addWidget(self.status)

    # ----------------------------------------------------------------- loading

    def reload(self) -> None:
        self.runner.run(self.service.load, self._loaded, self._failed)

    def _loaded(self, rows: list[AtRiskRow]) -> None:
        self._rows = rows
        self._show()

    def shown_rows(self) -> list[AtRiskRow]:
        q = self.quadrant.currentData()
        return [r for r in self._rows if not q or r.quadrant == q]

    def _show(self) -> None:
        rows = self.shown_rows()
        self.model.set_frame(rows_frame(rows))
        by_q = {q: sum(1 for r in self._rows if r.quadrant == q) for q in QUADRANTS}
        self.counts.setText(" · ".join(f"{_quadrant_label(q)} {by_q[q]}" for q in QUADRANTS))
        self.loaded.emit(len(rows))

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(self.tr("Failed: {m}").format(m=user_message(exc)))
        self.done.emit(self.status.text())

    # ----------------------------------------------------------------- export

    def export_to(self, path: str | Path) -> int:
        """Export the shown rows in the shown order (masked; recorded on the server first)."""
        ids = list(self.model.frame()["customer_id"]) if self.model.rowCount() else []
        by_id = {r.customer_id: r for r in self.shown_rows()}
        try:
            n = self.service.export([by_id[i] for i in ids], path)
        except ExportRefused as exc:
            self.status.setText(self.tr("Not exported: {m}").format(m=user_message(exc)))
            return 0
        self.status.setText(self.tr("Exported %n customers (numbers masked).", "", n))
        return n

    # ----------------------------------------------------------------- the action

    def selected_ids(self) -> list[str]:
        frame = self.model.frame()
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [str(frame["customer_id"].iloc[r]) for r in rows]

    def create_for_selection(self) -> None:
        ids = self.selected_ids()
        if not ids:
            self.status.setText(self.tr("Select the customers first."))
            self.done.emit(self.status.text())
            return
        policy, rule, reason = self.policy.text().strip(), self.rule.currentText(), self.reason.text().strip()
        self.create_button.setEnabled(False)
        self.runner.run(lambda: self.service.create_retention_tasks(ids, policy, rule, reason),
                        self._created, self._create_failed)

    def _created(self, res: dict[str, int]) -> None:
        self.create_button.setEnabled(True)
        self.status.setText(self.tr("{created} retention tasks created ({skipped} already had one); "
                                    "{assigned} assigned, {waiting} waiting in the pool.").format(**res))
        self.done.emit(self.status.text())

    def _create_failed(self, exc: BaseException) -> None:
        self.create_button.setEnabled(True)
        self.status.setText(self.tr("Refused: {m}").format(m=user_message(exc)))
        self.done.emit(self.status.text())

    def shutdown(self) -> None:
        self.runner.wait_for_done()

