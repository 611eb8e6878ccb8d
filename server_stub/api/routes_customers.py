"""Customer lookup by number (the desktop's incoming-call match) and the health check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from server_stub import rate_limit, sync
from server_stub.api import schemas as s
from server_stub.api.deps import ApiError, Caller, ReadSession, Store
from server_stub.api.versions import MIN_CLIENT_SCHEMA, SCHEMA_VERSION
from server_stub.changes import current_cursor
from server_stub.storage.db import unit_of_work
from workbench.core.phone import InvalidPhoneError

router = APIRouter()


@router.get("/api/v1/customers/lookup", response_model=s.LookupOut, tags=["customers"])
def lookup(p: Caller, factory: Store, phone: Annotated[str, Query(min_length=1, max_length=40)]) -> s.LookupOut:
    """The customer with this number, if in the caller's scope (404 otherwise); 429 with
    Retry-After beyond ``rate_limit.LOOKUPS_PER_USER``."""
    try:
        with unit_of_work(factory) as session:  # its own short transaction: the lock is brief
            rate_limit.take(session, f"lookup:{p.user_id}", rate_limit.LOOKUPS_PER_USER)
        with unit_of_work(factory) as session:
            found = sync.lookup(session, p, phone)
    except rate_limit.RateLimited as exc:
        raise ApiError(429, str(exc), {"Retry-After": str(exc.retry_after)}) from None
    except InvalidPhoneError as exc:
        raise ApiError(400, str(exc)) from None
    if found is None:
        raise ApiError(404, "No customer with this number in your scope.")
    return s.LookupOut(**found)

@router.get("/api/v1/health", response_model=s.HealthOut, tags=["health"])
def health(session: ReadSession) -> s.HealthOut:
    """Liveness and readiness: answers only if the store answers."""
    cursor = current_cursor(session)
    return s.HealthOut(status="ok", schema_version=SCHEMA_VERSION,
                       min_client_schema=MIN_CLIENT_SCHEMA, cursor=cursor)
