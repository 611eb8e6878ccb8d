"""The outcome form: record how a contact ended in seconds, with the keyboard alone.

Tab moves through the fields, every field has an Alt mnemonic, Enter saves (also from the
note), Ctrl+Z undoes the last save while it has not been sent yet.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from PySide6.QtCore import QDateTime, QEvent, QObject, Qt, QTimer, QTimeZone, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core import appointments
from workbench.core.appointments import AppointmentProblem
from workbench.core.codes import Intent, WrapUp
from workbench.core.entities import UTC
from workbench.services.outcomes import OutcomeInput
from workbench.services.screen_pop import ScreenPop
from workbench.ui import labels, palette


@dataclass
class FormState:
    """What one call's form holds: the input typed so far and where the undo countdown is,
    kept aside while another call is on screen (one form serves every open call)."""

    pop: ScreenPop | None
    channel: str
    task_id: str | None
    opened: dt.datetime
    duration_s: int | None
    wrapup: int
    intent: int
    policy: int
    note: str
    callback_on: bool
    callback_at: QDateTime
    transfer_on: bool
    store: int
    transfer_note: str
    status: str
    status_style: str
    save_enabled: bool
    undo_deadline: float | None  # time.monotonic() when the undo window closes
    sms_on: bool = False
    callback_team: bool = False
    appointment: str = ""
    slot: int = 0


class OutcomeForm(QWidget):
    """A titled panel beside the pop (a bold heading, like the pop's own sections, rather than
    a group-box frame: Fusion strokes that frame through the clip left by the fields, which
    cost as much as painting the fields themselves).

    Signals:
        submitted(OutcomeInput): the user pressed Enter / Save with valid input.
        undo_requested(): Ctrl+Z / the Undo button.
    """

    submitted = Signal(object)
    undo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel(self.tr("Outcome"))
        self.heading.setToolTip(self.tr("F9 comes here from anywhere in the window"))
        self.heading.setStyleSheet(f"font-weight: bold; color: {palette.colors().text};")
        self._pop: ScreenPop | None = None
        self._channel = "outbound"
        self._duration_s: int | None = None
        self._opened = dt.datetime.now(UTC)
        self._task_id: str | None = None
        self._undo_left = 0

        self.wrapup = QComboBox()
        self.wrapup.addItem(self.tr("— choose the outcome —"), None)
        for code in WrapUp:
            self.wrapup.addItem(labels.wrapup(code.value), code.value)
        self.intent = QComboBox()
        for code in Intent:
            self.intent.addItem(labels.intent(code.value), code.value)
        self.intent.setCurrentIndex(self.intent.findData(Intent.NONE.value))
        self.policy = QComboBox()
        # the hang-up SMS (挂机短信): one key (Alt+M) sends the chosen policy's SMS with the
        # customer's personal link to the online zone, through the outbox, after sync
        self.sms_on = QCheckBox(self.tr("Send hang-up SMS (Alt+M)"))
        self.sms_on.setToolTip(self.tr("After the call, the chosen policy's SMS with the customer's personal "
                                       "link to the online zone (sent once, after sync; pressure checked first)"))
        self.sms_on.setEnabled(False)
        self.policy.currentIndexChanged.connect(self._on_policy_changed)
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Short note (Enter saves)"))
        self.note.setMaxLength(2000)
        self.callback_on = QCheckBox(self.tr("Call &back at"))
        self.callback_at = QDateTimeEdit()
        # Local wall time at the machine's current UTC offset: a date-time field in the
        # system's local time converts through the C library's time-zone functions each time
        # it is painted (six times the cost of a combo box, on every pop). The agents' zone
        # (China) has no daylight-saving changes for the offset to miss.
        self._zone = QTimeZone.fromSecondsAheadOfUtc(QDateTime.currentDateTime().offsetFromUtc())
        self.callback_at.setTimeZone(self._zone)
        self.callback_at.setCalendarPopup(True)
        self.callback_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.callback_at.setEnabled(False)
        self._default_callback_time()
        self.callback_on.toggled.connect(self._on_callback_toggled)
        self.callback_team = QCheckBox(self.tr("Anyone in my team"))
        self.callback_team.setToolTip(self.tr(
            "The call-back comes back to everyone in the team, not only to you"))
        self.callback_team.setEnabled(False)
        self.transfer_on = QCheckBox(self.tr("&Transfer to store"))
        self.store = QComboBox()
        self.store.setEnabled(False)
        self.transfer_note = QLineEdit()
        self.transfer_note.setPlaceholderText(self.tr("Note for the store"))
        self.transfer_note.setEnabled(False)
        # the visit agreed with the customer (seed 001, case 1), typed in business wall time
        self.appointment = QLineEdit()
        self.appointment.setPlaceholderText(self.tr("14:30, +1 10:00 or 12-05 14:30"))
        self.appointment.setMaxLength(appointments.MAX_INPUT_LENGTH)
        self.appointment.setToolTip(self.tr(
            "When the customer will come to the store (Beijing time): a time today, +days and a time, "
            "or a date and a time. Empty: no appointment."))
        self.appointment.setEnabled(False)
        self.slot = QComboBox()
        for minutes in appointments.SLOT_CHOICES:
            self.slot.addItem(self.tr("%n min", "", minutes), minutes)
        self.slot.setCurrentIndex(self.slot.findData(appointments.DEFAULT_MINUTES))
        self.slot.setEnabled(False)
        self.transfer_on.toggled.connect(self._on_transfer_toggled)

        self.save_button = QPushButton(self.tr("&Save (Enter)"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.submit)
        self.undo_button = QPushButton(self.tr("&Undo (Ctrl+Z)"))
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_requested.emit)
        self.status = QLabel()
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self._buddy(self.tr("&Wrap-up"), self.wrapup), self.wrapup)
        form.addRow(self._buddy(self.tr("&Intent"), self.intent), self.intent)
        form.addRow(self._buddy(self.tr("&Policy"), self.policy), self.policy)
        form.addRow("", self.sms_on)
        form.addRow(self._buddy(self.tr("&Note"), self.note), self.note)
        form.addRow(self.callback_on, self.callback_at)
        form.addRow("", self.callback_team)
        form.addRow(self.transfer_on, self.store)
        form.addRow("", self.transfer_note)
        appointment_row = QHBoxLayout()
        appointment_row.addWidget(self.appointment, 1)
        appointment_row.addWidget(self.slot)
        form.addRow(self._buddy(self.tr("&Appointment"), self.appointment), appointment_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.undo_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 6)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addStretch(1)

        for w in (self.note, self.transfer_note, self.appointment):
            w.returnPressed.connect(self.submit)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(QKeySequence(key), self, self.submit, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Alt+M"), self, self._on_sms_key, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence.StandardKey.Undo, self, self._on_undo_key,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        for w in (self.note, self.transfer_note, self.appointment):
            w.installEventFilter(self)
        chain = [self.wrapup, self.intent, self.policy, self.note, self.callback_on, self.callback_at, self.callback_team,
                 self.transfer_on, self.store, self.transfer_note, self.appointment, self.slot,
                 self.save_button, self.undo_button, self.sms_on]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)
        self._name_for_screen_readers()
        self._undo_timer = QTimer(self)
        self._undo_timer.setInterval(1000)
        self._undo_timer.timeout.connect(self._tick_undo)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Within the undo window, Ctrl+Z in a text field undoes the save, not the typing."""
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.matches(QKeySequence.StandardKey.Undo) and self.undo_button.isEnabled()):
            event.accept()
            self.undo_requested.emit()
            return True
        return super().eventFilter(watched, event)

    def _on_undo_key(self) -> None:
        if self.undo_button.isEnabled():
            self.undo_requested.emit()

    def title(self) -> str:
        return self.heading.text()

    def _name_for_screen_readers(self) -> None:
        """Accessible names (what a screen reader announces) for every field of the form."""
        for widget, name in (
            (self.wrapup, self.tr("Outcome of the call")), (self.intent, self.tr("Customer's intent")),
            (self.policy, self.tr("Policy discussed")), (self.note, self.tr("Note")),
            (self.callback_on, self.tr("Call back")), (self.callback_at, self.tr("Call-back time")),
            (self.transfer_on, self.tr("Transfer to a store")), (self.store, self.tr("Store")),
            (self.transfer_note, self.tr("Note for the store")),
            (self.appointment, self.tr("Appointment at the store")), (self.slot, self.tr("Length of the visit")),
            (self.save_button, self.tr("Save the outcome")),
            (self.undo_button, self.tr("Undo the last saved outcome")),
        ):
            widget.setAccessibleName(name)
        self.heading.setAccessibleDescription(self.tr("Outcome form"))
        self.status.setAccessibleName(self.tr("Save status"))

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    # ------------------------------------------------------------------ one form, many calls
    def capture(self) -> FormState:
        """This call's input, to put back with :meth:`restore` after showing another call."""
        return FormState(
            pop=self._pop, channel=self._channel, task_id=self._task_id, opened=self._opened,
            duration_s=self._duration_s, wrapup=self.wrapup.currentIndex(), intent=self.intent.currentIndex(),
            policy=self.policy.currentIndex(), note=self.note.text(), callback_on=self.callback_on.isChecked(),
            callback_at=self.callback_at.dateTime(), transfer_on=self.transfer_on.isChecked(),
            store=self.store.currentIndex(), transfer_note=self.transfer_note.text(), status=self.status.text(),
            status_style=self.status.styleSheet(), save_enabled=self.save_button.isEnabled(),
            undo_deadline=(time.monotonic() + self._undo_left
                           if self._undo_timer.isActive() and self._undo_left > 0 else None),
            sms_on=self.sms_on.isChecked(),
            callback_team=self.callback_team.isChecked(),
            appointment=self.appointment.text(), slot=self.slot.currentIndex(),
        )

    def restore(self, state: FormState, stores: list[tuple[str, str, str]]) -> None:
        """Show a call's input again, as it was left (the undo countdown kept running)."""
        self._pop = state.pop
        self._channel = state.channel
        self._task_id = state.task_id
        self._opened = state.opened
        self._duration_s = state.duration_s
        self.policy.clear()
        self.policy.addItem(self.tr("(none)"), None)
        for offer in state.pop.offers if state.pop else ():
            self.policy.addItem(offer.name, offer.policy_id)
        self.policy.setCurrentIndex(state.policy)
        self.sms_on.setChecked(state.sms_on)
        self._fill_stores(stores)
        self.store.setCurrentIndex(state.store)
        # the check boxes first: ticking them proposes a time and a wrap-up of their own
        self.callback_on.setChecked(state.callback_on)
        self.callback_team.setChecked(state.callback_team)
        if self.callback_at.dateTime() != state.callback_at:
            self.callback_at.setMinimumDateTime(min(state.callback_at, self.callback_at.minimumDateTime()))
            self.callback_at.setDateTime(state.callback_at)
        self.transfer_on.setChecked(state.transfer_on)
        self.wrapup.setCurrentIndex(state.wrapup)
        self.intent.setCurrentIndex(state.intent)
        self.note.setText(state.note)
        self.transfer_note.setText(state.transfer_note)
        self.appointment.setText(state.appointment)
        self.slot.setCurrentIndex(state.slot)
        self._set_status_style(state.status_style)
        self.status.setText(state.status)
        self.save_button.setEnabled(state.save_enabled)
        left = int(round(state.undo_deadline - time.monotonic())) if state.undo_deadline is not None else 0
        self._undo_left = max(0, left)
        self.undo_button.setEnabled(self._undo_left > 0)
        if self._undo_left > 0:
            self._undo_timer.start()
            self._show_saved()
        else:
            self._undo_timer.stop()

    def forget(self) -> None:
        """The next :meth:`load` is a new call: nothing typed is kept, even for the same customer,
        and the last call's save message and undo countdown go (they stay with that call)."""
        self._pop = None
        self._undo_timer.stop()
        self._undo_left = 0
        self.undo_button.setEnabled(False)
        self.save_button.setEnabled(True)
        self.status.setText("")
        self._set_status_style("")

    def _set_status_style(self, style: str) -> None:
        if self.status.styleSheet() != style:  # setting a style sheet polishes the label again
            self.status.setStyleSheet(style)

    # ------------------------------------------------------------------ setup
    def load(self, pop: ScreenPop, channel: str, stores: list[tuple[str, str, str]],
             task_id: str | None = None) -> None:
        """Prepare the form for a snapshot (keeps what the user typed if it is the same customer)."""
        same = self._pop is not None and self._pop.portrait.id == pop.portrait.id
        self._pop = pop
        self._channel = channel
        self._task_id = task_id or (pop.tasks[0].id if pop.tasks else None)
        current = self.policy.currentData()
        self.policy.clear()
        self.policy.addItem(self.tr("(none)"), None)
        for offer in pop.offers:
            self.policy.addItem(offer.name, offer.policy_id)
        if same and current is not None and self.policy.findData(current) >= 0:
            self.policy.setCurrentIndex(self.policy.findData(current))
        elif pop.offers:
            self.policy.setCurrentIndex(1)
        self._fill_stores(stores)
        if not same:
            self._opened = dt.datetime.now(UTC)
            self._duration_s = None
            self.note.clear()
            self.transfer_note.clear()
            self.appointment.clear()
            self.slot.setCurrentIndex(self.slot.findData(appointments.DEFAULT_MINUTES))
            self.transfer_on.setChecked(False)
            self.callback_on.setChecked(False)
            self.sms_on.setChecked(False)
            self.callback_team.setChecked(False)
            self.wrapup.setCurrentIndex(0)
            self.intent.setCurrentIndex(self.intent.findData(Intent.NONE.value))

    def _fill_stores(self, stores: list[tuple[str, str, str]]) -> None:
        self.store.clear()
        for sid, name, city in stores:
            self.store.addItem(f"{name} ({city})", sid)

    def _default_callback_time(self) -> None:
        """Tomorrow at this time, and nothing in the past. Set when the form is built and again
        when the agent ticks "Call back at" (not on every load: a date-time field costs half
        a millisecond to set, on the path of a screen pop)."""
        now = QDateTime.currentDateTime().toTimeZone(self._zone)
        self.callback_at.setMinimumDateTime(now)
        if self.callback_at.dateTime() < now.addSecs(60):
            self.callback_at.setDateTime(now.addDays(1))

    def _on_sms_key(self) -> None:
        if self.sms_on.isEnabled():
            self.sms_on.toggle()

    def _on_policy_changed(self, _index: int) -> None:
        chosen = self.policy.currentData() is not None
        self.sms_on.setEnabled(chosen)
        if not chosen:
            self.sms_on.setChecked(False)

    def _on_callback_toggled(self, on: bool) -> None:
        self.callback_at.setEnabled(on)
        self.callback_team.setEnabled(on)
        if on:
            self._default_callback_time()

    def set_call_duration(self, seconds: int) -> None:
        """Talk time from the call events (softphone): used instead of the time on screen."""
        self._duration_s = max(0, int(seconds))

    def _on_transfer_toggled(self, on: bool) -> None:
        self.store.setEnabled(on)
        self.transfer_note.setEnabled(on)
        self.appointment.setEnabled(on)
        self.slot.setEnabled(on)
        if on and self.wrapup.currentData() != WrapUp.ACCEPTED.value:
            self.wrapup.setCurrentIndex(self.wrapup.findData(WrapUp.TRANSFERRED.value))

    # ------------------------------------------------------------------ actions
    def appointment_value(self) -> tuple[dt.datetime | None, int | None]:
        """The appointment typed (aware UTC) and its length, ``(None, None)`` without one.

        Raises:
            AppointmentProblem: the text names no time, or one the store cannot take.
        """
        if not self.transfer_on.isChecked():
            return None, None
        now = dt.datetime.now(UTC)
        at = appointments.parse_appointment(self.appointment.text(), now)
        if at is None:
            return None, None
        minutes = self.slot.currentData()
        appointments.check_appointment(at, minutes, now=now)
        return at, minutes

    def problem_text(self, problem: AppointmentProblem) -> str:
        """What the agent reads about an appointment that cannot be taken."""
        p = problem.params
        if problem.code == "format":
            return self.tr("Appointment: type a time such as 14:30, +1 10:00 or 12-05 14:30.")
        if problem.code == "past":
            return self.tr("Appointment: that time has passed; choose a later one.")
        if problem.code == "too_far":
            return self.tr("Appointment: at most {days} days ahead.").format(days=p.get("days", ""))
        if problem.code == "closed":
            return self.tr("Appointment: the store takes visits from {opens} to {closes}.").format(
                opens=p.get("opens", ""), closes=p.get("closes", ""))
        if problem.code == "duration":
            return self.tr("Appointment: the visit lasts {lo} to {hi} minutes.").format(
                lo=p.get("lo", ""), hi=p.get("hi", ""))
        return self.tr("Appointment: not a valid time.")

    def current_input(self) -> OutcomeInput | None:
        """What the form holds as an outcome to save (None without a call).

        Raises:
            AppointmentProblem: the appointment cannot be taken (see :meth:`appointment_value`).
        """
        if self._pop is None:
            return None
        appointment_at, appointment_minutes = self.appointment_value()
        callback = None
        if self.callback_on.isChecked():
            callback = dt.datetime.fromtimestamp(self.callback_at.dateTime().toSecsSinceEpoch(), UTC)
        duration = self._duration_s
        if duration is None:
            duration = int((dt.datetime.now(UTC) - self._opened).total_seconds())
        offer_p = None
        pid = self.policy.currentData()
        for offer in self._pop.offers:
            if offer.policy_id == pid:
                offer_p = offer.probability
        return OutcomeInput(
            customer_id=self._pop.portrait.id,
            wrapup=self.wrapup.currentData(),
            intent=self.intent.currentData(),
            channel=self._channel,
            policy_id=pid,
            note=self.note.text(),
            callback_at=callback,
            callback_shared=callback is not None and self.callback_team.isChecked(),
            duration_s=duration,
            task_id=self._task_id,
            predicted_p=offer_p if offer_p is not None else self._pop.portrait.scores.get("deal"),
            transfer_store_id=self.store.currentData() if self.transfer_on.isChecked() else None,
            transfer_note=self.transfer_note.text() if self.transfer_on.isChecked() else "",
            appointment_at=appointment_at,
            appointment_minutes=appointment_minutes,
            started_at=self._opened,
            send_sms=self.sms_on.isChecked() and pid is not None,
        )

    def submit(self) -> None:
        if self.wrapup.currentData() is None:
            self.on_failed(self.tr("Choose how the contact ended (wrap-up) first."))
            self.wrapup.setFocus()
            return
        try:
            data = self.current_input()
        except AppointmentProblem as problem:
            self.on_failed(self.problem_text(problem))
            self.appointment.setFocus()
            self.appointment.selectAll()
            return
        if data is not None:
            self.save_button.setEnabled(False)
            self.submitted.emit(data)

    def on_saved(self, undo_seconds: int) -> None:
        self.save_button.setEnabled(True)
        self._undo_left = undo_seconds
        self.undo_button.setEnabled(undo_seconds > 0)
        self._show_saved()
        self._undo_timer.start()
        self.note.clear()

    def on_failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.status.setStyleSheet(f"color: {palette.colors().error};")
        self.status.setText(message)

    def on_undone(self, ok: bool) -> None:
        self._undo_timer.stop()
        self.undo_button.setEnabled(False)
        self.status.setStyleSheet(f"color: {palette.colors().text};")
        self.status.setText(self.tr("Undone.") if ok else self.tr("Too late to undo: already sent."))

    def _show_saved(self) -> None:
        self.status.setStyleSheet(f"color: {palette.colors().ok};")
        if self._undo_left > 0:
            self.status.setText(self.tr("Saved. Ctrl+Z undoes it (%n s).", "", self._undo_left))
        else:
            self.status.setText(self.tr("Saved."))

    def _tick_undo(self) -> None:
        self._undo_left -= 1
        if self._undo_left <= 0:
            self._undo_timer.stop()
            self.undo_button.setEnabled(False)
        self._show_saved()
