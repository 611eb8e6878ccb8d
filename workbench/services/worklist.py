"""The user's work list: open tasks (agents), waiting work orders (stores), results to see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.appointments import business_day, order_for_store
from workbench.core.clock import business_day_bounds
from workbench.core.codes import Role, TaskStatus, WorkOrderStatus
from workbench.core.entities import utcnow
from workbench.core.phone import mask_middle, mask_phone
from workbench.local_store.models import Callback, Customer, Policy, Store, Task, WorkOrder
from workbench.services.actor import Actor

WORKLIST_LIMIT = 500


@dataclass(frozen=True)
class WorkItem:
    """One line of the work list: a task or a work order."""

    kind: str  # "task" or "work_order"
    id: str
    customer_id: str
    customer_name: str
    phone: str
    phone_display: str
    policy_name: str
    channel: str
    status: str
    lead_tier: str
    deal_p: float | None
    when: dt.datetime | None
    detail: str = ""
    #: forced circulation: the task goes back to the team pool then unless worked
    recycle_at: dt.datetime | None = None
    #: a work order's appointment (aware UTC) and its length in minutes
    appointment_at: dt.datetime | None = None
    appointment_minutes: int | None = None


def load_worklist(sf: sessionmaker[Session], actor: Actor, now: dt.datetime | None = None) -> list[WorkItem]:
    """Open tasks assigned to the actor and work orders that need them, best first; call-backs
    whose time has come on top."""
    items: list[WorkItem] = []
    now = now or utcnow()
    with sf() as s:
        policies = dict(s.execute(select(Policy.id, Policy.name)).tuples().all())
        stores = dict(s.execute(select(Store.id, Store.name)).tuples().all())
        if actor.role in (Role.AGENT, Role.LEAD):
            cond = Task.assignee_id == actor.user_id
        elif actor.role == Role.RECEPTIONIST:  # the store's own tasks (agents make the calls)
            cond = (Task.store_id == actor.store_id) & (Task.channel == "store")
        else:
            cond = Task.status == TaskStatus.OPEN.value
        rows = s.execute(
            select(Task, Customer)
            .join(Customer, Customer.id == Task.customer_id)
            .where(cond, Task.status == TaskStatus.OPEN.value)
            .order_by(Task.priority.desc(), Task.created_at)
            .limit(WORKLIST_LIMIT)
        ).all()
        for task, cust in rows:
            items.append(
                WorkItem(
                    "task", task.id, cust.id, cust.name, cust.phone,
                    cust.phone if actor.sees_full_numbers else mask_middle(cust.phone),
                    policies.get(task.policy_id, ""), task.channel, task.status,
                    task.lead_tier or cust.lead_tier or "", (cust.scores or {}).get("deal"),
                    task.due_at, recycle_at=task.recycle_at,
                )
            )
        if actor.role == Role.RECEPTIONIST:
            wo_cond = (WorkOrder.store_id == actor.store_id) & WorkOrder.status.in_(
                [WorkOrderStatus.CREATED.value, WorkOrderStatus.ARRIVED.value]
            )
        else:
            wo_cond = (WorkOrder.from_user_id == actor.user_id) & WorkOrder.status.in_(
                [WorkOrderStatus.CREATED.value, WorkOrderStatus.ARRIVED.value,
                 WorkOrderStatus.DONE.value, WorkOrderStatus.FAILED.value]
            )
        wo_order: list[Any] = [WorkOrder.updated_at.desc()]
        if actor.role == Role.RECEPTIONIST:  # the limit must not cut off today's appointments
            day_start, _ = business_day_bounds(business_day(now), None)
            wo_order = [case((WorkOrder.appointment_at >= day_start, 0), else_=1),
                        WorkOrder.appointment_at, *wo_order]
        for wo, cust in s.execute(
            select(WorkOrder, Customer)
            .join(Customer, Customer.id == WorkOrder.customer_id)
            .where(wo_cond)
            .order_by(*wo_order)
            .limit(WORKLIST_LIMIT)
        ).all():
            items.append(
                WorkItem(
                    "work_order", wo.id, cust.id, cust.name, cust.phone,
                    cust.phone if actor.sees_full_numbers else mask_middle(cust.phone),
                    policies.get(wo.policy_id or "", ""), "store", wo.status, cust.lead_tier or "",
                    (cust.scores or {}).get("deal"), wo.updated_at,
                    detail=(stores.get(wo.store_id, wo.store_id) + (f" · {wo.result_reason}" if wo.result_reason else "")),
                    appointment_at=wo.appointment_at, appointment_minutes=wo.appointment_minutes,
                )
            )
        if actor.role in (Role.AGENT, Role.LEAD):
            items.extend(_callback_items(s, actor, now))

    # Due call-backs first (oldest first), then work orders with a result (the agent must
    # see them), then tasks by deal probability; call-backs not yet due last, by their time.
    def rank(item: WorkItem) -> tuple[int, float]:
        if item.kind == "callback":
            at = item.when.timestamp() if item.when else 0.0
            return (0, at) if item.status == "due" else (3, at)
        urgent = item.kind == "work_order" and item.status in ("done", "failed", "arrived", "created")
        return (1 if urgent else 2, -(item.deal_p or 0.0))

    items.sort(key=rank)
    if actor.role == Role.RECEPTIONIST:
        # the store's day: today's appointments in time order on top, then later ones
        orders = order_for_store([i for i in items if i.kind == "work_order"], business_day(now),
                                 lambda i: i.appointment_at)
        items = orders + [i for i in items if i.kind != "work_order"]
    return items


def _callback_items(s: Session, actor: Actor, now: dt.datetime) -> list[WorkItem]:
    """The actor's open call-backs (own, or the team's without an owner) as work items:
    status ``due`` once their time has come, else ``open``; detail ``team`` / ``released``
    for the team's."""
    mine = Callback.owner_id == actor.user_id
    cond = mine if actor.team_id is None else (
        mine | (Callback.owner_id.is_(None) & (Callback.team_id == actor.team_id)))
    rows = s.execute(
        select(Callback, Customer).join(Customer, Customer.id == Callback.customer_id)
        .where(Callback.status == "open", cond).order_by(Callback.due_at).limit(WORKLIST_LIMIT)
    ).all()
    out = []
    for cb, cust in rows:
        marker = "released" if cb.released_at is not None else ("team" if cb.owner_id is None else "")
        out.append(WorkItem(
            "callback", cb.id, cust.id, cust.name, cust.phone,
            cust.phone if actor.sees_full_numbers else mask_phone(cust.phone), "", "outbound",
            "due" if cb.due_at <= now else "open", cust.lead_tier or "",
            (cust.scores or {}).get("deal"), cb.due_at,
            detail=" · ".join(x for x in (marker, cb.note) if x)))
    return out


def stores_by_city(sf: sessionmaker[Session], city: str) -> list[tuple[str, str, str]]:
    """Stores as (id, name, city), those in ``city`` first: for "transfer to store"."""
    with sf() as s:
        rows = s.execute(select(Store.id, Store.name, Store.city).order_by(Store.city, Store.name)).tuples().all()
    return sorted(rows, key=lambda r: (r[2] != city, r[2], r[1]))
