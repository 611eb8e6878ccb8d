"""One instance per user, and calls handed to it over a local socket.

The app listens on a per-user local socket (a Unix domain socket, a named pipe on
Windows). A softphone's "run on incoming call" hook runs ``workbench call +86 138-0013-8000``;
a second ``workbench`` start (a click on a ``tel:`` link, the menu entry) hands its number to
the running app, which brings its window forward, and exits. A client connects, sends one
JSON line and waits for ``ok`` or ``error: ...``:

    {"cmd": "call", "number": "..."}           pop this number
    {"cmd": "activate", "number": "..."|null}  bring the window forward (and pop the number)

``WORKBENCH_SOCKET`` overrides the name (tests, several users).
"""

from __future__ import annotations

import getpass
import json
import os

from PySide6.QtCore import QByteArray, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from workbench.core.phone import InvalidPhoneError
from workbench.services.call_events import CallEvent, Source

MAX_MESSAGE = 4096


def socket_name() -> str:
    return os.environ.get("WORKBENCH_SOCKET") or f"agent-workbench-{getpass.getuser()}"


class CallListener(QObject):
    """Listens on the local socket and turns messages into call events.

    Signals:
        call_received(CallEvent): a valid call arrived.
        activate_requested(): a second start asks the window to come forward.
        error(str): the socket could not be opened (another instance holds it, ...).

    Started before the log-in (so a second start finds this instance at once), it can
    :meth:`hold` the calls until the window is there to show them (:meth:`release`).
    """

    call_received = Signal(object)
    activate_requested = Signal()
    error = Signal(str)

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or socket_name()
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self._on_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}
        self._held: list[CallEvent] | None = None
        self.already_running = False

    def hold(self) -> None:
        """Keep calls until :meth:`release` (the window is not built yet)."""
        if self._held is None:
            self._held = []

    def release(self) -> None:
        held, self._held = self._held or [], None
        for event in held:
            self.call_received.emit(event)

    def _deliver(self, event: CallEvent) -> None:
        if self._held is not None:
            self._held.append(event)
        else:
            self.call_received.emit(event)

    def start(self) -> bool:
        if not self._server.listen(self.name):
            # A stale socket file from a crashed instance: remove it if nobody answers.
            probe = QLocalSocket()
            probe.connectToServer(self.name)
            if probe.waitForConnected(300):
                probe.abort()
                self.already_running = True
                self.error.emit(f"another workbench is already running for this user ({self.name})")
                return False
            QLocalServer.removeServer(self.name)
            if not self._server.listen(self.name):
                self.error.emit(f"cannot listen on {self.name}: {self._server.errorString()}")
                return False
        return True

    def close(self) -> None:
        self._server.close()

    def is_listening(self) -> bool:
        return bool(self._server.isListening())

    def _on_connection(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            self._buffers[sock] = b""
            sock.readyRead.connect(lambda s=sock: self._on_ready(s))
            sock.disconnected.connect(lambda s=sock: self._buffers.pop(s, None))

    def _on_ready(self, sock: QLocalSocket) -> None:
        data = self._buffers.get(sock, b"") + bytes(sock.readAll().data())
        if len(data) > MAX_MESSAGE:
            self._reply(sock, "error: message too long")
            return
        if b"\n" not in data:
            self._buffers[sock] = data
            return
        line = data.split(b"\n", 1)[0]
        self._buffers[sock] = b""
        try:
            msg = json.loads(line.decode("utf-8"))
            if not isinstance(msg, dict) or msg.get("cmd") not in ("call", "activate"):
                raise ValueError("expected {\"cmd\": \"call\" or \"activate\", \"number\": \"...\"}")
            number = msg.get("number")
            if msg["cmd"] == "call" and not isinstance(number, str):
                raise ValueError("a call needs a number")
            if number is not None and not isinstance(number, str):
                raise ValueError("the number must be text")
            event = CallEvent.from_number(number, Source.CLI, channel="hotline") if number else None
        except (ValueError, InvalidPhoneError, UnicodeDecodeError) as exc:
            self._reply(sock, f"error: {exc}")
            if msg_is_activate(line):
                self.activate_requested.emit()  # a bad number still brings the window forward
            return
        self._reply(sock, "ok")
        if event is not None:
            self._deliver(event)
        if msg["cmd"] == "activate":
            self.activate_requested.emit()

    @staticmethod
    def _reply(sock: QLocalSocket, text: str) -> None:
        sock.write(QByteArray((text + "\n").encode("utf-8")))
        sock.flush()
        sock.disconnectFromServer()


def msg_is_activate(line: bytes) -> bool:
    try:
        msg = json.loads(line.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(msg, dict) and msg.get("cmd") == "activate"


class NotRunningError(ConnectionError):
    """No workbench is listening on the local socket."""


def send_call(number: str, name: str | None = None, timeout_ms: int = 2000) -> str:
    """Send a call to the running instance; returns its answer ("ok" or "error: ...")."""
    return _send({"cmd": "call", "number": number}, name, timeout_ms)


def hand_over(number: str | None, name: str | None = None, timeout_ms: int = 2000) -> str | None:
    """A second start: ask the running instance to come forward (and pop ``number``). Returns
    its answer, or None if no instance is running (then this process becomes the app)."""
    try:
        return _send({"cmd": "activate", "number": number}, name, timeout_ms, connect_ms=500)
    except NotRunningError:
        return None


def _send(msg: dict[str, object], name: str | None, timeout_ms: int, connect_ms: int | None = None) -> str:
    # No QCoreApplication here: the blocking calls work without one, and a second start that
    # finds nobody running goes on to create its QApplication.
    sock = QLocalSocket()
    sock.connectToServer(name or socket_name())
    if not sock.waitForConnected(connect_ms or timeout_ms):
        raise NotRunningError(sock.errorString())
    sock.write(QByteArray((json.dumps(msg) + "\n").encode("utf-8")))
    sock.waitForBytesWritten(timeout_ms)
    answer = b""
    while b"\n" not in answer and sock.waitForReadyRead(timeout_ms):
        answer += bytes(sock.readAll().data())
    sock.abort()
    return answer.decode("utf-8", "replace").strip() or "error: no answer"
