"""Publishing server-side writes (seeding, imports, admin commands) to the change log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from server_stub.changes import append
from server_stub.storage.models import ENTITIES, Customer
from server_stub.sync.wire import change_for


def publish(session: Session, entity: str, rows: Iterable[Any]) -> int:
    """Append ``upsert`` changes for server-side writes of ``rows`` (already added to
    ``session``); returns the last cursor. Customers of dependent rows are looked up."""
    if entity not in ENTITIES:
        raise ValueError(f"unknown entity {entity!r}")
    rows = list(rows)
    cache: dict[str, Customer | None] = {}
    changes = []
    for row in rows:
        cust = None
        cid = getattr(row, "customer_id", None)
        if cid is not None:
            if cid not in cache:
                cache[cid] = session.get(Customer, cid)
            cust = cache[cid]
        changes.append(change_for(entity, row, cust))
    return append(session, changes)
