"""Serve grants: the hotline and the stores serve whoever calls or walks in.

An outbound agent works their own book. A hotline agent (an agent or lead of a team with
``serves_callers``) and a store receptionist serve any customer who calls or walks in: the
desktop asks ``POST /api/v1/serve`` with the number (or, at a store, the member number or the
ID number, matched here on the server) and where the call or visit came from (the server's
call event, the softphone, ``workbench call``, the store's arrival search). Outside the
caller's book the server issues a **grant** for that one customer and that one call or visit,
expiring after :data:`GRANT_TTL`, and audits who, when and why.

Within the grant the desk receives the portrait, the contact trail, acceptances and work orders
(policies and scripts are reference data every desk has) and may record a contact, an
acceptance or a work order for that customer (:func:`server_stub.sync.customer_visible` asks
:func:`has_grant`). Never the customer's tasks (they are another agent's work), never a
pull of the other book: pull scopes are unchanged. A grant is the server's row; a desk cannot
make one up, and one user's grant is worth nothing to another.

Hostile callers: unknown and out-of-reach customers answer the same 404 (no probing of other
books); grants per user per hour are capped (:data:`MAX_GRANTS_PER_HOUR`, 429), so a hotline
account cannot walk the whole customer base; every grant and refusal is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from server_stub import audit
from server_stub.auth import Principal
from server_stub.privacy import desk_customer
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import (
    Acceptance,
    ContactEvent,
    Customer,
    ServeGrant,
    Task,
    Team,
    WorkOrder,
)
from workbench.core.codes import Role, TaskStatus
from workbench.core.entities import utcnow
from workbench.core.phone import InvalidPhoneError, normalize_phone

#: How long a grant lasts: a call or a visit, with time to finish the paperwork.
GRANT_TTL = dt.timedelta(hours=4)
#: Grants one user may receive per hour (a busy hotline desk takes ~30 calls an hour).
MAX_GRANTS_PER_HOUR = 120
#: Where a call or visit can come from.
SOURCES = ("call_event", "softphone", "cli", "store_arrival", "search")
KEY_KINDS = ("phone", "member_no", "id_number")


class ServeRefused(Exception):
    """The request cannot be served; ``status`` is the HTTP status, the message safe to show."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def serves_callers(session: Session, p: Principal) -> bool:
    """Whether ``p`` serves whoever calls or walks in (hotline agents and receptionists)."""
    if p.role == Role.RECEPTIONIST:
        return p.store_id is not None
    if p.role in (Role.AGENT, Role.LEAD) and p.team_id is not None:
        team = session.get(Team, p.team_id)
        return bool(team is not None and team.serves_callers)
    return False


def has_grant(session: Session, user_id: str, customer_id: str, now: dt.datetime | None = None) -> bool:
    """Whether ``user_id`` holds an unexpired grant on ``customer_id``."""
    return active_grant(session, user_id, customer_id, now) is not None


def active_grant(session: Session, user_id: str, customer_id: str, now: dt.datetime | None = None,
                 call_id: str | None = None) -> ServeGrant | None:
    stmt = select(ServeGrant).where(ServeGrant.user_id == user_id, ServeGrant.customer_id == customer_id,
                                    ServeGrant.expires_at > (now or utcnow()))
    if call_id is not None:
        stmt = stmt.where(ServeGrant.call_id == call_id)
    return session.execute(stmt.order_by(ServeGrant.expires_at.desc()).limit(1)).scalars().first()


def find_customer(session: Session, kind: str, value: str) -> Customer | None:
    """The customer with this number (either of theirs), member number or ID number."""
    if kind == "phone":
        number = normalize_phone(value)
        return session.execute(select(Customer).where(or_(Customer.phone == number, Customer.phone2 == number))
                               .order_by(Customer.id).limit(1)).scalars().first()
    if kind == "member_no":
        return session.execute(select(Customer).where(Customer.member_no == value.strip())
                               .order_by(Customer.id).limit(1)).scalars().first()
    if kind == "id_number":
        from server_stub.identity import IdNumberError, customer_by_id_number

        try:
            return customer_by_id_number(session, value)
        except IdNumberError as exc:
            raise ServeRefused(400, str(exc)) from None
    raise ServeRefused(400, f"kind must be one of {', '.join(KEY_KINDS)}")


def _wire(entity: str, row: Any) -> dict[str, Any]:
    from server_stub.sync import wire_row

    return wire_row(entity, row)


def customer_payload(session: Session, cust: Customer, *, with_tasks: bool) -> dict[str, Any]:
    """What a desk needs to pop ``cust``: portrait, trail, acceptances, work orders (and the
    open tasks only for the customer's own book)."""
    tasks = session.execute(select(Task).where(Task.customer_id == cust.id, Task.status == TaskStatus.OPEN.value)
                            ).scalars() if with_tasks else ()
    contacts = session.execute(select(ContactEvent).where(ContactEvent.customer_id == cust.id)
                               .order_by(ContactEvent.started_at.desc()).limit(50)).scalars()
    accepts = session.execute(select(Acceptance).where(Acceptance.customer_id == cust.id)).scalars()
    orders = session.execute(select(WorkOrder).where(WorkOrder.customer_id == cust.id)).scalars()
    return {
        "customer": desk_customer(_wire("customer", cust)),
        "tasks": [_wire("task", t) for t in tasks],
        "contact_events": [_wire("contact_event", c) for c in contacts],
        "acceptances": [_wire("acceptance", a) for a in accepts],
        "work_orders": [_wire("work_order", w) for w in orders],
    }


def grant_out(g: ServeGrant) -> dict[str, Any]:
    return {"id": g.id, "customer_id": g.customer_id, "source": g.source, "call_id": g.call_id,
            "created_at": g.created_at.isoformat(), "expires_at": g.expires_at.isoformat()}


def serve(session: Session, p: Principal, *, kind: str, value: str, source: str, call_id: str | None = None,
          reason: str = "", address: str | None = None) -> dict[str, Any] | None:
    """Open the customer for this call or visit; None if there is nobody the caller may serve.

    Raises:
        ServeRefused: bad input (400) or too many grants this hour (429).
    """
    from server_stub.sync import customer_scope_ok, customer_visible

    if source not in SOURCES:
        raise ServeRefused(400, f"source must be one of {', '.join(SOURCES)}")
    if kind not in KEY_KINDS:
        raise ServeRefused(400, f"kind must be one of {', '.join(KEY_KINDS)}")
    try:
        cust = find_customer(session, kind, value)
    except InvalidPhoneError as exc:
        raise ServeRefused(400, str(exc)) from None
    hint = value.strip()[-4:]
    if cust is None:
        audit.record(session, "lookup_miss", user_id=p.user_id, detail=f"{kind} …{hint} ({source})",
                     address=address, session_id=p.session_id)
        return None
    if customer_scope_ok(p, cust) or (not serves_callers(session, p) and customer_visible(session, p, cust)):
        audit.record(session, "open_portrait", user_id=p.user_id, customer_id=cust.id, detail=f"serve {source}",
                     address=address, session_id=p.session_id)
        return {"grant": None, **customer_payload(session, cust, with_tasks=True)}
    if not serves_callers(session, p):
        # outbound agents stay in their book: the same answer as for an unknown number
        audit.record(session, "serve_refused", user_id=p.user_id, customer_id=cust.id,
                     detail=f"not a serving role ({source})", address=address, session_id=p.session_id)
        return None
    now = utcnow()
    grant = active_grant(session, p.user_id, cust.id, now, call_id=call_id) if call_id else None
    if grant is None:
        recent = session.execute(select(func.count()).select_from(ServeGrant).where(
            ServeGrant.user_id == p.user_id, ServeGrant.created_at > now - dt.timedelta(hours=1))).scalar_one()
        if recent >= MAX_GRANTS_PER_HOUR:
            audit.record(session, "serve_refused", user_id=p.user_id, customer_id=cust.id,
                         detail="too many grants this hour", address=address, session_id=p.session_id)
            raise ServeRefused(429, "Too many customers opened in the last hour; ask your team lead.")
        grant = ServeGrant(id=uuid.uuid4().hex, user_id=p.user_id, customer_id=cust.id, source=source,
                           call_id=call_id, reason=reason, created_at=now, expires_at=now + GRANT_TTL)
        session.add(grant)
        audit.record(session, "serve_grant", user_id=p.user_id, customer_id=cust.id, address=address,
                     session_id=p.session_id,
                     detail=f"{source} call={call_id or '-'} until {grant.expires_at:%H:%M}Z: {reason}".strip())
    return {"grant": grant_out(grant), **customer_payload(session, cust, with_tasks=False)}


def reopen(session: Session, p: Principal, grant_id: str, address: str | None = None) -> dict[str, Any] | None:
    """The pop data again under an existing grant of ``p`` (None: no such grant of theirs, or
    expired)."""
    grant = session.get(ServeGrant, grant_id)
    if grant is None or grant.user_id != p.user_id or grant.expires_at <= utcnow():
        audit.record(session, "serve_refused", user_id=p.user_id, detail=f"grant {grant_id[:40]} not valid",
                     address=address, session_id=p.session_id)
        return None
    cust = session.get(Customer, grant.customer_id)
    if cust is None:
        return None
    audit.record(session, "open_portrait", user_id=p.user_id, customer_id=cust.id, detail=f"grant {grant.id}",
                 address=address, session_id=p.session_id)
    return {"grant": grant_out(grant), **customer_payload(session, cust, with_tasks=False)}


# ------------------------------------------------------------------ HTTP


class ServeIn(BaseModel):
    """Who is calling or walking in, and from where."""

    value: str = Field(min_length=1, max_length=40, description="the number, member number or ID number")
    kind: Literal["phone", "member_no", "id_number"] = "phone"
    source: Literal["call_event", "softphone", "cli", "store_arrival", "search"]
    call_id: str | None = Field(default=None, max_length=80)
    reason: str = Field(default="", max_length=500)


class GrantOut(BaseModel):
    id: str
    customer_id: str
    source: str
    call_id: str | None
    created_at: str
    expires_at: str


class ServeOut(BaseModel):
    grant: GrantOut | None
    customer: dict[str, Any]
    tasks: list[dict[str, Any]]
    contact_events: list[dict[str, Any]]
    acceptances: list[dict[str, Any]]
    work_orders: list[dict[str, Any]]


def router(factory: sessionmaker[Session], caller: Any, api_error: Callable[..., Exception]) -> APIRouter:
    """The serve endpoints (``caller`` is the app's authenticated-principal dependency)."""
    r = APIRouter(tags=["customers"])

    def address(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    @r.post("/api/v1/serve", response_model=ServeOut)
    def serve_endpoint(body: ServeIn, request: Request,
                       p: Principal = Depends(caller)) -> ServeOut:  # noqa: B008  (a local dependency)
        """Open the customer who calls or walks in (a serve grant outside the caller's book)."""
        for text in (body.value, body.call_id or "", body.reason):
            if "\x00" in text:
                raise api_error(400, "text must not contain NUL characters")
        try:
            with unit_of_work(factory) as session:
                found = serve(session, p, kind=body.kind, value=body.value, source=body.source,
                              call_id=body.call_id, reason=body.reason, address=address(request))
        except ServeRefused as exc:
            if exc.status == 429:
                raise api_error(429, str(exc), {"Retry-After": "600"}) from None
            raise api_error(exc.status, str(exc)) from None
        if found is None:
            raise api_error(404, "No customer with this number you may serve.")
        return ServeOut(**found)

    @r.get("/api/v1/serve/grants/{grant_id}", response_model=ServeOut)
    def reopen_endpoint(grant_id: Annotated[str, Path(max_length=40)], request: Request,
                        p: Principal = Depends(caller)) -> ServeOut:  # noqa: B008  (a local dependency)
        """The customer of one of the caller's own unexpired grants (404 otherwise)."""
        with unit_of_work(factory) as session:
            found = reopen(session, p, grant_id, address(request))
        if found is None:
            raise api_error(404, "No such serve grant, or it has expired.")
        return ServeOut(**found)

    return r
