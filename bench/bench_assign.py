"""Benchmark of the assignment pass: 1,000,000 pool tasks to 500 agents with capacities.

    .venv/bin/python bench/bench_assign.py [--tasks 1000000] [--agents 500] [--rules a,b,c] [--pg URL]

A fresh central store (temporary SQLite file; with ``--pg`` that database, dropped and
created) with 250,000 scored customers (deal score, lead tier) in 25 teams, ``--tasks`` open
outbound tasks without a holder (12 policies) and ``--agents`` agents with grades A/B/C,
skills and a daily capacity of 1,500 (so a quarter of the work waits in the pool). Each named
rule is timed on the full pool — :func:`server_stub.lifecycle.assignment.assign_pool` end to
end: read the pool and the agents, plan, write holders, moves and change-log rows, commit — the
pool being reset between rules (not timed). Target: at most 30 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from server_stub.lifecycle.assignment import assign_pool
from server_stub.storage import db as db_module
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from server_stub.storage.fast_insert import bind_processor, insert_rows

NOW = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
SKILLS = ("contract", "retention", "handset", "5g", "broadband", "family", "data", "roaming")


def build(engine: Engine, n_tasks: int, n_agents: int, seed: int = 5) -> None:
    rng = np.random.default_rng(seed)
    n_cust = max(1, n_tasks // 4)
    teams = [f"T{i:02d}" for i in range(25)]
    tproc = bind_processor(m.Task.__table__.c.created_at.type, engine.dialect)
    jproc = bind_processor(m.Customer.__table__.c.scores.type, engine.dialect)
    stamp = tproc(NOW - dt.timedelta(days=3)) if tproc else NOW - dt.timedelta(days=3)
    with Session(engine) as s, s.begin():
        conn = s.connection()
        insert_rows(conn, "teams", ["id", "name", "province"], [(t, t, "广东") for t in teams])
        grades = rng.choice(["A", "B", "C"], size=n_agents, p=[0.3, 0.4, 0.3])
        skills = [sorted(rng.choice(SKILLS, size=3, replace=False).tolist()) for _ in range(n_agents)]
        insert_rows(conn, "users", ["id", "username", "display_name", "role", "team_id", "skills", "password_hash",
                                    "active", "grade", "daily_capacity", "away"],
                    [(f"U-a{i:03d}", f"a{i:03d}", f"a{i:03d}", "agent", teams[i % 25],
                      jproc(skills[i]) if jproc else skills[i], "x", True, str(grades[i]), 1500, False)
                     for i in range(n_agents)])
        insert_rows(conn, "policies", ["id", "code", "name", "pitch", "description", "product", "rule", "channels",
                                       "quota_used", "priority", "value", "status", "version"],
                    [(f"P{i:02d}", f"P{i:02d}", f"P{i:02d}", "", "", SKILLS[i % len(SKILLS)], "true",
                      jproc(["outbound"]) if jproc else ["outbound"], 0, i % 3, 100.0, "published", 1)
                     for i in range(12)])
        team_of = rng.integers(25, size=n_cust)
        deal = np.round(rng.beta(2, 6, size=n_cust), 6)
        tier = np.where(deal >= np.quantile(deal, 0.8), "A", np.where(deal >= np.quantile(deal, 0.5), "B", "C"))
        empty = jproc([]) if jproc else []
        insert_rows(conn, "customers", ["id", "name", "phone", "team_id", "id_number_masked", "gender", "province",
                                        "city", "timezone", "job_type", "plan_name", "plan_fee", "tenure_months",
                                        "device", "network", "arpu", "data_usage_gb", "tags", "lifecycle_stage",
                                        "value_tier", "preferred_channel", "do_not_call", "do_not_sms",
                                        "open_complaint", "is_lead", "scores", "lead_tier", "note", "updated_at"],
                    [(f"C{i:07d}", "客户", f"138{i:08d}", teams[team_of[i]], "", "", "广东", "广州", "Asia/Shanghai",
                      "", "", 96, 12, "", "4G", 50.0, 5.0, empty, "maturity", "ordinary", "outbound", False, False,
                      False, False, f'{{"deal": {deal[i]!r}}}' if engine.dialect.name == "sqlite"
                      else jproc({"deal": float(deal[i])}), str(tier[i]), "", stamp) for i in range(n_cust)])
        cust = rng.integers(n_cust, size=n_tasks)
        pol = rng.integers(12, size=n_tasks)
        insert_rows(conn, "tasks", ["id", "customer_id", "policy_id", "channel", "team_id", "status", "priority",
                                    "created_at"],
                    [(f"K{i:07d}", f"C{c:07d}", f"P{p:02d}", "outbound", teams[team_of[c]], "open", int(p % 3), stamp)
                     for i, (c, p) in enumerate(zip(cust.tolist(), pol.tolist(), strict=True))])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("tasks", "customers", "users"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")


def reset(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE tasks SET assignee_id = NULL, assigned_at = NULL, assignment_rule = NULL, "
                          "experiment_id = NULL"))


def _time_rule(engine: Engine, label: str, rule: str) -> None:
    reset(engine)
    t0, c0 = time.perf_counter(), time.process_time()
    report = assign_pool(engine, [rule], now=NOW)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    waits = sum(report.waiting.values())
    print(f"{label} {rule}: {sum(report.assigned.values()):,} assigned, {waits:,} wait in the pool; "
          f"wall {wall:.1f} s, CPU {cpu:.1f} s (load {os.getloadavg()[0]:.1f})", flush=True)


def measure(engine: Engine, label: str, n_tasks: int, n_agents: int, rules: list[str],
            compare_cache: bool = False) -> None:
    t0 = time.perf_counter()
    build(engine, n_tasks, n_agents)
    print(f"{label}: built {n_tasks:,} pool tasks, {n_agents} agents in {time.perf_counter() - t0:.0f} s "
          "(not timed)", flush=True)
    sqlite = engine.dialect.name == "sqlite"
    # what assign_pool imports on its first call (scipy among them), outside the timers
    import server_stub.sync
    import server_stub.task_generation  # noqa: F401
    import workbench.core.scoring.tiers  # noqa: F401
    if compare_cache and sqlite and rules:
        # the first rule once more, first, with SQLite's default 2 MiB page cache (the build
        # before bulk_connection)
        saved, db_module.BULK_CACHE_MIB = db_module.BULK_CACHE_MIB, 0
        try:
            _time_rule(engine, f"{label} (before: default 2 MiB page cache)", rules[0])
        finally:
            db_module.BULK_CACHE_MIB = saved
    for rule in rules:
        _time_rule(engine, label + (f" ({db_module.BULK_CACHE_MIB} MiB page cache)" if sqlite else ""), rule)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--rules", default="round-robin,best-score-least-loaded,tier-a-to-grade-a")
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a scratch database (dropped!)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--compare-cache", action="store_true",
                        help="SQLite: time the first rule with the default page cache first (before)")
    args = parser.parse_args(argv)
    rules = [r for r in args.rules.split(",") if r]
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="bench-assign-") as tmp:
            engine = open_central(f"sqlite:///{Path(tmp) / 'central.db'}")
            measure(engine, "SQLite", args.tasks, args.agents, rules, args.compare_cache)
            engine.dispose()
    if args.pg:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(args.pg)
        admin = url.set(database="postgres").render_as_string(hide_password=False).replace("+psycopg", "")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{url.database}"')
        engine = open_central(args.pg)
        measure(engine, "PostgreSQL", args.tasks, args.agents, rules)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
