"""Minimum necessary: full numbers only on an audited reveal, exports audited, the audit log
for admins.

- ``POST /api/v1/customers/{id}/reveal``: the full number of a customer the caller may see
  (own book or a serve grant), for roles allowed to reveal (:data:`REVEAL_ROLES`); each reveal
  is an audit entry. Agents dial without it (the desk keeps the number in a non-displayed
  column), so they are not among the roles.
- ``POST /api/v1/audit/exports``: a desk reports a table export (what, rows; masked numbers).
- ``GET /api/v1/admin/export/customers``: customers as CSV, with full numbers only for an
  admin who asks (``full=true``); audited.
- ``GET /api/v1/admin/audit``: the audit log, filtered (admin only; the read is audited too).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server_stub import audit
from server_stub.auth import Principal
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import Customer
from workbench.core.codes import Role

#: Roles that may reveal a full number (receptionists check identity at the counter, leads
#: handle complaints, admins manage data).
REVEAL_ROLES = frozenset({Role.RECEPTIONIST.value, Role.LEAD.value, Role.ADMIN.value})
MAX_EXPORT_ROWS = 200_000


#: How many trailing characters of an ID number a desk receives. With the exact birth year
#: (eligibility rules and scores need it) and the area code (from the city), the last 4 would
#: leave ~33 candidate ID numbers after the check digit; the last 2 leave thousands.
DESK_ID_CHARS = 2


def desk_customer(data: dict[str, Any]) -> dict[str, Any]:
    """A customer row as a desk may receive it: the ID number cut to its last
    :data:`DESK_ID_CHARS` characters, no ID suffix (the store's ID search runs on the server)."""
    masked = data.get("id_number_masked")
    if masked is None and data.get("id_suffix") is None:
        return data
    out = dict(data)
    tail = (masked or "")[-DESK_ID_CHARS:] if masked and masked[-1] != "*" else ""
    out["id_number_masked"] = "*" * (18 - len(tail)) + tail if tail else ""
    out["id_suffix"] = None
    return out


def desk_view(entity: str, data: Any) -> Any:
    """What a desk receives of a change-log entry's data (customers, and the portrait inside a
    call event, reduced by :func:`desk_customer`)."""
    if entity == "customer" and isinstance(data, dict):
        return desk_customer(data)
    if entity == "call_event" and isinstance(data, dict) and isinstance(data.get("customer"), dict):
        return {**data, "customer": desk_customer(data["customer"])}
    return data


def mask_phone(number: str | None) -> str:
    """138****8000: the first 3 and last 4 digits."""
    if not number:
        return ""
    return f"{number[:3]}****{number[-4:]}" if len(number) >= 8 else "****"


class RevealIn(BaseModel):
    field: Literal["phone", "phone2"] = "phone"
    reason: str = Field(default="", max_length=500)


class RevealOut(BaseModel):
    customer_id: str
    field: str
    number: str


class ExportIn(BaseModel):
    what: str = Field(min_length=1, max_length=100, description="which table (work list, search, ...)")
    rows: int = Field(ge=0, le=10_000_000)
    masked: bool = True
    format: str = Field(default="csv", max_length=10)


class AuditOut(BaseModel):
    id: int
    at: str
    user_id: str
    action: str
    customer_id: str | None
    detail: str
    address: str | None
    session_id: str | None
    rows: int | None


def router(factory: sessionmaker[Session], caller: Any, admin: Any, api_error: Callable[..., Exception]) -> APIRouter:
    """The privacy endpoints (``caller`` / ``admin``: the app's principal dependencies)."""
    from server_stub.sync import customer_visible

    r = APIRouter()

    def address(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    @r.post("/api/v1/customers/{customer_id}/reveal", response_model=RevealOut, tags=["customers"])
    def reveal(customer_id: Annotated[str, Path(max_length=40)], body: RevealIn, request: Request,
               p: Principal = Depends(caller)) -> RevealOut:  # noqa: B008  (a local dependency)
        """A customer's full number, for a role allowed to reveal; audited."""
        if "\x00" in body.reason or "\x00" in customer_id:
            raise api_error(400, "text must not contain NUL characters")
        with unit_of_work(factory) as session:
            if p.role not in REVEAL_ROLES:
                audit.record(session, "reveal_refused", user_id=p.user_id, customer_id=customer_id[:40],
                             detail=f"role {p.role} may not reveal numbers", address=address(request),
                             session_id=p.session_id)
                refused = True
            else:
                refused = False
                cust = session.get(Customer, customer_id)
                if cust is None or not customer_visible(session, p, cust):
                    cust = None
                else:
                    number = getattr(cust, body.field) or ""
                    audit.record(session, "reveal", user_id=p.user_id, customer_id=cust.id,
                                 detail=f"{body.field}: {body.reason}".strip(), address=address(request),
                                 session_id=p.session_id)
        if refused:
            raise api_error(403, "Your role may not reveal full numbers.")
        if cust is None:
            raise api_error(404, "No such customer in your scope.")
        if not number:
            raise api_error(404, "The customer has no such number.")
        return RevealOut(customer_id=cust.id, field=body.field, number=number)

    @r.post("/api/v1/audit/exports", response_model=dict[str, bool], tags=["audit"])
    def report_export(body: ExportIn, request: Request,
                      p: Principal = Depends(caller)) -> dict[str, bool]:  # noqa: B008
        """A desk tells the server it exported a table (masked numbers only from a desk)."""
        if not body.masked and p.role != Role.ADMIN:
            raise api_error(403, "Only an administrator may export full numbers.")
        with unit_of_work(factory) as session:
            audit.record(session, "export", user_id=p.user_id, rows=body.rows, address=address(request),
                         session_id=p.session_id,
                         detail=f"{body.what} ({body.format}, {'masked' if body.masked else 'FULL numbers'})")
        return {"ok": True}

    @r.get("/api/v1/admin/export/customers", tags=["admin"])
    def export_customers(request: Request, p: Principal = Depends(admin),  # noqa: B008
                         full: bool = False,
                         team: Annotated[str | None, Query(max_length=40)] = None) -> Response:
        """Customers as CSV (admin only); full numbers only with ``full=true``; audited."""
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["id", "name", "phone", "phone2", "team_id", "store_id", "city", "plan_name"])
        with unit_of_work(factory) as session:
            stmt = select(Customer.id, Customer.name, Customer.phone, Customer.phone2, Customer.team_id,
                          Customer.store_id, Customer.city, Customer.plan_name).order_by(Customer.id)
            if team:
                stmt = stmt.where(Customer.team_id == team)
            n = 0
            for row in session.execute(stmt.limit(MAX_EXPORT_ROWS)):
                phone, phone2 = (row.phone, row.phone2 or "") if full else (mask_phone(row.phone),
                                                                             mask_phone(row.phone2))
                w.writerow([row.id, row.name, phone, phone2, row.team_id or "", row.store_id or "", row.city,
                            row.plan_name])
                n += 1
            audit.record(session, "export", user_id=p.user_id, rows=n, address=address(request),
                         session_id=p.session_id,
                         detail=f"customers{' of ' + team if team else ''} (csv, {'FULL numbers' if full else 'masked'})")
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")

    @r.get("/api/v1/admin/audit", response_model=list[AuditOut], tags=["admin"])
    def read_audit(request: Request, p: Principal = Depends(admin),  # noqa: B008
                   user: Annotated[str | None, Query(max_length=60)] = None,
                   customer: Annotated[str | None, Query(max_length=40)] = None,
                   since: Annotated[str | None, Query(max_length=40)] = None,
                   action: Annotated[str | None, Query(max_length=40)] = None,
                   limit: Annotated[int, Query(ge=1, le=audit.MAX_QUERY_ROWS)] = 200) -> list[AuditOut]:
        """The audit log, newest first, filtered (admin only)."""
        try:
            when = audit.parse_since(since) if since else None
        except ValueError as exc:
            raise api_error(400, str(exc)) from None
        with unit_of_work(factory) as session:
            entries = [audit.entry_out(e) for e in audit.query(session, user=user, customer=customer, since=when,
                                                               action=action, limit=limit)]
            audit.record(session, "audit_read", user_id=p.user_id, rows=len(entries), address=address(request),
                         session_id=p.session_id, detail=audit.filters_text(user, customer, since, action))
        return [AuditOut(**e) for e in entries]

    return r
