"""SQLAlchemy models of the central store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
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


class Callback(CallbackCols, Base):
    __tablename__ = "callbacks"


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


class LoginThrottle(Base):
    """Login attempts counted against one throttle key (see :mod:`server_stub.login_throttle`).

    ``key`` is ``<scope>|<username>|<source>``: scope ``source`` counts one account from one
    client address or one known device, ``account`` one account from every unknown device,
    ``address`` one address for every account. An attempt is counted (and ``blocked_until``
    moved) before its password is checked, in one locked transaction, so parallel attempts
    cannot overtake the count.
    """

    __tablename__ = "login_throttles"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))
    username: Mapped[str] = mapped_column(String(60), index=True)
    source: Mapped[str] = mapped_column(String(80), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LoginDevice(Base):
    """A device (the desktop's client id, stored as its SHA-256) that logged in as a user."""

    __tablename__ = "login_devices"
    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    device_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginEvent(Base):
    """Every password check the server ran, with its outcome (``ok`` / ``failed``)."""

    __tablename__ = "login_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    address: Mapped[str] = mapped_column(String(60))
    known_device: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(20))


class SpentRefreshToken(Base):
    """A refresh token already exchanged (its SHA-256): seeing it again means it was stolen,
    and the session it belonged to is revoked."""

    __tablename__ = "spent_refresh_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(40), index=True)
    spent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


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



class RateBucket(Base):
    """A token bucket of a throttled action (lookups per user, wrong CTI secrets per address).

    In the store, not in process memory, so every server process behind a balancer spends
    from the same bucket (see ``server_stub.rate_limit``)."""

    __tablename__ = "rate_buckets"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CallGrant(Base):
    """What a call routed by the PBX lets its agent do with the caller's customer: read the
    portrait until ``expires_at`` and record one contact event (``contact_event_id``)."""

    __tablename__ = "call_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "call_key", name="uq_call_grants_user_call"),
        Index("ix_call_grants_user_customer", "user_id", "customer_id"),
    )
    #: the call event's id
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[str] = mapped_column(String(40))
    #: the PBX's call id (the event id when it sent none): a replayed call grants nothing new
    call_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    contact_event_id: Mapped[str | None] = mapped_column(String(40), default=None)
# ---------------------------------------------------------------- SMS (issue 15)


class SmsMessage(Base):
    """One SMS to a customer, and the outbox it waits in until a gateway takes it.

    ``status``: queued (waiting: no gateway yet, or not yet sent) -> sending (claimed by a
    sender; the request to the gateway may be under way) -> sent (the gateway accepted it)
    -> delivered / failed (the delivery reports). Each message is also a contact event
    (channel ``sms``) with the same id.
    """

    __tablename__ = "sms_messages"
    __table_args__ = (Index("ix_sms_messages_status_created", "status", "created_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    #: the campaign task it serves (one message per task: the exactly-once key of campaigns)
    task_id: Mapped[str | None] = mapped_column(String(40), unique=True, default=None)
    #: a client's key for the request (the hang-up SMS: its mutation id), sent once
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    policy_id: Mapped[str | None] = mapped_column(String(40), default=None)
    template_id: Mapped[str | None] = mapped_column(String(40), default=None)
    kind: Mapped[str] = mapped_column(String(20), default="campaign")
    user_id: Mapped[str | None] = mapped_column(String(40), default=None)
    to_number: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(Text)
    segments: Mapped[int] = mapped_column(Integer, default=1)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    gateway: Mapped[str] = mapped_column(String(40), default="")
    gateway_code: Mapped[str] = mapped_column(String(20), default="")
    gateway_answer: Mapped[str] = mapped_column(String(200), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    final_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class SmsReply(Base):
    """A message a customer sent us (through the gateway's sms-service)."""

    __tablename__ = "sms_replies"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    from_number: Mapped[str] = mapped_column(String(20), index=True)
    to_number: Mapped[str] = mapped_column(String(20), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(12))  # opt_out / reply / unknown
    customer_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SmsTemplate(Base):
    """An SMS template (短信模板) with portrait placeholders, published like policies."""

    __tablename__ = "sms_templates"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    policy_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    #: what it is for: campaign / hangup / code / confirm
    purpose: Mapped[str] = mapped_column(String(20), default="campaign")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="published")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SensitiveWord(Base):
    """A word no SMS may contain (敏感词), admin-editable."""

    __tablename__ = "sms_sensitive_words"
    word: Mapped[str] = mapped_column(String(40), primary_key=True)
    added_by: Mapped[str | None] = mapped_column(String(40), default=None)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)



class OnlineCode(Base):
    """A one-time login code for the online zone, sent by SMS (only its hash is kept)."""

    __tablename__ = "online_codes"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(String(60), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class OnlineOrder(Base):
    """An order form shown to a customer: its one-time token makes a second submit (a double
    click, a reload, a replay) find the first order instead of making another."""

    __tablename__ = "online_orders"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    policy_id: Mapped[str] = mapped_column(String(40))
    acceptance_id: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)



class OnlineVisit(Base):
    """A customer entering the online zone (by link or code): the funnel's "link opened"."""

    __tablename__ = "online_visits"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    via: Mapped[str] = mapped_column(String(10))  # link / code
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


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
}


# ------------------------------------------------------------------ lead lifecycle (issue 17)


class JobRun(Base):
    """One scheduled slot of a server job (scoring, task generation, recycling, ...).

    The primary key makes the slot a claim: of two schedulers reaching the same slot, the
    second one's insert fails and it skips the slot, so a job runs once per slot however
    many server processes run a scheduler."""

    __tablename__ = "lifecycle_job_runs"
    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    slot: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    status: Mapped[str] = mapped_column(String(20), default="running")
    detail: Mapped[str] = mapped_column(Text, default="")


class TeamLifecycleSettings(Base):
    """A team's lifecycle settings (a lead or an admin sets them; defaults when absent)."""

    __tablename__ = "team_lifecycle_settings"
    team_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: an own call-back overdue by this many minutes is released to the team
    callback_release_minutes: Mapped[int] = mapped_column(Integer, default=30)
    #: forced circulation: back to the pool after N days without a reached contact, or M
    #: days without a deal; the holder is warned K days before
    recycle_no_contact_days: Mapped[int] = mapped_column(Integer, default=7)
    recycle_no_deal_days: Mapped[int] = mapped_column(Integer, default=30)
    recycle_warning_days: Mapped[int] = mapped_column(Integer, default=2)
    #: claims from the pool: at most L a day, the previous holder barred D days, nobody
    #: holding more than H open items, new leads protected P days
    claims_per_day: Mapped[int] = mapped_column(Integer, default=20)
    reclaim_bar_days: Mapped[int] = mapped_column(Integer, default=7)
    max_open_items: Mapped[int] = mapped_column(Integer, default=300)
    new_lead_protect_days: Mapped[int] = mapped_column(Integer, default=3)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(40), default=None)


class TaskMove(Base):
    """Every move of a task between holders and the pool (recycle, claim, release,
    reassign, warn), with who did it and why: the audit trail of circulation."""

    __tablename__ = "task_moves"
    __table_args__ = (Index("ix_task_moves_user_day", "to_user_id", "action", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(String(40), index=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    team_id: Mapped[str | None] = mapped_column(String(40), default=None)
    action: Mapped[str] = mapped_column(String(20))
    from_user_id: Mapped[str | None] = mapped_column(String(40), default=None)
    to_user_id: Mapped[str | None] = mapped_column(String(40), default=None)
    by_user_id: Mapped[str | None] = mapped_column(String(40), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssignmentRule(Base):
    """A named assignment rule (data, versioned and published like a policy)."""

    __tablename__ = "assignment_rules"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="published")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
