"""The state of one push transaction: the batch's customers read in one query, scope checked once
per customer, deferred inserts, and the attribution that belongs to the server."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from server_stub import call_grants
from server_stub.auth import Principal
from server_stub.storage.models import AppliedMutation, ContactEvent, Customer
from server_stub.sync.errors import Mutation, Rejected
from server_stub.sync.scope import CustomerRef, customer_writable
from server_stub.sync.validation import _require_id, cid_ok
from workbench.core.codes import Role
from workbench.core.dbutil import json_dumps
from workbench.core.entities import utcnow


@dataclass
class _Batch:
    """State of one push transaction."""

    session: Session
    principal: Principal
    #: full rows (created in this batch, or wanted whole by a handler)
    customers: dict[str, Customer | None] = field(default_factory=dict)
    #: id, team and store of the batch's customers, read in one query (loading a thousand
    #: full customer rows through the ORM cost a push of a thousand customers ~75 ms)
    refs: dict[str, CustomerRef] = field(default_factory=dict)
    contact_ids: set[str] = field(default_factory=set)
    now: dt.datetime = field(default_factory=utcnow)
    #: append-only rows inserted in one statement at the end of the batch (fast path);
    #: None in careful mode, where each mutation runs in its own savepoint
    deferred: list[dict[str, Any]] | None = field(default_factory=list)
    #: customers already found in scope in this batch (a batch often holds many outcomes of
    #: one customer; the scope cannot change within the transaction)
    visible: dict[str, Customer | CustomerRef] = field(default_factory=dict)

    def customer(self, customer_id: Any) -> Customer | CustomerRef:
        """The customer if in the caller's scope (id, team and store), else refused."""
        cid = customer_id if type(customer_id) is str and cid_ok(customer_id) else \
            _require_id({"customer_id": customer_id}, "customer_id")
        cust: Customer | CustomerRef | None = self.visible.get(cid)
        if cust is not None:  # seen in this batch, in scope
            return cust
        cust = self.refs.get(cid)
        if cust is None:
            if cid not in self.customers:
                self.customers[cid] = self.session.get(Customer, cid)
            cust = self.customers[cid]
        if cust is None or not customer_writable(self.session, self.principal, cust):
            # same answer for "missing" and "not yours": no probing of other scopes
            raise Rejected(f"customer {cid} not found in your scope")
        self.visible[cid] = cust
        return cust

    def call_customer(self, customer_id: Any) -> tuple[Customer | CustomerRef, str | None]:
        """:meth:`customer`, or a customer outside the scope whose call was routed to the
        caller, with the id of the unspent call grant to spend (see ``server_stub.call_grants``)."""
        try:
            return self.customer(customer_id), None
        except Rejected:
            cid = customer_id if type(customer_id) is str else ""
            cust = self.refs.get(cid) or self.customers.get(cid)
            grant = call_grants.open_grant(self.session, self.principal.user_id, cid, self.now) if cust else None
            if cust is None or grant is None:
                if cust is not None and call_grants.had_grant(self.session, self.principal.user_id, cid):
                    raise Rejected(f"customer {cid} is outside your scope: the call routed to you allows one "
                                   "contact event, and it is recorded or the call is over") from None
                raise
            return cust, grant

    def full_customer(self, customer_id: Any) -> Customer:
        """The customer's whole row (to change it, or to send it), if in the caller's scope."""
        cust = self.customer(customer_id)
        if isinstance(cust, Customer):
            return cust
        row = self.customers.get(cust.id) or self.session.get(Customer, cust.id)
        assert row is not None  # found a moment ago in this transaction
        self.customers[cust.id] = row
        return row

    def prefetch(self, mutations: Sequence[Mutation]) -> None:
        ids = {m.data.get("customer_id") for m in mutations if isinstance(m.data.get("customer_id"), str)}
        ids |= {m.data.get("id") for m in mutations if m.entity == "customer" and isinstance(m.data.get("id"), str)}
        ids.discard(None)
        if ids:
            for row in _run_among(self.session, "refs", ids):
                self.refs[row[0]] = CustomerRef(*row)
        if self.deferred is not None:
            # fast path: an event id that exists already fails the batch's insert on the
            # primary key, and the batch is tried again in careful mode, which looks first
            return
        cids = [m.data.get("id") for m in mutations if m.entity == "contact_event" and isinstance(m.data.get("id"), str)]
        if cids:
            self.contact_ids |= {row[0] for row in _run_among(self.session, "events", cids)}


def _among(dialect: str, column: Any) -> Any:
    """``column IN (:among)`` with the values as one bound parameter: a JSON array read by
    ``json_each`` on SQLite, an array with ``= ANY`` on PostgreSQL. The statement is then the
    same for every batch (compiled once, cached), where an IN list of a thousand placeholders
    is rendered and compiled again each time, and runs into parameter limits."""
    if dialect == "sqlite":
        each = func.json_each(bindparam("among", type_=Text)).table_valued("value")
        return column.in_(select(each.c.value))
    return column == any_(bindparam("among", type_=ARRAY(Text)))


@functools.cache
def _among_select(dialect: str, what: str) -> Any:
    """The prebuilt look-ups of a push by a list of ids (see :func:`_run_among`)."""
    if what == "refs":  # id, team and store of the batch's customers
        return select(Customer.id, Customer.team_id, Customer.store_id).where(_among(dialect, Customer.id))
    if what == "events":  # contact event ids that exist already
        return select(ContactEvent.id).where(_among(dialect, ContactEvent.id))
    if what == "earlier":  # mutations decided before
        return (select(AppliedMutation.mutation_id, AppliedMutation.user_id, cast(AppliedMutation.result, Text))
                .where(_among(dialect, AppliedMutation.mutation_id)))
    raise ValueError(what)


def _run_among(session: Session, what: str, values: Iterable[str]) -> Any:
    """Rows of the look-up ``what`` (:func:`_among_select`) for ``values``: one prebuilt
    statement on the session's connection (built per call, statement and cache key cost
    more than the query)."""
    conn = session.connection()
    dialect = conn.dialect.name
    ids = list(values)
    return conn.execute(_among_select(dialect, what), {"among": json_dumps(ids) if dialect == "sqlite" else ids})


def _own_fields(b: _Batch, values: dict[str, Any], cust: Customer | CustomerRef, *,
                store_of_customer: bool) -> None:
    """Who did it, and for which team and store, is the server's to say, not the client's:
    whatever the client sent in ``user_id``, ``team_id`` and ``store_id`` is overwritten.

    - ``user_id``: the caller;
    - ``team_id``: an agent's or lead's own team; for receptionists and admins the
      customer's team (the team whose customer it is);
    - ``store_id``: a receptionist's own store; for the others None, or with
      ``store_of_customer`` (acceptances, as the desktop records them) the customer's store.
    """
    p = b.principal
    values["user_id"] = p.user_id
    if p.role in (Role.AGENT, Role.LEAD):
        values["team_id"] = p.team_id
    else:
        values["team_id"] = cust.team_id
    if p.role == Role.RECEPTIONIST:
        values["store_id"] = p.store_id
    else:
        values["store_id"] = cust.store_id if store_of_customer else None
