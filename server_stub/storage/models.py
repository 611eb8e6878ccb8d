"""SQLAlchemy models of the central store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from workbench.local_store.entities import (
    AcceptanceCols,
    ContactEventCols,
    CustomerCols,
    PolicyCols,
    PressureLimitCols,
    ScriptCols,
    StoreCols,
    TaskCols,
    TeamCols,
    UserCols,
    UTCDateTime,
    WorkOrderCols,
    utcnow,
)


class Base(DeclarativeBase):
    pass


class Team(TeamCols, Base):
    __tablename__ = "teams"
    #: a hotline team: its agents may serve any caller (serve grants, :mod:`server_stub.grants`)
    serves_callers: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Store(StoreCols, Base):
    __tablename__ = "stores"


class User(UserCols, Base):
    __tablename__ = "users"
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Customer(CustomerCols, Base):
    __tablename__ = "customers"


class Policy(PolicyCols, Base):
    __tablename__ = "policies"


class Script(ScriptCols, Base):
    __tablename__ = "scripts"


class PressureLimit(PressureLimitCols, Base):
    __tablename__ = "pressure_limits"


class Task(TaskCols, Base):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_customer_policy_channel", "customer_id", "policy_id", "channel"),)


class ContactEvent(ContactEventCols, Base):
    __tablename__ = "contact_events"
    __table_args__ = (Index("ix_contact_events_customer_time", "customer_id", "started_at"),)


class Acceptance(AcceptanceCols, Base):
    __tablename__ = "acceptances"


class WorkOrder(WorkOrderCols, Base):
    __tablename__ = "work_orders"


class AuthSession(Base):
    """A login: hashes of its access and refresh tokens, their expiry, revocation."""

    __tablename__ = "auth_sessions"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), index=True)
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True)
    access_expires: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    refresh_expires: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class LoginFailure(Base):
    """Failed logins, for throttling per user and per address (kept in the store: stateless)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    address: Mapped[str] = mapped_column(String(60), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SyncClient(Base):
    """A desktop installation, bound to the user who registered it."""

    __tablename__ = "sync_clients"
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppliedMutation(Base):
    """Every mutation id the server has seen, with the result it returned (idempotent push)."""

    __tablename__ = "applied_mutations"
    mutation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(40))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeLog(Base):
    """Every accepted change, in commit order. ``cursor`` is allocated under the counter lock."""

    __tablename__ = "change_log"
    # Pulls walk the primary key from the caller's cursor and filter by scope (the log is
    # read in cursor order, a page at a time). One index more: the few changes meant for one
    # user (call events), to find the calls routed to them. Every index here is paid for by
    # every pushed change, and single-column indexes on team or store led the planner to
    # collect and sort the whole rest of the log for each page.
    __table_args__ = (
        Index("ix_change_log_target_user", "target_user_id", "created_at",
              sqlite_where=text("target_user_id IS NOT NULL"),
              postgresql_where=text("target_user_id IS NOT NULL")),
    )
    cursor: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str] = mapped_column(String(40))
    op: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    team_id: Mapped[str | None] = mapped_column(String(40), default=None)
    store_id: Mapped[str | None] = mapped_column(String(40), default=None)
    #: set for changes meant for one user only (e.g. a call event routed to an agent)
    target_user_id: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CursorCounter(Base):
    """One row; locking it serialises cursor allocation so cursors commit in order."""

    __tablename__ = "cursor_counter"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)


class AuditEntry(Base):
    """The append-only audit log (see :mod:`server_stub.audit`): logins, pulls, portrait
    look-ups, reveals, exports, serve grants, admin actions. Triggers refuse UPDATE, and
    DELETE of entries younger than the retention period (migration ``0003_h18pii``)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_customer", "customer_id", sqlite_where=text("customer_id IS NOT NULL"),
                            postgresql_where=text("customer_id IS NOT NULL")),
                      Index("ix_audit_log_at", "at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(40), index=True)
    action: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[str | None] = mapped_column(String(40), default=None)
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the client's address (logins and other requests where it is known)
    address: Mapped[str | None] = mapped_column(String(60), default=None)
    session_id: Mapped[str | None] = mapped_column(String(40), default=None)
    #: how many customer rows the action touched (pulls, exports, merges)
    rows: Mapped[int | None] = mapped_column(Integer, default=None)


class AuditSetting(Base):
    """One row: how long audit entries are kept (the delete trigger reads it)."""

    __tablename__ = "audit_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    retention_days: Mapped[int] = mapped_column(Integer, default=365)


class ServeGrant(Base):
    """A hotline agent's or receptionist's right to open and record on one customer outside
    their book, for one call or visit; expires (see :mod:`server_stub.grants`)."""

    __tablename__ = "serve_grants"
    __table_args__ = (Index("ix_serve_grants_user_customer", "user_id", "customer_id", "expires_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[str] = mapped_column(String(40))
    #: where the call or visit came from: call_event, softphone, cli, store_arrival, search
    source: Mapped[str] = mapped_column(String(20))
    call_id: Mapped[str | None] = mapped_column(String(80), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CustomerKey(Base):
    """One customer per person: each normalised mobile number (``m:<number>``) and ID number
    (``i:<keyed hash>``) of a customer, unique, so two desktops creating the same number at
    once end with one customer (see :mod:`server_stub.identity`)."""

    __tablename__ = "customer_keys"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)


class ScoringModel(Base):
    """A trained, versioned scoring model and its report figures."""

    __tablename__ = "scoring_models"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


#: Entities that travel through sync, by wire name.
ENTITIES: dict[str, type[Base]] = {
    "team": Team,
    "store": Store,
    "user": User,
    "customer": Customer,
    "policy": Policy,
    "script": Script,
    "pressure_limit": PressureLimit,
    "task": Task,
    "contact_event": ContactEvent,
    "acceptance": Acceptance,
    "work_order": WorkOrder,
}
