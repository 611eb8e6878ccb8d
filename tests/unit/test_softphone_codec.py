"""Netstring framing, event typing and dial targets of the softphone connector (no baresip)."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.services.softphone import (
    BaresipClient,
    CallTracker,
    NetstringDecoder,
    NetstringError,
    SoftphoneError,
    decode_netstrings,
    dial_target,
    encode_netstring,
    phone_from_uri,
)

payloads = st.lists(st.binary(max_size=300), max_size=8)


# --------------------------------------------------------------------------- codec properties
@given(payloads)
def test_round_trip(frames: list[bytes]) -> None:
    data = b"".join(encode_netstring(f) for f in frames)
    assert decode_netstrings(data) == frames


@given(payloads, st.data())
def test_any_split_of_the_stream_gives_the_same_frames(frames: list[bytes], data: st.DataObject) -> None:
    stream = b"".join(encode_netstring(f) for f in frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    decoder = NetstringDecoder()
    got: list[bytes] = []
    start = 0
    for cut in [*cuts, len(stream)]:
        got += decoder.feed(stream[start:cut])
        start = cut
    assert got == frames
    assert decoder.pending == 0


@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash_the_decoder(junk: bytes) -> None:
    decoder = NetstringDecoder(max_size=100)
    try:
        for frame in decoder.feed(junk):
            assert len(frame) <= 100
    except NetstringError:
        pass


@given(st.binary(max_size=64), st.integers(1, 64))
def test_frames_over_the_limit_are_refused_both_ways(payload: bytes, limit: int) -> None:
    framed = b"%d:%b," % (len(payload), payload)
    if len(payload) > limit:
        with pytest.raises(NetstringError, match="exceeds the limit"):
            encode_netstring(payload, max_size=limit)
        with pytest.raises(NetstringError, match="exceeds the limit"):
            NetstringDecoder(max_size=limit).feed(framed)
    else:
        assert decode_netstrings(framed, max_size=limit) == [payload]


# --------------------------------------------------------------------------- codec examples
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"abc:xyz,", "malformed netstring length"),
        (b":x,", "malformed netstring length"),
        (b"-1:x,", "malformed netstring length"),
        (b" 3:abc,", "malformed netstring length"),
        (b"01:a,", "leading zero"),
        (b"3:abcX", "not terminated"),
        (b"99999999999999", "exceeds the limit"),
        (b"70000:", "exceeds the limit"),
    ],
)
def test_malformed_frames_are_rejected_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(NetstringError, match=message):
        NetstringDecoder().feed(data)


def test_a_broken_stream_stays_broken() -> None:
    decoder = NetstringDecoder()
    with pytest.raises(NetstringError):
        decoder.feed(b"2:abX")
    with pytest.raises(NetstringError):
        decoder.feed(b"1:a,")


def test_incomplete_input_waits_for_more() -> None:
    decoder = NetstringDecoder()
    assert decoder.feed(b"5:he") == []
    assert decoder.feed(b"llo") == []
    assert decoder.feed(b",0:,") == [b"hello", b""]
    with pytest.raises(NetstringError, match="incomplete"):
        decode_netstrings(b"3:ab")


def test_a_real_baresip_burst_of_three_frames() -> None:
    burst = (
        b'201:{"event":true,"type":"CALL_LOCAL_SDP","class":"other","accountaor":"sip:agent@127.0.0.1:15060",'
        b'"direction":"incoming","peeruri":"sip:+8613800138000@127.0.0.1","id":"1-23248@127.0.0.1",'
        b'"param":"answer"},'
        b'102:{"response":true,"ok":true,"data":"sip:agent@127.0.0.1:15060: Answering incoming call\\n",'
        b'"token":"a1"},'
    )
    frames = [json.loads(f) for f in decode_netstrings(burst)]
    assert [f.get("type", "response") for f in frames] == ["CALL_LOCAL_SDP", "response"]


# --------------------------------------------------------------------------- event typing
def _ev(etype: str, call_id: str | None = "c1", direction: str = "incoming",
        peer: str = "sip:+8613800138000@127.0.0.1", **extra: str) -> dict[str, object]:
    obj: dict[str, object] = {"event": True, "type": etype, "class": "call", "direction": direction,
                              "peeruri": peer, "accountaor": "sip:agent@127.0.0.1", **extra}
    if call_id is not None:
        obj["id"] = call_id
    return obj


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_incoming_call_lifecycle_with_talk_time() -> None:
    clock = FakeClock()
    tracker = CallTracker(clock)
    [ring] = tracker.events(_ev("CALL_INCOMING"))
    assert (ring.kind, ring.number, ring.direction, ring.call_id) == ("ringing", "13800138000", "inbound", "c1")
    [other] = tracker.events({**_ev("CALL_REMOTE_SDP"), "class": "other", "param": "offer"})
    assert other.kind == "other"
    clock.now += 3
    [est] = tracker.events(_ev("CALL_ESTABLISHED"))
    assert est.kind == "established"
    clock.now += 42.4
    [closed] = tracker.events(_ev("CALL_CLOSED", param="Connection reset by peer"))
    assert (closed.kind, closed.talk_seconds, closed.reason) == ("closed", 42, "Connection reset by peer")


def test_auto_answered_call_still_rings_once() -> None:
    tracker = CallTracker(FakeClock())
    kinds = [e.kind for obj in (_ev("CALL_REMOTE_SDP"), _ev("CALL_LOCAL_SDP"), _ev("CALL_ESTABLISHED"))
             for e in tracker.events(obj)]
    assert kinds == ["ringing", "other", "other", "established"]


def test_missed_call_has_zero_talk_time_and_short_call_at_least_one() -> None:
    clock = FakeClock()
    tracker = CallTracker(clock)
    tracker.events(_ev("CALL_INCOMING", "m"))
    assert tracker.events(_ev("CALL_CLOSED", "m"))[0].talk_seconds == 0
    tracker.events(_ev("CALL_INCOMING", "s"))
    tracker.events(_ev("CALL_ESTABLISHED", "s"))
    clock.now += 0.2
    assert tracker.events(_ev("CALL_CLOSED", "s"))[0].talk_seconds == 1


def test_each_call_rings_once_and_unseen_calls_have_no_talk_time() -> None:
    tracker = CallTracker(FakeClock())
    out = [e.kind for t in ("CALL_RINGING", "CALL_PROGRESS", "CALL_RINGING", "CALL_ESTABLISHED")
           for e in tracker.events(_ev(t, "o", "outgoing"))]
    assert out == ["ringing", "other", "other", "established"]
    inc = [e.kind for t in ("CALL_INCOMING", "CALL_REMOTE_SDP", "CALL_ESTABLISHED")
           for e in tracker.events(_ev(t, "i"))]
    assert inc == ["ringing", "other", "established"]
    [closed] = tracker.events(_ev("CALL_CLOSED", "joined-mid-call"))
    assert closed.kind == "closed" and closed.talk_seconds is None
    [failed] = tracker.events(_ev("CALL_CLOSED", "dial-failed", "outgoing", param="408 Request Timeout"))
    assert (failed.talk_seconds, failed.reason) == (0, "408 Request Timeout")


def test_outgoing_call_and_non_phone_peers() -> None:
    tracker = CallTracker(FakeClock())
    # baresip's first event of an outgoing call has no id yet
    assert tracker.events(_ev("CALL_LOCAL_SDP", None, "outgoing"))[0].kind == "other"
    [ring] = tracker.events(_ev("CALL_RINGING", "o1", "outgoing", "sip:+8613900139000@127.0.0.1:15080"))
    assert (ring.kind, ring.direction, ring.number) == ("ringing", "outbound", "13900139000")
    [ring2] = tracker.events(_ev("CALL_INCOMING", "x", peer="sip:alice@example.org"))
    assert ring2.kind == "ringing" and ring2.number is None
    [app] = tracker.events({"event": True, "type": "SHUTDOWN", "class": "application"})
    assert (app.kind, app.call_id, app.direction) == ("other", None, None)


def test_phone_from_uri() -> None:
    assert phone_from_uri("sip:+8613800138000@127.0.0.1;transport=udp") == "13800138000"
    assert phone_from_uri("sip:agent@127.0.0.1") is None
    assert phone_from_uri(None) is None


# --------------------------------------------------------------------------- dialling
def test_dial_targets() -> None:
    assert dial_target("+86 138-0013-8000") == "13800138000"
    assert dial_target("tel:+8613800138000") == "13800138000"
    assert dial_target("sip:+8613800138000@10.0.0.1:5060") == "sip:+8613800138000@10.0.0.1:5060"
    for bad in ("", "   ", "sip:", "sip:a b@host", "hello", "sip:x@h\nquit"):
        with pytest.raises(SoftphoneError):
            dial_target(bad)


def test_dial_without_a_softphone_says_not_connected() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    states: list[tuple[bool, str]] = []
    reported = threading.Event()

    def on_connection(up: bool, message: str) -> None:
        states.append((up, message))
        reported.set()

    client = BaresipClient("127.0.0.1", port, on_connection=on_connection, connect_timeout=1,
                           reconnect_delays=(0.05,))
    client.start()
    try:
        assert reported.wait(5)
        assert states[0][0] is False and f"127.0.0.1:{port}" in states[0][1]
        with pytest.raises(SoftphoneError, match="not connected"):
            client.dial("13800138000")
    finally:
        client.close()
    assert len(states) == 1  # retries do not repeat the same state


def test_bad_data_drops_the_connection_and_it_reconnects() -> None:
    """A peer that breaks framing is dropped with a clear reason; the next connection works."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    good = json.dumps({"event": True, "type": "CALL_INCOMING", "class": "call", "direction": "incoming",
                       "peeruri": "sip:+8613800138000@127.0.0.1", "id": "c9"}).encode()
    replies = [b"70000:" + b"x" * 10, b"not json at all,", encode_netstring(b"[1,2]") + encode_netstring(good)]

    def serve() -> None:
        for reply in replies:
            conn, _ = server.accept()
            with conn:
                conn.sendall(reply)
                if reply is replies[-1]:
                    conn.recv(1)  # keep the good connection open until the client closes it

    threading.Thread(target=serve, daemon=True).start()
    states: list[tuple[bool, str]] = []
    events: list[object] = []
    got_ring = threading.Event()

    def on_event(e: object) -> None:
        events.append(e)
        got_ring.set()

    client = BaresipClient("127.0.0.1", port, on_event=on_event,
                           on_connection=lambda up, msg: states.append((up, msg)),
                           connect_timeout=1, reconnect_delays=(0.05,))
    client.start()
    try:
        assert got_ring.wait(10)
    finally:
        client.close()
        server.close()
    assert [up for up, _ in states] == [True, False, True, False, True]
    assert "exceeds the limit" in states[1][1] and "malformed" in states[3][1]
    assert [getattr(e, "number", None) for e in events] == ["13800138000"]
