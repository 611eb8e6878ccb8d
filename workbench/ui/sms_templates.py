"""The policy studio's SMS templates page: the list, and an editor that checks the body as
you type (placeholders, the 【signature】, sensitive words by word and position, segments).

QWidgets only; everything goes through :class:`SmsTemplatesViewModel`. Keys: Ctrl+N new,
Ctrl+S save the draft, Ctrl+Return publish, F5 reload from the server, Ctrl+Shift+Delete
discard the draft.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from workbench.core.sms_text import PLACEHOLDERS, TEMPLATE_PURPOSES, TextIssue
from workbench.services.sms_templates import (
    TemplateBook,
    TemplateCheck,
    TemplateDraft,
    TemplateItem,
)
from workbench.ui import palette
from workbench.views.row_table import Column, RowTableModel
from workbench.views.sms_templates_vm import SmsTemplatesViewModel


class SmsTemplatesPage(QWidget):
    """SMS templates: list on the left, the editor on the right.

    Signals:
        status_shown(str): a status line was shown (saved, published, refused...).
    """

    status_shown = Signal(str)

    def __init__(self, vm: SmsTemplatesViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        self._current_id: str | None = None
        self._purpose_names = {
            "campaign": self.tr("Campaign"), "hangup": self.tr("Hang-up SMS"),
            "code": self.tr("Login code"), "confirm": self.tr("Order confirmation"),
        }
        self.list_model = RowTableModel([
            Column(self.tr("ID"), lambda t: t.id),
            Column(self.tr("Name"), lambda t: t.name),
            Column(self.tr("Purpose"), lambda t: self._purpose_names.get(t.purpose, t.purpose)),
            Column(self.tr("Policy"), lambda t: t.policy_id or self.tr("(general)")),
            Column(self.tr("Status"), self.status_text),
        ], self)
        self.list_view = QTableView()
        self.list_view.setModel(self.list_model)
        self.list_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.verticalHeader().hide()
        self.list_view.selectionModel().currentRowChanged.connect(self.on_row_changed)

        self.id_edit = QLineEdit()
        self.id_edit.setPlaceholderText("TPL-168-HANGUP")
        self.id_edit.textChanged.connect(self._update_buttons)
        self.name_edit = QLineEdit()
        self.purpose_combo = QComboBox()
        for purpose in TEMPLATE_PURPOSES:
            self.purpose_combo.addItem(self._purpose_names.get(purpose, purpose), purpose)
        self.policy_combo = QComboBox()
        self.policy_combo.addItem(self.tr("(general: every policy)"), None)
        self.body_edit = QPlainTextEdit()
        self.body_edit.setPlaceholderText("【客户服务】{name}您好，{policy}：{pitch} 详情{link} 回TD退订")
        self.body_edit.textChanged.connect(self.on_body_edited)
        self.placeholder_picker = QComboBox()
        self.placeholder_picker.addItem(self.tr("Insert a placeholder…"), None)
        meanings = {
            "name": self.tr("the customer's name"), "policy": self.tr("the policy's name"),
            "pitch": self.tr("the policy's one-line pitch"),
            "link": self.tr("the customer's personal link to the online zone"),
            "plan": self.tr("the customer's current plan"), "fee": self.tr("the customer's monthly fee"),
            "city": self.tr("the customer's city"), "code": self.tr("a one-time login code"),
            "agent": self.tr("the agent's display name"),
        }
        for name in PLACEHOLDERS:
            self.placeholder_picker.addItem(f"{{{name}}} — {meanings.get(name, name)}", name)
        self.placeholder_picker.activated.connect(self.on_placeholder_picked)
        self.segments_label = QLabel()
        self.segments_label.setToolTip(self.tr(
            "Placeholders are counted at a typical length. Chinese text: 70 characters in one "
            "segment, 67 per segment when longer."))
        self.issues_label = QLabel()
        self.issues_label.setWordWrap(True)
        self.issues_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel()
        self.words_label = QLabel()
        self.words_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("Template ID"), self.id_edit)
        form.addRow(self.tr("Name"), self.name_edit)
        form.addRow(self.tr("Purpose"), self.purpose_combo)
        form.addRow(self.tr("Policy"), self.policy_combo)
        form.addRow(self.tr("Status"), self.status_label)
        form.addRow(self.tr("Text"), self.body_edit)
        form.addRow("", self.placeholder_picker)
        form.addRow("", self.segments_label)
        form.addRow("", self.issues_label)
        form.addRow("", self.words_label)

        self.new_button = QPushButton(self.tr("New (Ctrl+N)"))
        self.save_button = QPushButton(self.tr("Save draft (Ctrl+S)"))
        self.publish_button = QPushButton(self.tr("Publish (Ctrl+Enter)"))
        self.discard_button = QPushButton(self.tr("Discard draft"))
        self.reload_button = QPushButton(self.tr("Reload (F5)"))
        self.new_button.clicked.connect(self.on_new)
        self.save_button.clicked.connect(self.on_save)
        self.publish_button.clicked.connect(self.on_publish)
        self.discard_button.clicked.connect(self.on_discard)
        self.reload_button.clicked.connect(self.vm.reload)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.save_button, self.publish_button, self.discard_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.reload_button)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.shortcuts: dict[str, QShortcut] = {}
        for key, slot in (("Ctrl+N", self.on_new), ("Ctrl+S", self.on_save), ("Ctrl+Return", self.on_publish),
                          ("Ctrl+Enter", self.on_publish), ("F5", self.vm.reload),
                          ("Ctrl+Shift+Delete", self.on_discard)):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(ctx)
            sc.activated.connect(slot)
            self.shortcuts[key] = sc

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addLayout(form)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.message)
        right_layout.addStretch(1)
        splitter = QSplitter()
        splitter.addWidget(self.list_view)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        vm.book_changed.connect(self.on_book_changed)
        vm.checked.connect(self.on_checked)
        vm.saved.connect(self.on_saved)
        vm.published.connect(self.on_published)
        vm.discarded.connect(lambda tid: self._status(self.tr("Discarded the draft of %1").replace("%1", tid)))
        vm.busy_changed.connect(self.on_busy)
        vm.error.connect(self.on_error)
        self.on_new()

    # ------------------------------------------------------------ list

    def status_text(self, t: TemplateItem) -> str:
        if t.published_version is None:
            return self.tr("draft (not published)")
        published = self.tr("published, version %1").replace("%1", str(t.published_version))
        return self.tr("draft over %1").replace("%1", published) if t.draft else published

    def on_book_changed(self, book: TemplateBook) -> None:
        self.list_model.set_rows(list(book.templates))
        chosen = self.policy_combo.currentData()
        self.policy_combo.blockSignals(True)
        while self.policy_combo.count() > 1:
            self.policy_combo.removeItem(1)
        for pid, name in book.policies:
            self.policy_combo.addItem(f"{pid} · {name}", pid)
        index = self.policy_combo.findData(chosen)
        self.policy_combo.setCurrentIndex(max(0, index))
        self.policy_combo.blockSignals(False)
        if book.words_from_server:
            self.words_label.setText(self.tr("Checked against the server's %n sensitive word(s).", "",
                                             len(book.words)))
            self.words_label.setStyleSheet(f"color: {palette.colors().muted};")
        else:
            self.words_label.setText(self.tr("Offline (%1): checked against the shipped word list; the server "
                                             "checks again when you publish.").replace("%1", book.offline))
            self.words_label.setStyleSheet(f"color: {palette.colors().error};")
        if self._current_id:
            item = self.vm.item(self._current_id)
            if item is not None:
                self.status_label.setText(self.status_text(item))
        self.on_body_edited()  # the words may have changed

    def on_row_changed(self, current: Any, _previous: Any) -> None:
        row = current.row() if hasattr(current, "row") else -1
        if 0 <= row < self.list_model.rowCount():
            item = self.list_model.row(row)
            if item.id != self._current_id:
                self.show_template(item)

    def show_template(self, t: TemplateItem) -> None:
        """Fill the editor with ``t``."""
        self._current_id = t.id
        self.id_edit.setText(t.id)
        self.id_edit.setReadOnly(True)
        self.name_edit.setText(t.name)
        self.purpose_combo.setCurrentIndex(max(0, self.purpose_combo.findData(t.purpose)))
        self.policy_combo.setCurrentIndex(max(0, self.policy_combo.findData(t.policy_id)))
        self.status_label.setText(self.status_text(t))
        self.body_edit.setPlainText(t.body)
        self._update_buttons()

    def on_new(self) -> None:
        self._current_id = None
        self.list_view.clearSelection()
        self.id_edit.clear()
        self.id_edit.setReadOnly(False)
        self.name_edit.clear()
        self.purpose_combo.setCurrentIndex(0)
        self.policy_combo.setCurrentIndex(0)
        self.status_label.setText(self.tr("new (draft)"))
        self.body_edit.setPlainText("【客户服务】{name}您好，")
        self.id_edit.setFocus()

    # ------------------------------------------------------------ editor

    def on_body_edited(self) -> None:
        self.vm.check(self.body_edit.toPlainText())

    def on_placeholder_picked(self, index: int) -> None:
        name = self.placeholder_picker.itemData(index)
        self.placeholder_picker.setCurrentIndex(0)
        if name:
            self.body_edit.insertPlainText(f"{{{name}}}")
            self.body_edit.setFocus()

    def on_checked(self, check: TemplateCheck) -> None:
        if check.body != self.body_edit.toPlainText():
            return
        info = check.segments
        per = self.tr("%1 characters per segment").replace("%1", str(info.per_segment))
        self.segments_label.setText(" · ".join((
            self.tr("%n segment(s)", "", info.segments),
            self.tr("about %n character(s)", "", info.units), per,
            self.tr("%1 left in the last segment").replace("%1", str(info.remaining)),
        )))
        too_many = any(i.code == "too_long" for i in check.issues)
        self.segments_label.setStyleSheet(f"color: {palette.colors().error};" if too_many else "")
        if check.ok:
            self.issues_label.setStyleSheet("")
            self.issues_label.setText(self.tr("Template OK"))
        else:
            self.issues_label.setStyleSheet(f"color: {palette.colors().error};")
            self.issues_label.setText("\n".join(self.issue_text(i) for i in check.issues))
        self._highlight(check)
        self._update_buttons()

    def issue_text(self, issue: TextIssue) -> str:
        """One problem in the interface's language."""
        p, pos = issue.params, str(issue.position)
        texts = {
            "empty": self.tr("The text is empty"),
            "unknown_placeholder": self.tr("Unknown placeholder {%1} at position %2 (known: %3)")
            .replace("%1", str(p.get("name"))).replace("%2", pos).replace("%3", ", ".join(PLACEHOLDERS)),
            "unbalanced_brace": self.tr("A brace without its partner at position %1").replace("%1", pos),
            "no_signature": self.tr("The signature 【…】 (2 to 12 characters) is missing at the start or the end"),
            "sensitive_word": self.tr("Sensitive word “%1” at position %2")
            .replace("%1", str(p.get("word"))).replace("%2", pos),
            "too_long": self.tr("%1 segments; at most %2")
            .replace("%1", str(p.get("segments"))).replace("%2", str(p.get("limit"))),
            "bad_character": self.tr("A control character at position %1").replace("%1", pos),
            "too_many_characters": self.tr("Longer than %1 characters").replace("%1", str(p.get("limit"))),
        }
        return texts.get(issue.code, issue.describe())

    def _highlight(self, check: TemplateCheck) -> None:
        text_len = len(self.body_edit.toPlainText())
        selections: list[QTextEdit.ExtraSelection] = []
        for issue in check.issues:
            if issue.position < 0 or text_len == 0:
                continue
            if issue.code == "unknown_placeholder":
                width = len(str(issue.params.get("name"))) + 2
            elif issue.code == "sensitive_word":
                width = len(str(issue.params.get("word")))
            else:
                width = 1
            start = min(issue.position, text_len - 1)
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor(palette.colors().error))
            fmt.setBackground(QColor(palette.colors().error_bg))
            sel.format = fmt
            cursor = QTextCursor(self.body_edit.document())
            cursor.setPosition(start)
            cursor.setPosition(min(text_len, start + width), QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cursor
            selections.append(sel)
        self.body_edit.setExtraSelections(selections)

    def highlighted_ranges(self) -> list[tuple[int, int]]:
        """The highlighted problem spans (start, end)."""
        return [(s.cursor.selectionStart(), s.cursor.selectionEnd()) for s in self.body_edit.extraSelections()]

    def _update_buttons(self) -> None:
        check = self.vm.last_check
        ok = bool(self.id_edit.text().strip()) and check is not None and check.ok
        self.save_button.setEnabled(ok)
        self.publish_button.setEnabled(ok and self.publish_button.property("busy") is not True)
        item = self.vm.item(self._current_id) if self._current_id else None
        self.discard_button.setEnabled(bool(item and item.draft))

    # ------------------------------------------------------------ actions

    def draft_from_form(self) -> TemplateDraft:
        return TemplateDraft(
            id=self.id_edit.text().strip(),
            name=self.name_edit.text().strip(),
            purpose=str(self.purpose_combo.currentData()),
            policy_id=self.policy_combo.currentData(),
            body=self.body_edit.toPlainText(),
        )

    def on_save(self) -> None:
        if self.save_button.isEnabled():
            self.vm.save(self.draft_from_form())

    def on_saved(self, draft: TemplateDraft) -> None:
        self._current_id = draft.id
        self.id_edit.setReadOnly(True)
        self._status(self.tr("Saved the draft of %1 on this desk").replace("%1", draft.id))

    def on_publish(self) -> None:
        if self.publish_button.isEnabled():
            draft = self.draft_from_form()
            self._current_id = draft.id
            self.id_edit.setReadOnly(True)
            self.vm.publish(draft)

    def on_published(self, result: tuple[TemplateDraft, dict[str, Any]]) -> None:
        draft, report = result
        if draft.id in report.get("unchanged", []):
            text = self.tr("%1 is already published as it is").replace("%1", draft.id)
        else:
            text = self.tr("Published %1: every desk and the SMS campaigns use it now").replace("%1", draft.id)
        self._status(text)

    def on_discard(self) -> None:
        if self._current_id and self.discard_button.isEnabled():
            self.vm.discard(self._current_id)

    def on_busy(self, busy: bool) -> None:
        self.publish_button.setProperty("busy", busy)
        if busy:
            self._status(self.tr("Publishing…"))
        self._update_buttons()

    def on_error(self, message: str) -> None:
        self.message.setStyleSheet(f"color: {palette.colors().error};")
        self.message.setText(message)
        self.status_shown.emit(message)

    def _status(self, text: str) -> None:
        self.message.setStyleSheet("")
        self.message.setText(text)
        self.status_shown.emit(text)
