"""The server's own sender: sends what waits in the outbox (hang-up SMS, login codes,
confirmations, campaigns queued by ``send-sms`` without a gateway) soon after it is queued.

One daemon thread per server process, started with the app when a gateway is configured.
It looks for queued messages every ``interval`` seconds (one indexed query) or at once when
kicked, and sends them with :func:`server_stub.sms.outbox.deliver`; claims are atomic, so
several processes never send a message twice. At start it puts back what a sender that died
left unsure (see :func:`server_stub.sms.outbox.recover_unsure`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server_stub.sms import outbox
from server_stub.sms.gateway import GatewayConfigError, SmsSender, SmsSettings, make_sender
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import SmsMessage

log = logging.getLogger(__name__)


class OutboxPump:
    """Sends queued SMS in the background (see the module docstring)."""

    def __init__(self, factory: sessionmaker[Session], sender: SmsSender, *, interval: float = 1.0,
                 unsure_after: dt.timedelta = dt.timedelta(seconds=60)) -> None:
        self.factory = factory
        self.sender = sender
        self.interval = interval
        self.unsure_after = unsure_after
        self._kick = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def start(self) -> OutboxPump:
        self._thread = threading.Thread(target=self._run, name="sms-pump", daemon=True)
        self._thread.start()
        return self

    def kick(self) -> None:
        self._kick.set()

    def stop(self) -> None:
        self._stop.set()
        self._kick.set()
        if self._thread is not None:
            self._thread.join(10)
        self.sender.close()

    def _waiting(self) -> bool:
        with self.factory() as session:
            return session.execute(select(SmsMessage.id).where(SmsMessage.status == outbox.QUEUED).limit(1)
                                   ).first() is not None

    def _run(self) -> None:
        next_recovery = 0.0
        import time

        while not self._stop.is_set():
            try:
                now = time.monotonic()
                if now >= next_recovery:
                    with unit_of_work(self.factory) as session:
                        outbox.recover_unsure(session, self.unsure_after)
                    next_recovery = now + self.unsure_after.total_seconds()
                if self._waiting():
                    outbox.deliver(self.factory, self.sender, stop=self._stop)
                    self.runs += 1
            except Exception:  # the store or the gateway is down: try again at the next tick
                log.warning("SMS outbox pump: sending failed; retrying", exc_info=True)
            self._kick.wait(self.interval)
            self._kick.clear()


def start_pump(app: Any) -> OutboxPump | None:
    """Start the pump of ``app`` if ``WORKBENCH_SMS_URL`` names a gateway (else None: the
    messages wait, and ``/api/v1/sms/status`` says why). ``WORKBENCH_SMS_PUMP=0`` leaves the
    sending to ``send-sms --every N`` instead."""
    import os

    if os.environ.get("WORKBENCH_SMS_PUMP", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    try:
        settings = SmsSettings.from_env()
        sender = make_sender(settings)
    except GatewayConfigError as exc:
        log.error("SMS gateway not started: %s", exc)
        return None
    if sender is None:
        return None
    app.state.sms_settings = settings
    pump = OutboxPump(app.state.factory, sender).start()
    app.state.sms_pump = pump
    return pump
