"""Assignment rules as data, and the pass that hands the team pool to agents by a rule.

A rule (``assignment_rules``: name, kind, params, version, status) is one of:

``round_robin``
    the team's agents in turn (by id), each up to their room for the day.
``tier_grade``
    ``params.tiers`` maps a lead tier to the agent grades that may take it, e.g. the
    default ``{"A": ["A"], "B": ["A", "B"], "C": ["A", "B", "C"]}``; with
    ``params.skill: true`` the agent must also have the policy's skill. Tier A is handed
    out first, least-loaded agent first among those allowed.
``score_least_loaded``
    the highest deal score first, each to the least-loaded agent with room (ties by id).

Every agent has ``daily_capacity`` (new tasks a day; None = no limit) and ``away`` (then
none). Work beyond the room waits in the pool — never dropped — and the report says how much
waits, per team. Each assignment sets the task's holder, ``assigned_at``, the rule (and the
experiment, when several rules compete: customers are split by a hash of experiment id and
customer id, so the split is reproducible and recorded on every task), appends the task to the
change log and a ``task_moves`` row ("assign", reason "rule NAME").

Vectorised: the room of an agent is a run of *slots* (their 1st, 2nd, ... task today); sorting
the slots by (load after taking it, agent id) and handing the sorted tasks the sorted slots is
exactly "each task to the least-loaded agent with room", for a million tasks at numpy speed.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from server_stub.changes import allocate_cursors
from server_stub.lifecycle.wire_sql import wire_json_sql
from server_stub.storage import models as m
from server_stub.storage.db import bulk_connection
from server_stub.storage.fast_insert import bind_processor
from workbench.core.assignment_rules import (
    BUILT_IN,
    DEFAULT_TIERS,
    AssignmentRuleSpec,
    rule_issues,
)
from workbench.core.entities import UTCDateTime, utcnow

DAY_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
_TMP = "wb_assign"
#: The rule as the pass runs it (the core spec: name, kind, params, description, version, status).
RuleSpec = AssignmentRuleSpec


class AssignmentError(ValueError):
    """A rule that cannot be used (unknown name, bad parameters); the message says why."""


def check_rule(rule: RuleSpec) -> RuleSpec:
    """``rule`` if its kind and parameters are valid; AssignmentError naming the problems."""
    issues = rule_issues(rule.to_dict())
    if issues:
        raise AssignmentError(f"rule {rule.name}: " + "; ".join(f"{f} {msg}" for f, msg in issues))
    return rule


def load_rule(session: Session, name: str) -> RuleSpec:
    """The published rule ``name`` (a stored one, else a built-in one); AssignmentError if
    unknown or not published."""
    row = session.get(m.AssignmentRule, name) if len(name) <= 40 else None
    if row is not None:
        if row.status != "published":
            raise AssignmentError(f"rule {name} is {row.status}, not published")
        return check_rule(AssignmentRuleSpec.from_row(row))
    if name in BUILT_IN:
        return BUILT_IN[name]
    known = sorted(set(BUILT_IN) | set(session.execute(
        select(m.AssignmentRule.name).where(m.AssignmentRule.status == "published")).scalars()))
    raise AssignmentError(f"unknown assignment rule {name[:60]!r}; known: {', '.join(known)}")


def list_rules(session: Session) -> list[RuleSpec]:
    """Every rule: the stored ones, and the built-in ones no row overrides, by name."""
    stored = {r.name: AssignmentRuleSpec.from_row(r) for r in session.execute(select(m.AssignmentRule)).scalars()}
    return sorted({**BUILT_IN, **stored}.values(), key=lambda r: r.name)


@dataclass
class AssignReport:
    pool: int = 0
    assigned: Counter[str] = field(default_factory=Counter)  # by rule
    waiting: Counter[str] = field(default_factory=Counter)  # by team
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [f"pool: {self.pool:,} open outbound tasks without a holder"]
        out += [f"assigned by {r}: {n:,}" for r, n in sorted(self.assigned.items())]
        waits = sum(self.waiting.values())
        out.append(f"waiting in the pool (no room today): {waits:,}"
                   + (" (" + ", ".join(f"{t} {n:,}" for t, n in sorted(self.waiting.items())) + ")" if waits else ""))
        out.append(f"time: {self.seconds:.1f} s")
        return out


@dataclass
class _Agents:
    ids: np.ndarray  # object
    team: np.ndarray  # object
    grade: np.ndarray  # object
    skills: list[frozenset[str]]
    room: np.ndarray  # int: tasks they may still take today
    load: np.ndarray  # int: taken today


def _agents(session: Session, now: dt.datetime) -> _Agents:
    local = now.astimezone(DAY_ZONE)
    start = dt.datetime.combine(local.date(), dt.time(0), DAY_ZONE).astimezone(dt.UTC)
    today = dict(session.execute(
        select(m.Task.assignee_id, func.count()).where(m.Task.assigned_at >= start, m.Task.assignee_id.is_not(None))
        .group_by(m.Task.assignee_id)).tuples().all())
    rows = session.execute(
        select(m.User.id, m.User.team_id, m.User.grade, m.User.skills, m.User.daily_capacity, m.User.away)
        .where(m.User.role == "agent", m.User.active.is_(True), m.User.team_id.is_not(None))
        .order_by(m.User.id)).all()
    big = 10**9
    load = np.array([int(today.get(r[0], 0)) for r in rows], dtype=np.int64)
    cap = np.array([0 if r[5] else (big if r[4] is None else int(r[4])) for r in rows], dtype=np.int64)
    return _Agents(np.array([r[0] for r in rows], dtype=object), np.array([r[1] for r in rows], dtype=object),
                   np.array([r[2] for r in rows], dtype=object), [frozenset(r[3] or ()) for r in rows],
                   np.maximum(cap - load, 0), load)


def _slots(agent_ix: np.ndarray, agents: _Agents, n: int, turn_order: bool) -> np.ndarray:
    """Up to ``n`` agent indices, one per task: least loaded first (``turn_order``: in turns,
    ignoring the loads taken before), ties by agent id order."""
    if len(agent_ix) == 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    room = np.minimum(agents.room[agent_ix], n)
    total = int(room.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    owner = np.repeat(agent_ix, room)
    k = np.arange(total) - np.repeat(np.cumsum(room) - room, room)  # 0, 1, ... per agent
    level = k if turn_order else k + agents.load[owner]
    order = np.lexsort((owner, level))  # by level, then agent (ids are sorted)
    return owner[order][:n]


def _take(agents: _Agents, picked: np.ndarray) -> None:
    np.subtract.at(agents.room, picked, 1)
    np.add.at(agents.load, picked, 1)


def plan(tasks: pd.DataFrame, agents: _Agents, rule: RuleSpec, skills_of: dict[str, frozenset[str]]) -> np.ndarray:
    """Agent index per task (-1: waits in the pool). ``tasks``: team_id, deal, lead_tier,
    policy_id, priority, created_at, in the pool's order."""
    out = np.full(len(tasks), -1, dtype=np.int64)
    if tasks.empty or len(agents.ids) == 0:
        return out
    team_ix = {t: np.flatnonzero(agents.team == t) for t in pd.unique(agents.team)}
    for team, idx in tasks.groupby("team_id", sort=True).indices.items():
        members = team_ix.get(team, np.zeros(0, dtype=np.int64))
        sub = tasks.iloc[idx]
        if rule.kind == "round_robin":
            order = np.lexsort((sub["created_at"].to_numpy(), -sub["priority"].to_numpy()))
            picked = _slots(members, agents, len(order), turn_order=True)
            out[idx[order[:len(picked)]]] = picked
            _take(agents, picked)
        elif rule.kind == "score_least_loaded":
            deal = sub["deal"].to_numpy(dtype=float)
            order = np.lexsort((sub["task_id"].to_numpy(), -np.nan_to_num(deal, nan=-1.0)))
            picked = _slots(members, agents, len(order), turn_order=False)
            out[idx[order[:len(picked)]]] = picked
            _take(agents, picked)
        else:
            tiers = rule.params.get("tiers", DEFAULT_TIERS)
            need_skill = bool(rule.params.get("skill", False))
            tier = sub["lead_tier"].fillna("C").to_numpy(dtype=object)
            deal = np.nan_to_num(sub["deal"].to_numpy(dtype=float), nan=-1.0)
            for t in ("A", "B", "C"):
                grades = set(tiers.get(t, ["A", "B", "C"]))
                in_tier = np.flatnonzero(tier == t)
                if len(in_tier) == 0:
                    continue
                allowed = members[np.isin(agents.grade[members], list(grades))] if len(members) else members
                policies = sub["policy_id"].to_numpy(dtype=object)[in_tier]
                for pid in sorted(set(policies.tolist())):
                    rows = in_tier[policies == pid]
                    pool = allowed
                    if need_skill:
                        wanted = skills_of.get(pid, frozenset())
                        pool = np.array([a for a in allowed if agents.skills[a] & wanted], dtype=np.int64)
                    rows = rows[np.argsort(-deal[rows], kind="stable")]
                    picked = _slots(pool, agents, len(rows), turn_order=False)
                    out[idx[rows[:len(picked)]]] = picked
                    _take(agents, picked)
    return out


_POOL = ("t.status = 'open' AND t.assignee_id IS NULL AND t.channel = 'outbound' "
         "AND t.team_id IS NOT NULL")


def _pool_frame(session: Session) -> pd.DataFrame:
    """The pool's tasks with their customer's tier, deal score, team and store.

    The tasks and their customers are read by two queries and matched here: a join looked
    up the customer once per task (measured 5.5 s CPU for 1,000,000 tasks of 250,000
    customers; 3.5 s as two queries), and the customer's team and store go into the
    change-log rows without a second join.
    """
    dialect = session.connection().dialect.name
    deal = ("CASE WHEN json_valid(c.scores) AND json_type(c.scores, '$.deal') IN ('real', 'integer') "
            "THEN json_extract(c.scores, '$.deal') END") if dialect == "sqlite" else \
        ("CASE WHEN json_typeof(c.scores) = 'object' AND json_typeof(c.scores -> 'deal') = 'number' "
         "THEN CAST(c.scores ->> 'deal' AS double precision) END")
    cur = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute("SELECT t.id, t.customer_id, t.team_id, t.policy_id, t.priority, t.created_at, t.lead_tier "
                    f"FROM tasks AS t WHERE {_POOL}")
        rows = cur.fetchall()
        cur.execute(f"SELECT c.id, c.lead_tier, {deal}, c.team_id, c.store_id FROM customers AS c "
                    f"WHERE c.id IN (SELECT t.customer_id FROM tasks AS t WHERE {_POOL})")
        customers = cur.fetchall()
    finally:
        cur.close()
    frame = pd.DataFrame.from_records(rows, columns=["task_id", "customer_id", "team_id", "policy_id", "priority",
                                                     "created_at", "lead_tier"], coerce_float=True)
    cust = pd.DataFrame.from_records(customers, columns=["id", "lead_tier", "deal", "team_id", "store_id"],
                                     coerce_float=True)
    at = pd.Index(cust["id"].astype(object)).get_indexer(frame["customer_id"].astype(object))
    known = at >= 0

    def of_customer(col: str) -> np.ndarray:
        out = np.full(len(frame), None, dtype=object)
        out[known] = cust[col].to_numpy(dtype=object)[at[known]]
        return out

    own = frame["lead_tier"].to_numpy(dtype=object)
    frame["lead_tier"] = np.where(pd.isna(own), of_customer("lead_tier"), own)
    frame["created_at"] = frame["created_at"].astype(str)
    frame["deal"] = pd.to_numeric(pd.Series(of_customer("deal"), index=frame.index), errors="coerce")
    frame["customer_team"] = of_customer("team_id")
    frame["customer_store"] = of_customer("store_id")
    return frame


def _write(session: Session, tasks: pd.DataFrame, agents: list[str], rules: list[str], experiment: str | None,
           now: dt.datetime) -> None:
    """Hand ``tasks`` (rows of :func:`_pool_frame`) to ``agents``: holders, moves, change log."""
    if tasks.empty:
        return
    conn = session.connection()
    dialect = conn.dialect
    mark = "?" if dialect.name == "sqlite" else "%s"
    proc = bind_processor(UTCDateTime(), dialect)
    stamp = proc(now) if proc else now

    def texts(col: str) -> list[str | None]:
        return [v if isinstance(v, str) else None for v in tasks[col].tolist()]

    ids = tasks["task_id"].tolist()
    rows = list(zip(ids, range(len(ids)), agents, rules, texts("customer_id"), texts("team_id"),
                    texts("customer_team"), texts("customer_store"), strict=True))
    if dialect.name == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_TMP}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {_TMP} (id TEXT NOT NULL UNIQUE, n INTEGER PRIMARY KEY, a TEXT, r TEXT, "
                             "c TEXT, tt TEXT, ct TEXT, cs TEXT)")
        conn.exec_driver_sql(f"INSERT INTO temp.{_TMP} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        src = f"temp.{_TMP}"
    else:
        conn.exec_driver_sql(f"CREATE TEMP TABLE {_TMP} (id VARCHAR(40) PRIMARY KEY, n BIGINT, a VARCHAR(40), "
                             "r VARCHAR(40), c VARCHAR(40), tt VARCHAR(40), ct VARCHAR(40), cs VARCHAR(40)) ON COMMIT DROP")
        with conn.connection.dbapi_connection.cursor() as cur, cur.copy(  # type: ignore[union-attr]
                f"COPY {_TMP} (id, n, a, r, c, tt, ct, cs) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.exec_driver_sql(f"ANALYZE {_TMP}")
        src = _TMP
    conn.exec_driver_sql(
        f"UPDATE tasks SET assignee_id = n.a, assigned_at = {mark}, assignment_rule = n.r, "
        f"experiment_id = {mark}, recycle_at = NULL FROM {src} AS n WHERE tasks.id = n.id", (stamp, experiment))
    # the task's customer and team as read with the pool (the pass does not change them)
    conn.exec_driver_sql(
        "INSERT INTO task_moves (task_id, customer_id, team_id, action, from_user_id, to_user_id, by_user_id, "
        f"reason, at) SELECT n.id, n.c, n.tt, 'assign', NULL, n.a, NULL, 'rule ' || n.r, {mark} "
        f"FROM {src} AS n ORDER BY n.n", (stamp,))
    first = allocate_cursors(session, len(ids))
    # the customer's team and store were read with the pool (the write lock is held since)
    conn.exec_driver_sql(
        "INSERT INTO change_log (cursor, entity, entity_id, op, data, team_id, store_id, target_user_id, "
        f"created_at) SELECT {mark} + n.n, 'task', t.id, 'upsert', {wire_json_sql(dialect.name, m.Task, 't')}, "
        f"n.ct, n.cs, NULL, {mark} FROM tasks AS t JOIN {src} AS n ON t.id = n.id", (first, stamp))
    if dialect.name == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_TMP}")


def assign_pool(engine: Engine, rule_names: list[str], *, experiment: str | None = None,
                now: dt.datetime | None = None, only: Collection[str] | None = None) -> AssignReport:
    """Hand the pool's open outbound tasks to agents by the named rule (or, with
    ``experiment``, split the customers between two or three rules); ``only``: just these
    task ids (e.g. the retention tasks a lead just created)."""
    from server_stub.sync import lock_log
    from server_stub.task_generation import _skills_for
    from workbench.core.policies import PolicySpec
    from workbench.core.scoring.tiers import split_customers

    t0 = time.perf_counter()
    now = now or utcnow()
    if not rule_names:
        raise AssignmentError("name an assignment rule")
    if experiment is not None and not 2 <= len(rule_names) <= 3:
        raise AssignmentError("an experiment compares two or three rules")
    if experiment is None and len(rule_names) != 1:
        raise AssignmentError("several rules need --experiment ID")
    if len(set(rule_names)) != len(rule_names):
        raise AssignmentError("each rule once")
    report = AssignReport()
    with bulk_connection(engine) as conn, Session(bind=conn) as s, s.begin():
        rules = [load_rule(s, n) for n in rule_names]
        lock_log(s)
        agents = _agents(s, now)
        skills_of = {p.id: _skills_for(PolicySpec.from_row(p)) for p in s.execute(select(m.Policy)).scalars()}
        tasks = _pool_frame(s)
        if only is not None:
            tasks = tasks[tasks["task_id"].isin(list(only))].reset_index(drop=True)
        report.pool = len(tasks)
        arm = np.zeros(len(tasks), dtype=np.int64)
        if experiment is not None and len(tasks):
            split = split_customers(experiment, tasks["customer_id"].unique().tolist(), rule_names)
            arm = tasks["customer_id"].map({c: rule_names.index(a) for c, a in split.assignments.items()}).to_numpy()
        picked = np.full(len(tasks), -1, dtype=np.int64)
        for i, rule in enumerate(rules):
            sel = np.flatnonzero(arm == i)
            picked[sel] = plan(tasks.iloc[sel].reset_index(drop=True), agents, rule, skills_of)
        done = picked >= 0
        for team, n in tasks.loc[~done, "team_id"].value_counts().items():
            report.waiting[str(team)] = int(n)
        rule_of = np.array(rule_names, dtype=object)[arm]
        for r, n in Counter(rule_of[done].tolist()).items():
            report.assigned[r] = n
        _write(s, tasks.loc[done], agents.ids[picked[done]].tolist(), rule_of[done].tolist(), experiment, now)
    report.seconds = time.perf_counter() - t0
    return report
