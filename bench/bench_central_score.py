"""Benchmark of ``workbench-server score``: 1,000,000 central customers scored and written.

    .venv/bin/python bench/bench_central_score.py --source SEEDED.db [--factor 5] [--pg URL]

``--source`` is a SQLite central store made by ``seed-demo`` and ``train`` (e.g. 200,000
customers: ``seed-demo --customers 200000`` then ``train``). The bench copies it and clones
every customer with its whole contact history ``--factor`` - 1 times under new ids (so the
1,000,000 customers carry a real seeded history: 4 contacts each), then times
:func:`server_stub.lifecycle.scoring.score_central` end to end — read portraits, aggregate
the history in the database, predict deal, churn and renewal, compare, write the changed rows
and their change-log entries, commit — twice: a first pass where every row changes, and a
second one where nothing does. Beside it, in the same run: the bare prediction of the same
rows (the feature frames already built in memory, ``predict_frame`` of each model only) and
the desktop's in-memory ``score_frame`` (features + prediction). With ``--pg`` the same store
is loaded into that PostgreSQL database (dropped and created) and measured the same way.
Target: at most 60 s per pass.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from server_stub.lifecycle.scoring import (
    BOOK_KINDS,
    load_history,
    load_portraits,
    published_models,
    score_central,
)
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from workbench.core.scoring.features import build_features
from workbench.core.scoring.models import limited_threads
from workbench.services.score_refresh import score_frame

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _columns(model: type[m.Base]) -> list[str]:
    return [c.name for c in model.__table__.columns]  # type: ignore[attr-defined]


def clone(engine: Engine, factor: int) -> int:
    """Clone every customer and its contacts ``factor - 1`` times (ids suffixed ``~k``)."""
    cust = _columns(m.Customer)
    ev = _columns(m.ContactEvent)
    cat = "||"
    tilde = "'%~%'" if engine.dialect.name == "sqlite" else "'%%~%%'"  # psycopg: % is a placeholder
    with engine.begin() as conn:
        for k in range(1, factor):
            sel = ", ".join(f"id {cat} '~{k}'" if c == "id" else c for c in cust)
            conn.exec_driver_sql(f"INSERT INTO customers ({', '.join(cust)}) SELECT {sel} "
                                 f"FROM customers WHERE id NOT LIKE {tilde}")
            sel = ", ".join(f"{c} {cat} '~{k}'" if c in ("id", "customer_id") else c for c in ev)
            conn.exec_driver_sql(f"INSERT INTO contact_events ({', '.join(ev)}) SELECT {sel} "
                                 f"FROM contact_events WHERE id NOT LIKE {tilde}")
        n = conn.exec_driver_sql("SELECT COUNT(*) FROM customers").scalar_one()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE customers")
            conn.exec_driver_sql("VACUUM ANALYZE contact_events")
    return int(n)


def copy_to_pg(src: Engine, pg_url: str) -> Engine:
    """A fresh PostgreSQL database at ``pg_url`` with the source's customers, contacts and models."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(pg_url)
    admin = url.set(database="postgres").render_as_string(hide_password=False).replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{url.database}"')
    dst = open_central(pg_url)
    for model in (m.Customer, m.ContactEvent, m.ScoringModel):
        table = model.__table__  # type: ignore[attr-defined]
        cols = _columns(model)
        with Session(src) as s_src, Session(dst) as s_dst, s_dst.begin():
            rows = s_src.execute(table.select()).all()
            conn = s_dst.connection()
            procs = [c.type._cached_bind_processor(conn.dialect) for c in table.columns]
            with conn.connection.dbapi_connection.cursor() as cur, cur.copy(  # type: ignore[union-attr]
                    f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row([p(v) if p and v is not None else v for p, v in zip(procs, r, strict=True)])
    return dst


def bare_predict(engine: Engine) -> tuple[tuple[float, float], tuple[float, float], int]:
    """((wall, CPU) of predict_frame only, (wall, CPU) of score_frame in memory, rows)."""
    with Session(engine) as s:
        found = published_models(s, BOOK_KINDS)
        models = [v[1] for v in found.values()]
        portraits = load_portraits(s, list(found))
        history = load_history(s, portraits["id"].tolist(), NOW)
    frames = [build_features(mo.spec, portraits, None, as_of=NOW, history=history) for mo in models]  # type: ignore[arg-type]
    t0, c0 = time.perf_counter(), time.process_time()
    with limited_threads():
        for mo, X in zip(models, frames, strict=True):
            for start in range(0, len(X), 50_000):
                mo.predict_frame(X.iloc[start:start + 50_000], limit_threads=False)
    bare = (time.perf_counter() - t0, time.process_time() - c0)
    empty = pd.DataFrame(columns=["customer_id", "started_at", "wrapup", "intent", "duration_s"])
    t0, c0 = time.perf_counter(), time.process_time()
    score_frame(models, portraits, empty, NOW, None, 50_000, history=history)
    return bare, (time.perf_counter() - t0, time.process_time() - c0), len(portraits)


def measure(engine: Engine, label: str) -> None:
    for attempt in ("first pass (every row changes)", "second pass (nothing changes)"):
        t0 = time.perf_counter()
        c0 = time.process_time()
        report = score_central(engine, BOOK_KINDS, now=NOW)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        phases = ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items())
        print(f"{label} {attempt}: {report.customers:,} customers, {report.changed:,} changed, "
              f"wall {wall:.1f} s, CPU {cpu:.1f} s (load {os.getloadavg()[0]:.1f}) [{phases}]",
              flush=True)
    bare, framed, rows = bare_predict(engine)
    print(f"{label} same {rows:,} rows in memory: bare predict_frame wall {bare[0]:.1f} s / CPU {bare[1]:.1f} s, "
          f"features + predict (score_frame) wall {framed[0]:.1f} s / CPU {framed[1]:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, type=Path, help="seeded and trained SQLite central store")
    parser.add_argument("--factor", type=int, default=5, help="clone each customer this many times in all")
    parser.add_argument("--pg", default=None, help="PostgreSQL URL of a scratch database (dropped!)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--pg-reuse", action="store_true", help="--pg already holds the copied source store")
    parser.add_argument("--keep", type=Path, default=None, help="keep the SQLite bench store here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-score-", dir=args.keep.parent if args.keep else None) as tmp:
        path = args.keep or Path(tmp) / "central.db"
        if not path.exists():
            shutil.copy(args.source, path)
            engine = open_central(f"sqlite:///{path}")
            t0 = time.perf_counter()
            n = clone(engine, args.factor)
            print(f"prepared SQLite store: {n:,} customers in {time.perf_counter() - t0:.0f} s (not timed)",
                  flush=True)
        else:
            engine = open_central(f"sqlite:///{path}")
        with engine.connect() as conn:
            n_ev = conn.exec_driver_sql("SELECT COUNT(*) FROM contact_events").scalar_one()
            n_c = conn.exec_driver_sql("SELECT COUNT(*) FROM customers").scalar_one()
        print(f"store: {n_c:,} customers, {n_ev:,} contact events; {os.cpu_count()} CPUs", flush=True)
        if not args.skip_sqlite:
            measure(engine, "SQLite")
        if args.pg:
            t0 = time.perf_counter()
            if args.pg_reuse:  # the 200,000 already copied: clone only
                pg = open_central(args.pg)
            else:
                source = open_central(f"sqlite:///{args.source}")
                pg = copy_to_pg(source, args.pg)
                source.dispose()
            n = clone(pg, args.factor)
            print(f"prepared PostgreSQL store: {n:,} customers in {time.perf_counter() - t0:.0f} s "
                  "(not timed)", flush=True)
            measure(pg, "PostgreSQL")
            pg.dispose()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
