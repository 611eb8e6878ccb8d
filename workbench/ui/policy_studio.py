"""The policy studio: an admin window to create, edit, preview and publish policies.

QWidgets only; everything goes through :class:`PolicyStudioViewModel`. The rule editor shows
errors as you type, with the offending part of the text highlighted, and how many customers
of the local book match.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.core.clock import parse_when
from workbench.core.codes import Channel, Lifecycle, ScriptSection
from workbench.core.errors import UserError
from workbench.core.policies import PolicySpec, ScriptSpec
from workbench.core.pressure import ALL_CHANNELS, PressureLimitSpec
from workbench.core.rules import SCORE_PREFIX, field_schema
from workbench.services.policy_admin import PreviewRow, RuleCheck
from workbench.ui import palette
from workbench.ui.assignment_rules import AssignmentRulesPage
from workbench.ui.sms_templates import SmsTemplatesPage
from workbench.views.assignment_rules_vm import AssignmentRulesViewModel
from workbench.views.errors import user_message
from workbench.views.numbers import format_number
from workbench.views.policy_studio_vm import PolicyStudioViewModel
from workbench.views.row_table import Column, RowTableModel
from workbench.views.sms_templates_vm import SmsTemplatesViewModel


class PolicyStudio(QWidget):
    """Policy list on the left, the editor on the right.

    Signals:
        status_shown(str): a status line was shown (saved, published, imported...).
    """

    status_shown = Signal(str)

    def __init__(self, vm: PolicyStudioViewModel, parent: QWidget | None = None, *,
                 templates_vm: SmsTemplatesViewModel | None = None,
                 rules_vm: AssignmentRulesViewModel | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        self.setWindowTitle(self.tr("Policy studio"))
        self._current_id: str | None = None

        # policy list
        self.list_model = RowTableModel([
            Column(self.tr("ID"), lambda p: p.id),
            Column(self.tr("Name"), lambda p: p.name),
            Column(self.tr("Status"), lambda p: p.status),
            Column(self.tr("Version"), lambda p: str(p.version), align_right=True),
        ], self)
        self.list_view = QTableView()
        self.list_view.setModel(self.list_model)
        self.list_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.verticalHeader().hide()
        self.list_view.selectionModel().currentRowChanged.connect(self.on_row_changed)

        # editor fields
        self.id_edit = QLineEdit()
        self.name_edit = QLineEdit()
        self.pitch_edit = QLineEdit()
        self.product_edit = QLineEdit()
        self.channel_boxes = {c.value: QCheckBox(c.value) for c in Channel}
        channels = QHBoxLayout()
        for box in self.channel_boxes.values():
            channels.addWidget(box)
        self.priority_spin = QSpinBox()
        self.priority_spin.setRange(-1000, 1000)
        self.value_spin = QDoubleSpinBox()
        self.value_spin.setRange(0, 1_000_000)
        self.quota_total_edit = QLineEdit()
        self.quota_store_edit = QLineEdit()
        for e in (self.quota_total_edit, self.quota_store_edit):
            e.setPlaceholderText(self.tr("unlimited"))
        self.valid_from_edit = QLineEdit()
        self.valid_to_edit = QLineEdit()
        for e in (self.valid_from_edit, self.valid_to_edit):
            e.setPlaceholderText("2026-12-01T00:00:00+08:00")
        self.group_edit = QLineEdit()
        self.script_edit = QLineEdit()
        self.status_label = QLabel()

        self.rule_edit = QPlainTextEdit()
        self.rule_edit.setPlaceholderText('plan_fee == 96 and "price_sensitive" in tags')
        self.rule_edit.textChanged.connect(self.on_rule_edited)
        # the names a rule may use, scores first: picking one inserts it at the cursor
        self.field_picker = QComboBox()
        self.field_picker.addItem(self.tr("Insert a field…"), None)
        names = sorted(field_schema(), key=lambda n: (not n.startswith(SCORE_PREFIX), n))
        for name in names:
            self.field_picker.addItem(name, name)
        self.field_picker.setToolTip(self.tr(
            "Fields a rule can use. scores.deal, scores.churn and scores.renewal are "
            "probabilities from 0 to 1; a customer without that score does not match."))
        self.field_picker.activated.connect(self.on_field_picked)
        self.rule_status = QLabel()
        self.rule_status.setWordWrap(True)
        self.rule_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        form = QFormLayout()
        form.addRow(self.tr("ID"), self.id_edit)
        form.addRow(self.tr("Name"), self.name_edit)
        form.addRow(self.tr("Pitch"), self.pitch_edit)
        form.addRow(self.tr("Product"), self.product_edit)
        form.addRow(self.tr("Channels"), channels)
        form.addRow(self.tr("Priority"), self.priority_spin)
        form.addRow(self.tr("Value (¥)"), self.value_spin)
        form.addRow(self.tr("Quota, total"), self.quota_total_edit)
        form.addRow(self.tr("Quota per store"), self.quota_store_edit)
        form.addRow(self.tr("Valid from"), self.valid_from_edit)
        form.addRow(self.tr("Valid to"), self.valid_to_edit)
        form.addRow(self.tr("Exclusive group"), self.group_edit)
        form.addRow(self.tr("Script"), self.script_edit)
        form.addRow(self.tr("Status"), self.status_label)
        form.addRow(self.tr("Rule"), self.rule_edit)
        form.addRow("", self.field_picker)
        form.addRow("", self.rule_status)

        # preview
        self.preview_model = RowTableModel([
            Column(self.tr("Customer"), lambda r: r.customer_id),
            Column(self.tr("Name"), lambda r: r.name),
            Column(self.tr("City"), lambda r: r.city),
            Column(self.tr("Plan fee"), lambda r: str(r.plan_fee), align_right=True),
            Column(self.tr("Why"), lambda r: "; ".join(r.explanation)),
        ], self)
        self.preview_view = QTableView()
        self.preview_view.setModel(self.preview_model)
        self.preview_view.verticalHeader().hide()

        # buttons
        self.new_button = QPushButton(self.tr("New"))
        self.save_button = QPushButton(self.tr("Save"))
        self.publish_button = QPushButton(self.tr("Publish"))
        self.preview_button = QPushButton(self.tr("Preview"))
        self.import_button = QPushButton(self.tr("Import YAML…"))
        self.export_button = QPushButton(self.tr("Export YAML…"))
        self.new_button.clicked.connect(self.on_new)
        self.save_button.clicked.connect(self.on_save)
        self.publish_button.clicked.connect(self.on_publish)
        self.preview_button.clicked.connect(self.on_preview)
        self.import_button.clicked.connect(self.on_import_clicked)
        self.export_button.clicked.connect(self.on_export_clicked)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.save_button, self.publish_button, self.preview_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.export_button)
        self.message = QLabel()

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(form)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.preview_view, 1)
        splitter = QSplitter()
        splitter.addWidget(self.list_view)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
        self.scripts_page = ScriptsPage(vm)
        self.limits_page = LimitsPage(vm)
        self.tabs = QTabWidget()
        self.tabs.addTab(splitter, self.tr("Policies"))
        self.tabs.addTab(self.scripts_page, self.tr("Scripts"))
        self.tabs.addTab(self.limits_page, self.tr("Pressure limits"))
        self.templates_page: SmsTemplatesPage | None = None
        if templates_vm is not None:  # SMS templates (issue 15): edited here, published like policies
            self.templates_page = SmsTemplatesPage(templates_vm)
            self.templates_page.status_shown.connect(self.status_shown)
            self.tabs.addTab(self.templates_page, self.tr("SMS templates"))
            templates_vm.reload()
        self.rules_page: AssignmentRulesPage | None = None
        if rules_vm is not None:  # the named assignment rules live on the server
            self.rules_page = AssignmentRulesPage(rules_vm)
            self.tabs.addTab(self.rules_page, self.tr("Assignment rules"))
            self.rules_page.status_shown.connect(self.status_shown)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)

        vm.policies_changed.connect(self.on_policies_changed)
        vm.rule_checked.connect(self.on_rule_checked)
        vm.preview_ready.connect(self.on_preview_ready)
        vm.saved.connect(self.on_saved)
        vm.published.connect(self.on_published)
        vm.imported.connect(self.on_imported)
        vm.exported.connect(self.on_exported)
        vm.error.connect(self.on_error)
        vm.script_saved.connect(lambda spec: self._status(self.tr("Saved %1").replace("%1", spec.id)))
        vm.limit_saved.connect(lambda spec: self._status(self.tr("Saved %1").replace("%1", spec.id)))
        self.on_new()
        vm.reload()

    # ------------------------------------------------------------ list

    def on_policies_changed(self, policies: list[PolicySpec]) -> None:
        self.list_model.set_rows(policies)
        if self._current_id:
            for row, p in enumerate(policies):
                if p.id == self._current_id:
                    self.list_view.selectRow(row)
                    self.status_label.setText(f"{p.status} · v{p.version}")
                    break

    def on_row_changed(self, current: object, _previous: object) -> None:
        row = current.row() if hasattr(current, "row") else -1  # type: ignore[attr-defined]
        if 0 <= row < self.list_model.rowCount():
            policy = self.list_model.row(row)
            if policy.id != self._current_id:
                self.show_policy(policy)

    def show_policy(self, p: PolicySpec) -> None:
        """Fill the editor with ``p``."""
        self._current_id = p.id
        self.id_edit.setText(p.id)
        self.id_edit.setReadOnly(True)
        self.name_edit.setText(p.name)
        self.pitch_edit.setText(p.pitch)
        self.product_edit.setText(p.product)
        for name, box in self.channel_boxes.items():
            box.setChecked(name in p.channels)
        self.priority_spin.setValue(p.priority)
        self.value_spin.setValue(p.value)
        self.quota_total_edit.setText("" if p.quota_total is None else str(p.quota_total))
        self.quota_store_edit.setText("" if p.quota_per_store is None else str(p.quota_per_store))
        self.valid_from_edit.setText(p.valid_from.isoformat() if p.valid_from else "")
        self.valid_to_edit.setText(p.valid_to.isoformat() if p.valid_to else "")
        self.group_edit.setText(p.exclusive_group or "")
        self.script_edit.setText(p.script_id or "")
        self.status_label.setText(f"{p.status} · v{p.version}")
        self.rule_edit.setPlainText(p.rule)
        self.publish_button.setEnabled(True)

    def on_new(self) -> None:
        self._current_id = None
        self.list_view.clearSelection()
        for e in (self.id_edit, self.name_edit, self.pitch_edit, self.product_edit,
                  self.quota_total_edit, self.quota_store_edit, self.valid_from_edit,
                  self.valid_to_edit, self.group_edit, self.script_edit):
            e.clear()
        self.id_edit.setReadOnly(False)
        for box in self.channel_boxes.values():
            box.setChecked(True)
        self.priority_spin.setValue(0)
        self.value_spin.setValue(0)
        self.status_label.setText(self.tr("new (draft)"))
        self.rule_edit.setPlainText("true")
        self.publish_button.setEnabled(False)

    # ------------------------------------------------------------ rule editor

    def on_rule_edited(self) -> None:
        self.vm.check_rule(self.rule_edit.toPlainText())

    def on_field_picked(self, index: int) -> None:
        name = self.field_picker.itemData(index)
        self.field_picker.setCurrentIndex(0)
        if name:
            self.rule_edit.insertPlainText(str(name))
            self.rule_edit.setFocus()

    def on_rule_checked(self, check: RuleCheck) -> None:
        if check.text != self.rule_edit.toPlainText():
            return
        if check.error is not None:
            self.rule_status.setStyleSheet(f"color: {palette.colors().error};")
            self.rule_status.setText(str(check.error))
            self._highlight(check)
            self.save_button.setEnabled(False)
            return
        self._highlight(None)
        self.rule_status.setStyleSheet("")
        if check.matching is None:
            self.rule_status.setText(self.tr("Rule OK — counting matching customers…"))
        else:
            self.rule_status.setText(
                self.tr("Rule OK — matches %1 of %2 customers in the local book")
                .replace("%1", format_number(check.matching, 0)).replace("%2", format_number(check.total, 0))
            )
        self.save_button.setEnabled(True)

    def _highlight(self, check: RuleCheck | None) -> None:
        selections: list[QTextEdit.ExtraSelection] = []
        pos = check.error.position if check is not None and check.error is not None else None
        if pos is not None:
            text_len = len(self.rule_edit.toPlainText())
            start = min(pos.offset, max(0, text_len - 1))
            end = max(start + 1, min(pos.end_offset, text_len))
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor(palette.colors().error))
            fmt.setBackground(QColor(palette.colors().error_bg))
            sel.format = fmt
            cursor = QTextCursor(self.rule_edit.document())
            cursor.setPosition(start)
            cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cursor
            selections.append(sel)
        self.rule_edit.setExtraSelections(selections)

    def highlighted_range(self) -> tuple[int, int] | None:
        """The highlighted error span (start, end), if any."""
        sels = self.rule_edit.extraSelections()
        if not sels:
            return None
        c = sels[0].cursor
        return c.selectionStart(), c.selectionEnd()

    # ------------------------------------------------------------ actions

    def spec_from_form(self) -> PolicySpec:
        """The policy as the form shows it. Raises ``ValueError`` for unreadable fields."""
        def quota(edit: QLineEdit, label: str) -> int | None:
            text = edit.text().strip()
            if not text:
                return None
            if not text.isdigit():
                raise UserError(self.tr("%1 must be a whole number").replace("%1", label))
            return int(text)

        def when(edit: QLineEdit, label: str) -> dt.datetime | None:
            text = edit.text().strip()
            if not text:
                return None
            try:
                return parse_when(text, label)
            except ValueError:
                raise UserError(self.tr("%1 must be a date like 2026-12-01").replace("%1", label)) from None

        existing = next((p for p in self.vm.policies if p.id == self._current_id), None)
        return PolicySpec(
            id=self.id_edit.text().strip(),
            code=existing.code if existing else self.id_edit.text().strip(),
            name=self.name_edit.text().strip(),
            rule=self.rule_edit.toPlainText(),
            channels=tuple(n for n, b in self.channel_boxes.items() if b.isChecked()),
            valid_from=when(self.valid_from_edit, self.tr("Valid from")),
            valid_to=when(self.valid_to_edit, self.tr("Valid to")),
            quota_total=quota(self.quota_total_edit, self.tr("Quota, total")),
            quota_per_store=quota(self.quota_store_edit, self.tr("Quota per store")),
            quota_used=existing.quota_used if existing else 0,
            priority=self.priority_spin.value(),
            value=self.value_spin.value(),
            script_id=self.script_edit.text().strip() or None,
            exclusive_group=self.group_edit.text().strip() or None,
            status=existing.status if existing else "draft",
            version=existing.version if existing else 1,
            pitch=self.pitch_edit.text().strip(),
            description=existing.description if existing else "",
            product=self.product_edit.text().strip(),
        )

    def on_save(self) -> None:
        try:
            spec = self.spec_from_form()
        except UserError as exc:
            self.on_error(user_message(exc))
            return
        self.vm.save(spec)

    def on_saved(self, spec: PolicySpec) -> None:
        self._current_id = spec.id
        self.id_edit.setReadOnly(True)
        self.publish_button.setEnabled(True)
        self._status(self.tr("Saved %1").replace("%1", spec.id))

    def on_publish(self) -> None:
        if self._current_id:
            self.vm.publish(self._current_id)

    def on_published(self, spec: PolicySpec) -> None:
        self.status_label.setText(f"{spec.status} · v{spec.version}")
        self._status(self.tr("Published %1, version %2").replace("%1", spec.id)
                     .replace("%2", str(spec.version)))

    def on_preview(self) -> None:
        check = self.vm.last_check
        if check is not None and check.ok:
            self.vm.preview(self.rule_edit.toPlainText())

    def on_preview_ready(self, rows: list[PreviewRow]) -> None:
        self.preview_model.set_rows(rows)
        self.preview_view.resizeColumnsToContents()

    def on_import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import policies"), "",
                                              self.tr("YAML files (*.yaml *.yml)"))
        if path:
            self.vm.import_yaml(Path(path))

    def on_export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export policies"), "policies.yaml",
                                              self.tr("YAML files (*.yaml *.yml)"))
        if path:
            self.vm.export_yaml(Path(path))

    def on_imported(self, n: int) -> None:
        self._status(self.tr("Imported %1 items").replace("%1", str(n)))

    def on_exported(self, path: str) -> None:
        self._status(self.tr("Exported to %1").replace("%1", path))

    def on_error(self, message: str) -> None:
        self.message.setStyleSheet(f"color: {palette.colors().error};")
        self.message.setText(message)
        self.status_shown.emit(message)

    def _status(self, text: str) -> None:
        self.message.setStyleSheet("")
        self.message.setText(text)
        self.status_shown.emit(text)


def _item_table(model: RowTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    return view


class ScriptsPage(QWidget):
    """Script templates: a list and an editor (validated like a YAML import)."""

    def __init__(self, vm: PolicyStudioViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        self.model = RowTableModel([
            Column(self.tr("ID"), lambda x: x.id),
            Column(self.tr("Policy"), lambda x: x.policy_id or ""),
            Column(self.tr("Section"), lambda x: x.section),
            Column(self.tr("Variant"), lambda x: x.variant),
            Column(self.tr("Title"), lambda x: x.title),
        ], self)
        self.view = _item_table(self.model)
        self.view.selectionModel().currentRowChanged.connect(self.on_row_changed)
        self.id_edit = QLineEdit()
        self.policy_edit = QLineEdit()
        self.stage_combo = QComboBox()
        self.stage_combo.addItems(["", *(x.value for x in Lifecycle)])
        self.section_combo = QComboBox()
        self.section_combo.addItems([x.value for x in ScriptSection])
        self.variant_edit = QLineEdit("A")
        self.title_edit = QLineEdit()
        self.body_edit = QPlainTextEdit()
        self.keywords_edit = QLineEdit()
        self.keywords_edit.setPlaceholderText(self.tr("comma-separated"))
        form = QFormLayout()
        form.addRow(self.tr("ID"), self.id_edit)
        form.addRow(self.tr("Policy"), self.policy_edit)
        form.addRow(self.tr("Lifecycle stage"), self.stage_combo)
        form.addRow(self.tr("Section"), self.section_combo)
        form.addRow(self.tr("Variant"), self.variant_edit)
        form.addRow(self.tr("Title"), self.title_edit)
        form.addRow(self.tr("Text"), self.body_edit)
        form.addRow(self.tr("Keywords"), self.keywords_edit)
        self.new_button = QPushButton(self.tr("New"))
        self.save_button = QPushButton(self.tr("Save"))
        self.new_button.clicked.connect(self.on_new)
        self.save_button.clicked.connect(self.on_save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(form)
        right_layout.addLayout(buttons)
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(right)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        vm.scripts_changed.connect(self.model.set_rows)

    def on_row_changed(self, current: object, _previous: object) -> None:
        row = current.row() if hasattr(current, "row") else -1  # type: ignore[attr-defined]
        if 0 <= row < self.model.rowCount():
            self.show_script(self.model.row(row))

    def show_script(self, x: ScriptSpec) -> None:
        self.id_edit.setText(x.id)
        self.policy_edit.setText(x.policy_id or "")
        self.stage_combo.setCurrentText(x.lifecycle_stage or "")
        self.section_combo.setCurrentText(x.section)
        self.variant_edit.setText(x.variant)
        self.title_edit.setText(x.title)
        self.body_edit.setPlainText(x.body)
        self.keywords_edit.setText(", ".join(x.keywords))

    def on_new(self) -> None:
        self.view.clearSelection()
        for e in (self.id_edit, self.policy_edit, self.title_edit, self.keywords_edit):
            e.clear()
        self.variant_edit.setText("A")
        self.body_edit.clear()
        self.stage_combo.setCurrentIndex(0)
        self.section_combo.setCurrentIndex(0)

    def values(self) -> dict[str, object]:
        return {
            "id": self.id_edit.text().strip(),
            "policy_id": self.policy_edit.text().strip() or None,
            "lifecycle_stage": self.stage_combo.currentText() or None,
            "section": self.section_combo.currentText(),
            "variant": self.variant_edit.text().strip() or "A",
            "title": self.title_edit.text().strip(),
            "body": self.body_edit.toPlainText(),
            "keywords": [k.strip() for k in self.keywords_edit.text().replace("，", ",").split(",")
                         if k.strip()],
        }

    def on_save(self) -> None:
        self.vm.save_script(self.values())


class LimitsPage(QWidget):
    """Contact-pressure limits: a list and an editor (validated like a YAML import)."""

    def __init__(self, vm: PolicyStudioViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        self.model = RowTableModel([
            Column(self.tr("ID"), lambda x: x.id),
            Column(self.tr("Channel"), lambda x: x.channel),
            Column(self.tr("Period"), lambda x: x.period),
            Column(self.tr("At most"), lambda x: "" if x.max_contacts is None else str(x.max_contacts),
                   align_right=True),
            Column(self.tr("Quiet hours"),
                   lambda x: f"{x.quiet_start}–{x.quiet_end}" if x.quiet_start else ""),
            Column(self.tr("Cool-down (days)"), lambda x: str(x.cooldown_days_after_refusal),
                   align_right=True),
        ], self)
        self.view = _item_table(self.model)
        self.view.selectionModel().currentRowChanged.connect(self.on_row_changed)
        self.id_edit = QLineEdit()
        self.channel_combo = QComboBox()
        self.channel_combo.addItems([*(c.value for c in Channel), ALL_CHANNELS])
        self.period_combo = QComboBox()
        self.period_combo.addItems(["day", "week", "month"])
        self.max_spin = QSpinBox()
        self.max_spin.setRange(0, 1000)
        self.quiet_start_edit = QLineEdit()
        self.quiet_end_edit = QLineEdit()
        self.quiet_start_edit.setPlaceholderText("21:00")
        self.quiet_end_edit.setPlaceholderText("09:00")
        self.cooldown_spin = QSpinBox()
        self.cooldown_spin.setRange(0, 365)
        form = QFormLayout()
        form.addRow(self.tr("ID"), self.id_edit)
        form.addRow(self.tr("Channel"), self.channel_combo)
        form.addRow(self.tr("Period"), self.period_combo)
        form.addRow(self.tr("At most"), self.max_spin)
        form.addRow(self.tr("Quiet from"), self.quiet_start_edit)
        form.addRow(self.tr("Quiet until"), self.quiet_end_edit)
        form.addRow(self.tr("Cool-down (days)"), self.cooldown_spin)
        self.new_button = QPushButton(self.tr("New"))
        self.save_button = QPushButton(self.tr("Save"))
        self.new_button.clicked.connect(self.on_new)
        self.save_button.clicked.connect(self.on_save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(form)
        right_layout.addLayout(buttons)
        right_layout.addStretch(1)
        splitter = QSplitter()
        splitter.addWidget(self.view)
        splitter.addWidget(right)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        vm.limits_changed.connect(self.model.set_rows)

    def on_row_changed(self, current: object, _previous: object) -> None:
        row = current.row() if hasattr(current, "row") else -1  # type: ignore[attr-defined]
        if 0 <= row < self.model.rowCount():
            self.show_limit(self.model.row(row))

    def show_limit(self, x: PressureLimitSpec) -> None:
        self.id_edit.setText(x.id)
        self.channel_combo.setCurrentText(x.channel)
        self.period_combo.setCurrentText(x.period)
        self.max_spin.setValue(x.max_contacts or 0)
        self.quiet_start_edit.setText(x.quiet_start or "")
        self.quiet_end_edit.setText(x.quiet_end or "")
        self.cooldown_spin.setValue(x.cooldown_days_after_refusal)

    def on_new(self) -> None:
        self.view.clearSelection()
        self.id_edit.clear()
        self.channel_combo.setCurrentIndex(0)
        self.period_combo.setCurrentText("month")
        self.max_spin.setValue(2)
        self.quiet_start_edit.setText("21:00")
        self.quiet_end_edit.setText("09:00")
        self.cooldown_spin.setValue(7)

    def values(self) -> dict[str, object]:
        return {
            "id": self.id_edit.text().strip(),
            "channel": self.channel_combo.currentText(),
            "period": self.period_combo.currentText(),
            "max_contacts": self.max_spin.value(),
            "quiet_start": self.quiet_start_edit.text().strip() or None,
            "quiet_end": self.quiet_end_edit.text().strip() or None,
            "cooldown_days_after_refusal": self.cooldown_spin.value(),
        }

    def on_save(self) -> None:
        self.vm.save_limit(self.values())
