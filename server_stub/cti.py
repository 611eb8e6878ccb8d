"""The call-event feed: a PBX tells the server that a call rings at an agent's phone.

``POST /api/v1/cti/events`` with header ``X-CTI-Secret`` (the shared secret of
``WORKBENCH_CTI_SECRET`` / ``Settings.cti_secret``) and ``{agent, caller, call_id?}``.
The server appends a change ``entity="call_event", op="event"`` targeted at that agent
only, so it reaches that agent's desktop through pull / long-poll and nobody else's. The
event carries the customer's portrait when the number is known, and grants that agent, for
this call only, reading the caller's customer and recording one contact event with them even
outside their team (``server_stub.call_grants``).

Wrong secrets are throttled per client address (``rate_limit.CTI_SECRET_FAILURES``): once the
bucket is empty the address gets 429 without its secret being compared at all.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Header, Request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from server_stub import audit, call_grants, rate_limit
from server_stub.api import schemas as s
from server_stub.changes import Change, append
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import Customer, User
from server_stub.sync import lock_log, wire_row
from workbench.core.clock import utcnow
from workbench.core.phone import InvalidPhoneError, normalize_phone


def route_call(session: Session, agent: str, caller: str, call_id: str | None = None) -> dict[str, Any]:
    """Append a call event for ``agent`` (username or user id); returns its summary.

    Raises:
        LookupError: no active user with that name or id.
        InvalidPhoneError: the caller number is not a phone number.
    """
    number = normalize_phone(caller)
    user = session.execute(
        select(User).where(or_(User.username == agent, User.id == agent), User.active.is_(True))
    ).scalars().first()
    if user is None:
        raise LookupError(f"no agent {agent!r}")
    lock_log(session)
    cust = session.execute(
        select(Customer).where(or_(Customer.phone == number, Customer.phone2 == number)).limit(1)
    ).scalar_one_or_none()
    event_id = uuid.uuid4().hex
    data: dict[str, Any] = {
        "id": event_id,
        "call_id": call_id,
        "caller": number,
        "agent_id": user.id,
        "at": utcnow().isoformat(),
        "customer_id": cust.id if cust else None,
        "customer": wire_row("customer", cust) if cust else None,
    }
    if cust is not None:
        call_grants.grant(session, event_id, user.id, cust.id, call_id)
    cursor = append(session, [Change("call_event", event_id, data, op="event", target_user_id=user.id)])
    audit.record(session, "cti_grant", user_id=user.id, customer_id=data["customer_id"],
                 detail=f"call {call_id or event_id} from …{number[-4:]}")
    return {"event_id": event_id, "cursor": cursor, "customer_id": data["customer_id"]}


def check_secret(factory: sessionmaker[Session], secret: str, given: str | None, address: str) -> bool:
    """Whether ``given`` is the CTI secret, spending a token of ``address``'s failure bucket
    under its lock (parallel guesses are counted one by one); a right secret gives it back.

    Raises:
        rate_limit.RateLimited: too many wrong secrets from ``address`` lately.
    """
    with factory() as session:
        rate_limit.take(session, f"cti-secret:{address}", rate_limit.CTI_SECRET_FAILURES)
        ok = bool(given) and hmac.compare_digest(str(given).encode(), secret.encode())
        if ok:
            session.rollback()  # the token was only held while the secret was compared
        else:
            session.commit()
        return ok


def register(app: FastAPI, factory: sessionmaker[Session], settings: Any, api_error: Callable[..., Exception]) -> None:
    """Add the CTI endpoint to ``app``."""
    @app.post("/api/v1/cti/events", response_model=s.CtiEventOut, tags=["cti"])
    def cti_event(
        body: s.CtiEventIn,
        request: Request,
        x_cti_secret: Annotated[str | None, Header(max_length=200)] = None,
    ) -> s.CtiEventOut:
        """A call rings at an agent: route it to that agent's desktop (shared-secret auth)."""
        secret = settings.cti_secret
        if not secret:
            raise api_error(503, "The call-event feed is not configured on this server (WORKBENCH_CTI_SECRET).")
        address = request.client.host if request.client else "unknown"
        try:
            ok = check_secret(factory, secret, x_cti_secret, address)
        except rate_limit.RateLimited as exc:
            raise api_error(429, f"Too many wrong X-CTI-Secret values. Try again in {exc.retry_after} seconds.",
                            {"Retry-After": str(exc.retry_after)}) from None
        if not ok:
            raise api_error(401, "Wrong or missing X-CTI-Secret.")
        try:
            with unit_of_work(factory) as session:
                out = route_call(session, body.agent, body.caller, body.call_id)
        except InvalidPhoneError as exc:
            raise api_error(400, str(exc)) from None
        except LookupError as exc:
            raise api_error(404, str(exc)) from None
        return s.CtiEventOut(**out)
