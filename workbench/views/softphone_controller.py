"""The softphone as Qt signals: baresip's events arrive on the GUI thread.

:class:`SoftphoneController` owns a :class:`~workbench.services.softphone.BaresipClient`
(whose reader thread follows baresip's ``ctrl_tcp`` events) and re-emits what matters to the
app as signals on the GUI thread: a ringing call as a :class:`CallEvent` (the same pop as
every other source), the start and end of talking (with the talk time), and the connection
state for the status bar. Commands (dial, answer, hang up) run off the GUI thread; failures
come back as :attr:`SoftphoneController.command_failed`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from workbench.core.phone import InvalidPhoneError
from workbench.services.call_events import CallEvent, Source
from workbench.services.softphone import (
    CLOSED,
    ESTABLISHED,
    RINGING,
    BaresipClient,
    SoftphoneEvent,
)
from workbench.views.errors import user_message
from workbench.views.task_runner import TaskRunner

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives in the GUI thread; the reader thread emits on it, Qt queues to the GUI thread."""

    event = Signal(object)
    connection = Signal(bool, str)
    failure = Signal(str, str)


class SoftphoneController(QObject):
    """Follows the agent's softphone (baresip ``ctrl_tcp`` at ``host:port``) for the GUI.

    ``start()`` connects in the background (and keeps reconnecting); ``stop()`` ends it.
    Port 0 means "no softphone": ``start()`` then does nothing.

    Signals:
        call_ringing(CallEvent): an incoming call rings; ``source`` is ``softphone``,
            ``direction`` ``inbound``, ``call_id`` baresip's call id, ``number`` normalised.
            Not emitted for outgoing calls (the app pops those when it dials) nor for
            callers whose address is not a phone number.
        call_established(str): the call with this id is answered (either direction).
        call_ended(str, int): the call with this id ended; talk seconds from the events
            (0 if it was never answered). Not emitted for a call whose start we did not
            see (the workbench connected mid-call).
        connection_changed(bool, str): connected or not, with a message for the status bar.
        command_failed(str, str): a command (``dial`` / ``accept`` / ``hangup``) failed:
            the command and a message safe to show.
    """

    call_ringing = Signal(object)
    call_established = Signal(str)
    call_ended = Signal(str, int)
    connection_changed = Signal(bool, str)
    command_failed = Signal(str, str)

    def __init__(
        self,
        host: str,
        port: int,
        parent: QObject | None = None,
        *,
        channel: str = "hotline",
        client_factory: Callable[..., BaresipClient] = BaresipClient,
        **client_options: Any,
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.port = port
        self._commands = TaskRunner(self, max_threads=2)
        self.channel = channel
        self._factory = client_factory
        self._options = client_options
        self._client: BaresipClient | None = None
        self._connected = False
        self._message = ("No softphone configured" if not port
                         else f"Softphone not connected yet ({host}:{port})")
        self._relay = _Relay(self)
        self._relay.event.connect(self._on_event, Qt.ConnectionType.QueuedConnection)
        self._relay.connection.connect(self._on_connection, Qt.ConnectionType.QueuedConnection)
        self._relay.failure.connect(self._on_failure, Qt.ConnectionType.QueuedConnection)

    # ------------------------------------------------------------------ state
    @property
    def is_connected(self) -> bool:
        """Whether the softphone's control connection is up (as last reported)."""
        return self._connected

    @property
    def status_message(self) -> str:
        """The last connection message (for a status bar that starts after us)."""
        return self._message

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start following the softphone (no-op if already started or port is 0)."""
        if self._client is not None or not self.port:
            return
        self._client = self._factory(self.host, self.port, on_event=self._relay.event.emit,
                                     on_connection=self._relay.connection.emit, **self._options)
        self._client.start()

    def stop(self) -> None:
        """Stop following the softphone; reports ``connection_changed(False, ...)`` if it was up."""
        client, self._client = self._client, None
        if client is None:
            return
        client.close()
        if self._connected:
            self._connected = False
            self._message = "Softphone connection closed"
            self.connection_changed.emit(False, self._message)

    # ------------------------------------------------------------------ commands
    def dial(self, number: str) -> None:
        """Dial ``number`` (or a SIP URI) through the softphone; the caller checked pressure.

        Returns at once; a failure arrives as ``command_failed("dial", message)``.
        """
        self._command("dial", lambda c: c.dial(number))

    def answer(self) -> None:
        """Answer the ringing call in the softphone."""
        self._command("accept", lambda c: c.answer())

    def hangup(self) -> None:
        """Hang up the current call in the softphone."""
        self._command("hangup", lambda c: c.hangup())

    def _command(self, name: str, fn: Callable[[BaresipClient], None]) -> None:
        client = self._client
        if client is None or not client.connected:
            where = f"{self.host}:{self.port}" if self.port else "none configured"
            self._relay.failure.emit(name, f"Softphone not connected ({where})")
            return

        # a refusal of the softphone (SoftphoneError, a UserError) is shown; anything else is
        # a bug: the runner reports it and a generic sentence is shown
        self._commands.run(lambda: fn(client), None, lambda exc: self.command_failed.emit(name, user_message(exc)))

    # ------------------------------------------------------------------ GUI-thread slots
    @Slot(object)
    def _on_event(self, event: SoftphoneEvent) -> None:
        if self._client is None:
            return  # stopped while this was queued
        if event.kind == RINGING and event.direction == "inbound" and event.call_id:
            try:
                call = CallEvent.from_number(event.peer_uri or "", Source.SOFTPHONE,
                                             channel=self.channel, direction="inbound",
                                             call_id=event.call_id)
            except InvalidPhoneError:
                log.info("softphone call from %s is not from a phone number; no pop",
                         event.peer_uri)
                return
            self.call_ringing.emit(call)
        elif event.kind == ESTABLISHED and event.call_id:
            self.call_established.emit(event.call_id)
        elif event.kind == CLOSED and event.call_id and event.talk_seconds is not None:
            # None: a call whose start we never saw (we connected mid-call) - no talk time
            self.call_ended.emit(event.call_id, event.talk_seconds)

    @Slot(bool, str)
    def _on_connection(self, connected: bool, message: str) -> None:
        if self._client is None:
            return
        self._connected = connected
        self._message = message
        self.connection_changed.emit(connected, message)

    @Slot(str, str)
    def _on_failure(self, command: str, message: str) -> None:
        self.command_failed.emit(command, message)
