"""A new lead the server refused because the number belongs to a customer already.

The server answers a ``customer/create`` whose number (or ID number) is taken with the id of
the customer who has it (one customer per person, issue #18). The desk then folds its lead
into that customer: what was recorded on the lead (contacts, acceptances, work orders) is
pointed at the existing customer, pending pushes too, and pushes the server refused because
they named the lead go out again for the existing customer; the local lead row goes. The
view-model then opens the existing customer's pop through the serve rules (a hotline agent or
a receptionist gets a grant; an outbound agent of another team is told the number belongs to
another team's customer). No Qt here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workbench.local_store.models import (
    Acceptance,
    ContactEvent,
    Customer,
    Outbox,
    Rejection,
    Task,
    WorkOrder,
)
from workbench.local_store.outbox import enqueue

_DEPENDENT = ("contact_event", "acceptance", "work_order")


def adopt_existing(session: Session, lead_id: str, existing_id: str) -> str | None:
    """Fold the local lead ``lead_id`` into the server's customer ``existing_id`` (in the
    caller's transaction); returns the lead's number, or None if the lead is not local."""
    lead = session.get(Customer, lead_id)
    if lead is None or not lead.is_lead or lead_id == existing_id:
        return None
    number = lead.phone
    for model in (ContactEvent, Acceptance, WorkOrder, Task):
        session.execute(update(model).where(model.customer_id == lead_id).values(customer_id=existing_id))
    for row in session.execute(select(Outbox).where(Outbox.entity.in_(_DEPENDENT))).scalars():
        if isinstance(row.data, dict) and row.data.get("customer_id") == lead_id:
            row.data = {**row.data, "customer_id": existing_id}
    for rej in session.execute(select(Rejection).where(Rejection.entity.in_(_DEPENDENT))).scalars():
        data: dict[str, Any] = dict(rej.data) if isinstance(rej.data, dict) else {}
        if data.get("customer_id") != lead_id:
            continue
        op = str(data.pop("op", "create"))
        enqueue(session, rej.entity, op, {**data, "customer_id": existing_id})
        session.delete(rej)
    session.delete(lead)
    return number
