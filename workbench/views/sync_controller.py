"""Runs sync in the background: a pusher and a long-polling puller, reporting by signals.

Two worker threads (never the GUI thread): the pusher sends the outbox in batches with
exponential back-off while the server is unreachable; the puller long-polls the change log so
that an acceptance on another desktop arrives within seconds. Saves stay in the outbox for
``hold_seconds`` so that the outcome form's undo can take them back; an explicit
:meth:`kick` with ``force=True`` (e.g. an acceptance) sends at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.clock import utcnow
from workbench.core.phone import InvalidPhoneError
from workbench.local_store.models import Outbox
from workbench.services.backoff import Backoff
from workbench.services.call_events import CallEvent, Source
from workbench.services.server_api import (
    ApiError,
    AuthError,
    ClientTooOldError,
    OfflineError,
)
from workbench.services.sync_engine import SyncEngine, SyncStatus

log = logging.getLogger(__name__)

LONG_POLL_S = 20.0
MAX_BACKOFF_S = 30.0


class SyncController(QObject):
    """Signals:
        status_changed(SyncStatus): after every round (pending count, online, last sync).
        data_changed(): a pull applied rows (refresh what is shown).
        call_event(CallEvent): the server routed a call to this desktop (PBX feed).
        lead_replaced(str, str): a new lead's number belongs to this customer (id, number):
            the lead was folded into them; open them.
        initial_progress(int): rows applied so far during the first full sync.
        fatal(str): sync cannot go on (client too old, logged out); message safe to show.
    """

    status_changed = Signal(object)
    data_changed = Signal()
    call_event = Signal(object)
    lead_replaced = Signal(str, str)
    initial_progress = Signal(int)
    fatal = Signal(str)

    def __init__(
        self,
        engine: SyncEngine,
        session_factory: sessionmaker[Session],
        *,
        hold_seconds: float = 0.0,
        reauth: Callable[[], bool] | None = None,
        long_poll_s: float = LONG_POLL_S,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._sf = session_factory
        self._hold = max(0.0, hold_seconds)
        self._reauth = reauth
        self._long_poll_s = long_poll_s
        self._stop = threading.Event()
        self._kick = threading.Event()
        self._force = False
        # The two loops are daemon threads, not tasks of the TaskRunner: a long-poll in flight
        # must not hold up the app's exit (a QThreadPool waits for its tasks when destroyed).
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        for name, target in (("sync-push", self._push_loop), ("sync-pull", self._pull_loop)):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        self._kick.set()
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()

    def kick(self, force: bool = False) -> None:
        """Push now (``force`` ignores the undo hold)."""
        self._force = self._force or force
        self._kick.set()

    def status(self) -> SyncStatus:
        return self._engine.status()

    # ------------------------------------------------------------------ loops
    def _held_for(self) -> float:
        """Seconds until the newest outbox entry leaves the undo window (0 = push now)."""
        if self._hold <= 0 or self._force:
            return 0.0
        with self._sf() as s:
            newest = s.execute(select(func.max(Outbox.created_at))).scalar()
        if newest is None:
            return 0.0
        if newest.tzinfo is None:
            newest = newest.replace(tzinfo=dt.UTC)
        return max(0.0, self._hold - (utcnow() - newest).total_seconds())

    def _push_loop(self) -> None:
        backoff = Backoff(maximum=MAX_BACKOFF_S)
        while not self._stop.is_set():
            self._kick.wait(timeout=5.0)
            self._kick.clear()
            if self._stop.is_set():
                break
            wait = self._held_for()
            if wait > 0:
                if self._stop.wait(min(wait, 1.0)) is False:
                    self._kick.set()  # come back once the hold is over
                continue
            self._force = False
            try:
                self._engine.push_all(should_stop=self._stop.is_set)
                backoff.reset()
                while self._engine.replaced_leads:  # a lead whose number has a customer already
                    existing, number = self._engine.replaced_leads.pop(0)
                    self.data_changed.emit()
                    self.lead_replaced.emit(existing, number)
            except OfflineError:
                self._emit_status()
                self._stop.wait(backoff.next_delay())
                self._kick.set()
                continue
            except AuthError:
                if not self._try_reauth():
                    return
                self._kick.set()
                continue
            except ClientTooOldError as exc:
                self.fatal.emit(str(exc))
                return
            except ApiError as exc:
                log.warning("push refused: %s", exc)
            except Exception:
                log.exception("push failed")
                self._stop.wait(backoff.next_delay())
            self._emit_status()

    def _pull_loop(self) -> None:
        backoff = Backoff(maximum=MAX_BACKOFF_S)
        first = True
        total = 0
        while not self._stop.is_set():
            try:
                report = self._engine.pull_once(0.0 if first else self._long_poll_s)
                backoff.reset()
            except OfflineError:
                self._emit_status()
                self._stop.wait(backoff.next_delay())
                continue
            except AuthError:
                if not self._try_reauth():
                    return
                continue
            except ClientTooOldError as exc:
                self.fatal.emit(str(exc))
                return
            except ApiError as exc:
                log.warning("pull refused: %s", exc)
                self._stop.wait(backoff.next_delay())
                continue
            except Exception:
                log.exception("pull failed")
                self._stop.wait(backoff.next_delay())
                continue
            if first:
                total += report.applied
                self.initial_progress.emit(total)
                if not report.has_more:
                    first = False
            if report.applied:
                self.data_changed.emit()
            for ev in report.events:
                self._emit_call(ev)
            self._emit_status()

    def _emit_call(self, ev: dict[str, Any]) -> None:
        if ev.get("entity") != "call_event" or not isinstance(ev.get("caller"), str):
            return
        try:
            event = CallEvent.from_number(ev["caller"], Source.SERVER, channel="hotline",
                                          call_id=ev.get("call_id"))
        except InvalidPhoneError:
            log.warning("server sent a call event with a bad number: %r", ev.get("caller"))
            return
        self.call_event.emit(event)

    def _try_reauth(self) -> bool:
        if self._reauth is not None:
            try:
                if self._reauth():
                    return True
            except ApiError:
                pass
        self.fatal.emit(self.tr("Your session has expired: log in again to sync."))
        return False

    def _emit_status(self) -> None:
        try:
            self.status_changed.emit(self._engine.status())
        except Exception:
            log.exception("could not read the sync status")
