"""Follow the agent's softphone (baresip ``ctrl_tcp``) and dial through it.

baresip's ``ctrl_tcp`` module listens on a TCP port (``ctrl_tcp_listen`` in its config,
4444 by default) and speaks netstring-framed JSON both ways:

* events, e.g. ``{"event":true,"type":"CALL_INCOMING","class":"call","direction":"incoming",
  "peeruri":"sip:+8613800138000@127.0.0.1","id":"1-23248@127.0.0.1",...}``;
* command responses, ``{"response":true,"ok":true,"data":"...","token":"wb1"}``, answering our
  commands ``{"command":"dial","params":"sip:...","token":"wb1"}``.

:class:`BaresipClient` keeps one connection open in its own reader thread, turns the events
into :class:`SoftphoneEvent` (ringing / established / closed, with the caller's number
normalised and the talk time measured from ESTABLISHED to CLOSED), hands them to a callback,
and reconnects with back-off whenever the softphone goes away. Commands (``dial``, ``hangup``,
``accept``) are sent from any thread and wait for their response.

This module is plain Python (no Qt); ``workbench.views.softphone_controller`` adapts it to
signals on the GUI thread.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from workbench.core import jsontext
from workbench.core.errors import UserError
from workbench.core.phone import InvalidPhoneError, normalize_phone

log = logging.getLogger(__name__)

#: Largest frame we accept or send. baresip's events are a few hundred bytes; its command
#: buffer is 1 KiB. Anything near this limit is a bug or not baresip at all.
MAX_FRAME = 64 * 1024

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4444


class NetstringError(ValueError):
    """A byte stream that is not a valid netstring sequence (or a frame that is too big)."""


class SoftphoneError(UserError, RuntimeError):
    """A softphone operation failed in a way the agent can act on (message safe to show)."""


# --------------------------------------------------------------------------- netstrings
def encode_netstring(payload: bytes, *, max_size: int = MAX_FRAME) -> bytes:
    """Frame ``payload`` as a netstring: ``b"<len>:<payload>,"``.

    Raises:
        NetstringError: if the payload is larger than ``max_size`` bytes.
    """
    if len(payload) > max_size:
        raise NetstringError(f"frame of {len(payload)} bytes exceeds the limit of {max_size}")
    return b"%d:%b," % (len(payload), payload)


class NetstringDecoder:
    """Incremental netstring decoder: feed it bytes as they arrive, get whole frames back.

    Strict on purpose: a length must be plain decimal digits without leading zeros, at most
    ``max_size``, and the payload must be followed by ``,``. After an error the stream is out
    of step for good, so the decoder refuses further input (the caller drops the connection).
    """

    def __init__(self, max_size: int = MAX_FRAME) -> None:
        self.max_size = max_size
        self._buf = bytearray()
        self._max_digits = len(str(max_size))
        self._broken: NetstringError | None = None

    @property
    def pending(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data`` and return every frame completed by it (possibly none).

        Raises:
            NetstringError: on a malformed or oversized frame (and on every call after that).
        """
        if self._broken is not None:
            raise self._broken
        self._buf += data
        frames: list[bytes] = []
        try:
            while True:
                frame = self._next_frame()
                if frame is None:
                    return frames
                frames.append(frame)
        except NetstringError as exc:
            self._broken = exc
            self._buf.clear()
            raise

    def _next_frame(self) -> bytes | None:
        buf = self._buf
        colon = buf.find(b":", 0, self._max_digits + 1)
        if colon < 0:
            head = bytes(buf[: self._max_digits + 1])
            if not head.isdigit() and head:
                raise NetstringError(f"malformed netstring length {_show(head)}")
            if len(buf) > self._max_digits:
                raise NetstringError(
                    f"netstring length {_show(head)}... exceeds the limit of {self.max_size} bytes"
                )
            return None
        digits = bytes(buf[:colon])
        if not digits or not digits.isdigit():
            raise NetstringError(f"malformed netstring length {_show(digits)}")
        if len(digits) > 1 and digits.startswith(b"0"):
            raise NetstringError(f"netstring length with leading zero {_show(digits)}")
        size = int(digits)
        if size > self.max_size:
            raise NetstringError(f"netstring of {size} bytes exceeds the limit of {self.max_size}")
        end = colon + 1 + size
        if len(buf) <= end:
            return None
        if buf[end] != ord(","):
            raise NetstringError(
                f"netstring of {size} bytes not terminated by ',' (got {_show(bytes(buf[end:end + 1]))})"
            )
        payload = bytes(buf[colon + 1 : end])
        del buf[: end + 1]
        return payload


def decode_netstrings(data: bytes, *, max_size: int = MAX_FRAME) -> list[bytes]:
    """Decode a complete byte string of netstrings (raises NetstringError on leftovers)."""
    decoder = NetstringDecoder(max_size)
    frames = decoder.feed(data)
    if decoder.pending:
        raise NetstringError(f"incomplete netstring at the end ({decoder.pending} bytes left)")
    return frames


def _show(raw: bytes) -> str:
    return repr(raw[:20])


# --------------------------------------------------------------------------- events
RINGING = "ringing"
ESTABLISHED = "established"
CLOSED = "closed"
OTHER = "other"

_DIRECTIONS = {"incoming": "inbound", "outgoing": "outbound"}
# Event types that show an incoming call exists. With ``answermode=auto`` baresip 1.0 answers
# without sending CALL_INCOMING, so the first of these for an unseen call id counts as the ring.
_FIRST_SIGHT = {"CALL_INCOMING", "CALL_REMOTE_SDP", "CALL_ESTABLISHED"}


@dataclass(frozen=True)
class SoftphoneEvent:
    """One event from the softphone, typed.

    Attributes:
        kind: ``ringing`` (a new call rings: incoming at us, or outgoing at the far end),
            ``established`` (talking), ``closed`` (hung up, rejected or failed), ``other``.
        type: baresip's event type, e.g. ``CALL_INCOMING``.
        call_id: baresip's id of the call (the SIP Call-ID for incoming calls), if any.
        direction: ``inbound`` / ``outbound`` (CallEvent's words) for call events, else None.
        peer_uri: the other party's SIP URI as baresip reports it.
        number: the peer's number normalised (``13800138000``), None if it is not a phone.
        talk_seconds: for ``closed``: whole seconds from ESTABLISHED to CLOSED as seen by us
            (at least 1 for a call that was established, 0 for one that never was, None for
            an incoming call whose start we did not see); None for other kinds.
        reason: baresip's ``param`` for ``closed`` (e.g. ``Connection reset by peer``).
        raw: the decoded JSON object.
    """

    kind: str
    type: str
    call_id: str | None = None
    direction: str | None = None
    peer_uri: str | None = None
    number: str | None = None
    talk_seconds: int | None = None
    reason: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


def phone_from_uri(uri: str | None) -> str | None:
    """The normalised phone number in a SIP/tel URI, or None if the user part is not one."""
    if not uri:
        return None
    try:
        return normalize_phone(uri)
    except InvalidPhoneError:
        return None


@dataclass
class _Call:
    direction: str | None
    rang: bool = False
    established_at: float | None = None


class CallTracker:
    """Turns baresip's raw event objects into :class:`SoftphoneEvent` s, with call state.

    Remembers the calls it has seen (the newest ``max_calls``) to measure talk time, to ring
    once per call, and to synthesise the ring of an auto-answered call. Not thread-safe: one
    reader thread feeds it.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_calls: int = 64) -> None:
        self._clock = clock
        self._calls: OrderedDict[str, _Call] = OrderedDict()
        self._max_calls = max_calls

    def events(self, obj: Mapping[str, Any]) -> list[SoftphoneEvent]:
        """The typed events for one baresip event object (usually one, two for a first sight)."""
        etype = str(obj.get("type") or "")
        call_id = _opt_str(obj.get("id"))
        direction = _DIRECTIONS.get(str(obj.get("direction") or ""))
        peer = _opt_str(obj.get("peeruri"))
        base = SoftphoneEvent(kind=OTHER, type=etype, call_id=call_id, direction=direction,
                              peer_uri=peer, number=phone_from_uri(peer), raw=dict(obj))
        if call_id is None or obj.get("class") not in ("call", "other") or direction is None:
            return [base]
        out: list[SoftphoneEvent] = []
        call = self._calls.get(call_id)
        if etype == "CALL_CLOSED":
            self._calls.pop(call_id, None)
            # None: an incoming call we never saw begin (we connected mid-call). An outgoing
            # call that fails before ringing has no id until now: no talk, 0.
            talk: int | None = None
            if call is not None or direction == "outbound":
                talk = 0
            if call is not None and call.established_at is not None:
                talk = max(1, round(self._clock() - call.established_at))
            return [_with(base, kind=CLOSED, talk_seconds=talk, reason=_opt_str(obj.get("param")))]
        if call is None:
            call = self._remember(call_id, direction)
        if not call.rang:
            if direction == "inbound" and etype in _FIRST_SIGHT:
                call.rang = True
                out.append(_with(base, kind=RINGING))
                if etype == "CALL_INCOMING":
                    return out
            elif direction == "outbound" and etype in ("CALL_RINGING", "CALL_PROGRESS"):
                call.rang = True
                return [_with(base, kind=RINGING)]
        if etype == "CALL_ESTABLISHED":
            if call.established_at is None:
                call.established_at = self._clock()
            out.append(_with(base, kind=ESTABLISHED))
        else:
            out.append(base)
        return out

    def _remember(self, call_id: str, direction: str | None) -> _Call:
        call = _Call(direction)
        self._calls[call_id] = call
        while len(self._calls) > self._max_calls:
            self._calls.popitem(last=False)
        return call


def _with(event: SoftphoneEvent, **changes: Any) -> SoftphoneEvent:
    return replace(event, **changes)


def _opt_str(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


# --------------------------------------------------------------------------- dialling
# Characters of a SIP URI or a dial string; no whitespace or control characters, which would
# split the command line baresip builds from "command params".
_DIALABLE = re.compile(r"[A-Za-z0-9+*#@:;.=_\-~!$&'()%,?/\[\]]{1,256}")


def dial_target(uri_or_number: str) -> str:
    """What to put in baresip's ``dial`` params for a URI or a phone number.

    SIP URIs pass through (after a character check); a ``tel:`` URI or a number in any
    spelling becomes its canonical digits, which baresip completes with the account's domain.

    Raises:
        SoftphoneError: if it is empty, not a phone number, or has characters a dial string
            cannot have. (An empty ``dial`` would make baresip redial the last number.)
    """
    text = (uri_or_number or "").strip()
    if not text:
        raise SoftphoneError("Nothing to dial: the number is empty")
    low = text.lower()
    if low.startswith(("sip:", "sips:")):
        if not _DIALABLE.fullmatch(text) or not text.split(":", 1)[1]:
            raise SoftphoneError(f"Cannot dial {text!r}: not a valid SIP address")
        return text
    try:
        return normalize_phone(text)
    except InvalidPhoneError as exc:
        raise SoftphoneError(f"Cannot dial {text!r}: not a phone number") from exc


# --------------------------------------------------------------------------- client
EventCallback = Callable[[SoftphoneEvent], None]
ConnectionCallback = Callable[[bool, str], None]


class _Pending:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.response: Mapping[str, Any] | None = None
        self.error: str | None = None


class BaresipClient:
    """A connection to baresip's ``ctrl_tcp`` that follows events and sends commands.

    ``start()`` launches a daemon reader thread that connects (with ``connect_timeout``),
    reads frames, calls ``on_event`` for each :class:`SoftphoneEvent` and ``on_connection``
    on every change of the connection state (and once when the first attempt fails), and
    reconnects after ``reconnect_delays`` (the last one repeats) when the connection drops.
    Callbacks run on the reader thread; exceptions they raise are logged and swallowed.

    baresip accepts one control connection at a time: a second client kicks the first.
    """

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        on_event: EventCallback | None = None,
        on_connection: ConnectionCallback | None = None,
        connect_timeout: float = 3.0,
        command_timeout: float = 5.0,
        reconnect_delays: Iterable[float] = (0.5, 1.0, 2.0, 5.0, 10.0),
        max_frame: int = MAX_FRAME,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host
        self.port = port
        self.on_event = on_event
        self.on_connection = on_connection
        self.connect_timeout = connect_timeout
        self.command_timeout = command_timeout
        self.reconnect_delays = tuple(reconnect_delays) or (1.0,)
        self.max_frame = max_frame
        self._tracker = CallTracker(clock)
        self._lock = threading.Lock()          # guards _sock, _pending, _connected
        self._send_lock = threading.Lock()     # one frame at a time on the wire
        self._sock: socket.socket | None = None
        self._pending: dict[str, _Pending] = {}
        self._connected = False
        self._reported: bool | None = None
        self._stop = threading.Event()
        self._connected_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._tokens = itertools.count(1)

    # ------------------------------------------------------------------ lifecycle
    @property
    def address(self) -> str:
        """``host:port`` of the softphone's control port."""
        return f"{self.host}:{self.port}"

    @property
    def connected(self) -> bool:
        """True while the control connection is up."""
        return self._connected

    def start(self) -> None:
        """Start the reader thread (connects in the background; returns at once)."""
        if self._thread is not None:
            raise RuntimeError("BaresipClient already started")
        self._thread = threading.Thread(target=self._run, name=f"baresip-{self.address}",
                                        daemon=True)
        self._thread.start()

    def close(self, timeout: float | None = None) -> None:
        """Stop following the softphone: close the connection and end the reader thread.

        No callback runs after this returns (unless the thread did not end in ``timeout``,
        default ``connect_timeout + 1`` seconds).
        """
        self._stop.set()
        self._drop_socket()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(self.connect_timeout + 1.0 if timeout is None else timeout)

    def __enter__(self) -> BaresipClient:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ commands
    def dial(self, uri_or_number: str) -> None:
        """Place a call through the softphone (``dial``).

        The caller checks contact pressure first. Returns when baresip has accepted the
        command; how the call goes is reported by events (ringing / established / closed).

        Raises:
            SoftphoneError: not connected, not dialable, refused by baresip, or no answer.
        """
        self.command("dial", dial_target(uri_or_number))

    def hangup(self) -> None:
        """Hang up the current call (``hangup``). Raises SoftphoneError as :meth:`command`."""
        self.command("hangup")

    def answer(self) -> None:
        """Answer the ringing incoming call (``accept``). Raises SoftphoneError as :meth:`command`."""
        self.command("accept")

    def command(self, name: str, params: str = "") -> str:
        """Send one ctrl_tcp command and wait for its response; returns its ``data`` text.

        Raises:
            SoftphoneError: if not connected, the connection drops, no response comes within
                ``command_timeout``, or baresip answers ``ok: false``.
        """
        if not re.fullmatch(r"[a-z_]{1,32}", name):
            raise ValueError(f"not a baresip command name: {name!r}")
        if any(ch in params for ch in "\r\n\0"):
            raise SoftphoneError("Command parameters may not contain line breaks")
        token = f"wb{next(self._tokens)}"
        msg: dict[str, str] = {"command": name, "token": token}
        if params:
            msg["params"] = params
        frame = encode_netstring(jsontext.dumpb(msg), max_size=self.max_frame)
        pending = _Pending()
        with self._lock:
            sock = self._sock if self._connected else None
            if sock is None:
                raise SoftphoneError(f"Softphone not connected ({self.address})")
            self._pending[token] = pending
        try:
            try:
                with self._send_lock:
                    sock.sendall(frame)
            except OSError as exc:
                raise SoftphoneError(f"Could not send {name!r} to the softphone: {exc}") from exc
            if not pending.done.wait(self.command_timeout):
                raise SoftphoneError(f"The softphone did not answer {name!r} "
                                     f"within {self.command_timeout:g} s")
        finally:
            with self._lock:
                self._pending.pop(token, None)
        if pending.error is not None:
            raise SoftphoneError(pending.error)
        response = pending.response or {}
        data = str(response.get("data") or "").strip()
        if response.get("ok") is not True:
            raise SoftphoneError(f"The softphone refused {name!r}: {data or 'no reason given'}")
        return data

    # ------------------------------------------------------------------ reader thread
    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
            except OSError as exc:
                delay = self.reconnect_delays[min(attempt, len(self.reconnect_delays) - 1)]
                attempt += 1
                self._set_connected(False, f"Softphone not connected ({self.address}): "
                                           f"{_reason(exc)}; retrying")
                self._stop.wait(delay)
                continue
            attempt = 0
            sock.settimeout(None)
            with self._lock:
                if self._stop.is_set():
                    sock.close()
                    return
                self._sock = sock
            self._set_connected(True, f"Softphone connected ({self.address})")
            reason = self._read(sock)
            # Calls stay tracked: if only the connection dropped, their CLOSED still comes
            # and the talk time is still right; if baresip restarted, they age out (bounded).
            self._drop_socket()
            if not self._stop.is_set():
                self._set_connected(False, f"Softphone disconnected ({self.address}): {reason}; "
                                           "reconnecting")
                self._stop.wait(self.reconnect_delays[0])

    def _read(self, sock: socket.socket) -> str:
        """Read frames until the connection ends; returns why it ended."""
        decoder = NetstringDecoder(self.max_frame)
        while not self._stop.is_set():
            try:
                data = sock.recv(65536)
            except OSError as exc:
                return _reason(exc)
            if not data:
                return "connection closed by the softphone"
            try:
                frames = decoder.feed(data)
            except NetstringError as exc:
                log.warning("softphone %s sent a bad frame: %s", self.address, exc)
                return f"bad data from the softphone ({exc})"
            for frame in frames:
                self._handle_frame(frame)
        return "closed"

    def _handle_frame(self, frame: bytes) -> None:
        try:
            obj = json.loads(frame.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            log.warning("softphone %s sent a frame that is not JSON: %s", self.address, exc)
            return
        if not isinstance(obj, dict):
            log.warning("softphone %s sent JSON that is not an object", self.address)
            return
        if obj.get("response") is True:
            token = obj.get("token")
            with self._lock:
                pending = self._pending.get(token) if isinstance(token, str) else None
            if pending is not None:
                pending.response = obj
                pending.done.set()
            return
        if obj.get("event") is True:
            for event in self._tracker.events(obj):
                self._emit_event(event)

    def _emit_event(self, event: SoftphoneEvent) -> None:
        if self.on_event is None or self._stop.is_set():
            return
        try:
            self.on_event(event)
        except Exception:
            log.exception("softphone event callback failed for %s", event.type)

    def _set_connected(self, connected: bool, message: str) -> None:
        self._connected = connected
        if connected:
            self._connected_event.set()
        else:
            self._connected_event.clear()
        if self._reported is connected:
            return
        self._reported = connected
        log.info("%s", message)
        if self.on_connection is None or self._stop.is_set():
            return
        try:
            self.on_connection(connected, message)
        except Exception:
            log.exception("softphone connection callback failed")

    def _drop_socket(self) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
            self._connected = False
            pending = list(self._pending.values())
        self._connected_event.clear()
        for p in pending:
            p.error = f"Softphone connection lost ({self.address})"
            p.done.set()
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


def _reason(exc: OSError) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    return exc.strerror or str(exc) or type(exc).__name__

