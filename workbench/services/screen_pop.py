"""The unified policy view (统一政策视图): everything an agent needs in the first second.

:class:`ScreenPopService` turns a number (or member number / ID suffix) into one immutable
:class:`ScreenPop` snapshot built from the local store with indexed queries only: the
portrait, the reasons not to push, the eligible policies ranked, the script for the top
policy, the contact trail across channels, open tasks and work orders. Reference data
(policies, scripts, pressure limits, users, stores) is cached and reloaded after a sync.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, bindparam, or_, select
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.clock import BUSINESS_TZ_NAME, utcnow
from workbench.core.codes import TaskStatus
from workbench.core.phone import InvalidPhoneError, mask_middle, normalize_phone
from workbench.core.policies import PolicySpec, eligible_policies
from workbench.core.pressure import (
    ContactRecord,
    PressureLimitSpec,
    PressureSubject,
    check_pressure,
)
from workbench.local_store.models import (
    Acceptance,
    ContactEvent,
    Customer,
    Policy,
    PressureLimit,
    Script,
    Store,
    Task,
    Team,
    User,
    WorkOrder,
)
from workbench.services.actor import Actor
from workbench.services.script_advisor import ScriptAdvisor

TRAIL_LIMIT = 50
_T_CUSTOMER = Customer.__table__
_T_EVENT = ContactEvent.__table__
_T_ACCEPTANCE = Acceptance.__table__
_T_ORDER = WorkOrder.__table__
_T_TASK = Task.__table__

# The pop's queries, built once (Core, bound parameters): building a statement per call cost
# more than running it. Indexed lookups only.
class _Prepared:
    """A prebuilt Core statement run straight on the SQLite connection, its rows decoded by
    SQLAlchemy's own result processors (the same values as ``Connection.execute``): the
    per-call work of Core (parameters, execution context, result set) cost as much as the
    indexed query itself. Other databases go through ``Connection.execute``."""

    def __init__(self, stmt: Any) -> None:
        self.stmt = stmt
        self._dialect: Any = None

    def _prepare(self, dialect: Any) -> None:
        compiled = self.stmt.compile(dialect=dialect)
        self._sql = compiled.string
        self._defaults = compiled.construct_params(_check=False)  # literal values: status, limits
        self._order = list(compiled.positiontup or ())
        binds = compiled._bind_processors
        self._bind = {name: binds[name] for name in self._order if name in binds}
        columns = list(self.stmt.selected_columns)
        self._procs = [c.type._cached_result_processor(dialect, None) for c in columns]
        self._row: Any = namedtuple("_Row", [c.key for c in columns])  # type: ignore[misc]
        self._dialect = dialect

    def _run(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        if conn.dialect.name != "sqlite":
            return list(conn.execute(self.stmt, params).all())
        if self._dialect is not conn.dialect:
            self._prepare(conn.dialect)
        values = []
        for name in self._order:
            value = params[name] if name in params else self._defaults[name]
            proc = self._bind.get(name)
            values.append(proc(value) if proc is not None else value)
        rows = conn.connection.dbapi_connection.execute(self._sql, values).fetchall()  # type: ignore[union-attr]
        procs, make = self._procs, self._row._make
        if not any(procs):
            return [make(r) for r in rows]
        return [make([v if p is None else p(v) for p, v in zip(procs, r, strict=True)]) for r in rows]

    def all(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        return self._run(conn, params)

    def first(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        rows = self._run(conn, params)
        return rows[0] if rows else None


_Q_CUSTOMER = _Prepared(select(_T_CUSTOMER).where(_T_CUSTOMER.c.id == bindparam("cid")))
_Q_CUSTOMER_BY = {
    "phone": _Prepared(select(_T_CUSTOMER).where(
        or_(_T_CUSTOMER.c.phone == bindparam("key"), _T_CUSTOMER.c.phone2 == bindparam("key"))).limit(1)),
    "member_no": _Prepared(select(_T_CUSTOMER).where(_T_CUSTOMER.c.member_no == bindparam("key")).limit(1)),
    "id_suffix": _Prepared(select(_T_CUSTOMER).where(_T_CUSTOMER.c.id_suffix == bindparam("key")).limit(1)),
}
_Q_EVENTS = _Prepared(select(_T_EVENT).where(_T_EVENT.c.customer_id == bindparam("cid"))
                      .order_by(_T_EVENT.c.started_at.desc()).limit(TRAIL_LIMIT))
_Q_ACCEPTED = _Prepared(select(_T_ACCEPTANCE).where(
    _T_ACCEPTANCE.c.customer_id == bindparam("cid"), _T_ACCEPTANCE.c.status == "accepted"))
_Q_ORDERS = _Prepared(select(_T_ORDER).where(_T_ORDER.c.customer_id == bindparam("cid"))
                      .order_by(_T_ORDER.c.created_at.desc()))
_Q_TASKS = _Prepared(select(_T_TASK).where(_T_TASK.c.customer_id == bindparam("cid"),
                                           _T_TASK.c.status == TaskStatus.OPEN.value))


@dataclass(frozen=True)
class Portrait:
    id: str
    name: str
    phone: str            # full number, for dialling; never shown unless allowed
    phone_display: str    # what the UI shows (masked unless the role needs it)
    gender: str
    age: int | None
    province: str
    city: str
    timezone: str
    job_type: str
    plan_name: str
    plan_fee: int
    tenure_months: int
    device: str
    network: str
    value_tier: str
    lifecycle_stage: str
    preferred_channel: str
    member_no: str
    id_number_masked: str
    tags: tuple[str, ...]
    scores: Mapping[str, float]
    lead_tier: str | None
    is_lead: bool
    do_not_call: bool
    do_not_sms: bool
    open_complaint: bool
    team_id: str | None
    store_id: str | None
    note: str = ""  # the agents' note on the customer (editable from the pop)


@dataclass(frozen=True)
class Warning:
    """A reason not to push, with parameters for the translated message."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Offer:
    policy_id: str
    name: str
    pitch: str
    value: float
    priority: int
    valid_to: dt.datetime | None
    quota_left: int | None
    why: tuple[str, ...]
    probability: float | None
    blocked: tuple[Warning, ...] = ()


@dataclass(frozen=True)
class ScriptSection:
    section: str
    title: str
    text: str
    keywords: tuple[str, ...] = ()
    #: the bandit arm of this variant, for feedback once the call's outcome is known
    arm: str = ""


@dataclass(frozen=True)
class TrailItem:
    """A line of the customer's trail: a contact, or (``move`` set) a move of one of their
    tasks between holders and the pool (recycle, claim, release, reassign, assign), fetched
    from the server after the pop (:mod:`workbench.services.task_moves`)."""

    id: str
    when: dt.datetime
    channel: str
    wrapup: str
    intent: str
    who: str
    policy_name: str
    note: str
    duration_s: int
    move: str = ""
    move_from: str = ""
    move_to: str = ""


@dataclass(frozen=True)
class WorkOrderItem:
    id: str
    status: str
    store_id: str
    store_name: str
    policy_name: str
    note: str
    result_reason: str
    from_user: str
    created_at: dt.datetime
    #: the appointment agreed for the visit (aware UTC) and its length in minutes
    appointment_at: dt.datetime | None = None
    appointment_minutes: int | None = None


@dataclass(frozen=True)
class TaskItem:
    id: str
    policy_id: str
    policy_name: str
    channel: str
    status: str


@dataclass(frozen=True)
class AcceptedItem:
    policy_id: str
    policy_name: str
    channel: str
    where: str
    when: dt.datetime


@dataclass(frozen=True)
class CrossSellItem:
    """"Customers who took X also took Y": a policy to mention, and why."""

    policy_id: str
    policy_name: str
    confidence: float
    lift: float
    because: tuple[str, ...]


@dataclass(frozen=True)
class ScreenPop:
    """One immutable snapshot of the unified policy view."""

    query: str
    portrait: Portrait
    warnings: tuple[Warning, ...]
    offers: tuple[Offer, ...]
    script: tuple[ScriptSection, ...]
    trail: tuple[TrailItem, ...]
    work_orders: tuple[WorkOrderItem, ...]
    tasks: tuple[TaskItem, ...]
    accepted: tuple[AcceptedItem, ...]
    built_at: dt.datetime
    cross_sell: tuple[CrossSellItem, ...] = ()


@dataclass
class _Reference:
    policies: dict[str, PolicySpec]
    scripts: list[Script]
    limits: list[PressureLimitSpec]
    users: dict[str, str]
    stores: dict[str, Store]
    teams: dict[str, str]


class ScreenPopService:
    """Builds :class:`ScreenPop` snapshots from the local store. Thread-safe; no Qt."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        actor: Actor,
        cross_sell_rules: Callable[[], Sequence[Any]] | None = None,
        language: str = "zh",
    ) -> None:
        self._sf = session_factory
        self.language = language  # of the "why eligible" explanations: "zh" or "en"
        self._actor = actor
        self._cross_sell_rules = cross_sell_rules
        self.advisor = ScriptAdvisor(session_factory)
        self._ref: _Reference | None = None
        self._lock = threading.Lock()

    def user_names(self) -> dict[str, str]:
        """Display names of the users the desk knows, by id (cached reference data)."""
        with self._sf() as s:
            return dict(self._reference(s).users)

    def invalidate(self) -> None:
        """Drop cached reference data (call after a sync brought policies, scripts, users...)."""
        with self._lock:
            self._ref = None

    def _reference(self, s: Session) -> _Reference:
        with self._lock:
            if self._ref is None:
                policies = {p.id: PolicySpec.from_row(p) for p in s.execute(select(Policy)).scalars()}
                scripts = list(s.execute(select(Script)).scalars())
                limits = [PressureLimitSpec.from_row(x) for x in s.execute(select(PressureLimit)).scalars()]
                users = {u.id: u.display_name for u in s.execute(select(User)).scalars()}
                stores = {st.id: st for st in s.execute(select(Store)).scalars()}
                teams = dict(s.execute(select(Team.id, Team.name)).tuples().all())
                for obj in [*scripts, *stores.values()]:
                    s.expunge(obj)
                self._ref = _Reference(policies, scripts, limits, users, stores, teams)
            return self._ref

    # ------------------------------------------------------------------ lookup
    @staticmethod
    def _find_row(conn: Connection, query: str, key_kind: str) -> Row[Any] | None:
        query = query.strip()
        if not query:
            return None
        if key_kind == "member_no":
            key = query
        elif key_kind == "id_suffix":
            key = query[-6:].upper()
        else:
            key_kind = "phone"
            try:
                key = normalize_phone(query)
            except InvalidPhoneError:
                return None
        return _Q_CUSTOMER_BY[key_kind].first(conn, {"key": key})

    def build(
        self,
        query: str,
        *,
        key_kind: str = "phone",
        channel: str = "outbound",
        now: dt.datetime | None = None,
    ) -> ScreenPop | None:
        """The snapshot for the customer behind ``query``, or None if unknown locally."""
        now = now or utcnow()
        with self._sf() as s:
            ref = self._reference(s)
            conn = s.connection()
            c = self._find_row(conn, query, key_kind)
            if c is None:
                return None
            return self._build(conn, ref, c, query=query, channel=channel, now=now)

    def build_for(
        self, s: Session, customer_id: str, *, query: str = "", channel: str = "outbound",
        now: dt.datetime | None = None,
    ) -> ScreenPop | None:
        ref = self._reference(s)
        conn = s.connection()
        c = _Q_CUSTOMER.first(conn, {"cid": customer_id})
        if c is None:
            return None
        return self._build(conn, ref, c, query=query, channel=channel, now=now or utcnow())

    def _build(
        self, conn: Connection, ref: _Reference, c: Row[Any], *, query: str, channel: str, now: dt.datetime,
    ) -> ScreenPop:
        # Core rows (no identity map, no ORM instances): the pop is on the hot path.
        portrait = self._portrait(c, now)
        key = {"cid": c.id}
        events = _Q_EVENTS.all(conn, key)
        acceptances = _Q_ACCEPTED.all(conn, key)
        orders = _Q_ORDERS.all(conn, key)
        tasks = _Q_TASKS.all(conn, key)
        accepted_ids = {a.policy_id for a in acceptances}
        warnings, offers = self._decide(portrait, c, events, acceptances, ref, channel, now)  # type: ignore[arg-type]
        top = offers[0].policy_id if offers else None
        script = self._script(ref, top, portrait, channel)
        pname = lambda pid: ref.policies[pid].name if pid and pid in ref.policies else ""  # noqa: E731
        return ScreenPop(
            query=query,
            portrait=portrait,
            warnings=tuple(warnings),
            offers=tuple(offers),
            script=tuple(script),
            trail=tuple(
                TrailItem(
                    id=e.id, when=e.started_at, channel=e.channel, wrapup=e.wrapup,
                    intent=e.intent, who=ref.users.get(e.user_id or "", e.user_id or ""),
                    policy_name=pname(e.policy_id), note=e.note, duration_s=e.duration_s,
                )
                for e in events
            ),
            work_orders=tuple(
                WorkOrderItem(
                    id=w.id, status=w.status, store_id=w.store_id,
                    store_name=ref.stores[w.store_id].name if w.store_id in ref.stores else w.store_id,
                    policy_name=pname(w.policy_id), note=w.note, result_reason=w.result_reason,
                    from_user=ref.users.get(w.from_user_id or "", ""), created_at=w.created_at,
                    appointment_at=w.appointment_at, appointment_minutes=w.appointment_minutes,
                )
                for w in orders
            ),
            tasks=tuple(
                TaskItem(t.id, t.policy_id, pname(t.policy_id), t.channel, t.status)
                for t in tasks
                if t.policy_id not in accepted_ids
            ),
            accepted=tuple(
                AcceptedItem(
                    a.policy_id, pname(a.policy_id), a.channel,
                    ref.stores[a.store_id].name if a.store_id in ref.stores else (a.channel or ""),
                    a.accepted_at,
                )
                for a in acceptances
            ),
            built_at=utcnow(),
            cross_sell=self._cross_sell(ref, accepted_ids),
        )

    # ------------------------------------------------------------------ parts
    def _portrait(self, c: Customer | Row[Any], now: dt.datetime) -> Portrait:
        shown = c.phone if self._actor.sees_full_numbers else mask_middle(c.phone)
        return Portrait(
            id=c.id, name=c.name, phone=c.phone, phone_display=shown, gender=c.gender,
            age=(now.year - c.birth_year) if c.birth_year else None, province=c.province,
            city=c.city, timezone=c.timezone or BUSINESS_TZ_NAME, job_type=c.job_type,
            plan_name=c.plan_name, plan_fee=c.plan_fee, tenure_months=c.tenure_months,
            device=c.device, network=c.network, value_tier=c.value_tier,
            lifecycle_stage=c.lifecycle_stage, preferred_channel=c.preferred_channel,
            member_no=c.member_no or "", id_number_masked=desk_id_number(c.id_number_masked),
            tags=tuple(c.tags or ()), scores=dict(c.scores or {}), lead_tier=c.lead_tier,
            is_lead=c.is_lead, do_not_call=c.do_not_call, do_not_sms=c.do_not_sms,
            open_complaint=c.open_complaint, team_id=c.team_id, store_id=c.store_id,
            note=c.note or "",
        )

    def _decide(
        self,
        portrait: Portrait,
        c: Customer,
        events: Sequence[ContactEvent],
        acceptances: Sequence[Acceptance],
        ref: _Reference,
        channel: str,
        now: dt.datetime,
    ) -> tuple[list[Warning], list[Offer]]:
        """Reasons not to push (contact pressure, consent, acceptances) and ranked offers."""
        accepted = {a.policy_id: a.channel for a in acceptances}
        decision = check_pressure(
            PressureSubject.from_row(c),
            [ContactRecord.from_row(e) for e in events],
            ref.limits,
            channel,
            now,
            accepted_policy_ids=accepted,
        )
        warnings = [Warning(r.code, dict(r.params)) for r in decision.reasons]
        codes = {w.code for w in warnings}
        # Inbound contacts are allowed, but the agent must still see why not to push.
        if c.do_not_call and "do_not_call" not in codes:
            warnings.append(Warning("do_not_call"))
        if c.open_complaint and "open_complaint" not in codes:
            warnings.append(Warning("open_complaint"))
        for a in acceptances:
            policy = ref.policies.get(a.policy_id)
            where = ref.stores[a.store_id].name if a.store_id in ref.stores else ""
            warnings.append(Warning("already_accepted", {
                "policy": policy.name if policy else a.policy_id, "policy_id": a.policy_id,
                "channel": a.channel, "where": where or ref.users.get(a.user_id or "", ""),
                "when": a.accepted_at.isoformat(),
            }))
        scores = {k.split(":", 1)[1]: v for k, v in (c.scores or {}).items() if k.startswith("deal:")}
        eligible = eligible_policies(
            portrait_mapping(c), ref.policies.values(), channel, now, set(accepted),
            store_id=self._actor.store_id, scores=scores or None, lang=self.language,
        )
        offers = [
            Offer(
                policy_id=e.policy.id, name=e.policy.name, pitch=e.policy.pitch, value=e.policy.value,
                priority=e.policy.priority, valid_to=e.policy.valid_to, quota_left=e.remaining_quota,
                why=e.explanation, probability=e.probability,
            )
            for e in eligible
        ]
        return warnings, offers

    def _cross_sell(self, ref: _Reference, accepted_ids: set[str]) -> tuple[CrossSellItem, ...]:
        rules = self._cross_sell_rules() if self._cross_sell_rules is not None else ()
        if not rules or not accepted_ids:
            return ()
        from workbench.core.scoring.crosssell import cross_sell

        name = lambda pid: ref.policies[pid].name if pid in ref.policies else pid  # noqa: E731
        return tuple(
            CrossSellItem(sug.policy_id, name(sug.policy_id), sug.confidence, sug.lift,
                          tuple(name(b) for b in sug.because))
            for sug in cross_sell(accepted_ids, rules, top_n=3)
            if sug.policy_id in ref.policies
        )

    def _script(self, ref: _Reference, policy_id: str | None, p: Portrait,
                channel: str = "outbound") -> list[ScriptSection]:
        """The script of the top offer for the customer's stage and the call's channel (a
        hotline or store greeting instead of the outbound opener), filled with their data;
        variants chosen by the bandit, every objection answer listed."""
        if policy_id is None:
            return []
        policy = ref.policies.get(policy_id)
        return [ScriptSection(section, title, text, keywords, arm) for section, title, text, keywords, arm
                in self.advisor.sections(ref.scripts, self._portrait_values(p),
                                         policy.to_dict() if policy else None, p.lifecycle_stage,
                                         self._extra(ref, p), channel=channel)]

    def match_objection(self, customer_id: str, policy_id: str | None, typed: str) -> tuple[str, str, float] | None:
        """The objection answer matching what the customer said (TF-IDF over the library)."""
        with self._sf() as s:
            ref = self._reference(s)
            c = s.execute(select(_T_CUSTOMER).where(_T_CUSTOMER.c.id == customer_id)).first()
        if c is None:
            return None
        p = self._portrait(c, utcnow())
        policy = ref.policies.get(policy_id or "")
        return self.advisor.match_objection(ref.scripts, self._portrait_values(p),
                                            policy.to_dict() if policy else None, p.lifecycle_stage, typed,
                                            self._extra(ref, p))

    @staticmethod
    def _portrait_values(p: Portrait) -> dict[str, Any]:
        return {"name": p.name, "gender": p.gender, "plan_name": p.plan_name, "plan_fee": p.plan_fee,
                "tenure_months": p.tenure_months, "device": p.device, "city": p.city, "network": p.network}

    def _extra(self, ref: _Reference, p: Portrait) -> dict[str, Any]:
        return {"agent_name": self._actor.display_name,
                "team_name": ref.teams.get(self._actor.team_id or "", ""),
                "store_name": ref.stores[p.store_id].name if p.store_id in ref.stores else ""}


def portrait_mapping(c: Any) -> dict[str, Any]:
    """A customer (ORM object or Core row) as the mapping the eligibility rules read."""
    return {col.key: getattr(c, col.key) for col in _T_CUSTOMER.columns}


def desk_id_number(masked: str | None, keep: int = 2) -> str:
    """An ID number as a desk shows it: its last ``keep`` characters at most (a store synced
    before the server cut ID numbers down may still hold more)."""
    tail = (masked or "").rstrip()[-keep:]
    return "*" * (18 - len(tail)) + tail if tail and "*" not in tail else ""
