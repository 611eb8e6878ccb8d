"""The policy studio's "Assignment rules" tab: the named rules and a parameter form.

The list shows every rule the server knows (stored and built-in); the form edits one: its
name, kind, description, status and, for the tier rule, which agent grades take each lead
tier and whether the agent needs the policy's skill. Publishing sends it to the server."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.core.assignment_rules import DEFAULT_TIERS, GRADES, KINDS, RULE_STATUSES
from workbench.views.assignment_rules_vm import AssignmentRulesViewModel
from workbench.views.row_table import Column, RowTableModel


class AssignmentRulesPage(QWidget):
    """Named assignment rules: list on the left, the parameter form on the right.

    Signals:
        status_shown(str): a status line was shown (loaded, published, refused).
    """

    status_shown = Signal(str)

    def __init__(self, vm: AssignmentRulesViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        self._kind_names = {
            "round_robin": self.tr("Round-robin: the team's agents in turn"),
            "tier_grade": self.tr("Lead tier to agent grade (and skill)"),
            "score_least_loaded": self.tr("Highest score first to the least-loaded agent"),
        }
        self._status_names = {"draft": self.tr("draft"), "published": self.tr("published"),
                              "retired": self.tr("retired")}
        self.model = RowTableModel([
            Column(self.tr("Name"), lambda r: str(r.get("name") or "")),
            Column(self.tr("Kind"), lambda r: self._kind_names.get(str(r.get("kind")), str(r.get("kind")))),
            Column(self.tr("Status"), lambda r: self._status_names.get(str(r.get("status")), str(r.get("status")))),
            Column(self.tr("Version"), lambda r: str(r.get("version") or ""), align_right=True),
            Column(self.tr("Built in"), lambda r: self.tr("yes") if r.get("built_in") else ""),
        ], self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.selectionModel().currentRowChanged.connect(self.on_row_changed)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("e.g. tier-a-to-seniors"))
        self.kind_combo = QComboBox()
        for kind in KINDS:
            self.kind_combo.addItem(self._kind_names[kind], kind)
        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        self.description_edit = QLineEdit()
        self.status_combo = QComboBox()
        for status in RULE_STATUSES:
            self.status_combo.addItem(self._status_names[status], status)
        self.version_label = QLabel()
        self.grade_checks: dict[str, dict[str, QCheckBox]] = {}
        tiers = QFormLayout()
        for tier in GRADES:
            row = QHBoxLayout()
            self.grade_checks[tier] = {}
            for grade in GRADES:
                box = QCheckBox(self.tr("grade %1").replace("%1", grade))
                self.grade_checks[tier][grade] = box
                row.addWidget(box)
            row.addStretch(1)
            tiers.addRow(self.tr("Tier %1 leads go to").replace("%1", tier), row)
        self.skill_check = QCheckBox(self.tr("The agent must have the policy's skill"))
        self.tier_box = QWidget()
        tier_layout = QVBoxLayout(self.tier_box)
        tier_layout.setContentsMargins(0, 0, 0, 0)
        tier_layout.addLayout(tiers)
        tier_layout.addWidget(self.skill_check)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name_edit)
        form.addRow(self.tr("Kind"), self.kind_combo)
        form.addRow(self.tr("Description"), self.description_edit)
        form.addRow(self.tr("Status"), self.status_combo)
        form.addRow(self.tr("Version"), self.version_label)
        self.new_button = QPushButton(self.tr("New"))
        self.reload_button = QPushButton(self.tr("Reload"))
        self.publish_button = QPushButton(self.tr("&Publish"))
        self.publish_button.setToolTip(self.tr("Publish the rule to the server (Ctrl+Return)"))
        QShortcut(QKeySequence("Ctrl+Return"), self, self.on_publish)
        self.new_button.clicked.connect(self.on_new)
        self.reload_button.clicked.connect(self.on_reload)
        self.publish_button.clicked.connect(self.on_publish)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.reload_button, self.publish_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(form)
        right_layout.addWidget(self.tier_box)
        right_layout.addLayout(buttons)
        right_layout.addStretch(1)
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(right)
        self.message = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.message)
        vm.rules_ready.connect(self.on_rules)
        vm.published.connect(self.on_published)
        vm.failed.connect(self.on_failed)
        self._version = 1
        self._publishing = False
        self._published_text = ""
        self.on_new()

    # ------------------------------------------------------------ slots

    def on_reload(self) -> None:
        self._show(self.tr("Loading…"))
        self.vm.load()

    def on_rules(self, rules: list[Any]) -> None:
        self.model.set_rows(rules)
        if self._published_text:  # the reload after a publish: keep saying what was published
            self._show(self._published_text)
            self._published_text = ""
        else:
            self._show(self.tr("%n assignment rule(s)", "", len(rules)))

    def on_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.row()
        if 0 <= row < self.model.rowCount():
            self.show_rule(self.model.row(row))

    def show_rule(self, rule: dict[str, Any]) -> None:
        self.name_edit.setText(str(rule.get("name") or ""))
        self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(rule.get("kind"))))
        self.description_edit.setText(str(rule.get("description") or ""))
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(rule.get("status"))))
        self._version = int(rule.get("version") or 1)
        self.version_label.setText(str(self._version))
        params = rule.get("params") or {}
        tiers = params.get("tiers", DEFAULT_TIERS) if isinstance(params, dict) else DEFAULT_TIERS
        for tier, boxes in self.grade_checks.items():
            allowed = tiers.get(tier, list(GRADES)) if isinstance(tiers, dict) else list(GRADES)
            for grade, box in boxes.items():
                box.setChecked(grade in allowed)
        self.skill_check.setChecked(bool(params.get("skill", False)) if isinstance(params, dict) else False)
        self._on_kind()

    def on_new(self) -> None:
        self.view.clearSelection()
        self.show_rule({"name": "", "kind": "tier_grade", "status": "published", "version": 1,
                        "params": {"tiers": DEFAULT_TIERS, "skill": True}})

    def values(self) -> dict[str, Any]:
        kind = str(self.kind_combo.currentData())
        params: dict[str, Any] = {}
        if kind == "tier_grade":
            params = {"tiers": {tier: [g for g, box in boxes.items() if box.isChecked()]
                                for tier, boxes in self.grade_checks.items()},
                      "skill": self.skill_check.isChecked()}
        return {"name": self.name_edit.text().strip(), "kind": kind, "params": params,
                "description": self.description_edit.text().strip(),
                "status": str(self.status_combo.currentData()), "version": self._version}

    def on_publish(self) -> None:
        self._publishing = True
        self._show(self.tr("Publishing…"))
        self.vm.publish(self.values())

    def on_published(self, name: str) -> None:
        self._publishing = False
        self._published_text = self.tr("Published %1").replace("%1", name)
        self._show(self._published_text)

    def on_failed(self, message: str) -> None:
        if self._publishing:
            self._publishing = False
            self._show(self.tr("Not published: %1").replace("%1", message))
        else:
            self._show(message)

    # ------------------------------------------------------------ helpers

    def _on_kind(self) -> None:
        self.tier_box.setEnabled(self.kind_combo.currentData() == "tier_grade")

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.status_shown.emit(text)
