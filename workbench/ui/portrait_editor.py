"""The small portrait editor of the pop: what the agent learned on the call, by keyboard.

F4 on the pop opens it with the focus on the first field; Tab moves on, Space ticks an
interest, Ctrl+S (or Ctrl+Enter) saves, Esc closes without saving. It only collects values:
the pop passes them on (``save_requested``) and the view-model writes them through
:mod:`workbench.services.portrait_edit`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.codes import Channel
from workbench.core.portrait_edit import EDITABLE_TAGS
from workbench.core.tags import TAGS
from workbench.ui import labels

#: the interest and need tags in the vocabulary's display order
_TAG_ORDER = [code for code in TAGS if code in EDITABLE_TAGS]


class PortraitEditorPanel(QFrame):
    """Edits preferred channel, do-not-SMS, interests and needs, and the note of one customer.

    Signals:
        save_requested(str, dict): customer id and the values (keyword arguments of
            ``PortraitEditor.save`` in the service).
    """

    save_requested = Signal(str, dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.customer_id: str | None = None
        self.channel = QComboBox()
        for c in Channel:
            self.channel.addItem(labels.channel(c.value), c.value)
        self.no_sms = QCheckBox(self.tr("No SMS to this customer"))
        self.interests = QListWidget()
        self.interests.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.interests.setMaximumHeight(120)
        for code in _TAG_ORDER:
            item = QListWidgetItem(labels.tag(code))
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.interests.addItem(item)
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(70)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.save_button = QPushButton(self.tr("Save portrait (Ctrl+S)"))
        self.save_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton(self.tr("Close (Esc)"))
        self.cancel_button.clicked.connect(self.close_editor)

        form = QFormLayout()
        form.addRow(self.tr("Preferred &channel"), self.channel)
        form.addRow("", self.no_sms)
        form.addRow(self.tr("&Interests and needs"), self.interests)
        form.addRow(self.tr("N&ote"), self.note)
        for text, widget in ((self.tr("Preferred &channel"), self.channel),
                             (self.tr("&Interests and needs"), self.interests), (self.tr("N&ote"), self.note)):
            label = form.labelForField(widget)
            if isinstance(label, QLabel):
                label.setBuddy(widget)
            widget.setAccessibleName(text.replace("&", ""))
        self.no_sms.setAccessibleName(self.tr("No SMS to this customer"))
        self.save_button.setAccessibleName(self.tr("Save portrait"))
        self.cancel_button.setAccessibleName(self.tr("Close the portrait editor"))
        self.setAccessibleName(self.tr("Portrait editor"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        title = QLabel(self.tr("What the customer told you (F4)"))
        title.setStyleSheet("font-weight: bold;")
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addLayout(buttons)
        for keys in (QKeySequence.StandardKey.Save, QKeySequence("Ctrl+Return")):
            sc = QShortcut(keys, self, self.submit)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        esc = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close_editor)
        esc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.hide()

    def open_for(self, portrait: Any) -> None:
        """Fill the fields from a pop's portrait (``preferred_channel``, ``do_not_sms``,
        ``tags``, ``note``), show the editor and put the focus on its first field."""
        self.customer_id = portrait.id
        idx = self.channel.findData(portrait.preferred_channel)
        self.channel.setCurrentIndex(max(idx, 0))
        self.no_sms.setChecked(bool(portrait.do_not_sms))
        tags = set(portrait.tags)
        for i in range(self.interests.count()):
            item = self.interests.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in tags
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.interests.setCurrentRow(0)
        self.note.setPlainText(getattr(portrait, "note", "") or "")
        self.status.clear()
        self.show()
        self.channel.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def values(self) -> dict[str, Any]:
        checked = [self.interests.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.interests.count())
                   if self.interests.item(i).checkState() == Qt.CheckState.Checked]
        return {"preferred_channel": self.channel.currentData(), "do_not_sms": self.no_sms.isChecked(),
                "interests": checked, "note": self.note.toPlainText().strip()}

    def submit(self) -> None:
        if self.customer_id is None or self.isHidden():
            return
        values = self.values()  # checked by the service, which names the field it refuses
        self.status.setText(self.tr("Saving…"))
        self.save_requested.emit(self.customer_id, values)

    def show_error(self, message: str) -> None:
        self.status.setText(message)

    def saved(self, customer_id: str) -> None:
        """The save went through: close (the refreshed pop shows the new portrait and scores)."""
        if customer_id == self.customer_id:
            self.close_editor()

    def close_editor(self) -> None:
        was_open = self.isVisible()
        self.hide()
        parent = self.parentWidget()
        if was_open and parent is not None:
            parent.setFocus(Qt.FocusReason.ShortcutFocusReason)
