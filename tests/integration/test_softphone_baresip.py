"""The softphone connector against a real baresip, with real SIP calls placed by sipp.

Everything runs on 127.0.0.1: baresip (started per test with its own config dir) and sipp as
the caller (UAC from ``+86`` numbers) or as the called party (UAS for click-to-dial).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.baresip_rig import (
    Baresip,
    Recorder,
    free_port,
    requires_baresip,
    running_baresip,
    sipp_call,
    sipp_uas,
)
from workbench.services.softphone import BaresipClient, SoftphoneError, SoftphoneEvent

pytestmark = [requires_baresip, pytest.mark.slow, pytest.mark.timeout(60)]


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[Baresip]:
    with running_baresip(tmp_path) as p:
        yield p


def _client(phone: Baresip, events: Recorder, states: Recorder) -> BaresipClient:
    return BaresipClient("127.0.0.1", phone.ctrl_port, on_event=events, on_connection=states,
                         connect_timeout=2, command_timeout=5, reconnect_delays=(0.1, 0.2, 0.5))


@pytest.fixture
def client(phone: Baresip) -> Iterator[tuple[BaresipClient, Recorder, Recorder]]:
    events, states = Recorder(), Recorder()
    c = _client(phone, events, states)
    c.start()
    try:
        assert states.wait_for(lambda s: s[0] is True)[1].startswith("Softphone connected")
        yield c, events, states
    finally:
        c.close()


def _kind(kind: str, call_id: str | None = None) -> object:
    def match(e: SoftphoneEvent) -> bool:
        return e.kind == kind and (call_id is None or e.call_id == call_id)
    return match


def _answer_incoming(tmp_path: Path, phone: Baresip, client: BaresipClient, events: Recorder,
                     caller: str) -> tuple[SoftphoneEvent, SoftphoneEvent]:
    """Place a sipp call from ``caller``, answer it, let sipp hang up; (ringing, closed)."""
    with sipp_call(tmp_path, phone, caller, talk_ms=1200) as sipp:
        ring: SoftphoneEvent = events.wait_for(_kind("ringing"))
        client.answer()
        est: SoftphoneEvent = events.wait_for(_kind("established", ring.call_id))
        closed: SoftphoneEvent = events.wait_for(_kind("closed", ring.call_id))
        assert sipp.wait(20) == 0, phone.log()[-2000:]
    assert est.direction == "inbound"
    return ring, closed


def test_two_incoming_calls_in_a_row_ring_and_report_talk_time(
    tmp_path: Path, phone: Baresip, client: tuple[BaresipClient, Recorder, Recorder]
) -> None:
    c, events, _ = client
    ring1, closed1 = _answer_incoming(tmp_path, phone, c, events, "+8613800138000")
    ring2, closed2 = _answer_incoming(tmp_path, phone, c, events, "+8613900139001")

    assert (ring1.type, ring1.direction, ring1.number) == ("CALL_INCOMING", "inbound", "13800138000")
    assert ring1.peer_uri == "sip:+8613800138000@127.0.0.1"
    assert ring2.number == "13900139001"
    assert ring1.call_id and ring2.call_id and ring1.call_id != ring2.call_id
    for closed in (closed1, closed2):
        assert closed.type == "CALL_CLOSED"
        assert closed.talk_seconds is not None and closed.talk_seconds > 0
    # exactly one ring per call
    rings = [e for e in events.seen if isinstance(e, SoftphoneEvent) and e.kind == "ringing"]
    assert [e.call_id for e in rings] == [ring1.call_id, ring2.call_id]


def test_auto_answered_call_still_pops(tmp_path: Path) -> None:
    with running_baresip(tmp_path, answermode="auto") as phone:
        events, states = Recorder(), Recorder()
        with _client(phone, events, states) as c:
            assert states.wait_for(lambda s: True)[0] is True
            with sipp_call(tmp_path, phone, "+8613700137000", talk_ms=1000) as sipp:
                ring: SoftphoneEvent = events.wait_for(_kind("ringing"))
                events.wait_for(_kind("established", ring.call_id))
                closed: SoftphoneEvent = events.wait_for(_kind("closed", ring.call_id))
                assert sipp.wait(20) == 0
            assert c.connected
    assert ring.number == "13700137000" and ring.direction == "inbound"
    assert closed.talk_seconds is not None and closed.talk_seconds > 0


def test_dial_reaches_the_called_party_and_is_reported(
    tmp_path: Path, client: tuple[BaresipClient, Recorder, Recorder]
) -> None:
    c, events, _ = client
    with sipp_uas(tmp_path) as (uas, port):
        c.dial(f"sip:+8613600136000@127.0.0.1:{port}")
        ring: SoftphoneEvent = events.wait_for(_kind("ringing"))
        est: SoftphoneEvent = events.wait_for(_kind("established", ring.call_id))
        c.hangup()
        closed: SoftphoneEvent = events.wait_for(_kind("closed", ring.call_id))
        assert uas.wait(20) == 0  # sipp's UAS got the INVITE, answered, and got our BYE
    assert (ring.type, ring.direction, ring.number) == ("CALL_RINGING", "outbound", "13600136000")
    assert est.direction == "outbound"
    assert closed.talk_seconds is not None and closed.talk_seconds > 0
    with pytest.raises(SoftphoneError, match="refused 'nonsense'.*command not found"):
        c.command("nonsense")


def test_dialling_a_plain_number_goes_to_the_account_domain(tmp_path: Path) -> None:
    """What the app does: dial the customer's number; baresip completes it with the PBX."""
    pbx_port = free_port(pair=True)
    with sipp_uas(tmp_path, pbx_port) as (uas, _), \
            running_baresip(tmp_path, domain_port=pbx_port) as phone:
        events, states = Recorder(), Recorder()
        with _client(phone, events, states) as c:
            assert states.wait_for(lambda s: True)[0] is True
            c.dial("+86 136-0013-6000")
            est: SoftphoneEvent = events.wait_for(_kind("established"))
            c.hangup()
            closed: SoftphoneEvent = events.wait_for(_kind("closed", est.call_id))
        assert uas.wait(20) == 0
    assert est.peer_uri == f"sip:13600136000@127.0.0.1:{pbx_port}"
    assert (est.number, est.direction) == ("13600136000", "outbound")
    assert (closed.talk_seconds or 0) > 0


def test_reconnects_after_the_softphone_restarts_and_reports_the_gap(
    tmp_path: Path, phone: Baresip, client: tuple[BaresipClient, Recorder, Recorder]
) -> None:
    c, events, states = client
    phone.stop()
    up, message = states.wait_for(lambda s: True)
    assert up is False and "disconnected" in message and str(phone.ctrl_port) in message
    with pytest.raises(SoftphoneError, match="not connected"):
        c.dial("13800138000")

    phone.start()
    up, message = states.wait_for(lambda s: True)
    assert up is True and c.connected
    # and it follows calls again
    ring, closed = _answer_incoming(tmp_path, phone, c, events, "+8613500135000")
    assert ring.number == "13500135000" and (closed.talk_seconds or 0) > 0
