"""``workbench-server generate-tasks``: match published policies to customers, create tasks.

For every active published policy (or the one given with ``--policy``) and every customer
whose portrait satisfies its rule, a task is created per channel where the policy is usable
and tasks make sense (outbound calls, store visits, SMS):

- outbound tasks go to an agent of the customer's team: round-robin, or round-robin among
  the agents whose skills fit the policy's product (``--assign skill``);
- store tasks go to the customer's store, or else to a store in the customer's city; by
  default only as the fallback where no outbound task covers the customer (do-not-call, no
  agent in the team, or a store-only policy), so stores get the visits agents cannot arrange
  by phone (``--store-tasks all``: for every match);
- SMS tasks carry no assignee (the SMS gateway sends them).

Idempotent: a task's id is derived from customer + policy + channel, an existing task for
the same triple (whatever its id) is left alone, and inserts ignore ids that appeared
meanwhile, so running it twice creates nothing new. Skipped: customers who accepted the
policy (or a policy of its exclusive group) anywhere, customers whose consent makes the
channel pointless (do-not-call for outbound, do-not-SMS for SMS), and, within an exclusive
group, all but the best policy for the customer (the ranking of
:func:`workbench.core.policies.eligible_policies`).

Every created task is appended to the change log tagged with the customer's team and the
task's store, so desktops receive it on their next pull. Customers are read in chunks by
id; each chunk commits on its own (a crash leaves complete chunks; the rerun fills the rest).

The matching core, :func:`match_policies`, evaluates the rules vectorised over a pandas
frame with :meth:`workbench.core.rules.Rule.mask`; ``bench/bench_task_generation.py``
times the same function.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import re
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from server_stub.bulk import LogEntry, RawWriter, wire_json
from server_stub.storage import models as m
from workbench.core.clock import utcnow
from workbench.core.codes import AcceptanceStatus, Channel, Role, TaskStatus
from workbench.core.policies import PolicySpec, is_active, remaining_quota, usable_in
from workbench.core.pressure import BLOCKING_FLAG
from workbench.core.rules import PortraitFrame, RuleError

#: Channels that get tasks (hotline and online are customer-initiated).
TASK_CHANNELS: tuple[str, ...] = (Channel.OUTBOUND.value, Channel.STORE.value, Channel.SMS.value)
CHUNK = 50_000
ASSIGN_MODES = ("round-robin", "skill")
#: outbound tasks go to the team pool unassigned; a named rule hands them out afterwards
#: (``server_stub.lifecycle.assignment``)
POOL_MODE = "pool"
#: Store tasks for every match ("all"), or only where no outbound task covers the customer.
STORE_TASK_MODES = ("fallback", "all")

#: progress(customers done, customers total, tasks created so far)
Progress = Callable[[int, int, int], None]


def task_id(customer_id: str, policy_id: str, channel: str) -> str:
    """The deterministic id of the task pairing this customer, policy and channel."""
    digest = hashlib.sha1(f"{customer_id}\x1f{policy_id}\x1f{channel}".encode()).hexdigest()
    return f"TK-{digest[:32]}"


# ---------------------------------------------------------------- the matching core


@dataclass(frozen=True)
class MatchResult:
    """Which customers (rows of the frame) get which policy.

    Attributes:
        policies: the policies, in column order.
        matrix: (customers × policies) booleans: rule matches and, within each exclusive
            group, the best matching policy of the group only.
        rule_matches: per policy, how many customers its rule matched (before groups).
    """

    policies: tuple[PolicySpec, ...]
    matrix: np.ndarray
    rule_matches: dict[str, int]


def _priority_order(policies: Sequence[PolicySpec], idx: list[int], by_value: bool) -> list[int]:
    if by_value:
        key = lambda j: (-policies[j].value, -policies[j].priority, policies[j].id)  # noqa: E731
    else:
        key = lambda j: (-policies[j].priority, -policies[j].value, policies[j].id)  # noqa: E731
    return sorted(idx, key=key)


def match_policies(
    frame: pd.DataFrame | PortraitFrame,
    policies: Sequence[PolicySpec],
    *,
    today: dt.date | None = None,
    closed_groups: np.ndarray | None = None,
) -> MatchResult:
    """Evaluate every policy's rule over a frame of portraits and resolve exclusive groups.

    Args:
        frame: portraits, one row per customer (columns as in ``CustomerCols``; a
            ``scores`` column of dicts decides the ranking inside groups).
        policies: the policies (their rules must compile).
        closed_groups: optional (customers × policies) booleans: True where the
            customer may not get this policy (accepted it or its group, or holds a task
            for another policy of its group).

    Within an exclusive group a customer keeps the policy that
    :func:`~workbench.core.policies.eligible_policies` would rank first: by value
    when the customer has a deal probability, else by priority.
    """
    pf = frame if isinstance(frame, PortraitFrame) else PortraitFrame(frame, today=today)
    n, k = pf.n, len(policies)
    matrix = np.zeros((n, k), dtype=bool)
    counts: dict[str, int] = {}
    for j, policy in enumerate(policies):
        mask = policy.compiled.mask(pf).to_numpy()
        counts[policy.id] = int(mask.sum())
        matrix[:, j] = mask
    if closed_groups is not None:
        matrix &= ~closed_groups
    groups: dict[str, list[int]] = defaultdict(list)
    for j, policy in enumerate(policies):
        if policy.exclusive_group:
            groups[policy.exclusive_group].append(j)
    if any(len(idx) > 1 for idx in groups.values()):
        has_score = _has_deal_score(pf)
        for idx in groups.values():
            if len(idx) < 2:
                continue
            picks = []
            for by_value in (True, False):
                chosen = np.full(n, -1, dtype=np.int64)
                for j in _priority_order(policies, idx, by_value):
                    chosen[(chosen == -1) & matrix[:, j]] = j
                picks.append(chosen)
            chosen = np.where(has_score, picks[0], picks[1])
            for j in idx:
                matrix[:, j] &= chosen == j
    return MatchResult(tuple(policies), matrix, counts)


def _has_deal_score(pf: PortraitFrame) -> np.ndarray:
    if "scores" not in pf.df.columns:
        return np.zeros(pf.n, dtype=bool)
    values = pf.df["scores"].to_numpy(dtype=object)
    return np.fromiter(
        (isinstance(s, dict) and isinstance(s.get("deal"), int | float) and s["deal"] > 0
         for s in values),
        dtype=bool, count=pf.n,
    )


# ---------------------------------------------------------------- generation


@dataclass
class GenerationReport:
    """What a run did."""

    customers: int = 0
    policies: list[str] = field(default_factory=list)
    rule_matches: Counter[str] = field(default_factory=Counter)
    created: Counter[str] = field(default_factory=Counter)
    created_by_policy: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    def lines(self) -> list[str]:
        out = [
            f"customers scanned: {self.customers:,}",
            f"policies: {', '.join(self.policies) or '(none active)'}",
            f"tasks created: {self.total_created:,}"
            + (f" ({', '.join(f'{c} {n:,}' for c, n in sorted(self.created.items()))})"
               if self.created else ""),
        ]
        for pid in self.policies:
            out.append(f"  {pid}: rule matched {self.rule_matches[pid]:,}, "
                       f"tasks created {self.created_by_policy[pid]:,}")
        if self.skipped:
            out.append("skipped: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.skipped.items())))
        out.extend(f"warning: {w}" for w in self.warnings)
        out.append(f"time: {self.seconds:.1f} s")
        return out


class GenerationError(ValueError):
    """A run that cannot start (e.g. an unknown policy); the message is safe to show."""


@dataclass
class _Assigner:
    """Picks an agent (outbound) or a store (store tasks) for each task."""

    agents_by_team: dict[str, list[tuple[str, frozenset[str]]]]
    stores_by_city: dict[str, list[str]]
    mode: str = "round-robin"
    turn: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: for an experiment: one assigner per competing rule, and the experiment's id
    arms: dict[str, _Assigner] = field(default_factory=dict)
    experiment: str | None = None

    def arm_of(self, customer_id: str) -> str | None:
        """The rule this customer was split into (None outside an experiment)."""
        if not self.arms or self.experiment is None:
            return None
        from workbench.core.scoring.tiers import split_customers

        return split_customers(self.experiment, [customer_id], list(self.arms)).assignments[customer_id]

    def agent(self, team_id: str | None, policy: PolicySpec) -> str | None:
        if not team_id or self.mode == POOL_MODE:  # named rules assign the pool afterwards
            return None
        agents = self.agents_by_team.get(team_id)
        if not agents:
            return None
        pool = [a for a, _skills in agents]
        key = (team_id, "")
        if self.mode == "skill":
            wanted = _skills_for(policy)
            skilled = [a for a, skills in agents if skills & wanted]
            if skilled:
                pool = skilled
                key = (team_id, policy.id)
        pick = pool[self.turn[key] % len(pool)]
        self.turn[key] += 1
        return pick

    def store(self, customer_id: str, store_id: str | None, city: str | None) -> str | None:
        if store_id:
            return store_id
        stores = self.stores_by_city.get(city or "")
        if not stores:
            return None
        return stores[zlib.crc32(customer_id.encode()) % len(stores)]


def _skills_for(policy: PolicySpec) -> frozenset[str]:
    wanted = {s for s in (policy.product, policy.code, policy.id) if s}
    try:  # the demo data's product -> skill table, when present
        from server_stub.seed.generate import PRODUCT_SKILL

        if policy.product in PRODUCT_SKILL:
            wanted.add(PRODUCT_SKILL[policy.product])
    except ImportError:  # pragma: no cover
        pass
    return frozenset(wanted)


def _load_policies(
    session: Session, now: dt.datetime, policy_id: str | None, warnings: list[str]
) -> list[PolicySpec]:
    query = select(m.Policy)
    if policy_id:
        query = query.where(m.Policy.id == policy_id)
    rows = session.execute(query).scalars().all()
    if policy_id and not rows:
        raise GenerationError(f"no policy with id {policy_id!r}")
    specs = []
    for row in rows:
        spec = PolicySpec.from_row(row)
        if not is_active(spec, now):
            if policy_id:
                raise GenerationError(f"policy {policy_id} is not published and valid now")
            continue
        left = remaining_quota(spec)
        if left is not None and left <= 0:
            continue
        try:
            spec.compiled  # noqa: B018 (compile now: a bad rule must not stop the others)
        except RuleError as exc:
            if policy_id:
                raise GenerationError(f"policy {policy_id} has an invalid rule: {exc}") from None
            warnings.append(f"policy {spec.id} skipped: invalid rule: {exc}")
            continue
        specs.append(spec)
    return sorted(specs, key=lambda p: p.id)


def _load_assigner(session: Session, mode: str) -> _Assigner:
    agents: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
    for uid, team, skills in session.execute(
        select(m.User.id, m.User.team_id, m.User.skills)
        .where(m.User.role == Role.AGENT.value, m.User.active.is_(True), m.User.team_id.is_not(None))
        .order_by(m.User.id)
    ):
        agents[team].append((uid, frozenset(skills or ())))
    stores: dict[str, list[str]] = defaultdict(list)
    for sid, city in session.execute(select(m.Store.id, m.Store.city).order_by(m.Store.id)):
        stores[city].append(sid)
    return _Assigner(dict(agents), dict(stores), mode)


_CUSTOMER_BASE_COLUMNS = ("id", "team_id", "store_id", "city", "lead_tier", "scores",
                          "do_not_call", "do_not_sms")


def _customer_chunks(
    session: Session, columns: Sequence[str], chunk: int
) -> Iterable[pd.DataFrame]:
    cols = [getattr(m.Customer, c) for c in columns]
    last: str | None = None
    while True:
        query = select(*cols).order_by(m.Customer.id).limit(chunk)
        if last is not None:
            query = query.where(m.Customer.id > last)
        rows = session.execute(query).all()
        if not rows:
            return
        df = pd.DataFrame.from_records(rows, columns=list(columns))
        last = rows[-1][0]
        yield df


def generate_tasks(
    engine: Engine,
    *,
    policy_id: str | None = None,
    channels: Sequence[str] = TASK_CHANNELS,
    assign: str = "round-robin",
    store_tasks: str = "fallback",
    now: dt.datetime | None = None,
    chunk: int = CHUNK,
    progress: Progress | None = None,
    experiment: str | None = None,
) -> GenerationReport:
    """Create the missing tasks for active published policies; see the module docstring.

    With ``experiment`` (an id), the assignment rules compete: each customer is split at
    random (hash of experiment id and customer id, so reproducible) between the rules of
    ``ASSIGN_MODES``, their tasks are assigned by that rule, and the split is recorded on
    each task (``experiment_id``, ``assignment_rule``) for the leads' comparison.
    """
    if assign not in ASSIGN_MODES and assign != POOL_MODE:
        raise GenerationError(f"assign must be one of {', '.join(ASSIGN_MODES)}")
    if experiment is not None and not re.fullmatch(r"[A-Za-z0-9_.:-]{1,40}", experiment):
        raise GenerationError("an experiment id is 1-40 letters, digits or - _ . :")
    if store_tasks not in STORE_TASK_MODES:
        raise GenerationError(f"store_tasks must be one of {', '.join(STORE_TASK_MODES)}")
    channels = [c for c in TASK_CHANNELS if c in channels] + [c for c in channels if c not in TASK_CHANNELS]
    bad = [c for c in channels if c not in TASK_CHANNELS]
    if bad:
        raise GenerationError(f"no tasks for channel(s) {', '.join(bad)}; use {', '.join(TASK_CHANNELS)}")
    started = time.perf_counter()
    now = now or utcnow()
    today = now.date()
    report = GenerationReport()
    with Session(engine) as session:
        policies = _load_policies(session, now, policy_id, report.warnings)
        report.policies = [p.id for p in policies]
        assigner = _load_assigner(session, assign)
        if experiment is not None:
            assigner.arms = {mode: _load_assigner(session, mode) for mode in ASSIGN_MODES}
            assigner.experiment = experiment
        total = session.execute(select(func.count()).select_from(m.Customer)).scalar_one()
    if not policies:
        report.seconds = time.perf_counter() - started
        return report
    rule_cols = set().union(*(p.compiled.columns for p in policies))
    columns = list(dict.fromkeys([*_CUSTOMER_BASE_COLUMNS, *sorted(rule_cols)]))
    group_of = {p.id: p.exclusive_group for p in policies}
    pindex = {p.id: j for j, p in enumerate(policies)}
    all_groups = {p.exclusive_group for p in policies if p.exclusive_group}
    group_policy_ids = defaultdict(set)
    with Session(engine) as session:
        for pid, group in session.execute(
            select(m.Policy.id, m.Policy.exclusive_group).where(m.Policy.exclusive_group.is_not(None))
        ):
            group_policy_ids[group].add(pid)
    done = 0
    with Session(engine) as reader:
        for df in _customer_chunks(reader, columns, chunk):
            with Session(engine) as session, session.begin():
                _generate_chunk(
                    session, df, policies, channels, assigner, now, today, report,
                    pindex, group_of, all_groups, group_policy_ids, store_tasks,
                )
            done += len(df)
            report.customers = done
            if progress:
                progress(done, total, report.total_created)
    report.seconds = time.perf_counter() - started
    return report


def _generate_chunk(
    session: Session,
    df: pd.DataFrame,
    policies: Sequence[PolicySpec],
    channels: Sequence[str],
    assigner: _Assigner,
    now: dt.datetime,
    today: dt.date,
    report: GenerationReport,
    pindex: dict[str, int],
    group_of: dict[str, str | None],
    all_groups: set[str],
    group_policy_ids: dict[str, set[str]],
    store_tasks: str,
) -> int:
    ids = df["id"].tolist()
    lo, hi = ids[0], ids[-1]
    row_of = {cid: i for i, cid in enumerate(ids)}
    n, k = len(ids), len(policies)
    closed = np.zeros((n, k), dtype=bool)
    existing: set[tuple[str, str, str]] = set()
    # existing tasks (any id) and the groups they occupy
    for cid, pid, ch, status in session.execute(
        select(m.Task.customer_id, m.Task.policy_id, m.Task.channel, m.Task.status)
        .where(m.Task.customer_id >= lo, m.Task.customer_id <= hi)
    ):
        existing.add((cid, pid, ch))
        i = row_of.get(cid)
        if i is None or status == TaskStatus.CANCELLED.value:
            continue
        group = _group_of_policy(pid, group_policy_ids)
        if group and group in all_groups:
            for j, p in enumerate(policies):
                if p.exclusive_group == group and p.id != pid:
                    closed[i, j] = True
    # acceptances close the policy and its group
    for cid, pid in session.execute(
        select(m.Acceptance.customer_id, m.Acceptance.policy_id)
        .where(m.Acceptance.customer_id >= lo, m.Acceptance.customer_id <= hi,
               m.Acceptance.status == AcceptanceStatus.ACCEPTED.value)
    ):
        i = row_of.get(cid)
        if i is None:
            continue
        j = pindex.get(pid)
        if j is not None:
            closed[i, j] = True
        group = group_of.get(pid) or _group_of_policy(pid, group_policy_ids)
        if group:
            for jj, p in enumerate(policies):
                if p.exclusive_group == group:
                    closed[i, jj] = True
    result = match_policies(df, policies, today=today)
    for pid, count in result.rule_matches.items():
        report.rule_matches[pid] += count
    blocked = result.matrix & closed
    if blocked.any():
        report.skipped["accepted_or_group_taken"] += int(blocked.sum())
    matrix = result.matrix & ~closed

    team, store, city, tier = (_objects(df[c]) for c in ("team_id", "store_id", "city", "lead_tier"))
    flags = {flag: df[flag].fillna(False).to_numpy(dtype=bool) for flag in set(BLOCKING_FLAG.values())}
    rows: list[dict[str, Any]] = []
    tags: dict[str, tuple[str | None, str | None]] = {}
    for j, policy in enumerate(policies):
        hits = np.flatnonzero(matrix[:, j])
        if not len(hits):
            continue
        called: set[int] = set()  # customers an outbound task covers for this policy
        for channel in channels:
            if not usable_in(policy, channel):
                continue
            flag = BLOCKING_FLAG.get(channel)
            outbound = channel == Channel.OUTBOUND.value
            fallback_only = channel == Channel.STORE.value and store_tasks == "fallback"
            for i in hits.tolist():
                cid = ids[i]
                if (cid, policy.id, channel) in existing:
                    report.skipped["exists"] += 1
                    if outbound:
                        called.add(i)
                    continue
                if fallback_only and i in called:
                    report.skipped["store_covered_by_outbound"] += 1
                    continue
                if flag and flags[flag][i]:
                    report.skipped[flag] += 1
                    continue
                assignee = None
                task_store = store[i]
                arm = assigner.arm_of(cid) if outbound else None
                if outbound:
                    assignee = (assigner.arms[arm] if arm else assigner).agent(team[i], policy)
                    if assignee is None and not (assigner.mode == POOL_MODE and team[i]):
                        report.skipped["no_agent"] += 1
                        continue
                    called.add(i)
                elif channel == Channel.STORE.value:
                    task_store = assigner.store(cid, store[i], city[i])
                    if task_store is None:
                        report.skipped["no_store"] += 1
                        continue
                tid = task_id(cid, policy.id, channel)
                rows.append({
                    "id": tid,
                    "customer_id": cid,
                    "policy_id": policy.id,
                    "channel": channel,
                    "assignee_id": assignee,
                    "team_id": team[i],
                    "store_id": task_store,
                    "status": TaskStatus.OPEN.value,
                    "priority": policy.priority,
                    "lead_tier": tier[i],
                    "created_at": now,
                    "due_at": policy.valid_to,
                    "experiment_id": assigner.experiment if arm else None,
                    "assignment_rule": arm,
                })
                tags[tid] = (team[i], store[i] if store[i] else task_store)
    if not rows:
        return 0
    # Existing triples were filtered above; ON CONFLICT guards against a concurrent run
    # (whose change-log entries for the same task carry the same row: harmless upserts).
    writer = RawWriter(session)
    writer.insert(m.Task.__table__, list(rows[0]), rows, ignore_existing=True)
    entries = []
    for row in rows:
        report.created[row["channel"]] += 1
        report.created_by_policy[row["policy_id"]] += 1
        team_tag, store_tag = tags[row["id"]]
        entries.append(LogEntry("task", row["id"], wire_json(row), team_tag, store_tag))
    writer.changes(entries, now)
    return len(entries)


def _objects(series: pd.Series) -> np.ndarray:
    """An object array with ``None`` for missing values (a column of all-None may be NaN)."""
    values = series.to_numpy(dtype=object)
    missing = pd.isna(series).to_numpy()
    if missing.any():
        values = values.copy()
        values[missing] = None
    return values


def _group_of_policy(pid: str, group_policy_ids: dict[str, set[str]]) -> str | None:
    for group, members in group_policy_ids.items():
        if pid in members:
            return group
    return None


# ---------------------------------------------------------------- CLI


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``generate-tasks``."""
    parser.add_argument("--db", help="central store URL (default: $WORKBENCH_SERVER_DB or the user's data folder)")
    parser.add_argument("--policy", metavar="ID", help="only this policy (default: all active published policies)")
    parser.add_argument("--channels", default=",".join(TASK_CHANNELS),
                        help=f"comma-separated task channels (default: {','.join(TASK_CHANNELS)})")
    parser.add_argument("--experiment", metavar="ID",
                        help="split customers at random between the assignment rules and record the split")
    parser.add_argument("--assign", default="round-robin", metavar="RULE",
                        help="outbound tasks: round-robin, skill, or a named assignment rule (e.g. "
                             "tier-a-to-grade-a, best-score-least-loaded) that hands out the pool "
                             "within each agent's daily capacity")
    parser.add_argument("--rules", metavar="A,B[,C]",
                        help="with --experiment: the two or three named rules that compete")
    parser.add_argument("--store-tasks", choices=STORE_TASK_MODES, default="fallback",
                        help="store tasks only where no outbound task covers the customer (default), or for every match")
    parser.add_argument("--every", type=float, metavar="MINUTES",
                        help="keep running, generating again every MINUTES (Ctrl+C stops)")
    parser.add_argument("--chunk", type=int, default=CHUNK, help=argparse.SUPPRESS)


def _terminal_progress(done: int, total: int, created: int) -> None:
    width = 30
    frac = done / total if total else 1.0
    bar = "#" * int(frac * width)
    line = f"\r[{bar:<{width}}] {done:,}/{total:,} customers, {created:,} tasks"
    if sys.stderr.isatty():
        sys.stderr.write(line)
        if done >= total:
            sys.stderr.write("\n")
    else:
        sys.stderr.write(line.lstrip("\r") + "\n")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    """Generate tasks once, or every ``--every`` minutes."""
    from server_stub.storage.db import default_db_url, open_central

    engine = open_central(args.db or default_db_url())
    channels = [c.strip() for c in str(args.channels).split(",") if c.strip()]
    named = [r.strip() for r in str(args.rules or "").split(",") if r.strip()]
    if not named and args.assign not in ASSIGN_MODES:
        named = [args.assign]
    try:
        if named:  # named rules: refuse unknown ones before anything is written
            from server_stub.lifecycle.assignment import AssignmentError, load_rule

            try:
                with Session(engine) as s:
                    for name in named:
                        load_rule(s, name)
                if args.rules and not args.experiment:
                    raise AssignmentError("--rules needs --experiment ID")
            except AssignmentError as exc:
                print(f"error: {exc}; nothing was generated", file=sys.stderr)
                return 2
        while True:
            try:
                report = generate_tasks(engine, policy_id=args.policy, channels=channels,
                                        assign=POOL_MODE if named else args.assign, store_tasks=args.store_tasks,
                                        experiment=None if named else args.experiment,
                                        chunk=args.chunk,
                                        progress=_terminal_progress)
            except GenerationError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            print("\n".join(report.lines()))
            if named:
                from server_stub.lifecycle.assignment import assign_pool

                print("\n".join(assign_pool(engine, named, experiment=args.experiment).lines()))
            if not args.every:
                return 0
            time.sleep(args.every * 60)
    finally:
        engine.dispose()
