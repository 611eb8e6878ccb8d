"""Which user names each desktop receives: the ones it shows, not the whole directory.

User rows travel through the change log tagged with the user's team and store, so the usual
scope gives an agent or a lead their team, a receptionist their store, an administrator
everyone. A receptionist also needs the agents who send their store work orders (the work
order shows who sent it): those rows are visible to them too, and the first work order from
an agent to a store publishes the agent's row to that store.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, select
from sqlalchemy.orm import Session

from server_stub.changes import Change
from server_stub.storage.models import ChangeLog, User, WorkOrder
from workbench.core.codes import Role


def user_tags(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """The change log's scope tags of a user row: their team and store."""
    return data.get("team_id"), data.get("store_id")


def extra_users(p: Any) -> Any:
    """SQL condition on ``change_log``: user rows ``p`` sees beyond their team or store."""
    if p.role == Role.RECEPTIONIST and p.store_id is not None:
        return store_senders(p.store_id)
    return false()


def store_senders(store_id: Any) -> Any:
    """SQL condition on ``change_log``: the user rows of those who sent ``store_id`` (a value
    or a bound parameter) work orders."""
    senders = select(WorkOrder.from_user_id).where(WorkOrder.store_id == store_id,
                                                   WorkOrder.from_user_id.is_not(None))
    return and_(ChangeLog.entity == "user", ChangeLog.entity_id.in_(senders))


def sender_for_store(session: Session, user_id: str, store_id: str, wire_row: Any) -> Change | None:
    """The row of ``user_id`` for ``store_id``'s receptionists, if this is the first work order
    the user sends that store (call before adding the new work order)."""
    earlier = session.execute(
        select(WorkOrder.id).where(WorkOrder.from_user_id == user_id, WorkOrder.store_id == store_id).limit(1)
    ).first()
    if earlier is not None:
        return None
    user = session.get(User, user_id)
    if user is None:
        return None
    return Change("user", user.id, wire_row("user", user), store_id=store_id)
