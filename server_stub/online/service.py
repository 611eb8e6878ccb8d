"""What the online zone does, without HTTP: the customer's offers, one-time login codes, and
orders that become acceptances (channel ``online``) — each atomic under the change-log lock,
so parallel requests (double clicks, two tabs, a replayed form) cannot order twice or beat
the code's attempt counter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from server_stub.changes import Change, append
from server_stub.online.texts import t
from server_stub.sms.gateway import SmsSettings
from server_stub.sms.outbox import queue_message
from server_stub.storage.models import (
    Acceptance,
    ContactEvent,
    Customer,
    OnlineCode,
    OnlineOrder,
    OnlineVisit,
    Policy,
    Task,
)
from server_stub.sync import change_for, lock_log, wire_row
from workbench.core.codes import AcceptanceStatus, Channel, TaskStatus, WrapUp
from workbench.core.entities import utcnow
from workbench.core.phone import InvalidPhoneError, normalize_phone
from workbench.core.policies import EligiblePolicy, eligible_policies

CODE_TTL = dt.timedelta(minutes=5)
CODE_ATTEMPTS = 5
#: a number gets a code at most once a minute and 5 times an hour; an address 10 times an hour
PER_NUMBER_GAP = dt.timedelta(seconds=60)
PER_NUMBER_HOURLY = 5
PER_ADDRESS_HOURLY = 10
ORDER_TOKEN_TTL = dt.timedelta(minutes=30)


class CodeThrottled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class CodeRejected(Exception):
    """Wrong, expired, used up or unknown: one answer for all (no probing)."""


def find_customer(session: Session, phone: str) -> Customer | None:
    number = normalize_phone(phone)
    return session.execute(select(Customer).where(or_(Customer.phone == number, Customer.phone2 == number))
                           .order_by(Customer.id).limit(1)).scalar_one_or_none()


def _hash(secret: str, phone: str, code: str) -> str:
    return hmac.new(secret.encode(), f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def request_code(session: Session, phone: str, address: str, secret: str, settings: SmsSettings,
                 now: dt.datetime | None = None) -> str:
    """Send a 6-digit code to ``phone`` if it is a customer's; returns the normalised number.

    The answer is the same whether or not the number is known (nothing to probe); throttled
    per number and per address either way.

    Raises:
        InvalidPhoneError: not a phone number.
        CodeThrottled: too many codes asked for.
    """
    now = now or utcnow()
    number = normalize_phone(phone)
    lock_log(session)
    hour = now - dt.timedelta(hours=1)
    recent = list(session.execute(select(OnlineCode.created_at).where(OnlineCode.phone == number,
                                                                      OnlineCode.created_at > hour)).scalars())
    if recent and max(recent) > now - PER_NUMBER_GAP:
        raise CodeThrottled(int((max(recent) + PER_NUMBER_GAP - now).total_seconds()) + 1)
    if len(recent) >= PER_NUMBER_HOURLY:
        raise CodeThrottled(int((min(recent) + dt.timedelta(hours=1) - now).total_seconds()) + 1)
    by_address = session.execute(select(func.count()).select_from(OnlineCode)
                                 .where(OnlineCode.address == address[:60], OnlineCode.created_at > hour)).scalar()
    if (by_address or 0) >= PER_ADDRESS_HOURLY:
        raise CodeThrottled(600)
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(OnlineCode(id=uuid.uuid4().hex, phone=number, address=address[:60], code_hash=_hash(secret, number, code),
                           created_at=now, expires_at=now + CODE_TTL, attempts=0, used=False))
    cust = find_customer(session, number)
    if cust is not None:
        queue_message(session, cust, t("zh", "sms_code", code=code), kind="code",
                      cost_per_segment=settings.cost_per_segment, now=now)
    return number


def verify_code(session: Session, phone: str, code: str, secret: str, now: dt.datetime | None = None) -> Customer:
    """The customer whose number got ``code``; the code is used up.

    Raises:
        CodeRejected: wrong, expired, already used, too many attempts, or not a customer.
    """
    now = now or utcnow()
    try:
        number = normalize_phone(phone)
    except InvalidPhoneError:
        raise CodeRejected() from None
    lock_log(session)
    row = session.execute(select(OnlineCode).where(OnlineCode.phone == number, OnlineCode.used.is_(False))
                          .order_by(OnlineCode.created_at.desc()).limit(1)).scalar_one_or_none()
    if row is None or row.expires_at <= now or row.attempts >= CODE_ATTEMPTS:
        raise CodeRejected()
    good = len(code) == 6 and code.isdigit() and hmac.compare_digest(row.code_hash, _hash(secret, number, code))
    if not good:
        row.attempts += 1
        raise CodeRejected()
    cust = find_customer(session, number)
    if cust is None:
        raise CodeRejected()
    row.used = True
    return cust


def record_visit(session: Session, customer_id: str, via: str, now: dt.datetime | None = None) -> None:
    session.add(OnlineVisit(id=uuid.uuid4().hex, customer_id=customer_id, via=via, at=now or utcnow()))


def _accepted(session: Session, customer_id: str) -> dict[str, Acceptance]:
    return {a.policy_id: a for a in session.execute(select(Acceptance).where(
        Acceptance.customer_id == customer_id, Acceptance.status == AcceptanceStatus.ACCEPTED.value)).scalars()}


def offers_for(session: Session, cust: Customer, now: dt.datetime | None = None) -> list[EligiblePolicy]:
    """The offers this customer may order online now: the pop's rules (eligibility, quotas,
    exclusive groups, already accepted), in the online channel."""
    now = now or utcnow()
    policies = list(session.execute(select(Policy).where(Policy.status == "published")).scalars())
    return eligible_policies(wire_row("customer", cust), policies, Channel.ONLINE.value, now,
                             set(_accepted(session, cust.id)), None, lang="zh")


def start_order(session: Session, cust: Customer, policy_id: str, now: dt.datetime | None = None) -> str | None:
    """A one-time order token for an offer the customer may order, else None."""
    now = now or utcnow()
    if policy_id not in {o.policy.id for o in offers_for(session, cust, now)}:
        return None
    token = secrets.token_urlsafe(24)
    session.add(OnlineOrder(token=token, customer_id=cust.id, policy_id=policy_id, created_at=now))
    return token


@dataclass(frozen=True)
class OrderOutcome:
    """``placed`` (a new acceptance), ``already`` (this form, or this offer, was ordered
    before: nothing new), ``ineligible`` or ``invalid`` (nothing changed)."""

    kind: str
    policy_name: str = ""
    at: dt.datetime | None = None
    acceptance_id: str | None = None


def place_order(session: Session, cust: Customer, token: str, settings: SmsSettings,
                now: dt.datetime | None = None) -> OrderOutcome:
    """Turn a confirmed order form into one acceptance (see :class:`OrderOutcome`)."""
    now = now or utcnow()
    lock_log(session)
    order = session.get(OnlineOrder, token[:64])
    if order is None or order.customer_id != cust.id:
        return OrderOutcome("invalid")
    policy = session.get(Policy, order.policy_id)
    if policy is None:
        return OrderOutcome("invalid")
    earlier = _accepted(session, cust.id).get(policy.id)
    if order.used_at is not None or earlier is not None:
        if order.used_at is None:
            order.used_at = now
        return OrderOutcome("already", policy.name, earlier.accepted_at if earlier else order.used_at,
                            earlier.id if earlier else order.acceptance_id)
    if order.created_at < now - ORDER_TOKEN_TTL:
        return OrderOutcome("invalid")
    if policy.id not in {o.policy.id for o in offers_for(session, cust, now)}:
        return OrderOutcome("ineligible", policy.name)
    acc = Acceptance(id=uuid.uuid4().hex, customer_id=cust.id, policy_id=policy.id, channel=Channel.ONLINE.value,
                     user_id=None, team_id=cust.team_id, store_id=cust.store_id, accepted_at=now,
                     value=policy.value, status=AcceptanceStatus.ACCEPTED.value)
    event = ContactEvent(id=uuid.uuid4().hex, customer_id=cust.id, channel=Channel.ONLINE.value, user_id=None,
                         team_id=cust.team_id, store_id=cust.store_id, started_at=now, duration_s=0, cost=0.0,
                         wrapup=WrapUp.ACCEPTED.value, intent="high", policy_id=policy.id,
                         note=f"ordered online: {policy.name}", deal_value=policy.value)
    session.add_all([acc, event])
    policy.quota_used = (policy.quota_used or 0) + 1
    order.used_at, order.acceptance_id = now, acc.id
    session.flush()
    changes = [Change("acceptance", acc.id, wire_row("acceptance", acc), team_id=cust.team_id, store_id=cust.store_id),
               Change("contact_event", event.id, wire_row("contact_event", event), team_id=cust.team_id,
                      store_id=cust.store_id),
               change_for("policy", policy)]
    # closed loop: every open task of this policy for this customer stops, on every desk
    for task in session.execute(select(Task).where(Task.customer_id == cust.id, Task.policy_id == policy.id,
                                                   Task.status == TaskStatus.OPEN.value)).scalars():
        task.status = TaskStatus.SUPPRESSED.value
        changes.append(change_for("task", task, cust))
    append(session, changes)
    queue_message(session, cust, t("zh", "sms_confirm", name=cust.name, policy=policy.name), kind="confirm",
                  cost_per_segment=settings.cost_per_segment, policy_id=policy.id, now=now)
    return OrderOutcome("placed", policy.name, now, acc.id)
