"""The SMS funnel for the dashboards: SMS sent -> delivered -> link opened -> ordered online,
with the cost per order (issue 15 point 8, the server's half: the desks' channel comparison
already counts the SMS and online contact events they receive)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server_stub.storage.models import Acceptance, Customer, OnlineVisit, SmsMessage


@dataclass(frozen=True)
class SmsFunnel:
    messages: int
    sent: int
    delivered: int
    failed: int
    waiting: int
    customers_reached: int
    links_opened: int
    ordered: int
    cost: float
    cost_per_order: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sms_funnel(session: Session, since: dt.datetime, until: dt.datetime, team_id: str | None = None) -> SmsFunnel:
    """Marketing SMS (campaigns and hang-up SMS) created in [since, until); opened and ordered
    count the customers who opened the zone / ordered online after their first SMS."""
    query = select(SmsMessage.customer_id, SmsMessage.status, SmsMessage.cost, SmsMessage.created_at).where(
        SmsMessage.created_at >= since, SmsMessage.created_at < until, SmsMessage.kind.in_(("campaign", "hangup")))
    if team_id is not None:
        query = query.join(Customer, Customer.id == SmsMessage.customer_id).where(Customer.team_id == team_id)
    rows = session.execute(query).all()
    first: dict[str, dt.datetime] = {}
    counts = {"sent": 0, "delivered": 0, "failed": 0, "waiting": 0}
    cost = 0.0
    for cid, status, c, at in rows:
        first[cid] = min(first.get(cid, at), at)
        cost += c or 0.0
        if status in ("sent", "delivered", "failed"):
            counts["sent"] += 1
        if status == "delivered":
            counts["delivered"] += 1
        elif status == "failed":
            counts["failed"] += 1
        elif status in ("queued", "sending"):
            counts["waiting"] += 1
    opened = {cid for cid, at in session.execute(
        select(OnlineVisit.customer_id, OnlineVisit.at).where(OnlineVisit.at >= since)) if cid in first and at >= first[cid]}
    ordered = {cid for cid, at in session.execute(
        select(Acceptance.customer_id, Acceptance.accepted_at).where(Acceptance.channel == "online",
                                                                     Acceptance.status == "accepted",
                                                                     Acceptance.accepted_at >= since))
               if cid in first and at >= first[cid]}
    return SmsFunnel(messages=len(rows), customers_reached=len(first), links_opened=len(opened), ordered=len(ordered),
                     cost=round(cost, 2), cost_per_order=round(cost / len(ordered), 2) if ordered else None, **counts)
