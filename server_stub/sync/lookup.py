"""Customer look-up by phone number: the portrait a caller may see, with an audit entry."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server_stub.auth import Principal
from server_stub.privacy import desk_customer
from server_stub.storage.models import Acceptance, ContactEvent, Customer, Task, WorkOrder
from server_stub.sync.scope import customer_visible
from server_stub.sync.wire import _encodable, _finite_copy, _servable, wire_row
from workbench.core.codes import TaskStatus
from workbench.core.phone import normalize_phone

#: one logger for the whole sync package (operators and tests filter on its name)
log = logging.getLogger("server_stub.sync")


def lookup(session: Session, p: Principal, phone: str) -> dict[str, Any] | None:
    """The customer with ``phone`` (normalised) that ``p`` may see, with their open tasks,
    recent contacts, acceptances and work orders; records an audit entry. None if none."""
    from server_stub.storage.models import AuditEntry

    number = normalize_phone(phone)
    candidates = session.execute(
        select(Customer).where(or_(Customer.phone == number, Customer.phone2 == number))
    ).scalars()
    cust = next((c for c in candidates if customer_visible(session, p, c)), None)
    if cust is None:
        session.add(AuditEntry(user_id=p.user_id, action="lookup_miss", detail=number[-4:]))
        return None
    session.add(AuditEntry(user_id=p.user_id, action="open_portrait", customer_id=cust.id, detail="lookup"))
    tasks = session.execute(
        select(Task).where(Task.customer_id == cust.id, Task.status == TaskStatus.OPEN.value)
    ).scalars()
    contacts = session.execute(
        select(ContactEvent).where(ContactEvent.customer_id == cust.id)
        .order_by(ContactEvent.started_at.desc()).limit(50)
    ).scalars()
    accepts = session.execute(select(Acceptance).where(Acceptance.customer_id == cust.id)).scalars()
    orders = session.execute(select(WorkOrder).where(WorkOrder.customer_id == cust.id)).scalars()
    customer = wire_row("customer", cust)
    if not _encodable(customer):  # a stored NaN / Infinity: served as null, and reported
        log.error("customer %s holds values that cannot be encoded as JSON; served as null", cust.id)
        customer = _finite_copy(customer)
    return {
        "customer": desk_customer(customer),
        "tasks": _servable("task", [wire_row("task", t) for t in tasks]),
        "contact_events": _servable("contact_event", [wire_row("contact_event", c) for c in contacts]),
        "acceptances": _servable("acceptance", [wire_row("acceptance", a) for a in accepts]),
        "work_orders": _servable("work_order", [wire_row("work_order", w) for w in orders]),
    }
