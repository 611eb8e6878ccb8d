"""The admin's agents window (issue 17 point 3): skills, daily capacity and away per agent.

A table of a team's agents (grade, skills, capacity, away) and, for the selected one, a form:
the skills a policy asks for as check boxes, the daily capacity (or no limit) and the away
flag. Saving goes to the server (``PUT /admin/users/{id}/assignment``) off the GUI thread; the
server validates, audits and sends the change to the desktops.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.views.agent_admin_vm import AgentAdminViewModel
from workbench.views.row_table import Column, RowTableModel

#: The largest daily capacity the server takes.
MAX_CAPACITY = 10_000


class AgentAdminWindow(QWidget):
    """Agents of a team and an editor for the selected one.

    Signals:
        status_shown(str): a status line was shown (loaded, saved, refused...).
    """

    status_shown = Signal(str)

    def __init__(self, vm: AgentAdminViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm = vm
        self.setWindowTitle(self.tr("Agents and skills"))
        self._current: dict[str, Any] | None = None
        self.team_edit = QLineEdit()
        self.team_edit.setPlaceholderText(self.tr("Team id (empty: all teams)"))
        self.reload_button = QPushButton(self.tr("Reload"))
        yes, no = self.tr("yes"), ""
        self.model = RowTableModel([
            Column(self.tr("Agent"), lambda a: f"{a.get('display_name') or ''} ({a.get('username') or ''})"),
            Column(self.tr("Team"), lambda a: a.get("team_id") or ""),
            Column(self.tr("Role"), lambda a: a.get("role") or ""),
            Column(self.tr("Grade"), lambda a: a.get("grade") or ""),
            Column(self.tr("Skills"), lambda a: ", ".join(a.get("skills") or [])),
            Column(self.tr("Tasks a day"), lambda a: self.tr("no limit") if a.get("daily_capacity") is None
                   else str(a["daily_capacity"]), align_right=True),
            Column(self.tr("Away"), lambda a: yes if a.get("away") else no),
        ], self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.selectionModel().currentRowChanged.connect(self.on_row_changed)
        self.who = QLabel()
        self.skills_list = QListWidget()
        self.capacity_spin = QSpinBox()
        self.capacity_spin.setRange(0, MAX_CAPACITY)
        self.no_limit_check = QCheckBox(self.tr("No limit"))
        self.no_limit_check.toggled.connect(lambda on: self.capacity_spin.setEnabled(not on))
        self.away_check = QCheckBox(self.tr("Away (gets no new tasks)"))
        self.save_button = QPushButton(self.tr("&Save"))
        self.save_button.setToolTip(self.tr("Save the agent's skills, capacity and away flag (Ctrl+S)"))
        self.save_button.clicked.connect(self.on_save)
        QShortcut(QKeySequence.StandardKey.Save, self, self.on_save)
        capacity = QHBoxLayout()
        capacity.addWidget(self.capacity_spin)
        capacity.addWidget(self.no_limit_check)
        form = QFormLayout()
        form.addRow(self.tr("Agent"), self.who)
        form.addRow(self.tr("Skills"), self.skills_list)
        form.addRow(self.tr("Tasks a day"), capacity)
        form.addRow("", self.away_check)
        form.addRow("", self.save_button)
        editor = QWidget()
        editor.setLayout(form)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(editor)
        splitter.setStretchFactor(0, 2)
        bar = QHBoxLayout()
        bar.addWidget(self.team_edit, 1)
        bar.addWidget(self.reload_button)
        self.status = QLabel()
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(splitter, 1)
        lay.addWidget(self.status)
        self.team_edit.returnPressed.connect(self.on_reload)
        self.reload_button.clicked.connect(self.on_reload)
        vm.agents_ready.connect(self.on_agents)
        vm.saved.connect(self.on_saved)
        vm.failed.connect(self.on_failed)
        self._set_editing(None)

    # ------------------------------------------------------------ slots

    def on_reload(self) -> None:
        self._show(self.tr("Loading…"))
        self.vm.load(self.team_edit.text())

    def on_agents(self, agents: list[Any], known: list[Any]) -> None:
        keep = self._current.get("id") if self._current else None
        self._known = [str(k) for k in known]
        self.model.set_rows(agents)
        if self._saved_text:  # the reload after a save: keep saying what was saved
            self._show(self._saved_text)
            self._saved_text = ""
        else:
            self._show(self.tr("%n agent(s)", "", len(agents)))
        for row in range(self.model.rowCount()):
            if self.model.row(row).get("id") == keep:
                self.table.selectRow(row)
                return
        self._set_editing(None)

    def on_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = current.row()
        self._set_editing(self.model.row(row) if 0 <= row < self.model.rowCount() else None)

    def on_save(self) -> None:
        agent = self._current
        if agent is None or not agent.get("team_id"):
            return
        skills = [self.skills_list.item(i).text() for i in range(self.skills_list.count())
                  if self.skills_list.item(i).checkState() == Qt.CheckState.Checked]
        capacity = None if self.no_limit_check.isChecked() else self.capacity_spin.value()
        self.save_button.setEnabled(False)
        self._show(self.tr("Saving…"))
        self.vm.save(str(agent["id"]), str(agent["team_id"]), skills=skills, daily_capacity=capacity,
                     away=self.away_check.isChecked())

    def on_saved(self, agent: dict[str, Any]) -> None:
        self.save_button.setEnabled(True)
        self._saved_text = self.tr("Saved %1").replace("%1", str(agent.get("username") or ""))
        self._show(self._saved_text)

    def on_failed(self, message: str) -> None:
        self.save_button.setEnabled(self._current is not None)
        self._show(self.tr("Not saved: %1").replace("%1", message))

    # ------------------------------------------------------------ helpers

    _known: list[str] = []
    _saved_text = ""

    def _set_editing(self, agent: dict[str, Any] | None) -> None:
        self._current = agent
        for w in (self.skills_list, self.capacity_spin, self.no_limit_check, self.away_check, self.save_button):
            w.setEnabled(agent is not None)
        self.skills_list.clear()
        if agent is None:
            self.who.setText(self.tr("Select an agent"))
            return
        self.who.setText(f"{agent.get('display_name') or ''} ({agent.get('username') or ''}, "
                         f"{agent.get('team_id') or ''})")
        held = set(agent.get("skills") or [])
        for skill in sorted(set(self._known) | held):
            item = QListWidgetItem(skill)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if skill in held else Qt.CheckState.Unchecked)
            self.skills_list.addItem(item)
        cap = agent.get("daily_capacity")
        self.no_limit_check.setChecked(cap is None)
        self.capacity_spin.setValue(int(cap or 0))
        self.capacity_spin.setEnabled(cap is not None)
        self.away_check.setChecked(bool(agent.get("away")))

    def _show(self, text: str) -> None:
        self.status.setText(text)
        self.status_shown.emit(text)
