"""Customers' replies to our SMS (an ``sms-service`` get-url of the gateway).

An opt-out ("TD", "T", "退订", "N" …, see :func:`workbench.core.sms_text.is_opt_out`) sets the
customer's ``do_not_sms`` at once: the portrait change goes to every desk through the change
log, waiting campaign messages are cancelled and open SMS tasks closed. Any other reply goes
to the customer's trail (a contact event) and, as an SMS follow-up task, to the work list of
the agent who holds the customer. Replies from unknown numbers are kept, changing nothing
else. Every reply is stored in ``sms_replies`` first: nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from server_stub.changes import Change, append
from server_stub.sms.outbox import CANCELLED, QUEUED, TRANSACTIONAL_KINDS
from server_stub.storage.models import ContactEvent, Customer, SmsMessage, SmsReply, Task
from server_stub.sync import change_for, lock_log, wire_row
from workbench.core.codes import Channel, TaskStatus, WrapUp
from workbench.core.entities import utcnow
from workbench.core.phone import InvalidPhoneError, normalize_phone
from workbench.core.sms_text import is_opt_out

OPT_OUT, REPLY, UNKNOWN = "opt_out", "reply", "unknown"
#: priority of the follow-up task a reply puts on the holder's work list (above campaigns)
FOLLOW_UP_PRIORITY = 1000


@dataclass(frozen=True)
class ReplyOutcome:
    """What a reply did."""

    reply_id: str
    kind: str
    customer_ids: tuple[str, ...] = ()
    task_id: str | None = None


def handle_reply(session: Session, from_number: str, to_number: str, text: str,
                 now: dt.datetime | None = None) -> ReplyOutcome:
    """Store a reply and act on it (see the module docstring)."""
    now = now or utcnow()
    lock_log(session)
    text = text[:1000]
    try:
        number = normalize_phone(from_number)
    except InvalidPhoneError:
        number = None
    customers = list(session.execute(
        select(Customer).where(or_(Customer.phone == number, Customer.phone2 == number))
        .order_by(Customer.id)).scalars()) if number else []
    kind = UNKNOWN if not customers else (OPT_OUT if is_opt_out(text) else REPLY)
    reply_id = uuid.uuid4().hex
    session.add(SmsReply(id=reply_id, from_number=(number or from_number)[:20], to_number=to_number[:20],
                         body=text, kind=kind, customer_id=customers[0].id if customers else None,
                         received_at=now))
    task_id: str | None = None
    changes: list[Change] = []
    for cust in customers:
        note = (f"SMS reply “{text}”: unsubscribed from SMS" if kind == OPT_OUT else f"SMS reply: {text}")
        event = ContactEvent(id=uuid.uuid4().hex, customer_id=cust.id, channel=Channel.SMS.value, user_id=None,
                             team_id=cust.team_id, store_id=cust.store_id, started_at=now, duration_s=0,
                             cost=0.0, wrapup=WrapUp.INFO_ONLY.value, intent="none",
                             policy_id=_last_policy(session, cust.id), note=note[:2000], deal_value=0.0)
        session.add(event)
        session.flush()
        changes.append(Change("contact_event", event.id, wire_row("contact_event", event),
                              team_id=cust.team_id, store_id=cust.store_id))
        if kind == OPT_OUT:
            changes.extend(_opt_out(session, cust, now))
        else:
            task = _follow_up(session, cust, event.policy_id, now)
            if task is not None:
                task_id = task.id
                changes.append(change_for("task", task, cust))
    if changes:
        append(session, changes)
    return ReplyOutcome(reply_id, kind, tuple(c.id for c in customers), task_id)


def _last_policy(session: Session, customer_id: str) -> str | None:
    return session.execute(
        select(SmsMessage.policy_id).where(SmsMessage.customer_id == customer_id, SmsMessage.policy_id.is_not(None))
        .order_by(SmsMessage.created_at.desc()).limit(1)).scalar()


def _opt_out(session: Session, cust: Customer, now: dt.datetime) -> list[Change]:
    changes: list[Change] = []
    if not cust.do_not_sms:
        cust.do_not_sms = True
        cust.updated_at = now
        session.flush()
        changes.append(change_for("customer", cust))
    session.execute(update(SmsMessage)
                    .where(SmsMessage.customer_id == cust.id, SmsMessage.status == QUEUED,
                           SmsMessage.kind.not_in(TRANSACTIONAL_KINDS))
                    .values(status=CANCELLED, gateway_code="do_not_sms", final_at=now)
                    .execution_options(synchronize_session=False))
    for task in session.execute(select(Task).where(Task.customer_id == cust.id, Task.channel == Channel.SMS.value,
                                                   Task.status == TaskStatus.OPEN.value)).scalars():
        task.status = TaskStatus.CANCELLED.value
        changes.append(change_for("task", task, cust))
    return changes


def _holder(session: Session, customer_id: str) -> tuple[str | None, str | None]:
    """The agent (and team) who holds the customer: the assignee of their newest assigned
    task, open ones first."""
    row = session.execute(
        select(Task.assignee_id, Task.team_id).where(Task.customer_id == customer_id, Task.assignee_id.is_not(None))
        .order_by((Task.status == TaskStatus.OPEN.value).desc(), Task.created_at.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (None, None)


def _follow_up(session: Session, cust: Customer, policy_id: str | None, now: dt.datetime) -> Task | None:
    """A task on the holder's work list to answer the reply (needs a policy to be about)."""
    if policy_id is None:
        policy_id = session.execute(select(Task.policy_id).where(Task.customer_id == cust.id)
                                    .order_by(Task.created_at.desc()).limit(1)).scalar()
    if policy_id is None:
        return None
    assignee, team = _holder(session, cust.id)
    task = Task(id=f"RP-{uuid.uuid4().hex[:30]}", customer_id=cust.id, policy_id=policy_id,
                channel=Channel.SMS.value, assignee_id=assignee, team_id=team or cust.team_id,
                store_id=cust.store_id, status=TaskStatus.OPEN.value, priority=FOLLOW_UP_PRIORITY,
                created_at=now, due_at=now)
    session.add(task)
    session.flush()
    return task
