"""The team pool (公海) and forced circulation (强制循环) of outbound tasks.

Team settings (``team_lifecycle_settings``; defaults when a team has none): N
``recycle_no_contact_days``, M ``recycle_no_deal_days``, K ``recycle_warning_days``, L
``claims_per_day``, D ``reclaim_bar_days``, H ``max_open_items``, P ``new_lead_protect_days``.

The recycling pass (:func:`recycle`, a scheduler job; idempotent):

* an open outbound task held by an agent is *due* to go back to the pool N days after the
  later of "its holder got it" and the customer's last reached contact, or M days after its
  holder got it (no deal by then), whichever comes first — never within its first P days with
  the holder (new work is protected);
* K days before it is due the holder is warned: ``recycle_at`` is set on the task (the work
  list shows "returns to the pool on …"); never less than K days of notice;
* at ``recycle_at``, if it is still due, the task returns to the pool: no holder, the holder
  kept as ``previous_assignee_id`` and barred until ``barred_until`` (D days); a reached
  contact meanwhile moves the warning (or withdraws it);
* every change is one bulk write (a temporary table, ``UPDATE ... FROM``, the new rows into
  the change log by ``INSERT ... SELECT``) and one ``task_moves`` row with its reason.

Moves by people are push mutations (:func:`register`), validated under the change-log lock
(pushes are serialised, so two agents claiming the same task: exactly one wins):

``task/claim`` ``{id, reason?}``  an agent (or lead) of the task's team takes a pool task:
    at most L claims a (local) day, not while barred, never above H open items.
``task/release`` ``{id, reason}``  the holder gives it back (barred D days like a recycle).
``task/reassign`` ``{id, to_user_id, reason}``  a lead (or admin) moves a task of the team to
    an active agent of the same team (bulk: many in one push), within H.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from server_stub.changes import Change, allocate_cursors
from server_stub.lifecycle.wire_sql import wire_json_sql
from server_stub.storage import models as m
from server_stub.storage.db import bulk_connection
from server_stub.storage.fast_insert import bind_processor
from workbench.core.codes import Role, TaskStatus
from workbench.core.entities import UTCDateTime, utcnow

DEFAULTS = m.TeamLifecycleSettings.__table__.columns
SETTING_NAMES = ("callback_release_minutes", "recycle_no_contact_days", "recycle_no_deal_days",
                 "recycle_warning_days", "claims_per_day", "reclaim_bar_days", "max_open_items",
                 "new_lead_protect_days")
#: the range each setting may take (a lead sets them; nonsense is refused)
SETTING_RANGES: dict[str, tuple[int, int]] = {
    "callback_release_minutes": (1, 7 * 24 * 60), "recycle_no_contact_days": (1, 365),
    "recycle_no_deal_days": (1, 730), "recycle_warning_days": (0, 60), "claims_per_day": (0, 10_000),
    "reclaim_bar_days": (0, 365), "max_open_items": (1, 100_000), "new_lead_protect_days": (0, 60),
}
DAY_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
_TMP = "wb_pool_moves"
_REACHED = ("accepted", "interested", "refused", "complaint", "do_not_call", "transferred", "info_only")


@dataclass(frozen=True)
class TeamSettings:
    """One team's lifecycle settings (see the module docstring)."""

    team_id: str | None
    callback_release_minutes: int = 30
    recycle_no_contact_days: int = 7
    recycle_no_deal_days: int = 30
    recycle_warning_days: int = 2
    claims_per_day: int = 20
    reclaim_bar_days: int = 7
    max_open_items: int = 300
    new_lead_protect_days: int = 3


def team_settings(session: Session, team_id: str | None) -> TeamSettings:
    row = session.get(m.TeamLifecycleSettings, team_id) if team_id else None
    if row is None:
        return TeamSettings(team_id)
    return TeamSettings(team_id, **{k: int(getattr(row, k)) for k in SETTING_NAMES})


def all_settings(session: Session) -> dict[str | None, TeamSettings]:
    out: dict[str | None, TeamSettings] = {None: TeamSettings(None)}
    for row in session.execute(select(m.TeamLifecycleSettings)).scalars():
        out[row.team_id] = TeamSettings(row.team_id, **{k: int(getattr(row, k)) for k in SETTING_NAMES})
    return out


def save_settings(session: Session, team_id: str, values: dict[str, Any], by: str | None) -> TeamSettings:
    """Set some of a team's settings (range-checked); ValueError naming the bad one."""
    if session.get(m.Team, team_id) is None:
        raise ValueError(f"no team {team_id!r}")
    for key, value in values.items():
        if key not in SETTING_RANGES:
            raise ValueError(f"unknown setting {key!r}")
        lo, hi = SETTING_RANGES[key]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"{key} must be a whole number from {lo} to {hi}")
    row = session.get(m.TeamLifecycleSettings, team_id)
    if row is None:
        defaults = TeamSettings(team_id)
        row = m.TeamLifecycleSettings(team_id=team_id, **{k: getattr(defaults, k) for k in SETTING_NAMES})
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at, row.updated_by = utcnow(), by
    session.flush()
    return team_settings(session, team_id)


# ------------------------------------------------------------------ the recycling pass


@dataclass
class RecycleReport:
    tasks: int = 0
    warned: int = 0
    rewarned: int = 0
    withdrawn: int = 0
    recycled: int = 0
    seconds: dict[str, float] | None = None

    def line(self) -> str:
        return (f"{self.tasks:,} held tasks checked: {self.warned:,} warned, {self.recycled:,} returned "
                f"to the pool, {self.rewarned:,} warnings moved, {self.withdrawn:,} withdrawn")


def _fetch(session: Session, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
    cur = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute(sql, params)
        return cur.fetchall()
    finally:
        cur.close()


def _times(values: Any) -> pd.Series:
    """Stored times (SQLite text, PostgreSQL naive UTC datetimes, None) as an aware column."""
    s = pd.Series(values, dtype=object)
    if not s.notna().any():
        return pd.Series(pd.NaT, index=s.index, dtype="datetime64[us, UTC]")
    return pd.to_datetime(s, utc=True, format="ISO8601").astype("datetime64[us, UTC]")


def plan_recycling(tasks: pd.DataFrame, last_reached: pd.Series, settings: dict[str | None, TeamSettings],
                   now: dt.datetime) -> pd.DataFrame:
    """What the pass does to each held task: a frame of the tasks that change, with
    ``action`` (warn / rewarn / withdraw / recycle), ``recycle_at``, ``barred_until`` and
    ``reason``. Pure (no store): the rules of the module docstring, vectorised."""
    n = len(tasks)
    if n == 0:
        return pd.DataFrame(columns=["id", "action", "recycle_at", "barred_until", "reason"])
    now_ts = pd.Timestamp(now)
    teams = tasks["team_id"].to_numpy(dtype=object)
    default = settings[None]

    # the few distinct teams once: each setting is then a lookup by code (a Series.map of a
    # million objects per setting measured several times the whole rest of the plan)
    team_codes, team_names = pd.factorize(pd.Series(teams, dtype=object), use_na_sentinel=False)

    def per_team(name: str) -> np.ndarray:
        days = np.array([getattr(settings.get(t, default), name) for t in team_names], dtype=float)
        return pd.to_timedelta(days[team_codes], unit="D").to_numpy()

    got = tasks["assigned_at"].fillna(tasks["created_at"])
    # the customer's last reached contact by position (never through object Timestamps: a
    # datetime column turned into Python objects cost most of the plan's time)
    pos = pd.Index(last_reached.index).get_indexer(tasks["customer_id"])
    found = pd.array(last_reached.astype("datetime64[us, UTC]").array) if len(last_reached) else \
        pd.array([pd.NaT], dtype="datetime64[us, UTC]")
    reached = pd.Series(found.take(np.where(pos >= 0, pos, -1), allow_fill=True), index=tasks.index)
    since = got.where(reached.isna() | (reached < got), reached)
    due_contact = since + per_team("recycle_no_contact_days")
    due_deal = got + per_team("recycle_no_deal_days")
    due = due_contact.where(due_contact <= due_deal, due_deal)
    protected = got + per_team("new_lead_protect_days")
    due = due.where(due >= protected, protected)
    warn_from = due - per_team("recycle_warning_days")
    notice = now_ts + pd.Series(per_team("recycle_warning_days"), index=tasks.index)
    current = tasks["recycle_at"]
    has = current.notna().to_numpy()
    due_now = (due <= now_ts).to_numpy()
    action = np.full(n, "", dtype=object)
    new_at = pd.Series(pd.NaT, index=tasks.index, dtype="datetime64[ns, UTC]")
    # warned, the time has come and it is still due: back to the pool
    recycle = has & (current <= now_ts).to_numpy() & due_now
    action[recycle] = "recycle"
    # not warned and within K days of being due: warn, with at least K days of notice
    warn = ~has & (warn_from <= now_ts).to_numpy()
    action[warn] = "warn"
    first = due.where(due >= notice, notice)
    new_at[warn] = first[warn]
    # warned, but a reached contact since moved the due date: move or withdraw the warning
    later = has & ~recycle & (due > current).to_numpy()
    still = later & (warn_from <= now_ts).to_numpy()
    action[still] = "rewarn"
    new_at[still] = due[still]
    action[later & ~still] = "withdraw"
    keep = action != ""
    bar = now_ts + pd.Series(per_team("reclaim_bar_days"), index=tasks.index)
    no_contact = (due_contact <= due_deal).to_numpy()[keep]
    # the reason, worded once per team and kind (not once per task)
    kept = team_codes[keep]
    by_contact = np.array([f"no reached contact for {settings.get(t, default).recycle_no_contact_days} days"
                           for t in team_names], dtype=object)
    by_deal = np.array([f"no deal in {settings.get(t, default).recycle_no_deal_days} days" for t in team_names],
                       dtype=object)
    reason = np.where(no_contact, by_contact[kept], by_deal[kept]) if len(kept) else np.zeros(0, dtype=object)
    out = pd.DataFrame({
        "id": tasks["id"].to_numpy()[keep], "action": action[keep],
        "recycle_at": new_at[keep].reset_index(drop=True),
        "barred_until": bar[keep].where(action[keep] == "recycle").reset_index(drop=True),
        "reason": reason,
    })
    return out


def _py_times(values: Any, dialect: Any) -> list[Any]:
    """Aware times (a datetime column, or a list) as the store's bound values (SQLite: the
    text SQLAlchemy stores; PostgreSQL: naive UTC datetimes); NaT/None as None."""
    proc = bind_processor(UTCDateTime(), dialect)
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.DatetimeTZDtype):
        naive = values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
        missing = np.isnat(naive)
        if dialect.name == "sqlite":
            text = np.char.replace(np.datetime_as_string(naive, unit="us"), "T", " ").astype(object)
            text[missing] = None
            return text.tolist()
        objs = naive.astype(object)  # datetime.datetime per value (naive UTC)
        objs[missing] = None
        return objs.tolist()
    out = []
    for v in pd.Series(values, dtype=object).tolist():
        if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
            out.append(None)
            continue
        when = pd.Timestamp(v)
        when = when.tz_localize("UTC") if when.tzinfo is None else when
        py = when.to_pydatetime()
        out.append(proc(py) if proc else py)
    return out


def _fill(session: Session, rows: list[tuple[Any, ...]]) -> str:
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_TMP}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {_TMP} (id TEXT PRIMARY KEY, n INTEGER, action TEXT, "
                             "r TEXT, b TEXT, reason TEXT)")
        conn.exec_driver_sql(f"INSERT INTO temp.{_TMP} VALUES (?, ?, ?, ?, ?, ?)", rows)
        return f"temp.{_TMP}"
    conn.exec_driver_sql(f"CREATE TEMP TABLE {_TMP} (id VARCHAR(40) PRIMARY KEY, n BIGINT, action VARCHAR(20), "
                         "r TIMESTAMP, b TIMESTAMP, reason TEXT) ON COMMIT DROP")
    dbapi = conn.connection.dbapi_connection
    with dbapi.cursor() as cur, cur.copy(f"COPY {_TMP} (id, n, action, r, b, reason) FROM STDIN") as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)
    conn.exec_driver_sql(f"ANALYZE {_TMP}")
    return _TMP


def apply_moves(session: Session, plan: pd.DataFrame, now: dt.datetime, by: str | None = None) -> tuple[int, int]:
    """Write ``plan`` (from :func:`plan_recycling`): tasks, change log, task moves. No commit."""
    if plan.empty:
        return 0, 0
    conn = session.connection()
    dialect = conn.dialect
    mark = "?" if dialect.name == "sqlite" else "%s"
    stamp = _py_times([now], dialect)[0]
    rows = list(zip(plan["id"].tolist(), range(len(plan)), plan["action"].tolist(),
                    _py_times(plan["recycle_at"], dialect), _py_times(plan["barred_until"], dialect),
                    plan["reason"].tolist(), strict=True))
    src = _fill(session, rows)
    # the moves first: they record who held the task before the update
    conn.exec_driver_sql(
        "INSERT INTO task_moves (task_id, customer_id, team_id, action, from_user_id, to_user_id, "
        f"by_user_id, reason, at) SELECT t.id, t.customer_id, t.team_id, n.action, t.assignee_id, NULL, "
        f"{mark}, n.reason, {mark} FROM tasks AS t JOIN {src} AS n ON t.id = n.id", (by, stamp))
    conn.exec_driver_sql(
        "UPDATE tasks SET previous_assignee_id = assignee_id, assignee_id = NULL, barred_until = n.b, "
        f"recycle_at = NULL, assigned_at = NULL FROM {src} AS n WHERE tasks.id = n.id AND n.action = 'recycle'")
    conn.exec_driver_sql(
        f"UPDATE tasks SET recycle_at = n.r FROM {src} AS n WHERE tasks.id = n.id AND n.action <> 'recycle'")
    first = allocate_cursors(session, len(plan))
    conn.exec_driver_sql(
        "INSERT INTO change_log (cursor, entity, entity_id, op, data, team_id, store_id, target_user_id, "
        f"created_at) SELECT {mark} + n.n, 'task', t.id, 'upsert', {wire_json_sql(dialect.name, m.Task, 't')}, "
        f"c.team_id, c.store_id, NULL, {mark} FROM tasks AS t JOIN {src} AS n ON t.id = n.id "
        "LEFT JOIN customers AS c ON c.id = t.customer_id", (first, stamp))
    if dialect.name == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_TMP}")
    return first, first + len(plan) - 1


def load_held_tasks(session: Session) -> tuple[pd.DataFrame, pd.Series]:
    """(held open outbound tasks, last reached contact per customer) as frames."""
    rows = _fetch(session, "SELECT id, customer_id, team_id, assignee_id, assigned_at, created_at, recycle_at "
                           "FROM tasks WHERE status = 'open' AND assignee_id IS NOT NULL "
                           "AND team_id IS NOT NULL AND channel = 'outbound'")
    tasks = pd.DataFrame.from_records(rows, columns=["id", "customer_id", "team_id", "assignee_id",
                                                     "assigned_at", "created_at", "recycle_at"])
    for col in ("assigned_at", "created_at", "recycle_at"):
        tasks[col] = _times(tasks[col].tolist())
    reached = ", ".join(f"'{w}'" for w in _REACHED)
    last = _fetch(session, f"SELECT customer_id, MAX(started_at) FROM contact_events WHERE wrapup IN ({reached}) "
                           "GROUP BY customer_id")
    ids = [r[0] for r in last]
    return tasks, pd.Series(_times([r[1] for r in last]).to_numpy(), index=pd.Index(ids, dtype=object))


def recycle(engine: Engine, *, now: dt.datetime | None = None) -> RecycleReport:
    """One recycling pass over every held outbound task (see the module docstring)."""
    import time

    from server_stub.sync import lock_log

    now = now or utcnow()
    report = RecycleReport(seconds={})
    t0 = time.perf_counter()
    with bulk_connection(engine) as conn, Session(bind=conn) as s, s.begin():
        lock_log(s)  # serialised with pushes: a claim or contact cannot slip in between
        settings = all_settings(s)
        tasks, last = load_held_tasks(s)
        report.seconds["read"] = time.perf_counter() - t0  # type: ignore[index]
        plan = plan_recycling(tasks, last, settings, now)
        report.seconds["plan"] = time.perf_counter() - t0 - report.seconds["read"]  # type: ignore[index]
        report.tasks = len(tasks)
        counts = plan["action"].value_counts().to_dict() if len(plan) else {}
        report.warned, report.rewarned = counts.get("warn", 0), counts.get("rewarn", 0)
        report.withdrawn, report.recycled = counts.get("withdraw", 0), counts.get("recycle", 0)
        apply_moves(s, plan, now)
    report.seconds["total"] = time.perf_counter() - t0  # type: ignore[index]
    return report


# ------------------------------------------------------------------ claims, releases, reassignment


def _reason(data: dict[str, Any], default: str | None = None) -> str:
    from server_stub.sync import Rejected

    value = data.get("reason", default)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Rejected("reason: required")
    if not isinstance(value, str) or len(value) > 200 or "\x00" in value:
        raise Rejected("reason: text of at most 200 characters")
    return value.strip()


def _task_in_team(b: Any, data: dict[str, Any]) -> m.Task:
    from server_stub.sync import Rejected, _require_id

    tid = _require_id(data)
    row = b.session.get(m.Task, tid)
    p = b.principal
    if row is None or (p.role != Role.ADMIN and (p.team_id is None or row.team_id != p.team_id)):
        raise Rejected(f"task {tid} not found in your team")
    if row.status != TaskStatus.OPEN.value:
        raise Rejected(f"task {tid} is {row.status}, not open")
    return row


def _open_items(session: Session, user_id: str) -> int:
    return int(session.execute(select(func.count()).select_from(m.Task).where(
        m.Task.assignee_id == user_id, m.Task.status == TaskStatus.OPEN.value)).scalar_one())


def _claims_today(session: Session, user_id: str, now: dt.datetime) -> int:
    local = now.astimezone(DAY_ZONE)
    start = dt.datetime.combine(local.date(), dt.time(0), DAY_ZONE).astimezone(dt.UTC)
    return int(session.execute(select(func.count()).select_from(m.TaskMove).where(
        m.TaskMove.to_user_id == user_id, m.TaskMove.action == "claim", m.TaskMove.at >= start)).scalar_one())


def _move(b: Any, row: m.Task, action: str, to_user: str | None, reason: str) -> list[Change]:
    from server_stub.sync import change_for

    b.session.add(m.TaskMove(task_id=row.id, customer_id=row.customer_id, team_id=row.team_id, action=action,
                             from_user_id=row.assignee_id, to_user_id=to_user, by_user_id=b.principal.user_id,
                             reason=reason, at=b.now))
    b.session.add(m.AuditEntry(user_id=b.principal.user_id, action=f"task_{action}", customer_id=row.customer_id,
                               detail=f"{row.id}: {row.assignee_id or 'pool'} -> {to_user or 'pool'}; {reason}"))
    if to_user is None:
        row.previous_assignee_id = row.assignee_id
        bar = team_settings(b.session, row.team_id).reclaim_bar_days
        row.barred_until = b.now + dt.timedelta(days=bar)
        row.assigned_at = None
    else:
        row.assigned_at = b.now
    row.assignee_id = to_user
    row.recycle_at = None
    b.session.flush()
    cust = b.session.get(m.Customer, row.customer_id)
    return [change_for("task", row, cust)]


def _claim(b: Any, data: dict[str, Any]) -> list[Change]:
    from server_stub.sync import Rejected

    p = b.principal
    if p.role not in (Role.AGENT, Role.LEAD):
        raise Rejected("only agents and leads claim from the team pool")
    row = _task_in_team(b, data)
    reason = _reason(data, "claimed from the team pool")
    if row.assignee_id is not None:
        raise Rejected(f"task {row.id} is not in the pool (someone holds it)")
    if row.channel != "outbound":
        raise Rejected(f"task {row.id} is a {row.channel} task; only outbound tasks are claimed")
    cfg = team_settings(b.session, row.team_id)
    if row.previous_assignee_id == p.user_id and row.barred_until is not None and row.barred_until > b.now:
        raise Rejected(f"you held task {row.id} before; you may claim it again from "
                       f"{row.barred_until.astimezone(DAY_ZONE):%Y-%m-%d %H:%M}")
    if _claims_today(b.session, p.user_id, b.now) >= cfg.claims_per_day:
        raise Rejected(f"claim limit reached: at most {cfg.claims_per_day} claims a day")
    if _open_items(b.session, p.user_id) >= cfg.max_open_items:
        raise Rejected(f"you already hold {cfg.max_open_items} open items (the team's limit)")
    return _move(b, row, "claim", p.user_id, reason)


def _release(b: Any, data: dict[str, Any]) -> list[Change]:
    from server_stub.sync import Rejected

    row = _task_in_team(b, data)
    if row.assignee_id != b.principal.user_id:
        raise Rejected(f"task {row.id} is not yours to release")
    return _move(b, row, "release", None, _reason(data))


def _reassign(b: Any, data: dict[str, Any]) -> list[Change]:
    from server_stub.sync import Rejected, _require_id

    p = b.principal
    if p.role not in (Role.LEAD, Role.ADMIN):
        raise Rejected("only a team lead reassigns tasks")
    row = _task_in_team(b, data)
    reason = _reason(data)
    target_id = _require_id(data, "to_user_id")
    target = b.session.get(m.User, target_id)
    if target is None or not target.active or target.role not in (Role.AGENT, Role.LEAD):
        raise Rejected(f"user {target_id} is not an active agent")
    if target.team_id != row.team_id:
        raise Rejected(f"user {target_id} is in another team; tasks are reassigned within the team")
    if row.assignee_id == target_id:
        raise Rejected(f"task {row.id} is already {target_id}'s")
    cfg = team_settings(b.session, row.team_id)
    if _open_items(b.session, target_id) >= cfg.max_open_items:
        raise Rejected(f"{target_id} already holds {cfg.max_open_items} open items (the team's limit)")
    return _move(b, row, "reassign", target_id, reason)


def register(handlers: dict[tuple[str, str], Callable[[Any, dict[str, Any]], list[Change]]]) -> None:
    """Add the pool mutations to the push handlers."""
    handlers[("task", "claim")] = _claim
    handlers[("task", "release")] = _release
    handlers[("task", "reassign")] = _reassign


# ------------------------------------------------------------------ reading the pool


@dataclass(frozen=True)
class PoolItem:
    task_id: str
    customer_id: str
    customer_name: str
    policy_id: str
    deal: float | None
    lead_tier: str | None
    barred_until: dt.datetime | None
    previous_assignee_id: str | None


def pool_items(session: Session, team_id: str, limit: int = 200) -> list[PoolItem]:
    """The team's pool: open outbound tasks without a holder, best deal score first."""
    rows = session.execute(
        select(m.Task, m.Customer).join(m.Customer, m.Customer.id == m.Task.customer_id)
        .where(m.Task.team_id == team_id, m.Task.assignee_id.is_(None),
               m.Task.status == TaskStatus.OPEN.value, m.Task.channel == "outbound")).all()
    items = [PoolItem(t.id, c.id, c.name, t.policy_id,
                      (c.scores or {}).get("deal") if isinstance(c.scores, dict) else None,
                      c.lead_tier, t.barred_until, t.previous_assignee_id) for t, c in rows]
    items.sort(key=lambda i: (-(i.deal if isinstance(i.deal, int | float) else -1.0), i.task_id))
    return items[:limit]


def customer_moves(session: Session, customer_id: str) -> list[m.TaskMove]:
    """The customer's trail of task moves, newest first."""
    return list(session.execute(select(m.TaskMove).where(m.TaskMove.customer_id == customer_id)
                                .order_by(m.TaskMove.at.desc(), m.TaskMove.id.desc())).scalars())
