"""SoftphoneController: a real baresip call (placed by sipp) ends in GUI-thread signals."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.baresip_rig import Baresip, requires_baresip, running_baresip, sipp_call
from workbench.services.call_events import CallEvent, Source
from workbench.views.softphone_controller import SoftphoneController

pytestmark = [requires_baresip, pytest.mark.slow, pytest.mark.timeout(60)]

WAIT_MS = 15000


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[Baresip]:
    with running_baresip(tmp_path) as p:
        yield p


@pytest.fixture
def controller(phone: Baresip) -> Iterator[SoftphoneController]:
    ctl = SoftphoneController("127.0.0.1", phone.ctrl_port, connect_timeout=2,
                              reconnect_delays=(0.1, 0.2))
    try:
        yield ctl
    finally:
        ctl.stop()


def test_a_real_call_becomes_gui_thread_signals(qtbot, tmp_path: Path, phone: Baresip,
                                                controller: SoftphoneController) -> None:
    on_gui_thread: list[bool] = []

    def note_thread(*_args: object) -> None:
        on_gui_thread.append(threading.current_thread() is threading.main_thread())

    for signal in (controller.call_ringing, controller.call_established, controller.call_ended,
                   controller.connection_changed):
        signal.connect(note_thread)

    with qtbot.waitSignal(controller.connection_changed, timeout=WAIT_MS) as up:
        controller.start()
    assert up.args[0] is True and controller.is_connected
    assert "connected" in controller.status_message

    with sipp_call(tmp_path, phone, "+8613800138000", talk_ms=1200) as sipp:
        with qtbot.waitSignal(controller.call_ringing, timeout=WAIT_MS) as ringing:
            pass
        event: CallEvent = ringing.args[0]
        assert isinstance(event, CallEvent)
        assert (event.number, event.source, event.channel, event.direction) == (
            "13800138000", Source.SOFTPHONE, "hotline", "inbound")
        assert event.call_id

        with qtbot.waitSignal(controller.call_established, timeout=WAIT_MS) as established:
            controller.answer()
        assert established.args == [event.call_id]

        with qtbot.waitSignal(controller.call_ended, timeout=WAIT_MS) as ended:
            pass
        call_id, talk_seconds = ended.args
        assert call_id == event.call_id and talk_seconds > 0
        assert sipp.wait(20) == 0

    with qtbot.waitSignal(controller.connection_changed, timeout=WAIT_MS) as down:
        phone.stop()
    assert down.args[0] is False and "disconnected" in down.args[1]
    assert not controller.is_connected

    with qtbot.waitSignal(controller.command_failed, timeout=WAIT_MS) as failed:
        controller.dial("13800138000")
    assert failed.args[0] == "dial" and "not connected" in failed.args[1]

    assert on_gui_thread and all(on_gui_thread)
