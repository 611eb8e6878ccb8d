"""The desktop's link to the central server, made off the GUI thread after the window shows.

Importing httpx and the server client, exchanging the stored refresh token and starting sync
cost about half a second and a network round trip (or a timeout when the server is down):
none of it is needed to pop calls from the local store. So the main window shows first, and
:class:`ServerLink` connects in a worker thread and reports on the GUI thread by signals.
Offline, the window keeps working from the local store and sync retries by itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class ServerLink(QObject):
    """Signals:
        connected(object): the ``ServerApi`` to use (logged in, or holding the stored refresh
            token until the server answers); sync may start.
        session_refused(str): the server refused the stored session: the user must log in again.
    """

    connected = Signal(object)
    session_refused = Signal(str)

    def __init__(self, make_connection: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._make_connection = make_connection
        self.conn: Any = None
        # a daemon thread, not a TaskRunner task: a silent server's time-out (10 s) must not hold
        # up the app's exit (a QThreadPool waits for its tasks when destroyed)
        self._thread: threading.Thread | None = None

    @property
    def api(self) -> Any:
        """The ``ServerApi`` once connected, else None (working from the local store)."""
        return None if self.conn is None else self.conn.api

    def adopt(self, conn: Any) -> None:
        """Use a connection that is already logged in (the login dialog or a password on stdin)."""
        self.conn = conn
        self.connected.emit(conn.api)

    def resume(self, refresh_token: str) -> None:
        """Connect in a worker thread with the stored refresh token (returns at once)."""
        self._thread = threading.Thread(target=self._resume, args=(refresh_token,), name="server-link",
                                        daemon=True)
        self._thread.start()

    def _resume(self, refresh_token: str) -> None:
        from workbench.services.server_api import ApiError, AuthError, OfflineError

        try:
            conn = self._make_connection()
        except Exception:
            log.exception("could not set up the server connection")
            return
        self.conn = conn
        try:
            conn.api.refresh(refresh_token)
        except AuthError as exc:
            log.info("stored session refused (%s): asking for the password", exc)
            self.session_refused.emit(self.tr("Your session has expired: log in again to sync."))
            return
        except (OfflineError, ApiError) as exc:
            from workbench.views.server_messages import describe, is_security_problem

            if is_security_problem(exc):  # a bad certificate or plain HTTP: the user must act
                log.warning("server connection refused: %s", exc)
                conn.api.set_tokens(None, refresh_token)
                self.session_refused.emit(describe(exc))
                return
            # Keep the token: the first sync request refreshes it once the server answers.
            log.info("server not reachable at start (%s): working from the local store", exc)
            conn.api.set_tokens(None, refresh_token)
        import workbench.views.sync_controller  # noqa: F401  (the sync engine too: imported here, not on the GUI thread)

        self.connected.emit(conn.api)

    def wrong_user_text(self, username: str) -> str:
        return self.tr("Log in as {user}. To switch users, quit and start the workbench again.").format(
            user=username)

    def wait(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def close(self) -> None:
        self.wait(1.0)
        if self.conn is not None:
            self.conn.close()
