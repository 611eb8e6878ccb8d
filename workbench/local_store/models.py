"""SQLAlchemy models of the desktop's local store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from workbench.core.entities import (
    AcceptanceCols,
    CallbackCols,
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


class Store(StoreCols, Base):
    __tablename__ = "stores"


class User(UserCols, Base):
    __tablename__ = "users"


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
    __table_args__ = (Index("ix_tasks_assignee_status", "assignee_id", "status"),)


class ContactEvent(ContactEventCols, Base):
    __tablename__ = "contact_events"
    __table_args__ = (Index("ix_contact_events_customer_time", "customer_id", "started_at"),)


class Acceptance(AcceptanceCols, Base):
    __tablename__ = "acceptances"


class WorkOrder(WorkOrderCols, Base):
    __tablename__ = "work_orders"


class Callback(CallbackCols, Base):
    __tablename__ = "callbacks"


class Outbox(Base):
    """Local writes waiting to be pushed. Written in the same transaction as the row itself."""

    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mutation_id: Mapped[str] = mapped_column(String(64), unique=True)
    entity: Mapped[str] = mapped_column(String(30))
    op: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class Rejection(Base):
    """Mutations the server refused, kept so the user can see why."""

    __tablename__ = "rejections"
    mutation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncState(Base):
    """Key/value state of sync: cursor, client id, last sync time."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ScoringModelFile(Base):
    """Scoring models received through sync."""

    __tablename__ = "scoring_models"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    version: Mapped[int] = mapped_column(Integer)
    payload_b64: Mapped[str] = mapped_column(Text)
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
    "callback": Callback,
    "scoring_model": ScoringModelFile,
}


class SmsTemplateDraft(Base):
    """An SMS template being edited in the policy studio (never synced: publishing sends it
    to the server, which validates it again and tells every desk)."""

    __tablename__ = "sms_template_drafts"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    policy_id: Mapped[str | None] = mapped_column(String(40), default=None)
    purpose: Mapped[str] = mapped_column(String(20), default="campaign")
    body: Mapped[str] = mapped_column(Text, default="")
    #: the server's version this draft was started from (None: a new template)
    base_version: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
