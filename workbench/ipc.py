"""Hand a call to the running instance over a local socket (``workbench call NUMBER``).

The app listens on a per-user local socket (a Unix domain socket, a named pipe on
Windows). A softphone's "run on incoming call" hook or a ``tel:`` link runs
``workbench call +86 138-0013-8000``; that connects, sends one JSON line and waits for
``ok`` or ``error: ...``. ``WORKBENCH_SOCKET`` overrides the name (tests, several users).
"""

from __future__ import annotations

import getpass
import json
import os

from PySide6.QtCore import QByteArray, QCoreApplication, QObject, Signal
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
        error(str): the socket could not be opened (another instance holds it, ...).
    """

    call_received = Signal(object)
    error = Signal(str)

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or socket_name()
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self._on_connection)
        self._buffers: dict[QLocalSocket, bytes] = {}

    def start(self) -> bool:
        if not self._server.listen(self.name):
            # A stale socket file from a crashed instance: remove it if nobody answers.
            probe = QLocalSocket()
            probe.connectToServer(self.name)
            if probe.waitForConnected(300):
                probe.abort()
                self.error.emit(f"another workbench is already running for this user ({self.name})")
                return False
            QLocalServer.removeServer(self.name)
            if not self._server.listen(self.name):
                self.error.emit(f"cannot listen on {self.name}: {self._server.errorString()}")
                return False
        return True

    def close(self) -> None:
        self._server.close()

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
            if not isinstance(msg, dict) or msg.get("cmd") != "call" or not isinstance(msg.get("number"), str):
                raise ValueError("expected {\"cmd\": \"call\", \"number\": \"...\"}")
            event = CallEvent.from_number(msg["number"], Source.CLI, channel="hotline")
        except (ValueError, InvalidPhoneError, UnicodeDecodeError) as exc:
            self._reply(sock, f"error: {exc}")
            return
        self._reply(sock, "ok")
        self.call_received.emit(event)

    @staticmethod
    def _reply(sock: QLocalSocket, text: str) -> None:
        sock.write(QByteArray((text + "\n").encode("utf-8")))
        sock.flush()
        sock.disconnectFromServer()


class NotRunningError(ConnectionError):
    """No workbench is listening on the local socket."""


def send_call(number: str, name: str | None = None, timeout_ms: int = 2000) -> str:
    """Send a call to the running instance; returns its answer ("ok" or "error: ...")."""
    if QCoreApplication.instance() is None:
        QCoreApplication([])
    sock = QLocalSocket()
    sock.connectToServer(name or socket_name())
    if not sock.waitForConnected(timeout_ms):
        raise NotRunningError(sock.errorString())
    sock.write(QByteArray((json.dumps({"cmd": "call", "number": number}) + "\n").encode("utf-8")))
    sock.waitForBytesWritten(timeout_ms)
    answer = b""
    while b"\n" not in answer and sock.waitForReadyRead(timeout_ms):
        answer += bytes(sock.readAll().data())
    sock.abort()
    return answer.decode("utf-8", "replace").strip() or "error: no answer"
