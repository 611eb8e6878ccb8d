"""The call-event feed: a PBX tells the server that a call rings at an agent's phone.

``POST /api/v1/cti/events`` with header ``X-CTI-Secret`` (the shared secret of
``WORKBENCH_CTI_SECRET`` / ``Settings.cti_secret``) and ``{agent, caller, call_id?}``.
The server appends a change ``entity="call_event", op="event"`` targeted at that agent
only, so it reaches that agent's desktop through pull / long-poll and nobody else's. The
event carries the customer's portrait when the number is known, which also lets that agent
look the caller up even outside their team ("those who called them").
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Header
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from server_stub import audit
from server_stub.api import schemas as s
from server_stub.changes import Change, append
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import Customer, User
from server_stub.sync import lock_log, wire_row
from workbench.local_store.entities import utcnow
from workbench.services.phone import InvalidPhoneError, normalize_phone


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
    cursor = append(session, [Change("call_event", event_id, data, op="event", target_user_id=user.id)])
    audit.record(session, "cti_grant", user_id=user.id, customer_id=data["customer_id"],
                 detail=f"call {call_id or event_id} from …{number[-4:]}")
    return {"event_id": event_id, "cursor": cursor, "customer_id": data["customer_id"]}


def register(app: FastAPI, factory: sessionmaker[Session], settings: Any, api_error: Callable[..., Exception]) -> None:
    """Add the CTI endpoint to ``app``."""
    @app.post("/api/v1/cti/events", response_model=s.CtiEventOut, tags=["cti"])
    def cti_event(
        body: s.CtiEventIn,
        x_cti_secret: Annotated[str | None, Header(max_length=200)] = None,
    ) -> s.CtiEventOut:
        """A call rings at an agent: route it to that agent's desktop (shared-secret auth)."""
        secret = settings.cti_secret
        if not secret:
            raise api_error(503, "The call-event feed is not configured on this server (WORKBENCH_CTI_SECRET).")
        if not x_cti_secret or not hmac.compare_digest(x_cti_secret.encode(), secret.encode()):
            raise api_error(401, "Wrong or missing X-CTI-Secret.")
        try:
            with unit_of_work(factory) as session:
                out = route_call(session, body.agent, body.caller, body.call_id)
        except InvalidPhoneError as exc:
            raise api_error(400, str(exc)) from None
        except LookupError as exc:
            raise api_error(404, str(exc)) from None
        return s.CtiEventOut(**out)
