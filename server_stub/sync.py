"""Push and pull: the server half of the sync protocol (see docs/sync-protocol.md).

Push applies a batch of client mutations in one transaction:

1. take the change-log counter lock first (``UPDATE cursor_counter``): pushes are serialised,
   so "server order" is well defined, last-writer-wins is the order of commits, and cursors
   commit in order (a puller reading ``cursor > C`` never skips one);
2. bind the client id to the user on first use (another user's client id is refused);
3. look up every mutation id in ``applied_mutations``: a replay gets ``duplicate`` with the
   earlier result and changes nothing;
4. validate each new mutation against the shared rules (:mod:`workbench.core.codes`) and
   the caller's scope, apply it, and collect its change-log entries;
5. append all changes at once, store each mutation's result, commit.

Pull returns the change-log entries after a cursor that the caller's scope may see.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pydantic_core
from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    Integer,
    String,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from server_stub import call_grants, directory
from server_stub.auth import Principal
from server_stub.bulk import RawWriter
from server_stub.changes import Change, append, current_cursor
from server_stub.identity import (
    DuplicateCustomerError,
    IdNumberError,
    check_new_customer,
    claim_keys,
)
from server_stub.privacy import desk_customer, desk_view
from server_stub.storage.db import unit_of_work
from server_stub.storage.fast_insert import bind_processor, insert_rows
from server_stub.storage.models import (
    ENTITIES,
    Acceptance,
    AppliedMutation,
    ChangeLog,
    ContactEvent,
    CursorCounter,
    Customer,
    Policy,
    Store,
    SyncClient,
    Task,
    WorkOrder,
)
from workbench.core import jsontext, limits
from workbench.core.codes import (
    TASK_TRANSITIONS,
    AcceptanceStatus,
    Channel,
    IllegalTransitionError,
    Intent,
    Role,
    TaskStatus,
    WorkOrderStatus,
    WrapUp,
    check_acceptance_transition,
    check_work_order_transition,
)
from workbench.core.dbutil import json_dumps, json_loads
from workbench.core.entities import (
    UTCDateTime,
    parse_when,
    utcnow,
)
from workbench.core.phone import InvalidPhoneError, normalize_phone
from workbench.core.portrait_edit import apply_tag_edit, edit_reason

log = logging.getLogger(__name__)

_DESK_VIEWED = frozenset({"customer", "call_event"})
MAX_BATCH = 2000
MAX_PULL_LIMIT = 5000
#: Fields of a user that never leave the server.
PRIVATE_USER_FIELDS = frozenset({"password_hash", "active"})
#: Entities without a customer: reference data, visible to everyone.
REFERENCE_ENTITIES = frozenset({"team", "store", "user", "policy", "script", "pressure_limit"})


class Rejected(Exception):
    """A mutation the rules refuse; the message goes back to the client as its reason."""


class Duplicate(Rejected):
    """A new customer whose number or ID number belongs to ``customer_id`` already: the
    result names that customer, so the desktop opens them instead."""

    def __init__(self, message: str, customer_id: str) -> None:
        super().__init__(message)
        self.customer_id = customer_id


class PushForbidden(Exception):
    """The whole push is refused (another user's client id or mutation ids): HTTP 403."""


class BadCursor(Exception):
    """A cursor that cannot be: HTTP 400 (negative) or 409 (beyond the end of the log)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Mutation(NamedTuple):
    """One client mutation as it arrives in a push."""

    mutation_id: str
    entity: str
    op: str
    data: dict[str, Any]


# ------------------------------------------------------------------ wire helpers


def _wire_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def wire_row(entity: str, row: Any) -> dict[str, Any]:
    """A mapped row as wire data, minus fields that never leave the server.

    Values that no desktop could take are repaired (and logged): a JSON column that reads as
    None or as the wrong kind (damaged text, see
    :func:`server_stub.storage.db.lenient_json_loads`) becomes its default, and a non-finite
    number (a ``NaN`` or infinity written into the store behind the server's back) None.
    """
    out = {col.key: _wire_value(getattr(row, col.key)) for col in row.__table__.columns}
    if entity == "user":
        for key in PRIVATE_USER_FIELDS:
            out.pop(key, None)
    checks = _wire_checks(type(row))
    if checks is not None:
        _repair(entity, out, checks)
    return out


@functools.cache
def _wire_checks(cls: type) -> tuple[tuple[str, Callable[[], Any]], ...] | None:
    """(key, default) of the JSON columns of ``cls``; None if it has neither JSON nor
    float columns (nothing to repair: tasks, teams, stores ...)."""
    cols = cls.__table__.columns  # type: ignore[attr-defined]
    if not any(isinstance(c.type, JSON | Float) for c in cols):
        return None
    out = []
    for c in cols:
        if isinstance(c.type, JSON):
            arg = c.default.arg if c.default is not None else None
            make: Callable[[], Any] = (lambda a=arg: a(None)) if callable(arg) else (lambda: None)
            out.append((c.key, make))
    return tuple(out)


def _repair(entity: str, out: dict[str, Any], checks: tuple[tuple[str, Callable[[], Any]], ...]) -> None:
    repaired = []
    for key, make in checks:
        if key not in out:
            continue
        default = make()
        if default is not None and out[key].__class__ is not default.__class__:
            out[key] = default
            repaired.append(key)
    if not limits.is_finite_json(out):
        for key, value in list(out.items()):
            if not limits.is_finite_json(value):
                out[key] = _finite_copy(value)
                repaired.append(key)
    if repaired:
        log.error("%s %s holds values no desktop can take (%s); sent repaired",
                  entity, out.get("id"), ", ".join(repaired))


def wire_values(values: dict[str, Any], cls: type | None = None) -> dict[str, Any]:
    """Column values (as from :func:`coerce_row`) as wire data.

    With the row's class, only its time columns are looked at (the rest is already wire data).
    """
    if cls is None:
        return {k: _wire_value(v) for k, v in values.items()}
    out = dict(values)
    for k in _time_keys(cls):
        v = out.get(k)
        if v is not None:
            out[k] = _wire_value(v)
    return out


def change_for(entity: str, row: Any, customer: Customer | CustomerRef | None = None) -> Change:
    """The ``upsert`` change of ``row``, tagged with its customer's team and store.

    Server-side writers (seeding, imports, task generation, admin commands) publish their
    rows through this so that desktops receive them; reference data stays untagged.
    """
    data = wire_row(entity, row)
    team_id, store_id = _tags(entity, data, customer)
    return Change(entity=entity, entity_id=str(data["id"]), data=data, team_id=team_id, store_id=store_id)


def _tags(entity: str, data: dict[str, Any], customer: Customer | CustomerRef | None
          ) -> tuple[str | None, str | None]:
    if entity == "user":  # each role receives the names it shows (see server_stub.directory)
        return directory.user_tags(data)
    if entity in REFERENCE_ENTITIES:
        return None, None
    if entity == "customer":
        return data.get("team_id"), data.get("store_id")
    if entity == "work_order":
        team = customer.team_id if customer is not None else data.get("team_id")
        return team, data.get("store_id")
    if customer is not None:
        return customer.team_id, customer.store_id
    return data.get("team_id"), data.get("store_id")


# ------------------------------------------------------------------ validation


def _check_text(key: str, value: Any, max_len: int | None) -> str:
    if not isinstance(value, str):
        raise Rejected(f"{key}: expected text, got {type(value).__name__}")
    if "\x00" in value:
        raise Rejected(f"{key}: contains a NUL character")
    if max_len is not None and len(value) > max_len:
        raise Rejected(f"{key}: longer than {max_len} characters")
    return value


def _check_json(key: str, value: Any) -> Any:
    """``value`` if it can be stored as JSON (finite numbers, bounded depth and text), else
    refused with the reason (:func:`workbench.core.limits.json_reason`)."""
    why = limits.json_reason(key, value)
    if why is not None:
        raise Rejected(why)
    return value


def coerce_value(col: Any, value: Any) -> Any:
    """Check one wire value against its column; returns the value to store."""
    return _coercer(col)(value)


_EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


@functools.cache
def _coercer(col: Any) -> Callable[[Any], Any]:
    """The checking function of one column, built once (a push checks 17 fields per outcome)."""
    key = col.key
    ctype = col.type
    nullable = col.nullable

    def when(value: Any) -> Any:
        try:
            parsed = parse_when(value, key)
        except ValueError as exc:
            raise Rejected(str(exc)) from None
        if not _EARLIEST <= parsed <= _LATEST:
            raise Rejected(f"{key}: time out of range")
        return parsed

    def boolean(value: Any) -> Any:
        if not isinstance(value, bool):
            raise Rejected(f"{key}: expected true or false")
        return value

    def integer(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Rejected(f"{key}: expected a whole number")
        if abs(value) > 2**31 - 1:
            raise Rejected(f"{key}: number out of range")
        return value

    def number(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Rejected(f"{key}: expected a number")
        value = float(value)
        if value != value or value in (float("inf"), float("-inf")) or abs(value) > 1e15:
            raise Rejected(f"{key}: number out of range")
        return value

    def json_value(value: Any) -> Any:
        if not isinstance(value, list | dict):
            raise Rejected(f"{key}: expected a list or an object")
        return _check_json(key, value)

    max_len = getattr(ctype, "length", None)

    def text(value: Any) -> Any:
        if type(value) is str and "\x00" not in value and (max_len is None or len(value) <= max_len):
            return value
        return _check_text(key, value, max_len)  # raises with the reason

    check: Callable[[Any], Any]
    if isinstance(ctype, UTCDateTime):
        check = when
    elif isinstance(ctype, Boolean):
        check = boolean
    elif isinstance(ctype, Integer):
        check = integer
    elif isinstance(ctype, Float):
        check = number
    elif isinstance(ctype, JSON):
        check = json_value
    elif isinstance(ctype, String | Text):
        check = text
    else:
        def check(value: Any) -> Any:
            return value

    def coerce(value: Any) -> Any:
        if value is None:
            if not nullable:
                raise Rejected(f"{key}: must not be empty")
            return None
        return check(value)

    return coerce


_TEXT, _INT, _FLOAT, _OTHER = 0, 1, 2, 3
_MISSING = object()


@functools.cache
def _columns(cls: type) -> tuple[tuple[str, Callable[[Any], Any], Any, bool, int, int], ...]:
    """(key, checker, default, nullable, kind, max length) of each column of ``cls``, computed
    once per class. ``kind`` lets :func:`coerce_row` accept the common well-formed text and
    whole numbers inline; everything else goes through the column's checker."""
    out = []
    for col in cls.__table__.columns:  # type: ignore[attr-defined]
        ctype = col.type
        kind = _OTHER
        if isinstance(ctype, String | Text) and not isinstance(ctype, UTCDateTime | JSON):
            kind = _TEXT
        elif isinstance(ctype, Integer) and not isinstance(ctype, Boolean):
            kind = _INT
        elif isinstance(ctype, Float):
            kind = _FLOAT
        max_len = getattr(ctype, "length", None) or 1 << 62
        out.append((col.key, _coercer(col), col.default, bool(col.nullable), kind, max_len))
    return tuple(out)


@functools.cache
def _time_keys(cls: type) -> frozenset[str]:
    return frozenset(col.key for col in cls.__table__.columns  # type: ignore[attr-defined]
                     if isinstance(col.type, UTCDateTime))


def coerce_row(cls: type, data: dict[str, Any], *, fill_defaults: bool = True) -> dict[str, Any]:
    """Validated column values for a new ``cls`` row from wire ``data``.

    Missing columns get their defaults (without ``fill_defaults``: stay missing); missing
    required columns are refused.
    """
    return _row_coercer(cls, fill_defaults)(data)


def _missing(key: str, default: Any, nullable: bool) -> Any:
    """The value of a column missing from the data: its default, None, or refused."""
    if default is None:
        if nullable:
            return None
        raise Rejected(f"{key}: required")
    arg = default.arg
    return arg(None) if callable(arg) else (list(arg) if isinstance(arg, list) else arg)


def _empty(key: str) -> None:
    raise Rejected(f"{key}: must not be empty")


@functools.cache
def _row_coercer(cls: type, fill_defaults: bool) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """:func:`coerce_row` for one class, as straight-line code built once: a push checks every
    field of every mutation, and a loop over the columns spent more time unpacking its own
    bookkeeping than checking. Well-formed text and whole numbers are accepted inline; the
    rest goes through the column's checker (:func:`_coercer`), which accepts or refuses with
    the reason. A property test holds it to the per-column checkers."""
    env: dict[str, Any] = {"_M": _MISSING, "_missing": _missing, "_empty": _empty}
    lines = ["def coerce(data):", "    out = {}", "    get = data.get"]
    for i, (key, check, default, nullable, kind, max_len) in enumerate(_columns(cls)):
        env[f"c{i}"], env[f"d{i}"] = check, default
        k = repr(key)
        if kind == _TEXT:
            lines.append(f"    v = get({k}, _M)")
            lines.append(f"    if v.__class__ is str and len(v) <= {max_len} and '\\x00' not in v: out[{k}] = v")
        elif kind == _INT:
            lines.append(f"    v = get({k}, _M)")
            lines.append(f"    if v.__class__ is int and -2147483648 < v < 2147483648: out[{k}] = v")
        elif kind == _FLOAT:  # NaN and infinities fail the comparison: the checker refuses them
            lines.append(f"    v = get({k}, _M)")
            lines.append(f"    if v.__class__ is float and -1e15 <= v <= 1e15: out[{k}] = v")
        else:
            lines.append(f"    v = get({k}, _M)")
            lines.append("    if False: pass")
        if fill_defaults:
            lines.append(f"    elif v is _M: out[{k}] = _missing({k}, d{i}, {nullable})")
        else:
            lines.append("    elif v is _M: pass")
        lines.append(f"    elif v is None: out[{k}] = None" if nullable else f"    elif v is None: _empty({k})")
        lines.append(f"    else: out[{k}] = c{i}(v)")
    lines.append("    return out")
    exec(compile("\n".join(lines), f"<coerce_row {cls.__name__}>", "exec"), env)  # our own code, no input
    return env["coerce"]  # type: ignore[no-any-return]


def cid_ok(value: str) -> bool:
    """Whether a text id is acceptable (what :func:`_require_id` checks, for a known str)."""
    return 0 < len(value) <= 40 and "\x00" not in value and not value.isspace()


def _require_id(data: dict[str, Any], key: str = "id") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise Rejected(f"{key}: required")
    if len(value) > 40 or "\x00" in value:
        raise Rejected(f"{key}: not a valid id")
    return value


@functools.cache
def _allowed(enum: type) -> tuple[frozenset[str], str]:
    values = [e.value for e in enum]  # type: ignore[attr-defined]
    return frozenset(values), ", ".join(values)


def _enum(name: str, value: Any, enum: type) -> str:
    allowed, listed = _allowed(enum)
    if not isinstance(value, str) or value not in allowed:
        raise Rejected(f"{name}: {value!r} is not one of {listed}")
    return value


# ------------------------------------------------------------------ scope


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


# ------------------------------------------------------------------ push


class CustomerRef(NamedTuple):
    """What a push needs of most customers: who they are and whose scope they are in."""

    id: str
    team_id: str | None
    store_id: str | None


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


def _within(key: str, value: Any, allowed: limits.Range) -> None:
    """Refuse a number (already checked to be one, or None) outside its business range."""
    if value is not None and not allowed.lo <= value <= allowed.hi:
        raise Rejected(limits.range_reason(key, value, allowed) or f"{key}: out of range")


def _when_within(key: str, value: dt.datetime | None, now: dt.datetime,
                 ahead: dt.timedelta = limits.MAX_CLOCK_SKEW) -> None:
    if value is not None and not limits.EARLIEST_TIME <= value <= now + ahead:
        raise Rejected(limits.time_reason(key, value, now=now, ahead=ahead) or f"{key}: out of range")


def _short(key: str, value: str | None, max_len: int) -> None:
    if value is not None and len(value) > max_len:
        raise Rejected(f"{key}: longer than {max_len} characters")


def _check_contact_limits(values: dict[str, Any], now: dt.datetime) -> None:
    _within("duration_s", values["duration_s"], limits.CALL_DURATION_S)
    _within("cost", values["cost"], limits.CONTACT_COST)
    _within("deal_value", values["deal_value"], limits.DEAL_VALUE)
    _within("predicted_p", values["predicted_p"], limits.PROBABILITY)
    _when_within("started_at", values["started_at"], now)
    _when_within("callback_at", values["callback_at"], now, limits.MAX_CALLBACK_AHEAD)
    _short("note", values["note"], limits.MAX_NOTE)


def _check_customer_limits(values: dict[str, Any]) -> None:
    for key, allowed in (("arpu", limits.ARPU), ("data_usage_gb", limits.DATA_USAGE_GB),
                         ("plan_fee", limits.PLAN_FEE), ("tenure_months", limits.TENURE_MONTHS),
                         ("birth_year", limits.BIRTH_YEAR)):
        if key in values:
            _within(key, values[key], allowed)
    why = None
    if values.get("tags") is not None:
        why = limits.tags_reason("tags", values["tags"])
    if why is None and values.get("scores") is not None:
        why = limits.scores_reason("scores", values["scores"])
    if why is not None:
        raise Rejected(why)
    if "note" in values:
        _short("note", values["note"], limits.MAX_NOTE)


def _contact_event_create(b: _Batch, data: dict[str, Any]) -> list[Change]:
    cid = _require_id(data)
    cust, grant = b.call_customer(data.get("customer_id"))
    values = coerce_row(ContactEvent, data)
    _enum("channel", values["channel"], Channel)
    _enum("wrapup", values["wrapup"], WrapUp)
    _enum("intent", values["intent"], Intent)
    _check_contact_limits(values, b.now)
    if cid in b.contact_ids:
        raise Rejected(f"contact event {cid} already exists (contact events are append-only)")
    if grant is not None and not call_grants.use(b.session, grant, cid):  # last check: spends it
        raise Rejected(f"customer {cust.id} is outside your scope")
    _own_fields(b, values, cust, store_of_customer=False)
    b.contact_ids.add(cid)
    if b.deferred is not None:
        b.deferred.append(values)
    else:
        b.session.add(ContactEvent(**values))
    return [Change("contact_event", cid, wire_values(values, ContactEvent), team_id=cust.team_id, store_id=cust.store_id)]


def random_id_ok(value: str) -> bool:
    """Whether ``value`` is a random UUID (version 4) as 32 lower-case hex digits or in the
    hyphenated form: what desktops generate (:func:`workbench.local_store.outbox.new_id`).
    Ids that others could guess (``A0000001``, a counter, a timestamp) are refused."""
    if len(value) not in (32, 36):
        return False
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return False
    return parsed.version == 4 and value in (parsed.hex, str(parsed))


def _acceptance_create(b: _Batch, data: dict[str, Any]) -> list[Change]:
    aid = _require_id(data)
    if not random_id_ok(aid):
        raise Rejected("id: an acceptance id must be a random UUID (version 4)")
    cust = b.customer(data.get("customer_id"))
    values = coerce_row(Acceptance, data)
    _enum("channel", values["channel"], Channel)
    if values["status"] != AcceptanceStatus.ACCEPTED.value:
        raise Rejected("a new acceptance must have status 'accepted'")
    _within("value", values["value"], limits.ACCEPTANCE_VALUE)
    _when_within("accepted_at", values["accepted_at"], b.now)
    if b.session.get(Policy, values["policy_id"]) is None:
        raise Rejected(f"policy {values['policy_id']} does not exist")
    if b.session.get(Acceptance, aid) is not None:
        raise Rejected(f"acceptance {aid} already exists")
    earlier = b.session.execute(
        select(Acceptance.id).where(
            Acceptance.customer_id == cust.id,
            Acceptance.policy_id == values["policy_id"],
            Acceptance.status == AcceptanceStatus.ACCEPTED.value,
        ).limit(1)
    ).scalar()
    if earlier is not None:
        # the earlier acceptance may be another team's: its id is not the caller's to know
        raise Rejected("the customer already accepted this policy")
    _own_fields(b, values, cust, store_of_customer=True)
    b.session.add(Acceptance(**values))
    b.session.flush()
    changes = [Change("acceptance", aid, wire_values(values, Acceptance), team_id=cust.team_id, store_id=cust.store_id)]
    # Closed loop: once accepted anywhere, nobody is asked to offer it again.
    tasks = b.session.execute(
        select(Task).where(
            Task.customer_id == cust.id,
            Task.policy_id == values["policy_id"],
            Task.status == TaskStatus.OPEN.value,
        )
    ).scalars()
    for task in tasks:
        task.status = TaskStatus.SUPPRESSED.value
        changes.append(change_for("task", task, cust))
    return changes


def _acceptance_transition(b: _Batch, data: dict[str, Any]) -> list[Change]:
    aid = _require_id(data)
    status = data.get("status")
    row = b.session.get(Acceptance, aid)
    if row is None:
        raise Rejected(f"acceptance {aid} not found in your scope")
    try:
        cust = b.customer(row.customer_id)
    except Rejected:
        # name only what the caller sent: not the customer behind another team's acceptance
        raise Rejected(f"acceptance {aid} not found in your scope") from None
    try:
        check_acceptance_transition(row.status, status)  # type: ignore[arg-type]
    except IllegalTransitionError as exc:
        raise Rejected(str(exc)) from None
    row.status = str(status)
    return [change_for("acceptance", row, cust)]


def _work_order_create(b: _Batch, data: dict[str, Any]) -> list[Change]:
    wid = _require_id(data)
    cust = b.full_customer(data.get("customer_id"))
    values = coerce_row(WorkOrder, data)
    if values["status"] != WorkOrderStatus.CREATED.value:
        raise Rejected("a new work order must have status 'created'")
    _short("note", values["note"], limits.MAX_NOTE)
    if b.session.get(Store, values["store_id"]) is None:
        raise Rejected(f"store {values['store_id']} does not exist")
    if values.get("policy_id") is not None and b.session.get(Policy, values["policy_id"]) is None:
        raise Rejected(f"policy {values['policy_id']} does not exist")
    if b.session.get(WorkOrder, wid) is not None:
        raise Rejected(f"work order {wid} already exists")
    # who and where are the server's: the sender, the customer's team; nobody has handled
    # it yet (whatever the client sent in handled_by / result_reason is dropped)
    values["from_user_id"] = b.principal.user_id
    values["team_id"] = cust.team_id
    values["handled_by"] = None
    values["result_reason"] = ""
    values["created_at"] = values["updated_at"] = b.now
    sender = directory.sender_for_store(b.session, b.principal.user_id, values["store_id"], wire_row)
    b.session.add(WorkOrder(**values))
    changes = [Change("work_order", wid, wire_values(values, WorkOrder), team_id=cust.team_id, store_id=values["store_id"])]
    if sender is not None:  # the store's receptionists see who sends them work
        changes.append(sender)
    if values["store_id"] != cust.store_id:
        # the receiving store needs the portrait of the customer it is asked to serve
        changes.append(Change("customer", cust.id, wire_row("customer", cust), store_id=values["store_id"]))
    return changes


def _work_order_transition(b: _Batch, data: dict[str, Any]) -> list[Change]:
    wid = _require_id(data)
    row = b.session.get(WorkOrder, wid)
    p = b.principal
    allowed = row is not None and (
        p.role == Role.ADMIN
        or (p.role == Role.RECEPTIONIST and p.store_id is not None and row.store_id == p.store_id)
        or (p.role in (Role.AGENT, Role.LEAD) and p.team_id is not None and row.team_id == p.team_id)
    )
    if row is None or not allowed:
        raise Rejected(f"work order {wid} not found in your scope")
    status, reason = data.get("status"), data.get("reason")
    if reason is not None:
        reason = _check_text("reason", reason, limits.MAX_REASON)
    try:
        check_work_order_transition(row.status, status, reason)  # type: ignore[arg-type]
    except IllegalTransitionError as exc:
        raise Rejected(str(exc)) from None
    row.status = str(status)
    if reason:
        row.result_reason = reason
    row.handled_by = p.user_id
    row.updated_at = b.now
    cust = b.session.get(Customer, row.customer_id)
    return [change_for("work_order", row, cust)]


def _customer_create(b: _Batch, data: dict[str, Any]) -> list[Change]:
    cid = _require_id(data)
    if data.get("is_lead") is not True:
        raise Rejected("desktops may only create new leads (is_lead = true)")
    values = coerce_row(Customer, data)
    _check_customer_limits(values)
    try:
        values["phone"] = normalize_phone(values["phone"])
    except InvalidPhoneError as exc:
        raise Rejected(str(exc)) from None
    p = b.principal
    if p.role == Role.RECEPTIONIST:
        values["store_id"] = p.store_id
        values["team_id"] = None
    elif p.role != Role.ADMIN:
        values["team_id"] = p.team_id
        values["store_id"] = None
    existing = b.customers.get(cid) if cid in b.customers else b.session.get(Customer, cid)
    if existing is not None:
        raise Rejected(f"customer {cid} already exists")
    try:  # one customer per person
        keys = check_new_customer(b.session, values, data.get("id_number"))
    except DuplicateCustomerError as exc:
        raise Duplicate(str(exc), exc.customer_id) from None
    except (IdNumberError, InvalidPhoneError) as exc:
        raise Rejected(str(exc)) from None
    values["updated_at"] = b.now
    row = Customer(**values)
    b.session.add(row)
    b.customers[cid] = row
    claim_keys(b.session, cid, keys)
    return [Change("customer", cid, wire_values(values, Customer), team_id=values["team_id"], store_id=values["store_id"])]


def _customer_update(b: _Batch, data: dict[str, Any]) -> list[Change]:
    """A portrait edit from a desk: only the editable fields (see core/portrait_edit.py);
    the last writer in server order wins."""
    cid = _require_id(data)
    fields = {k: v for k, v in data.items() if k != "id"}
    reason = edit_reason(fields)
    if reason:
        raise Rejected(reason)
    cust = b.full_customer(cid)
    if not customer_scope_ok(b.principal, cust):
        raise Rejected(f"customer {cid} not found in your scope")
    for key, value in fields.items():
        if key not in ("tags_add", "tags_remove"):
            setattr(cust, key, value)
    if "tags_add" in fields or "tags_remove" in fields:
        tags = apply_tag_edit(cust.tags, fields.get("tags_add") or (), fields.get("tags_remove") or ())
        if len(tags) > limits.MAX_TAGS:
            raise Rejected(f"tags: more than {limits.MAX_TAGS} tags")
        cust.tags = tags
    cust.updated_at = b.now
    return [change_for("customer", cust)]


def _task_transition(b: _Batch, data: dict[str, Any]) -> list[Change]:
    tid = _require_id(data)
    row = b.session.get(Task, tid)
    if row is None:
        raise Rejected(f"task {tid} not found in your scope")
    cust = b.session.get(Customer, row.customer_id)
    if cust is None or not customer_scope_ok(b.principal, cust):
        raise Rejected(f"task {tid} not found in your scope")
    status = data.get("status")
    if status not in TASK_TRANSITIONS.get(row.status, frozenset()):
        raise Rejected(f"a task that is {row.status} cannot become {status}")
    row.status = str(status)
    return [change_for("task", row, cust)]


def _sms_request(b: _Batch, data: dict[str, Any]) -> list[Change]:
    """The hang-up SMS (issue 15): see :mod:`server_stub.sms.hangup`."""
    from server_stub.sms.hangup import request_from_push

    return request_from_push(b, data)


HANDLERS: dict[tuple[str, str], Callable[[_Batch, dict[str, Any]], list[Change]]] = {
    ("contact_event", "create"): _contact_event_create,
    ("acceptance", "create"): _acceptance_create,
    ("acceptance", "transition"): _acceptance_transition,
    ("work_order", "create"): _work_order_create,
    ("work_order", "transition"): _work_order_transition,
    ("customer", "create"): _customer_create,
    ("customer", "update"): _customer_update,
    ("task", "transition"): _task_transition,
    ("sms", "request"): _sms_request,
}


_COUNTER = CursorCounter.__table__
_LOCK = update(_COUNTER).where(_COUNTER.c.id == 1).values(value=_COUNTER.c.value)
_CLIENT_OWNER = select(SyncClient.user_id).where(SyncClient.client_id == bindparam("client"))


def lock_log(session: Session) -> None:
    """Take the change-log counter lock now (serialises writers until commit)."""
    result = session.connection().execute(_LOCK)
    if not result.rowcount:  # type: ignore[attr-defined]
        session.add(CursorCounter(id=1, value=0))
        session.flush()


class _Earlier(NamedTuple):
    """A mutation id seen before: whose it is and what it answered."""

    user_id: str
    result: dict[str, Any]


def _earlier_result(mutation_id: str, text: str | None) -> dict[str, Any]:
    """The stored result of an earlier mutation; one that cannot be read (damaged in the
    store) is logged and answered as "applied before, result unknown" -- the mutation is
    still never applied twice."""
    try:
        result = None if text is None else json_loads(text)
    except (ValueError, RecursionError):
        result = None
    if isinstance(result, dict) and isinstance(result.get("status"), str) and _encodable(result):
        return result
    log.error("the stored result of mutation %s cannot be read; answered as seen before", mutation_id)
    return {"status": "unknown"}


def _push_tx(
    session: Session, p: Principal, client_id: str, mutations: Sequence[Mutation], careful: bool
) -> tuple[list[dict[str, Any]], int]:
    # A batch of new contact events only (the usual push: outcomes) checks nothing that a
    # parallel push could change: it takes the counter lock just before the log is appended,
    # so pushes wait for each other for a few statements instead of the whole batch; a clash
    # (the same ids twice) fails on a primary key and is retried in careful mode, locked first.
    late_lock = not careful and all(m.entity == "contact_event" and m.op == "create" for m in mutations)
    if not late_lock:
        lock_log(session)
    conn = session.connection()
    owner = conn.execute(_CLIENT_OWNER, {"client": client_id}).scalar()
    if owner is None:
        session.add(SyncClient(client_id=client_id, user_id=p.user_id))
    elif owner != p.user_id:
        raise PushForbidden("this client id is registered to another user")
    earlier: dict[str, _Earlier] = {}
    if mutations:
        for mid, uid, result in _run_among(session, "earlier", (m.mutation_id for m in mutations)):
            earlier[mid] = _Earlier(uid, _earlier_result(mid, result))
    if any(row.user_id != p.user_id for row in earlier.values()):
        raise PushForbidden("a mutation id in this batch belongs to another user")

    batch = _Batch(session, p, deferred=None if careful else [])
    batch.prefetch([m for m in mutations if m.mutation_id not in earlier])
    results: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []
    changes: list[Change] = []
    ends: list[int | None] = []  # per result: index (exclusive) of its last change
    seen: dict[str, dict[str, Any]] = {}
    for m in mutations:
        prior = earlier[m.mutation_id].result if m.mutation_id in earlier else seen.get(m.mutation_id)
        if prior is not None:
            dup = {**prior, "mutation_id": m.mutation_id, "status": "duplicate",
                   "original_status": prior.get("original_status", prior.get("status"))}
            results.append(dup)
            ends.append(None)
            continue
        handler = HANDLERS.get((m.entity, m.op))
        result: dict[str, Any] = {"mutation_id": m.mutation_id}
        try:
            if handler is None:
                raise Rejected(f"unknown entity/op: {m.entity}/{m.op}")
            if careful:
                with session.begin_nested():
                    produced = handler(batch, m.data)
            else:
                produced = handler(batch, m.data)
            changes.extend(produced)
            result["status"] = "applied"
            ends.append(len(changes) if produced else None)
        except Rejected as exc:
            result["status"] = "rejected"
            result["reason"] = str(exc)
            if isinstance(exc, Duplicate):
                result["existing_customer_id"] = exc.customer_id
            ends.append(None)
        except DBAPIError as exc:
            if not careful:
                raise
            result["status"] = "rejected"
            result["reason"] = f"could not be stored: {type(exc.orig).__name__}"
            ends.append(None)
        results.append(result)
        seen[m.mutation_id] = result
        stored.append(result)

    session.flush()
    writer = RawWriter(session)
    if batch.deferred:
        table = ContactEvent.__table__
        writer.insert(table, [c.key for c in table.columns], batch.deferred)
    if late_lock and not changes:
        lock_log(session)
    # (with changes, the allocation itself takes the counter lock: one statement fewer while
    # it is held, which on PostgreSQL is a round trip every other push waits for)
    last = append(session, changes) if changes else current_cursor(session)
    first = last - len(changes) + 1
    for res, end in zip(results, ends, strict=True):
        if end is not None:
            res["cursor"] = first + end - 1
    if stored:
        table = AppliedMutation.__table__
        to_json = bind_processor(table.c.result.type, writer.dialect)
        to_stamp = bind_processor(table.c.created_at.type, writer.dialect)
        stamp = to_stamp(batch.now) if to_stamp else batch.now
        insert_rows(writer.conn, table.name, ("mutation_id", "client_id", "user_id", "result", "created_at"), [
            (r["mutation_id"], client_id, p.user_id, to_json(result) if to_json else result, stamp)
            for r in stored
            for result in ({k: v for k, v in r.items() if k != "mutation_id"},)
        ])
    return results, last


def push(
    factory: sessionmaker[Session], p: Principal, client_id: str, mutations: Sequence[Mutation]
) -> tuple[list[dict[str, Any]], int]:
    """Apply a batch; returns the result per mutation (in order) and the cursor after it.

    Raises:
        PushForbidden: another user's client id or mutation ids.
    """
    careful = False
    for attempt in range(6):
        try:
            with unit_of_work(factory) as session:
                return _push_tx(session, p, client_id, mutations, careful)
        except (IntegrityError, OperationalError) as exc:
            # first-ever counter row or client id raced, a deadlock, or a row that breaks a
            # constraint: retry, isolating each mutation in a savepoint from the second try
            careful = True
            if attempt == 5:
                raise exc
        except DBAPIError:
            if careful:
                raise
            careful = True
    raise AssertionError("unreachable")


# ------------------------------------------------------------------ pull


@dataclass(frozen=True)
class PullPage:
    """Changes after a cursor, visible to the caller."""

    changes: list[dict[str, Any]]
    next_cursor: int
    has_more: bool
    #: the response body, when made straight from the stored JSON text (``pull(as_json=True)``);
    #: ``changes`` then hold cursor, entity and op only
    body: bytes | None = None


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


@functools.cache
def _pull_select(kind: str, text: bool = False) -> Any:
    """The pull query of one kind of caller, built once: a statement built per request cost
    more CPU (construction and its cache key) than SQLite's run of it. Parameters ``after``,
    ``top``, ``limit`` and those of :func:`_scope_params`. With ``text`` the data comes as the
    stored JSON text, undecoded."""
    data = cast(ChangeLog.data, Text) if text else ChangeLog.data
    return (select(ChangeLog.cursor, ChangeLog.entity, ChangeLog.op, data)
            .where(ChangeLog.cursor > bindparam("after"), ChangeLog.cursor <= bindparam("top"),
                   _scope_condition(kind))
            .order_by(ChangeLog.cursor)
            .limit(bindparam("limit")))


def _pull_params(p: Principal, after: int, top: int, limit: int) -> dict[str, Any]:
    return {**_scope_params(p), "after": after, "top": top, "limit": limit}


def pull_statement(p: Principal, after: int, top: int, limit: int) -> Any:
    """The changes ``p`` may see with ``after < cursor <= top``, in cursor order, at most
    ``limit``: the primary key walked from ``after``, each row checked against the scope."""
    return _pull_select(_scope_kind(p)).params(_pull_params(p, after, top, limit))


def pull(session: Session, p: Principal, cursor: int, limit: int, *, as_json: bool = False) -> PullPage:
    """Visible changes with ``cursor`` greater than the given one, in cursor order.

    The counter is read first: every cursor up to it is committed (cursors are allocated
    under the counter lock and commit in order), so ``next_cursor`` may jump over the
    changes the caller cannot see without ever skipping one it can.

    A stored change whose data cannot be read (broken JSON text, nesting beyond the parser:
    not an object) is left out of the page and reported in the server's log; the rest of the
    page is served. One that cannot be encoded is left out by :func:`page_json`.

    With ``as_json`` the page also carries its response body, spliced from the stored JSON
    text (see :func:`_spliced_page`); the changes then carry no data.
    """
    if cursor < 0:
        raise BadCursor("cursor must not be negative")
    conn = session.connection()
    top = current_cursor(session)
    if cursor > top:
        raise BadCursor(
            f"cursor {cursor} is beyond the end of the change log ({top}); the client must resync from 0",
            status=409,
        )
    limit = max(1, min(limit, MAX_PULL_LIMIT))
    params = _pull_params(p, cursor, top, limit + 1)
    if as_json:
        raw = conn.execute(_pull_select(_scope_kind(p), text=True), params).all()
        has_more = len(raw) > limit
        raw = raw[:limit]
        next_cursor = raw[-1][0] if has_more else top
        spliced = _spliced_page(raw, next_cursor, has_more)
        if spliced is not None:
            return spliced
    rows = conn.execute(_pull_select(_scope_kind(p)), params).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    # desks receive no more of an ID number than its last characters (issue #18)
    changes = [{"cursor": r[0], "entity": r[1], "op": r[2],
                "data": desk_view(r[1], r[3]) if r[1] in _DESK_VIEWED else r[3]} for r in rows
               if r[3].__class__ is dict or _unreadable(r[0], r[1])]
    next_cursor = rows[-1][0] if has_more else top
    return PullPage(changes=changes, next_cursor=next_cursor, has_more=has_more)


#: a number that may read as infinity (``1e400``, or more digits than a double holds), where
#: a JSON value starts; rare, and inside text only by coincidence (then merely checked)
_HUGE_NUMBER = re.compile(rb"[:,\[]\s*-?(?:\d+(?:\.\d+)?[eE]\+?\d{3,}|\d{300,})")


def _plain_name(name: Any) -> bool:
    """Whether ``name`` (an entity or op) can be written into JSON without escaping."""
    return name.__class__ is str and name.isascii() and name.replace("_", "").isalnum()


def _spliced_page(rows: Sequence[Any], next_cursor: int, has_more: bool) -> PullPage | None:
    """The page of ``rows`` (cursor, entity, op, stored JSON text) with its body made from the
    stored text as it is, instead of decoding every row and encoding it again (most of a
    pull's CPU once its queries were cheap). Rows that desks see reduced (customers, call
    events) are decoded, reduced and encoded on their own.

    The body is checked by parsing it once (strict: no ``NaN`` / ``Infinity``; a number that
    reads as infinity is looked for): it must hold exactly the rows, each with an object as
    its data. None if anything is off (damaged text, an unknown entity): the caller then
    builds the page row by row, which leaves out and logs what cannot be sent."""
    parts = []
    meta = []
    for cur, entity, op, text in rows:
        if text.__class__ is not str or not _plain_name(entity) or not _plain_name(op):
            return None
        if entity in _DESK_VIEWED:
            try:
                text = jsontext.dumps(desk_view(entity, jsontext.loads(text)))
            except (ValueError, RecursionError):
                return None
        parts.append(f'{{"cursor":{cur},"entity":"{entity}","op":"{op}","data":{text}}}')
        meta.append({"cursor": cur, "entity": entity, "op": op})
    more = "true" if has_more else "false"
    body = f'{{"changes":[{",".join(parts)}],"next_cursor":{next_cursor},"has_more":{more}}}'.encode()
    try:
        parsed = pydantic_core.from_json(body, allow_inf_nan=False)
    except ValueError:
        return None
    changes = parsed.get("changes") if parsed.__class__ is dict else None
    if changes.__class__ is not list or len(changes) != len(rows) or len(parsed) != 3:
        return None
    for change in changes:
        if change.__class__ is not dict or len(change) != 4 or change.get("data").__class__ is not dict:
            return None
    if _HUGE_NUMBER.search(body) is not None and not limits.is_finite_json(changes):
        return None
    return PullPage(changes=meta, next_cursor=next_cursor, has_more=has_more, body=body)


def _unreadable(cursor: int, entity: str) -> bool:
    """Log a change whose data is not an object (the central store reads JSON text it cannot
    decode as None, see :func:`server_stub.storage.db.lenient_json_loads`); always False."""
    log.error("change log row %s (%s) cannot be decoded; left out of pull pages", cursor, entity)
    return False


def _strict_json(value: Any) -> bytes:
    """``value`` as strict compact JSON (the one encoder, :func:`jsontext.dumpb`).

    Raises:
        ValueError: non-finite numbers (``NaN``, ``Infinity``), which JSON cannot carry,
            values that are not JSON at all, or nested too deeply.
    """
    return jsontext.dumpb(value)


def _encodable(value: Any) -> bool:
    try:
        _strict_json(value)
    except (ValueError, TypeError, RecursionError):
        return False
    return True


def page_json(page: PullPage) -> bytes:
    """The pull response body of ``page``. A change that cannot be encoded as JSON (a stored
    row holding ``NaN`` or ``Infinity``) is left out and reported in the server's log: it
    never turns the page into an error for everyone who pulls it."""
    if page.body is not None:
        return page.body
    body = {"changes": page.changes, "next_cursor": page.next_cursor, "has_more": page.has_more}
    try:
        return _strict_json(body)
    except (ValueError, TypeError, RecursionError):
        pass
    good = []
    for change in page.changes:
        if _encodable(change):
            good.append(change)
        else:
            log.error("change log row %s (%s %s) cannot be encoded as JSON; left out of pull pages",
                      change.get("cursor"), change.get("entity"), _entity_id(change.get("data")))
    return _strict_json({**body, "changes": good})


def _entity_id(data: Any) -> str:
    return str(data.get("id")) if isinstance(data, dict) else "?"


def _finite_copy(value: Any) -> Any:
    """``value`` with every non-finite number replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_finite_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite_copy(v) for k, v in value.items()}
    return value


def _servable(entity: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that can be encoded as JSON; the others are logged and left out."""
    out = []
    for row in rows:
        if _encodable(row):
            out.append(row)
        else:
            log.error("%s %s holds values that cannot be encoded as JSON; left out of a lookup",
                      entity, _entity_id(row))
    return out


def lookup(session: Session, p: Principal, phone: str) -> dict[str, Any] | None:
    """The customer with ``phone`` (normalised) that ``p`` may see, with their open tasks,
    recent contacts, acceptances and work orders; records an audit entry. None if none."""
    from server_stub.storage.models import AuditEntry

    number = normalize_phone(phone)
    candidates = session.execute(
        select(Customer).where(or_(Customer.phone == number, Customer.phone2 == number))
    ).scalars()
    cust = next((c for c in candidates if customer_visible(session, p, c)), None)
    if cust is None:
        session.add(AuditEntry(user_id=p.user_id, action="lookup_miss", detail=number[-4:]))
        return None
    session.add(AuditEntry(user_id=p.user_id, action="open_portrait", customer_id=cust.id, detail="lookup"))
    tasks = session.execute(
        select(Task).where(Task.customer_id == cust.id, Task.status == TaskStatus.OPEN.value)
    ).scalars()
    contacts = session.execute(
        select(ContactEvent).where(ContactEvent.customer_id == cust.id)
        .order_by(ContactEvent.started_at.desc()).limit(50)
    ).scalars()
    accepts = session.execute(select(Acceptance).where(Acceptance.customer_id == cust.id)).scalars()
    orders = session.execute(select(WorkOrder).where(WorkOrder.customer_id == cust.id)).scalars()
    customer = wire_row("customer", cust)
    if not _encodable(customer):  # a stored NaN / Infinity: served as null, and reported
        log.error("customer %s holds values that cannot be encoded as JSON; served as null", cust.id)
        customer = _finite_copy(customer)
    return {
        "customer": desk_customer(customer),
        "tasks": _servable("task", [wire_row("task", t) for t in tasks]),
        "contact_events": _servable("contact_event", [wire_row("contact_event", c) for c in contacts]),
        "acceptances": _servable("acceptance", [wire_row("acceptance", a) for a in accepts]),
        "work_orders": _servable("work_order", [wire_row("work_order", w) for w in orders]),
    }


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


# lead lifecycle (issue 17): the call-back mutations live in their own room
from server_stub.lifecycle.callbacks import register as _register_callbacks  # noqa: E402

_register_callbacks(HANDLERS)
from server_stub.lifecycle.pool import register as _register_pool  # noqa: E402

_register_pool(HANDLERS)
