"""Benchmark of the recycling pass (forced circulation): 1,000,000 held tasks.

    .venv/bin/python bench/bench_recycle.py [--tasks 1000000] [--agents 500] [--pg URL]

Builds a fresh central store (a temporary SQLite file, and with ``--pg`` that PostgreSQL
database, dropped and created) holding ``--tasks`` open outbound tasks of 250,000 customers
held by ``--agents`` agents in 25 teams, with a reached contact for every other customer.
The holders got their tasks 0-20 days ago; a fifth of the tasks were warned already and are
due now. Then times :func:`server_stub.lifecycle.pool.recycle` — read every held task and
the last reached contact per customer, plan, write the warnings and returns to the pool, their
moves and change-log rows, commit — twice: the first pass (work to do) and a second one at
the same moment (nothing to do: idempotent). Beside it the bare read of the same rows (the
pass's own queries, nothing else) measured in the same run. Target: at most 30 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from server_stub.lifecycle.pool import load_held_tasks, recycle, save_settings
from server_stub.storage import db as db_module
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from server_stub.storage.fast_insert import bind_processor, insert_rows

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def build(engine: Engine, n_tasks: int, n_agents: int, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    n_cust = max(1, n_tasks // 4)
    teams = [f"T{i:02d}" for i in range(25)]
    when = bind_processor(m.Task.__table__.c.created_at.type, engine.dialect)

    def t(x: dt.datetime) -> object:
        return when(x) if when else x

    with Session(engine) as s, s.begin():
        conn = s.connection()
        insert_rows(conn, "teams", ["id", "name", "province"], [(tm, tm, "广东") for tm in teams])
        for tm in teams:
            save_settings(s, tm, {"recycle_no_contact_days": 7, "recycle_no_deal_days": 30,
                                  "recycle_warning_days": 2}, None)
        agents = [f"U-a{i:03d}" for i in range(n_agents)]
        team_of_agent = [teams[i % len(teams)] for i in range(n_agents)]
        cust_team = rng.integers(len(teams), size=n_cust)
        json_proc = bind_processor(m.Customer.__table__.c.tags.type, engine.dialect)
        empty_list, empty_obj = (json_proc([]), json_proc({})) if json_proc else ([], {})
        stamp = t(NOW - dt.timedelta(days=100))
        insert_rows(conn, "customers", ["id", "name", "phone", "team_id", "id_number_masked", "gender",
                                        "province", "city", "timezone", "job_type", "plan_name", "plan_fee",
                                        "tenure_months", "device", "network", "arpu", "data_usage_gb", "tags",
                                        "lifecycle_stage", "value_tier", "preferred_channel", "do_not_call",
                                        "do_not_sms", "open_complaint", "is_lead", "scores", "note", "updated_at"],
                    [(f"C{i:07d}", "客户", f"138{i:08d}", teams[cust_team[i]], "", "", "广东", "广州",
                      "Asia/Shanghai", "", "", 96, 12, "", "4G", 50.0, 5.0, empty_list, "maturity", "ordinary",
                      "outbound", False, False, False, False, empty_obj, "", stamp) for i in range(n_cust)])
        reached_at = NOW - dt.timedelta(days=1)
        insert_rows(conn, "contact_events", ["id", "customer_id", "channel", "started_at", "duration_s", "cost",
                                             "wrapup", "intent", "note", "deal_value"],
                    [(f"E{i:07d}", f"C{i:07d}", "outbound",
                      t(reached_at - dt.timedelta(hours=int(rng.integers(0, 24 * 12)))), 60, 1.0,
                      "interested", "medium", "", 0.0) for i in range(0, n_cust, 2)])
        cust_of = rng.integers(n_cust, size=n_tasks)
        days_ago = rng.uniform(0, 20, size=n_tasks)
        warned = (rng.random(n_tasks) < 0.2) & (days_ago > 9)
        team_ix = cust_team[cust_of]
        per_team = max(1, n_agents // len(teams))
        agent_ix = (team_ix + len(teams) * rng.integers(per_team, size=n_tasks)) % n_agents
        assert all(team_of_agent[a] == teams[t] for a, t in zip(agent_ix[:1000], team_ix[:1000], strict=True))
        got = [t(NOW - dt.timedelta(days=float(d))) for d in days_ago]
        made = [t(NOW - dt.timedelta(days=float(d) + 1)) for d in days_ago]
        warn_at = t(NOW - dt.timedelta(hours=1))
        rows = [(f"K{i:07d}", f"C{c:07d}", f"P{i % 12:02d}", "outbound", agents[a], teams[tm], "open", 0,
                 made[i], got[i], warn_at if w else None)
                for i, (c, a, tm, w) in enumerate(zip(cust_of.tolist(), agent_ix.tolist(), team_ix.tolist(),
                                                      warned.tolist(), strict=True))]
        insert_rows(conn, "tasks", ["id", "customer_id", "policy_id", "channel", "assignee_id", "team_id", "status",
                                    "priority", "created_at", "assigned_at", "recycle_at"], rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("tasks", "customers", "contact_events"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")


def _passes(engine: Engine, label: str) -> None:
    for what in ("first pass", "second pass (same moment: idempotent)"):
        t0, c0 = time.perf_counter(), time.process_time()
        report = recycle(engine, now=NOW)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        phases = ", ".join(f"{k} {v:.1f}" for k, v in (report.seconds or {}).items())
        print(f"{label} {what}: {report.line()}; wall {wall:.1f} s, CPU {cpu:.1f} s "
              f"(load {os.getloadavg()[0]:.1f}) [{phases}]", flush=True)


def measure(engine: Engine, label: str, n_tasks: int, n_agents: int, compare_cache: bool = False) -> None:
    t0 = time.perf_counter()
    build(engine, n_tasks, n_agents)
    print(f"{label}: built {n_tasks:,} held tasks for {n_agents} agents in {time.perf_counter() - t0:.0f} s "
          "(not timed)", flush=True)
    t0 = time.perf_counter()
    with Session(engine) as s:
        tasks, last = load_held_tasks(s)
    bare = time.perf_counter() - t0
    if compare_cache and engine.dialect.name == "sqlite":
        # the same store copied: first with SQLite's default 2 MiB page cache (the build
        # before bulk_connection), then as the pass runs now
        path = Path(str(engine.url.database))
        copy = path.with_name("before.db")
        engine.dispose()
        with sqlite3.connect(path) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        before = open_central(f"sqlite:///{copy}")
        saved, db_module.BULK_CACHE_MIB = db_module.BULK_CACHE_MIB, 0
        try:
            _passes(before, f"{label} (before: default 2 MiB page cache)")
        finally:
            db_module.BULK_CACHE_MIB = saved
            before.dispose()
            copy.unlink()
    _passes(engine, label + (f" ({db_module.BULK_CACHE_MIB} MiB page cache)" if engine.dialect.name == "sqlite"
                             else ""))
    print(f"{label} bare read of the same {len(tasks):,} tasks and {len(last):,} last contacts: {bare:.1f} s",
          flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a scratch database (dropped!)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--compare-cache", action="store_true",
                        help="SQLite: first time a copy of the store with the default page cache (before)")
    args = parser.parse_args(argv)
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="bench-recycle-") as tmp:
            engine = open_central(f"sqlite:///{Path(tmp) / 'central.db'}")
            measure(engine, "SQLite", args.tasks, args.agents, args.compare_cache)
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
        measure(engine, "PostgreSQL", args.tasks, args.agents)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
