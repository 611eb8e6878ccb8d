"""The hang-up SMS key of the outcome form (issue 15 point 5): Alt+M, only with a policy."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.local_data import WANG_PHONE
from tests.qt.test_screen_pop import pop
from workbench.app import LocalContext
from workbench.services.outcomes import OutcomeInput
from workbench.ui.outcome_form import OutcomeForm


def test_alt_m_ticks_the_hang_up_sms_only_with_a_policy(qtbot, local_ctx: LocalContext) -> None:  # type: ignore[no-untyped-def]
    form = OutcomeForm()
    qtbot.addWidget(form)
    form.load(pop(local_ctx, WANG_PHONE), "outbound", [("S001", "天河营业厅", "广州")])
    form.show()
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    assert form.policy.currentData() == "P-168-504" and form.sms_on.isEnabled()
    form.note.setFocus()
    qtbot.keyClick(form.note, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert form.sms_on.isChecked()
    form.policy.setCurrentIndex(form.policy.findData(None))
    assert not form.sms_on.isEnabled() and not form.sms_on.isChecked()
    data = form.current_input()
    assert data is not None and data.send_sms is False
    form.policy.setCurrentIndex(form.policy.findData("P-168-504"))
    form.wrapup.setCurrentIndex(form.wrapup.findData("interested"))
    qtbot.keyClick(form.note, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    with qtbot.waitSignal(form.submitted, raising=True) as blocker:
        qtbot.keyClick(form.note, Qt.Key.Key_Return)
    sent: OutcomeInput = blocker.args[0]
    assert sent.send_sms is True and sent.policy_id == "P-168-504"
    # a new call starts unticked
    form.forget()
    form.load(pop(local_ctx, WANG_PHONE), "outbound", [])
    assert not form.sms_on.isChecked()
