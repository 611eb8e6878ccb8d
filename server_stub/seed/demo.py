"""``workbench-server seed-demo``: fill a central store with realistic demo data.

:func:`seed_demo` generates the data set (:mod:`server_stub.seed.generate`) and writes it in
one transaction with bulk inserts, together with one change-log entry per row (the full row
as :func:`server_stub.sync.wire_row` gives it, tagged with the customer's
team and store for customer-related rows), so that desktops can do their initial sync from
the log. Either everything is written or nothing is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import JSON, Boolean, Engine, Float, Integer, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql import column, table

from server_stub.changes import allocate_cursors
from server_stub.seed.generate import DemoData, TableData, generate
from server_stub.storage import models as m
from server_stub.sync import PRIVATE_USER_FIELDS
from workbench.core import jsontext
from workbench.core.entities import UTCDateTime, utcnow

#: Reference date of the demo history when none is given (fixed, so that runs repeat).
DEFAULT_TODAY = dt.date(2026, 11, 1)
DEMO_PASSWORD = "demo"
MAX_CUSTOMERS = 5_000_000
CHUNK = 20_000

#: progress(stage, done, total): rows written so far out of all rows.
Progress = Callable[[str, int, int], None]


class SeedError(ValueError):
    """Bad arguments or a store that cannot be seeded; the message is safe to show."""


@dataclass(frozen=True)
class SeedSummary:
    """What :func:`seed_demo` wrote."""

    customers: int
    seed: int
    reference_date: dt.date
    rows: dict[str, int]
    change_log_rows: int
    first_cursor: int
    last_cursor: int
    seconds: float
    generate_seconds: float
    #: (customer id, phone, what it shows) of hand-made customers for demos
    showcase: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        """Entity rows plus change-log rows."""
        return sum(self.rows.values()) + self.change_log_rows


_MODELS: dict[str, type[m.Base]] = {
    "team": m.Team, "store": m.Store, "user": m.User, "policy": m.Policy, "script": m.Script,
    "pressure_limit": m.PressureLimit, "customer": m.Customer, "contact_event": m.ContactEvent,
    "acceptance": m.Acceptance, "work_order": m.WorkOrder, "task": m.Task,
}
#: Columns that never travel through sync (the server's own list).
_PRIVATE = {"user": set(PRIVATE_USER_FIELDS)}
#: Tables whose emptiness seed-demo requires.
_MUST_BE_EMPTY = (m.Customer, m.User, m.Team, m.Policy)


def check_url(url: str) -> str:
    """Validate a database URL (SQLite or PostgreSQL) and return it; raise SeedError."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SeedError(
            f"not a database URL: {url!r} (use sqlite:///path/to/central.db or "
            "postgresql+psycopg://user@host/db)") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise SeedError(
            f"unsupported database URL scheme {parsed.drivername!r}: use sqlite:///path or "
            "postgresql+psycopg://user@host/db")
    return url


def _prepare_sqlite_folder(url: str) -> str:
    """Create the folder of a SQLite file URL if it is missing; return the URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return url


def _check_args(customers: int, seed: int) -> None:
    if not isinstance(customers, int) or isinstance(customers, bool) or customers < 1:
        raise SeedError(f"--customers must be a positive whole number, got {customers!r}")
    if customers > MAX_CUSTOMERS:
        raise SeedError(f"--customers must be at most {MAX_CUSTOMERS:,}, got {customers:,}")
    if not isinstance(seed, int) or seed < 0:
        raise SeedError(f"--seed must be a non-negative whole number, got {seed!r}")


def store_is_empty(engine: Engine) -> bool:
    """True if the central store has no customers, users, teams or policies yet."""
    with engine.connect() as conn:
        return all(
            not conn.execute(select(func.count()).select_from(model.__table__)).scalar()
            for model in _MUST_BE_EMPTY)


def seed_demo(
    engine_or_url: Engine | str,
    customers: int,
    seed: int,
    progress: Progress | None = None,
    *,
    today: dt.date | None = None,
) -> SeedSummary:
    """Write the demo data set into an empty central store; return what was written.

    ``engine_or_url``: an engine on a migrated central store, or a URL (migrated here).
    Deterministic for ``(customers, seed, today)``; ``today`` (the end of the contact
    history) defaults to :data:`DEFAULT_TODAY`.

    Raises:
        SeedError: bad arguments, an unsupported URL, or a store that already has data.
            Nothing is changed then.
    """
    _check_args(customers, seed)
    today = today or DEFAULT_TODAY
    own_engine = isinstance(engine_or_url, str)
    if isinstance(engine_or_url, str):
        from server_stub.storage.db import open_central

        engine = open_central(_prepare_sqlite_folder(check_url(engine_or_url)))
    else:
        engine = engine_or_url
        check_url(engine.url.render_as_string(hide_password=False))
    try:
        if not store_is_empty(engine):
            raise SeedError(
                "the central store already has data (customers, users, teams or policies); "
                "seed-demo only fills an empty store: use a new --db")
        report = progress or (lambda stage, done, total: None)
        started = time.perf_counter()
        report("generating", 0, 0)
        data = generate(customers, seed, today)
        generated = time.perf_counter() - started
        first, last, rows = _write(engine, data, report)
        return SeedSummary(
            customers=customers, seed=seed, reference_date=today, rows=rows,
            change_log_rows=last - first + 1, first_cursor=first, last_cursor=last,
            seconds=time.perf_counter() - started, generate_seconds=generated,
            showcase=list(data.showcase))
    finally:
        if own_engine:
            engine.dispose()


# ------------------------------------------------------------------ writing


class _Formatter:
    """Turns generated columns into database values and wire values, per dialect."""

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"

    def times(self, arr: Any) -> tuple[list[Any], list[Any]]:
        """Epoch seconds (-1 = none) -> (database values, ISO 8601 wire strings)."""
        secs = np.asarray(arr, dtype=np.int64)
        none = secs < 0
        clean = np.where(none, 0, secs)
        text = np.datetime_as_string(clean.astype("datetime64[s]"), unit="s").tolist()
        wire: list[Any] = [t + "+00:00" for t in text]
        if self.sqlite:
            # SQLAlchemy's own storage format for DateTime on SQLite
            db: list[Any] = [t[:10] + " " + t[11:] + ".000000" for t in text]
        else:
            db = clean.astype("datetime64[s]").astype("datetime64[us]").astype(object).tolist()
        for i in np.flatnonzero(none).tolist():
            wire[i] = db[i] = None
        return db, wire


def _write(engine: Engine, data: DemoData, report: Progress) -> tuple[int, int, dict[str, int]]:
    """Insert every table and its change-log entries in one transaction."""
    from server_stub.auth import hash_password

    fmt = _Formatter(engine.dialect.name)
    users = data.table("user")
    # once: hashing is slow on purpose; the server's parameters, as for every other hash (other
    # parameters would make a wrong password take longer for seeded users than for unknown names)
    hashed = hash_password(DEMO_PASSWORD)
    users.columns["password_hash"] = [hashed] * len(users)

    total = sum(len(t) for t in data.tables)
    rows: dict[str, int] = {}
    if fmt.sqlite:
        # One big transaction writes the file once with a rollback journal; in WAL mode
        # every page would be written twice (to the WAL, then checkpointed into the file).
        # Refused (harmlessly) while another connection has the store open.
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    try:
        first = _write_all(engine, data, fmt, total, rows, report)
    finally:
        if fmt.sqlite:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    return first, first + total - 1, rows


def _write_all(engine: Engine, data: DemoData, fmt: _Formatter, total: int,
               rows: dict[str, int], report: Progress) -> int:
    with Session(engine) as session, session.begin():
        conn = session.connection()
        if fmt.sqlite:
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
        # the counter update opens the transaction first: pysqlite would autocommit DDL
        # issued before any DML, and the dropped indexes must come back on a rollback
        first = allocate_cursors(session, total)
        session.flush()
        tables = [t.__table__.name for t in _MODELS.values()] + ["change_log"]
        indexes = _drop_indexes(conn, tables, fmt.sqlite)
        cursor = first
        done = 0
        now_db, _ = fmt.times([int(utcnow().timestamp())])
        for tbl in data.tables:
            model = _MODELS[tbl.entity]
            report(tbl.entity, done, total)
            for names, db_rows, log_rows in _chunks(tbl, model, fmt, cursor, now_db[0]):
                _insert(conn, model.__table__.name, names, db_rows, fmt.sqlite)
                _insert(conn, "change_log", list(_LOG_COLS), log_rows, fmt.sqlite)
                done += len(db_rows)
                report(tbl.entity, done, total)
            cursor += len(tbl)
            rows[tbl.entity] = len(tbl)
        report("indexing", done, total)
        for sql in indexes:
            conn.exec_driver_sql(sql)
        report("committing", done, total)
    return first


def _drop_indexes(conn: Any, tables: list[str], sqlite: bool) -> list[str]:
    """Drop the secondary indexes of ``tables``; return the SQL that recreates them.

    Building an index once after a bulk load is several times faster than keeping it up
    to date row by row. Runs inside the seeding transaction, so a failure restores them.
    Primary keys and unique constraints stay.
    """
    if sqlite:
        marks = ",".join("?" * len(tables))
        found = conn.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY name", tuple(tables)).all()
    elif conn.dialect.name == "postgresql":
        found = conn.execute(text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(:tables) AND t.relnamespace = to_regnamespace(current_schema()) "
            "AND NOT x.indisprimary AND NOT x.indisunique ORDER BY i.relname"),
            {"tables": tables}).all()
    else:
        return []
    for name, _sql in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


_LOG_COLS = ("cursor", "entity", "entity_id", "op", "data", "team_id", "store_id",
             "target_user_id", "created_at")


def _kind(col: Any) -> str:
    """How a column's values are encoded: time, json, bool, num or str."""
    if isinstance(col.type, UTCDateTime):
        return "time"
    if isinstance(col.type, JSON):
        return "json"
    if isinstance(col.type, Boolean):
        return "bool"
    if isinstance(col.type, Integer | Float):
        return "num"
    return "str"


_UNSAFE = re.compile(r'["\\\x00-\x1f\x7f]')
_dumps = jsontext.dumps


def _encode(values: list[Any], kind: str) -> list[str]:
    """JSON text of every value of one column (what json.dumps would give, only faster).

    Columns are encoded one at a time so that repeated values (codes, ids of policies,
    shared tag lists) are encoded once, and plain strings need no escaping pass.
    """
    if kind == "bool":
        return ["true" if v else "false" for v in values]
    if kind == "num":
        return ["null" if v is None else repr(v) for v in values]
    if kind == "json":
        cache: dict[int, str] = {}
        out = []
        for v in values:
            text = cache.get(id(v))
            if text is None:
                text = cache[id(v)] = _dumps(v)
            out.append(text)
        return out
    sample = values[:256]
    if len(set(sample)) * 2 <= len(sample) or _UNSAFE.search(
            "".join(v for v in values if v is not None)):
        enc = {v: _dumps(v) for v in set(values)}
        return [enc[v] for v in values]
    # distinct, plain strings (ids, names, numbers): quoting is all they need
    return ["null" if v is None else '"' + v + '"' for v in values]


def _chunks(
    tbl: TableData, model: type[m.Base], fmt: _Formatter, cursor: int, now: Any,
) -> Iterator[tuple[list[str], list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Yield (columns, entity rows, change-log rows) for chunks of ``tbl``."""
    cols = list(model.__table__.columns)
    names = [c.key for c in cols]
    kinds = [_kind(c) for c in cols]
    private = _PRIVATE.get(tbl.entity, set())
    wire_idx = [i for i, name in enumerate(names) if name not in private]
    template = "{" + ",".join(f'"{names[i]}":%s' for i in wire_idx) + "}"
    n = len(tbl)
    team = tbl.team_tag
    store = tbl.store_tag
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        db_cols: list[list[Any]] = []
        wire_cols: list[list[str]] = []
        for col, kind in zip(cols, kinds, strict=True):
            values = tbl.columns[col.key][start:stop]
            if kind == "time":
                db, wire = fmt.times(values)
            else:
                wire = values.tolist() if isinstance(values, np.ndarray) else list(values)
                db = wire
            encoded = _encode(wire, "str" if kind == "time" else kind)
            if kind == "json":
                db = encoded
            db_cols.append(db)
            wire_cols.append(encoded)
        db_rows = list(zip(*db_cols, strict=True))
        ids = db_cols[names.index("id")]
        datas = [template % r for r in zip(*(wire_cols[i] for i in wire_idx), strict=True)]
        k = stop - start
        teams = team[start:stop] if team is not None else [None] * k
        stores = store[start:stop] if store is not None else [None] * k
        first = cursor + start
        entity = tbl.entity
        log_rows = [
            (first + i, entity, ids[i], "upsert", datas[i], teams[i], stores[i], None, now)
            for i in range(k)
        ]
        yield names, db_rows, log_rows


def _insert(conn: Any, name: str, cols: list[str], rows: list[tuple[Any, ...]],
            sqlite: bool) -> None:
    """Bulk-insert ``rows`` (tuples in ``cols`` order) in the connection's transaction.

    SQLite: one executemany. PostgreSQL through psycopg 3: ``COPY ... FROM STDIN``, several
    times faster than multi-row INSERTs. Other drivers: a Core executemany of dicts.
    """
    if not rows:
        return
    quoted = ",".join('"' + c + '"' for c in cols)
    if sqlite:
        marks = ",".join("?" * len(cols))
        conn.exec_driver_sql(f"INSERT INTO {name} ({quoted}) VALUES ({marks})", rows)
    elif conn.dialect.driver == "psycopg":
        driver_conn = conn.connection.driver_connection
        with driver_conn.cursor() as cur, cur.copy(
                f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    else:
        target = table(name, *[column(c) for c in cols])
        conn.execute(insert(target), [dict(zip(cols, r, strict=True)) for r in rows])


# ------------------------------------------------------------------ command line


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``workbench-server seed-demo``."""
    parser.add_argument("--db", metavar="URL", default=None,
                        help="central store URL (default: $WORKBENCH_SERVER_DB or a SQLite "
                             "file in the user's data folder)")
    parser.add_argument("--customers", metavar="N", type=int, default=10_000,
                        help="number of customers (default 10000)")
    parser.add_argument("--seed", metavar="S", type=int, default=7,
                        help="random seed: the same seed gives the same data (default 7)")
    parser.add_argument("--today", metavar="YYYY-MM-DD", default=None,
                        help=f"reference date, the end of the contact history "
                             f"(default {DEFAULT_TODAY.isoformat()})")
    parser.add_argument("--if-empty", action="store_true",
                        help="do nothing (exit 0) when the store already has data")
    parser.add_argument("--quiet", action="store_true", help="no progress line")


def run(args: argparse.Namespace) -> int:
    """Run ``seed-demo``; returns the exit status (2 for bad arguments)."""
    from server_stub.storage.db import default_db_url, open_central

    try:
        today = dt.date.fromisoformat(args.today) if args.today else None
    except ValueError:
        print(f"seed-demo: --today must look like 2026-11-01, got {args.today!r}",
              file=sys.stderr)
        return 2
    url = args.db or default_db_url()
    try:
        _check_args(args.customers, args.seed)
        check_url(url)
    except SeedError as exc:
        print(f"seed-demo: {exc}", file=sys.stderr)
        return 2
    try:
        engine = open_central(_prepare_sqlite_folder(url))
    except (SQLAlchemyError, OSError) as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        print(f"seed-demo: cannot open the central store at {shown}: "
              f"{str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    try:
        if args.if_empty and not store_is_empty(engine):
            print("seed-demo: the store already has data; nothing to do")
            return 0
        last = [0.0]

        def progress(stage: str, done: int, total: int) -> None:
            if args.quiet:
                return
            now = time.perf_counter()
            if stage not in ("generating", "committing") and now - last[0] < 0.5 and done < total:
                return
            last[0] = now
            pct = f"{100 * done / total:5.1f}%" if total else "     "
            line = f"\rseed-demo: {pct} {stage:<15} {done:>10,} / {total:,} rows"
            print(line, end="", file=sys.stderr, flush=True)

        try:
            summary = seed_demo(engine, args.customers, args.seed, progress, today=today)
        except SeedError as exc:
            print(f"\nseed-demo: {exc}", file=sys.stderr)
            return 1
        if not args.quiet:
            print(file=sys.stderr)
        print(f"seed-demo: {summary.customers:,} customers, {summary.total_rows:,} rows "
              f"(change log {summary.first_cursor}..{summary.last_cursor}) in "
              f"{summary.seconds:.1f} s; history up to {summary.reference_date.isoformat()}")
        for name, count in summary.rows.items():
            print(f"  {name:<15} {count:>10,}")
        print("  demo accounts (password 'demo'): agent1 agent2 (T01), agent9 (T02), "
              "reception1 (S001), lead1 (T01), admin")
        for cid, phone, what in summary.showcase:
            print(f"  {cid} {phone}  {what}")
        return 0
    finally:
        engine.dispose()
