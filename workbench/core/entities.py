"""Entity columns shared by the local store and the central store.

Both stores hold the same business entities (customers, policies, tasks, contact
events, ...). Their columns are declared once here as mixins; each store maps them onto
its own declarative base and adds what only it needs (the outbox on the desktop, the
change log and sessions on the server). The sync protocol ships rows as the plain dicts
of :func:`to_wire` and :func:`from_wire`, so both sides agree on the wire format too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column

from workbench.core.clock import BUSINESS_TZ_NAME, UTC, parse_when, utcnow

__all__ = ["EDITABLE_FIELDS", "PLATFORM_FIELDS", "UTC", "UTCDateTime", "from_wire", "parse_when",
           "to_wire", "utcnow"]


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A datetime stored as naive UTC and read back as aware UTC, on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _id() -> Mapped[str]:
    return mapped_column(String(40), primary_key=True)


class TeamCols:
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(20), default="")


class StoreCols:
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(30), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")


class UserCols:
    """A user as the desktops see it (the password hash lives only on the server)."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    store_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: assignment (issue 17): the agent's grade A/B/C, how many new tasks a day they take
    #: (None: no limit) and whether they are away (then they get none)
    grade: Mapped[str | None] = mapped_column(String(1), default=None)
    daily_capacity: Mapped[int | None] = mapped_column(Integer, default=None)
    away: Mapped[bool] = mapped_column(Boolean, default=False)


class CustomerCols:
    """The customer portrait (客户画像)."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    phone2: Mapped[str | None] = mapped_column(String(20), index=True, default=None)
    member_no: Mapped[str | None] = mapped_column(String(30), index=True, default=None)
    id_number_masked: Mapped[str] = mapped_column(String(24), default="")
    #: last 6 characters of the ID number, for a store's arrival lookup
    id_suffix: Mapped[str | None] = mapped_column(String(8), index=True, default=None)
    gender: Mapped[str] = mapped_column(String(1), default="")  # "M" / "F" / ""
    birth_year: Mapped[int | None] = mapped_column(Integer, default=None)
    province: Mapped[str] = mapped_column(String(20), default="")
    city: Mapped[str] = mapped_column(String(30), default="")
    timezone: Mapped[str] = mapped_column(String(40), default=BUSINESS_TZ_NAME)
    job_type: Mapped[str] = mapped_column(String(30), default="")
    plan_name: Mapped[str] = mapped_column(String(60), default="")
    plan_fee: Mapped[int] = mapped_column(Integer, default=0)
    tenure_months: Mapped[int] = mapped_column(Integer, default=0)
    device: Mapped[str] = mapped_column(String(60), default="")
    network: Mapped[str] = mapped_column(String(10), default="4G")
    arpu: Mapped[float] = mapped_column(Float, default=0.0)
    data_usage_gb: Mapped[float] = mapped_column(Float, default=0.0)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    lifecycle_stage: Mapped[str] = mapped_column(String(20), default="maturity")
    value_tier: Mapped[str] = mapped_column(String(20), default="ordinary")
    preferred_channel: Mapped[str] = mapped_column(String(20), default="outbound")
    do_not_call: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    open_complaint: Mapped[bool] = mapped_column(Boolean, default=False)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    team_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    store_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    #: scores by kind ("deal", "churn", "renewal", ...) -> probability
    scores: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    lead_tier: Mapped[str | None] = mapped_column(String(1), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


#: Portrait fields owned by the data platform: server-authoritative, desktops never edit them.
PLATFORM_FIELDS = frozenset(
    {"name", "phone", "phone2", "member_no", "id_number_masked", "id_suffix", "gender",
     "birth_year", "province", "city", "timezone", "job_type", "plan_name", "plan_fee",
     "tenure_months", "device", "network", "arpu", "data_usage_gb", "tags",
     "lifecycle_stage", "value_tier", "team_id", "store_id", "scores", "lead_tier"}
)
#: Portrait fields a desktop may edit: last writer (in server order) wins.
EDITABLE_FIELDS = frozenset({"preferred_channel", "do_not_call", "do_not_sms", "note"})


class PolicyCols:
    """A targeted offer (营销政策)."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(100))
    pitch: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    product: Mapped[str] = mapped_column(String(40), default="")
    rule: Mapped[str] = mapped_column(Text, default="true")
    valid_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    valid_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    quota_total: Mapped[int | None] = mapped_column(Integer, default=None)
    quota_per_store: Mapped[int | None] = mapped_column(Integer, default=None)
    quota_used: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[float] = mapped_column(Float, default=0.0)
    script_id: Mapped[str | None] = mapped_column(String(40), default=None)
    exclusive_group: Mapped[str | None] = mapped_column(String(40), default=None)
    status: Mapped[str] = mapped_column(String(20), default="published")
    version: Mapped[int] = mapped_column(Integer, default=1)


class ScriptCols:
    """A script template (话术) for a policy, lifecycle stage and section."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    policy_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    lifecycle_stage: Mapped[str | None] = mapped_column(String(20), default=None)
    section: Mapped[str] = mapped_column(String(20), default="opening")
    variant: Mapped[str] = mapped_column(String(20), default="A")
    title: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the channel the script is for (hotline, store, ...); None: any channel (the outbound
    #: scripts of a policy). A channel's own scripts win over the others for its calls.
    channel: Mapped[str | None] = mapped_column(String(20), default=None)


class PressureLimitCols:
    """One contact-pressure rule (接触管控)."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(10), default="month")  # day / week / month
    max_contacts: Mapped[int] = mapped_column(Integer, default=2)
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="09:00")
    cooldown_days_after_refusal: Mapped[int] = mapped_column(Integer, default=7)


class TaskCols:
    """A marketing task (营销任务): a target customer + policy + channel, assigned."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    policy_id: Mapped[str] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    assignee_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    team_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    store_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    status: Mapped[str] = mapped_column(String(20), default="open")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    lead_tier: Mapped[str | None] = mapped_column(String(1), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    #: set when the assignee was chosen by an assignment-rule experiment: its id and the
    #: rule (arm) this customer was randomly split into — the recorded split
    experiment_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    assignment_rule: Mapped[str | None] = mapped_column(String(40), default=None)
    #: team pool (公海) and forced circulation (issue 17): when the current holder got it,
    #: when it goes back to the pool unless reached (set by the warning K days before; the
    #: work list shows it), who held it before (barred from re-claiming until the date)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    recycle_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    previous_assignee_id: Mapped[str | None] = mapped_column(String(40), default=None)
    barred_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class ContactEventCols:
    """One touch in one channel. Append-only."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    team_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    store_id: Mapped[str | None] = mapped_column(String(40), default=None)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    wrapup: Mapped[str] = mapped_column(String(20))
    intent: Mapped[str] = mapped_column(String(10), default="none")
    policy_id: Mapped[str | None] = mapped_column(String(40), default=None)
    task_id: Mapped[str | None] = mapped_column(String(40), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    callback_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    predicted_p: Mapped[float | None] = mapped_column(Float, default=None)
    deal_value: Mapped[float] = mapped_column(Float, default=0.0)


class CallbackCols:
    """A promise to call a customer again (回访) at ``due_at``: the owner's, or anyone's in
    the team (``owner_id`` None). Released to the team when overdue (``released_at``)."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    team_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    owner_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    created_by: Mapped[str | None] = mapped_column(String(40), default=None)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    #: the time asked for, when it fell in quiet hours or over a cap and was moved
    requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open / done / cancelled
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    contact_event_id: Mapped[str | None] = mapped_column(String(40), default=None)
    closed_by_event_id: Mapped[str | None] = mapped_column(String(40), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AcceptanceCols:
    """A customer took a policy, in some channel. Suppresses the policy's open tasks everywhere."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    policy_id: Mapped[str] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str | None] = mapped_column(String(40), default=None)
    team_id: Mapped[str | None] = mapped_column(String(40), default=None)
    store_id: Mapped[str | None] = mapped_column(String(40), default=None)
    accepted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    value: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(20), default="accepted")


class WorkOrderCols:
    """A hand-off (工单) from an agent to a store, and back."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    policy_id: Mapped[str | None] = mapped_column(String(40), default=None)
    from_user_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    team_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    store_id: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), default="created")
    note: Mapped[str] = mapped_column(Text, default="")
    result_reason: Mapped[str] = mapped_column(Text, default="")
    handled_by: Mapped[str | None] = mapped_column(String(40), default=None)
    #: when the customer agreed to come (see :mod:`workbench.core.appointments`), and for how long
    appointment_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True, default=None)
    appointment_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# ---------------------------------------------------------------- wire format

def to_wire(row: Any) -> dict[str, Any]:
    """A mapped row as a JSON-ready dict (datetimes as ISO 8601 UTC strings)."""
    out: dict[str, Any] = {}
    for col in row.__table__.columns:
        value = getattr(row, col.key)
        if isinstance(value, dt.datetime):
            value = value.astimezone(UTC).isoformat()
        out[col.key] = value
    return out


def from_wire(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """Column values for ``cls`` from a wire dict: unknown keys dropped, datetimes parsed.

    Raises:
        ValueError: if a datetime field holds something that is not an ISO 8601 string.
    """
    cols = cls.__table__.columns  # type: ignore[attr-defined]
    out: dict[str, Any] = {}
    for col in cols:
        if col.key not in data:
            continue
        value = data[col.key]
        if isinstance(col.type, UTCDateTime) and value is not None:
            value = parse_when(value, col.key)
        out[col.key] = value
    return out
