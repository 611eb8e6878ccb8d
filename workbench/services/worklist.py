"""The user's work list: open tasks (agents), waiting work orders (stores), results to see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from workbench.local_store.models import Customer, Policy, Store, Task, WorkOrder
from workbench.services.actor import Actor
from workbench.services.codes import Role, TaskStatus, WorkOrderStatus
from workbench.services.phone import mask_middle

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


def load_worklist(sf: sessionmaker[Session], actor: Actor) -> list[WorkItem]:
    """Open tasks assigned to the actor and work orders that need them, best first."""
    items: list[WorkItem] = []
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
                    task.due_at,
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
        for wo, cust in s.execute(
            select(WorkOrder, Customer)
            .join(Customer, Customer.id == WorkOrder.customer_id)
            .where(wo_cond)
            .order_by(WorkOrder.updated_at.desc())
            .limit(WORKLIST_LIMIT)
        ).all():
            items.append(
                WorkItem(
                    "work_order", wo.id, cust.id, cust.name, cust.phone,
                    cust.phone if actor.sees_full_numbers else mask_middle(cust.phone),
                    policies.get(wo.policy_id or "", ""), "store", wo.status, cust.lead_tier or "",
                    (cust.scores or {}).get("deal"), wo.updated_at,
                    detail=(stores.get(wo.store_id, wo.store_id) + (f" · {wo.result_reason}" if wo.result_reason else "")),
                )
            )
    # Work orders with a result first (the agent must see them), then by deal probability.
    def rank(item: WorkItem) -> tuple[int, float]:
        urgent = item.kind == "work_order" and item.status in ("done", "failed", "arrived", "created")
        return (0 if urgent else 1, -(item.deal_p or 0.0))

    items.sort(key=rank)
    return items


def stores_by_city(sf: sessionmaker[Session], city: str) -> list[tuple[str, str, str]]:
    """Stores as (id, name, city), those in ``city`` first: for "transfer to store"."""
    with sf() as s:
        rows = s.execute(select(Store.id, Store.name, Store.city).order_by(Store.city, Store.name)).tuples().all()
    return sorted(rows, key=lambda r: (r[2] != city, r[2], r[1]))
