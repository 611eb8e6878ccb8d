"""The SMS outbox: messages are queued in the store, claimed by a sender, handed to the
gateway, and settled by its delivery reports.

Exactly once. A sender claims a batch (``queued`` -> ``sending``, committed) before it calls
the gateway, and records each answer afterwards. A sender killed in between leaves messages
in ``sending``: the gateway may or may not have taken them. Every message the gateway takes
produces a delivery report (``dlr-mask`` 31 includes "accepted by the SMS centre"), which
moves it to ``sent`` or further whatever its state. :func:`recover_unsure`, run when a sender
starts, puts back in the queue only the messages still ``sending`` after a grace period
without any report: those never reached the gateway. A report for a message put back (a
gateway slower than the grace) still marks it sent, and the claim skips it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from server_stub.changes import Change, append
from server_stub.sms.gateway import OutgoingSms, SendResult, SmsSender
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import ContactEvent, Customer, PressureLimit, SmsMessage
from server_stub.sync import lock_log, wire_row
from workbench.core.codes import Channel, WrapUp
from workbench.core.entities import utcnow
from workbench.core.pressure import (
    PressureLimitSpec,
    PressureSubject,
    ReasonCode,
    check_pressure,
)
from workbench.core.sms_text import segments

log = logging.getLogger(__name__)

QUEUED, SENDING, SENT, DELIVERED, FAILED, CANCELLED = (
    "queued", "sending", "sent", "delivered", "failed", "cancelled")
FINAL = frozenset({DELIVERED, FAILED, CANCELLED})
#: kinds a customer asked for: sent at any hour and even after an SMS opt-out
TRANSACTIONAL_KINDS = frozenset({"code", "confirm"})
#: Kannel's delivery-report types (the ``%d`` of a dlr-url)
DLR_DELIVERED, DLR_UNDELIVERABLE, DLR_BUFFERED, DLR_SMSC_ACCEPTED, DLR_SMSC_REJECTED = 1, 2, 4, 8, 16


class UnknownMessage(LookupError):
    """A delivery report for a message this server never sent."""


def new_message_id() -> str:
    return uuid.uuid4().hex


def queue_message(
    session: Session,
    customer: Customer,
    body: str,
    *,
    kind: str = "campaign",
    cost_per_segment: float = 0.0,
    policy_id: str | None = None,
    task_id: str | None = None,
    template_id: str | None = None,
    user_id: str | None = None,
    team_id: str | None = None,
    request_key: str | None = None,
    now: dt.datetime | None = None,
    message_id: str | None = None,
    changes: list[Change] | None = None,
) -> SmsMessage:
    """Put one SMS in the outbox, with its contact event (channel sms), both published
    (or, with ``changes``, their changes added to that list for the caller to append).

    The caller checks pressure and text first; this only writes.
    """
    now = now or utcnow()
    info = segments(body)
    mid = message_id or new_message_id()
    cost = round(info.segments * cost_per_segment, 4)
    msg = SmsMessage(
        id=mid, customer_id=customer.id, task_id=task_id, request_key=request_key, policy_id=policy_id,
        template_id=template_id, kind=kind, user_id=user_id, to_number=customer.phone, body=body,
        segments=info.segments, cost=cost, status=QUEUED, created_at=now, attempts=0,
        gateway="", gateway_code="", gateway_answer="",
    )
    event = ContactEvent(
        id=mid, customer_id=customer.id, channel=Channel.SMS.value, user_id=user_id,
        team_id=team_id or customer.team_id, store_id=customer.store_id, started_at=now, duration_s=0,
        cost=cost, wrapup=WrapUp.INFO_ONLY.value, intent="none", policy_id=policy_id, task_id=task_id,
        note=f"SMS ({kind}, {info.segments} segment{'s' if info.segments > 1 else ''}): {redact(body)}"[:2000],
        deal_value=0.0,
    )
    new = [Change("sms_message", mid, public_view(msg), team_id=customer.team_id, store_id=customer.store_id)]
    if kind in TRANSACTIONAL_KINDS:
        # asked for by the customer (a login code, a confirmation): not a marketing contact,
        # and its text stays on the server (a code must never reach a desk)
        session.add(msg)
    else:
        session.add_all([msg, event])
        new.insert(0, Change("contact_event", mid, wire_row("contact_event", event), team_id=customer.team_id,
                             store_id=customer.store_id))
    if changes is not None:
        changes.extend(new)
    else:
        session.flush()
        append(session, new)
    return msg


_LINK = re.compile(r"https?://\S+/online/l/\S+")

#: what desks receive of a message (the text stays on the server: it holds the personal link)
PUBLIC_FIELDS = ("id", "customer_id", "task_id", "policy_id", "template_id", "kind", "user_id", "segments", "cost",
                 "status", "gateway_code", "created_at", "sent_at", "final_at")


def redact(text: str) -> str:
    """``text`` without its personal link (a desk must not be able to enter as the customer)."""
    return _LINK.sub("[personal link]", text)


def public_view(msg: SmsMessage) -> dict[str, Any]:
    data = wire_row("sms_message", msg)
    return {k: data.get(k) for k in PUBLIC_FIELDS}


def _publish_status(session: Session, msgs: Iterable[SmsMessage]) -> None:
    msgs = list(msgs)
    if not msgs:
        return
    ids = {m.customer_id for m in msgs}
    tags = {r[0]: (r[1], r[2]) for r in session.execute(
        select(Customer.id, Customer.team_id, Customer.store_id).where(Customer.id.in_(ids)))}
    append(session, [Change("sms_message", m.id, public_view(m),
                            team_id=tags.get(m.customer_id, (None, None))[0],
                            store_id=tags.get(m.customer_id, (None, None))[1]) for m in msgs])


# ------------------------------------------------------------------ claiming and sending


def _sms_limits(session: Session) -> list[PressureLimitSpec]:
    return [PressureLimitSpec.from_row(r) for r in session.execute(select(PressureLimit)).scalars()
            if r.channel in (Channel.SMS.value, "*")]


def claim(session: Session, limit: int, now: dt.datetime) -> list[SmsMessage]:
    """Take up to ``limit`` queued messages for sending (``sending``, committed by the caller).

    Messages to customers who opted out since they were queued are cancelled; campaign
    messages inside the customer's quiet hours stay queued for later.
    """
    lock_log(session)  # write lock first: SQLite cannot upgrade a read once another wrote
    query = (select(SmsMessage).where(SmsMessage.status == QUEUED)
             .order_by(SmsMessage.created_at, SmsMessage.id).limit(limit * 2))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = list(session.execute(query).scalars())
    if not candidates:
        return []
    customers = {c.id: c for c in session.execute(
        select(Customer).where(Customer.id.in_({m.customer_id for m in candidates}))).scalars()}
    limits = _sms_limits(session)
    taken: list[SmsMessage] = []
    cancelled: list[SmsMessage] = []
    for msg in candidates:
        if len(taken) >= limit:
            break
        cust = customers.get(msg.customer_id)
        if msg.kind not in TRANSACTIONAL_KINDS:
            if cust is None or cust.do_not_sms:
                msg.status, msg.gateway_code, msg.final_at = CANCELLED, "do_not_sms", now
                cancelled.append(msg)
                continue
            decision = check_pressure(PressureSubject.from_row(cust), [], limits, Channel.SMS.value, now)
            if ReasonCode.QUIET_HOURS in decision.codes:
                continue
        taken.append(msg)
    if taken:
        # the rows cannot change under us: the write lock (SQLite) or the row locks (PostgreSQL)
        session.execute(update(SmsMessage).where(SmsMessage.id.in_([m.id for m in taken]),
                                                 SmsMessage.status == QUEUED)
                        .values(status=SENDING, claimed_at=now, attempts=SmsMessage.attempts + 1)
                        .execution_options(synchronize_session=False))
        for msg in taken:
            msg.status, msg.claimed_at = SENDING, now
    _publish_status(session, cancelled)
    return taken


def record_results(session: Session, results: Sequence[tuple[str, SendResult]], gateway: str,
                   now: dt.datetime) -> None:
    """Store the gateway's answers. A delivery report that came first is not overwritten."""
    lock_log(session)
    accepted = [mid for mid, res in results if res.outcome == "accepted"]
    if accepted:
        # one statement for the common case; a report that came first already moved them on
        session.execute(update(SmsMessage).where(SmsMessage.id.in_(accepted),
                                                 SmsMessage.status.in_((SENDING, QUEUED)))
                        .values(status=SENT, gateway=gateway).execution_options(synchronize_session=False))
        session.execute(update(SmsMessage).where(SmsMessage.id.in_(accepted), SmsMessage.sent_at.is_(None))
                        .values(sent_at=now).execution_options(synchronize_session=False))
    finals: list[SmsMessage] = []
    for mid, res in results:
        if res.outcome in ("accepted", "unknown"):
            continue  # "unknown": stays sending; the delivery report or recover_unsure settles it
        msg = session.get(SmsMessage, mid)
        if msg is None or msg.status not in (SENDING, QUEUED):
            continue
        msg.gateway = gateway
        msg.gateway_answer = res.answer
        if res.outcome == "rejected":
            msg.status, msg.final_at, msg.gateway_code = FAILED, now, res.code
            finals.append(msg)
        elif res.outcome == "retry" and msg.status == SENDING:
            msg.status = QUEUED
    session.flush()
    _publish_status(session, finals)


def recover_unsure(session: Session, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Put back messages claimed longer than ``older_than`` ago with no report: the gateway
    never had them (see the module docstring). Returns how many."""
    now = now or utcnow()
    result = session.execute(update(SmsMessage)
                             .where(SmsMessage.status == SENDING, SmsMessage.claimed_at < now - older_than)
                             .values(status=QUEUED).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass
class DeliverReport:
    """What one run of :func:`deliver` did."""

    sent: int = 0
    rejected: int = 0
    retry: int = 0
    unknown: int = 0
    batches: int = 0
    stopped_reason: str = ""
    by_outcome: dict[str, int] = field(default_factory=dict)


def deliver(
    factory: sessionmaker[Session],
    sender: SmsSender,
    *,
    batch: int = 200,
    threads: int = 4,
    max_messages: int | None = None,
    stop: threading.Event | None = None,
) -> DeliverReport:
    """Send queued messages until the queue is empty (or ``max_messages``, or ``stop``).

    The next batch is claimed and handed to the sending threads while the answers of the one
    before are still coming in, so the threads never wait for a claim (the claim is committed
    before any of its messages is sent, as exactly-once needs)."""
    report = DeliverReport()
    pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="sms-send")
    claimed = 0
    pending: list[tuple[OutgoingSms, Future[SendResult]]] = []
    try:
        while True:
            want = batch if max_messages is None else min(batch, max_messages - claimed)
            outgoing: list[OutgoingSms] = []
            if want > 0 and not (stop and stop.is_set()):
                now = utcnow()
                with unit_of_work(factory) as session:
                    taken = claim(session, want, now)
                    outgoing = [OutgoingSms(m.id, m.to_number, m.body) for m in taken]
                claimed += len(outgoing)
            submitted = [(out, pool.submit(sender.send, out)) for out in outgoing]
            if submitted:
                report.batches += 1
            gave_up = _settle(factory, sender.name, pending, report)
            pending = submitted
            if gave_up:  # the gateway is unreachable or full: the rest waits for the next run
                _settle(factory, sender.name, pending, report)
                pending = []
                report.stopped_reason = "the gateway refused or could not be reached; messages wait in the queue"
                break
            if not pending:
                break
    finally:
        if pending:  # an error on the way out: still record what the gateway answered
            try:
                _settle(factory, sender.name, pending, report)
            except Exception:  # the error being raised matters more
                log.exception("could not record the gateway's answers; their delivery reports will")
        pool.shutdown(wait=True)
    return report


def _settle(factory: sessionmaker[Session], gateway: str,
            sent: list[tuple[OutgoingSms, Future[SendResult]]], report: DeliverReport) -> bool:
    """Wait for the answers of ``sent`` and store them (50 to a transaction); whether the
    gateway asked us to stop (unreachable or full)."""
    results: list[tuple[str, SendResult]] = []
    gave_up = False
    for out, future in sent:
        res = future.result()
        results.append((out.message_id, res))
        report.by_outcome[res.outcome] = report.by_outcome.get(res.outcome, 0) + 1
        if res.outcome == "accepted":
            report.sent += 1
        elif res.outcome == "rejected":
            report.rejected += 1
        elif res.outcome == "retry":
            report.retry += 1
            gave_up = True
        else:
            report.unknown += 1
        if len(results) >= 50:
            _store(factory, results, gateway)
            results = []
    _store(factory, results, gateway)
    sent.clear()
    return gave_up


def _store(factory: sessionmaker[Session], results: list[tuple[str, SendResult]], gateway: str) -> None:
    if results:
        with unit_of_work(factory) as session:
            record_results(session, results, gateway, utcnow())


# ------------------------------------------------------------------ delivery reports


def apply_dlr(session: Session, message_id: str, status: int, answer: str, now: dt.datetime | None = None) -> str:
    """Apply one delivery report; returns the message's status after it.

    Reports may come in any order and more than once: ``delivered`` and ``failed`` are final
    (a late "accepted by the SMS centre" never moves a message back).

    Raises:
        UnknownMessage: no such message.
    """
    now = now or utcnow()
    if not status & (DLR_DELIVERED | DLR_UNDELIVERABLE | DLR_SMSC_REJECTED) and status & (
            DLR_SMSC_ACCEPTED | DLR_BUFFERED):
        # "the SMS centre has it": one statement, no change to publish (the common report)
        moved = session.execute(
            update(SmsMessage).where(SmsMessage.id == message_id, SmsMessage.status.in_((QUEUED, SENDING, SENT)))
            .values(status=SENT, sent_at=func.coalesce(SmsMessage.sent_at, now), gateway_code=str(status),
                    gateway_answer=answer[:200]).execution_options(synchronize_session=False))
        if moved.rowcount:  # type: ignore[attr-defined]
            return SENT
    lock_log(session)
    msg = session.get(SmsMessage, message_id, with_for_update=True)
    if msg is None:
        raise UnknownMessage(f"no SMS message {message_id}")
    before = msg.status
    if msg.status in FINAL:
        return msg.status
    if status & DLR_DELIVERED:
        msg.status, msg.final_at = DELIVERED, now
    elif status & (DLR_UNDELIVERABLE | DLR_SMSC_REJECTED):
        msg.status, msg.final_at = FAILED, now
    elif status & (DLR_SMSC_ACCEPTED | DLR_BUFFERED):
        msg.status = SENT
    else:
        return msg.status
    msg.sent_at = msg.sent_at or now
    msg.gateway_code = str(status)
    msg.gateway_answer = answer[:200]
    if msg.status != before and msg.status in FINAL:
        _publish_status(session, [msg])
    return msg.status


def outbox_counts(session: Session) -> dict[str, Any]:
    """Messages per status."""
    return dict(session.execute(select(SmsMessage.status, func.count()).group_by(SmsMessage.status)).tuples().all())
