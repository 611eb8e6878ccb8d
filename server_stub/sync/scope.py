"""Scopes, written once: which customers a caller may write or see, and which change-log rows a
pull may return (the same rules as SQL conditions, prebuilt per kind of caller)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import String, and_, bindparam, false, or_, select
from sqlalchemy.orm import Session

from server_stub import call_grants, directory
from server_stub.auth import Principal
from server_stub.storage.models import ChangeLog, Customer, WorkOrder
from workbench.core.codes import Role


def customer_scope_ok(p: Principal, customer: Customer | CustomerRef) -> bool:
    """Whether ``p``'s role and team/store cover ``customer`` (without special grants)."""
    if p.role == Role.ADMIN:
        return True
    if p.role == Role.RECEPTIONIST:
        return p.store_id is not None and customer.store_id == p.store_id
    return p.team_id is not None and customer.team_id == p.team_id


def customer_writable(session: Session, p: Principal, customer: Customer | CustomerRef) -> bool:
    """Scope plus the store grant: a store may work on customers it has a work order for."""
    if customer_scope_ok(p, customer):
        return True
    from server_stub.grants import has_grant

    if has_grant(session, p.user_id, customer.id):  # a hotline call or a store visit (serve grant)
        return True
    if p.role == Role.RECEPTIONIST and p.store_id is not None:
        hit = session.execute(
            select(WorkOrder.id).where(WorkOrder.customer_id == customer.id, WorkOrder.store_id == p.store_id).limit(1)
        ).first()
        if hit is not None:
            return True
    return False


def customer_visible(session: Session, p: Principal, customer: Customer | CustomerRef) -> bool:
    """Writable, or read-only through a call routed to ``p`` (see ``server_stub.call_grants``)."""
    return customer_writable(session, p, customer) or call_grants.can_read(session, p.user_id, customer.id)


class CustomerRef(NamedTuple):
    """What a push needs of most customers: who they are and whose scope they are in."""

    id: str
    team_id: str | None
    store_id: str | None


def _scope_kind(p: Principal) -> str:
    """Which of the prebuilt scope conditions applies to ``p`` (see :func:`_scope_condition`)."""
    if p.role == Role.ADMIN:
        return "admin"
    if p.role == Role.RECEPTIONIST:
        return "store" if p.store_id is not None else "none"
    return "team" if p.team_id is not None else "none"


def _scope_condition(kind: str) -> Any:
    """The scope condition of a kind of caller, with the caller's ids as bound parameters
    ``user``, ``team`` and ``store`` (built once per kind: see :func:`_pull_select`)."""
    target = ChangeLog.target_user_id
    mine = target == bindparam("user", type_=String)
    untagged = and_(ChangeLog.team_id.is_(None), ChangeLog.store_id.is_(None))
    if kind == "admin":
        return or_(target.is_(None), mine)
    extra: Any = false()
    if kind == "store":
        store = bindparam("store", type_=String)
        own = ChangeLog.store_id == store
        extra = directory.store_senders(store)
    elif kind == "team":
        own = ChangeLog.team_id == bindparam("team", type_=String)
    else:
        own = false()
    # untagged user rows (users of no team and no store: administrators) only for administrators
    shared = and_(untagged, ChangeLog.entity != "user")
    return or_(mine, and_(target.is_(None), or_(shared, own, extra)))


def _scope_params(p: Principal) -> dict[str, Any]:
    return {"user": p.user_id, "team": p.team_id, "store": p.store_id}


def scope_filter(p: Principal) -> Any:
    """SQL condition on ``change_log`` rows that ``p`` may see (values bound)."""
    return _scope_condition(_scope_kind(p)).params(_scope_params(p))
