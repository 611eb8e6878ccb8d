"""``workbench-server score``: score every central customer with the published models.

The same code as the desktop's book refresh (:mod:`workbench.services.score_refresh`):
the portraits as a frame, the history aggregates by the database (the desktop's own SQL on
SQLite, the same definitions in PostgreSQL's dialect), then ``score_frame`` — the very
function the desktop predicts with — so a customer scored centrally and on a desktop with the
same model and moment gets the same probability (a test checks it on both stores).

One pass, one transaction:

1. load the newest published model of each kind (``scoring_models``);
2. read the portraits with the stored score of each kind and the stored tier;
3. predict in chunks with progress (two threads: the trees walk without the GIL);
4. the lead tier from the ``deal`` score (quantiles of the whole central book, or fixed
   thresholds);
5. keep only the rows whose rounded score or tier changed, and write those in bulk: the new
   values go to a temporary table (``executemany`` / ``COPY``), then one ``UPDATE ... FROM``
   merges them into ``scores`` (other kinds kept) and sets ``lead_tier``, and one
   ``INSERT ... SELECT`` appends the full new customer rows to the change log (built by the
   database as the same wire JSON as :func:`server_stub.sync.wire_row`), so desktops get them
   by sync. A second run with nothing new writes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from server_stub.changes import allocate_cursors
from server_stub.lifecycle.wire_sql import wire_json_sql
from server_stub.storage import models as m
from server_stub.storage.db import bulk_connection
from server_stub.storage.fast_insert import bind_processor
from workbench.core.entities import utcnow
from workbench.core.scoring.book import (
    _PORTRAIT_COLUMNS,
    _history_queries,
    _score_texts,
    _tag_lists,
    history_from_rows,
    score_frame,
)
from workbench.core.scoring.models import ScoreModel
from workbench.core.scoring.tiers import TierThresholds, assign_tiers

log = logging.getLogger(__name__)

#: the kinds scored per customer (``deal_policy`` needs an offer: it scores in the pop)
BOOK_KINDS = ("deal", "churn", "renewal")
#: two scores are the same when they agree to the 6 decimals stored
_SAME = 5e-7
_TMP = "wb_central_scores"

Progress = Callable[[int, int], None]
Stage = Callable[[str], None]


class ScoringError(RuntimeError):
    """Central scoring cannot run; the message says why (and what to do)."""


@dataclass
class ScoreReport:
    """What one central scoring pass did."""

    customers: int = 0
    changed: int = 0
    kinds: dict[str, str] = field(default_factory=dict)  # kind -> model id used
    tiers: dict[str, int] = field(default_factory=dict)
    first_cursor: int = 0
    last_cursor: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def unchanged(self) -> int:
        return self.customers - self.changed

    def lines(self) -> list[str]:
        used = ", ".join(f"{k} ({v})" for k, v in self.kinds.items())
        tiers = ", ".join(f"{t} {n:,}" for t, n in sorted(self.tiers.items()))
        out = [f"scored {self.customers:,} customers with {used}",
               f"changed {self.changed:,}, unchanged {self.unchanged:,}"
               + (f"; change-log cursors {self.first_cursor}-{self.last_cursor}" if self.changed else "")]
        if tiers:
            out.append(f"lead tiers: {tiers}")
        out.append("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items()))
        return out


# ------------------------------------------------------------------ models


def published_models(session: Session, kinds: Sequence[str]) -> dict[str, tuple[str, ScoreModel]]:
    """kind -> (model id, model): the newest loadable published model of each of ``kinds``."""
    out: dict[str, tuple[str, ScoreModel]] = {}
    rows = session.execute(
        select(m.ScoringModel.id, m.ScoringModel.kind, m.ScoringModel.version, m.ScoringModel.payload)
        .where(m.ScoringModel.kind.in_(list(kinds)))
        .order_by(m.ScoringModel.kind, m.ScoringModel.version.desc())).all()
    for model_id, kind, _version, payload in rows:
        if kind in out:
            continue
        try:
            model = ScoreModel.load(bytes(payload))
        except Exception as exc:  # a broken file: try the previous version
            log.warning("model %s does not load: %s", model_id, exc)
            continue
        if model.spec is None or model.spec.with_policy:
            continue
        out[kind] = (model_id, model)
    return out


# ------------------------------------------------------------------ reading


def _fetch(session: Session, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
    cur = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute(sql, params if isinstance(params, dict) else tuple(params))
        return cur.fetchall()
    finally:
        cur.close()


def _score_expr(dialect: str, kind: str) -> str:
    """SQL of the stored score of ``kind`` as a number (NULL when missing or not a number)."""
    if dialect == "sqlite":
        path = f"'$.\"{kind}\"'"
        return (f"CASE WHEN json_valid(scores) AND json_type(scores, {path}) IN ('real', 'integer') "
                f"THEN json_extract(scores, {path}) END")
    return (f"CASE WHEN json_typeof(scores) = 'object' AND json_typeof(scores -> '{kind}') = 'number' "
            f"THEN CAST(scores ->> '{kind}' AS double precision) END")


def load_portraits(session: Session, kinds: Sequence[str]) -> pd.DataFrame:
    """The portraits (the desktop refresh's columns) with ``old:<kind>`` stored scores and
    ``old_tier``, one row per customer (in storage order)."""
    dialect = session.connection().dialect.name
    cols = [c if c != "tags" else ("tags" if dialect == "sqlite" else "CAST(tags AS TEXT)")
            for c in _PORTRAIT_COLUMNS]
    olds = [_score_expr(dialect, k) for k in kinds]
    rows = _fetch(session, f"SELECT {', '.join(cols + olds)}, lead_tier FROM customers")
    names = [*_PORTRAIT_COLUMNS, *(f"old:{k}" for k in kinds), "old_tier"]
    frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=True)
    frame["tags"] = _tag_lists(frame["tags"])
    return frame


def _pg_history_queries(as_of: dt.datetime) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
    """:func:`workbench.services.score_refresh._history_queries` in PostgreSQL's dialect
    (same columns, same definitions; a test checks both against the pandas features)."""
    from workbench.core.scoring.features import _REACHED, RECENT

    bound = as_of.astimezone(dt.UTC).replace(tzinfo=None)
    reached = ", ".join("'" + v + "'" for v in _REACHED)
    f8 = "double precision"
    agg = (f"""SELECT customer_id, CAST(COUNT(*) AS {f8}),
              CAST(SUM(CASE WHEN wrapup IN ({reached}) THEN 1 ELSE 0 END) AS {f8}),
              CAST(SUM(CASE WHEN wrapup = 'refused' THEN 1 ELSE 0 END) AS {f8}),
              CAST(SUM(CASE WHEN wrapup = 'interested' THEN 1 ELSE 0 END) AS {f8}),
              CAST(SUM(CASE WHEN wrapup = 'accepted' THEN 1 ELSE 0 END) AS {f8}),
              CAST(SUM(CASE WHEN wrapup IN ('complaint', 'do_not_call') THEN 1 ELSE 0 END) AS {f8}),
              CAST(SUM(CASE WHEN wrapup IN ('no_answer', 'busy') THEN 1 ELSE 0 END) AS {f8}),
              CAST(SUM(duration_s) AS {f8}) / 60.0,
              CAST(EXTRACT(EPOCH FROM (%(bound)s - MAX(started_at))) AS {f8}) / 86400.0,
              CAST(EXTRACT(EPOCH FROM (%(bound)s - MAX(CASE WHEN wrapup = 'refused'
                   THEN started_at END))) AS {f8}) / 86400.0,
              CAST(SUM(CASE WHEN started_at >= %(recent)s THEN 1 ELSE 0 END) AS {f8})
            FROM contact_events WHERE started_at < %(bound)s GROUP BY customer_id""",
           {"bound": bound, "recent": bound - RECENT.to_pytimedelta()})
    last = (f"""SELECT DISTINCT ON (customer_id) customer_id, started_at, intent FROM contact_events
            WHERE started_at < %(bound)s AND wrapup IN ({reached})
            ORDER BY customer_id, started_at DESC""", {"bound": bound})
    return agg, last


def history_queries(dialect: str, as_of: dt.datetime) -> list[tuple[str, Any]]:
    """The two aggregate queries (counts; last reached intent) in ``dialect``."""
    if dialect != "sqlite":
        return list(_pg_history_queries(as_of))
    # the desktop's SQL, reading the table in storage order: the central store's events are
    # not clustered by customer, and walking the (customer, time) index costs a random
    # table lookup per event (measured 2.3 s CPU instead of 1.7 s on 815,000 events)
    # (whatever whitespace the desktop's SQL has there: the second query breaks its line
    # before WHERE, and walked the index — 15.8 s instead of 3.8 s CPU on 4,077,760 events)
    return [(re.sub(r"FROM contact_events\s+WHERE", "FROM contact_events NOT INDEXED WHERE", sql), params)
            for sql, params in _history_queries(as_of)]


def load_history(session: Session, customer_ids: Sequence[str], as_of: dt.datetime) -> pd.DataFrame:
    """History features as of ``as_of``, row-aligned with ``customer_ids``, by the database."""
    (q1, p1), (q2, p2) = history_queries(session.connection().dialect.name, as_of)
    return history_from_rows(_fetch(session, q1, p1), _fetch(session, q2, p2), customer_ids)


def _aside(engine: Engine, sql: str, params: Any) -> list[tuple[Any, ...]]:
    """One aggregate on a connection of its own (run beside the portrait read)."""
    with engine.connect() as conn:
        cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cur.execute(sql, params if isinstance(params, dict) else tuple(params))
            return cur.fetchall()
        finally:
            cur.close()


# ------------------------------------------------------------------ writing


def _fill_temp(session: Session, ids: Sequence[str], texts: Sequence[str],
               tiers: Sequence[str | None]) -> None:
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_TMP}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {_TMP} (id TEXT PRIMARY KEY, n INTEGER, s TEXT, t TEXT)")
        conn.exec_driver_sql(f"INSERT INTO temp.{_TMP} VALUES (?, ?, ?, ?)",
                             list(zip(ids, range(len(ids)), texts, tiers, strict=True)))
        return
    conn.exec_driver_sql(f"CREATE TEMP TABLE {_TMP} (id VARCHAR(40) PRIMARY KEY, n BIGINT, s TEXT, "
                         "t VARCHAR(1)) ON COMMIT DROP")
    dbapi = conn.connection.dbapi_connection
    with dbapi.cursor() as cur, cur.copy(f"COPY {_TMP} (id, n, s, t) FROM STDIN") as copy:  # type: ignore[union-attr]
        for row in zip(ids, range(len(ids)), texts, tiers, strict=True):
            copy.write_row(row)
    conn.exec_driver_sql(f"ANALYZE {_TMP}")


def write_changed(session: Session, ids: Sequence[str], texts: Sequence[str],
                  tiers: Sequence[str | None], now: dt.datetime) -> tuple[int, int]:
    """Merge ``texts`` (JSON objects of scores) into the customers ``ids``, set their tiers
    and append their full new rows to the change log; (first, last) cursor. No commit."""
    if not ids:
        return 0, 0
    conn = session.connection()
    dialect = conn.dialect.name
    stamp_proc = bind_processor(m.Customer.__table__.c.updated_at.type, conn.dialect)
    stamp = stamp_proc(now) if stamp_proc else now
    _fill_temp(session, ids, texts, tiers)
    mark = "?" if dialect == "sqlite" else "%s"
    if dialect == "sqlite":
        merged = "json_patch(CASE WHEN json_valid(scores) THEN scores ELSE '{}' END, n.s)"
        src = f"temp.{_TMP}"
    else:
        merged = ("CAST(CASE WHEN json_typeof(scores) = 'object' THEN CAST(scores AS jsonb) "
                  "ELSE '{}'::jsonb END || CAST(n.s AS jsonb) AS json)")
        src = _TMP
    conn.exec_driver_sql(
        f"UPDATE customers SET scores = {merged}, lead_tier = n.t, updated_at = {mark} "
        f"FROM {src} AS n WHERE customers.id = n.id", (stamp,))
    first = allocate_cursors(session, len(ids))
    conn.exec_driver_sql(
        "INSERT INTO change_log (cursor, entity, entity_id, op, data, team_id, store_id, "
        f"target_user_id, created_at) SELECT {mark} + n.n, 'customer', c.id, 'upsert', "
        f"{wire_json_sql(dialect, m.Customer, 'c')}, c.team_id, c.store_id, NULL, {mark} "
        f"FROM customers AS c JOIN {src} AS n ON c.id = n.id", (first, stamp))
    if dialect == "sqlite":
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_TMP}")
    return first, first + len(ids) - 1


# ------------------------------------------------------------------ the pass


def changed_rows(kinds: Sequence[str], new: dict[str, np.ndarray], old: pd.DataFrame,
                 tiers: np.ndarray | None) -> np.ndarray:
    """Boolean mask of rows whose rounded score of any kind, or tier, differs from the stored."""
    n = len(old)
    changed = np.zeros(n, dtype=bool)
    for k in kinds:
        a = np.round(np.asarray(new[k], dtype=float), 6)
        a[~np.isfinite(a)] = np.nan
        b = pd.to_numeric(old[f"old:{k}"], errors="coerce").to_numpy(dtype=float)
        na, nb = np.isnan(a), np.isnan(b)
        changed |= na != nb
        both = ~na & ~nb
        changed[both] |= np.abs(a[both] - b[both]) > _SAME
    if tiers is not None:
        stored = old["old_tier"].astype(object).where(old["old_tier"].notna(), None).to_numpy()
        changed |= np.array([x != y for x, y in zip(tiers.tolist(), stored.tolist(), strict=True)])
    return changed


def score_central(engine: Engine, kinds: Sequence[str] = BOOK_KINDS, *,
                  now: dt.datetime | None = None, progress: Progress | None = None,
                  stage: Stage | None = None, tiers: TierThresholds | None = None,
                  chunk_size: int = 50_000) -> ScoreReport:
    """Score every central customer with the newest published model of each of ``kinds``.

    Args:
        now: the as-of moment of the history features (default now, UTC).
        progress: ``progress(done, total)`` after each predicted chunk.
        stage: a short line when a phase starts.
        tiers: fixed tier thresholds; default the central book's quantiles (top 20% A,
            next 30% B) of the deal score. Tiers are written only with a deal model.

    Raises:
        ScoringError: no published model of any of ``kinds``.
    """
    say = stage or (lambda _t: None)
    report = ScoreReport()
    now = now or utcnow()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        t = time.perf_counter()
        report.seconds[name] = report.seconds.get(name, 0.0) + t - clock
        clock = t

    with bulk_connection(engine) as conn, Session(bind=conn) as session, session.begin():
        found = published_models(session, kinds)
        if not found:
            raise ScoringError(f"no published model of {', '.join(kinds)}; run `workbench-server train` first")
        report.kinds = {k: found[k][0] for k in kinds if k in found}
        used = list(report.kinds)
        models = [found[k][1] for k in used]
        say(f"models: {', '.join(report.kinds.values())}; reading portraits and aggregating the history")
        # the two history aggregates run on connections of their own while this one reads
        # the portraits (SQLite works without the GIL; PostgreSQL in its own processes)
        with ThreadPoolExecutor(2, thread_name_prefix="history") as pool:
            asides = [pool.submit(_aside, engine, sql, params)
                      for sql, params in history_queries(engine.dialect.name, now)]
            portraits = load_portraits(session, used)
            lap("read portraits")
            agg, last = (f.result() for f in asides)
            lap("history (rest)")
        report.customers = len(portraits)
        if portraits.empty:
            return report
        history = history_from_rows(agg, last, portraits["id"].tolist())
        lap("history frame")
        say("predicting")
        empty = pd.DataFrame(columns=["customer_id", "started_at", "wrapup", "intent", "duration_s"])
        scores = score_frame(models, portraits, empty, now, progress, chunk_size, history=history)
        lap("predict")
        tier_col = None
        if "deal" in scores:
            thr = tiers or TierThresholds.from_quantiles(scores["deal"])
            tier_col = assign_tiers(scores["deal"], thr)
            values, counts = np.unique(np.array([t or "-" for t in tier_col.tolist()]), return_counts=True)
            report.tiers = {str(v): int(c) for v, c in zip(values, counts, strict=True) if v != "-"}
        mask = changed_rows(used, scores, portraits, tier_col)
        idx = np.flatnonzero(mask)
        report.changed = len(idx)
        lap("compare")
        if len(idx):
            say(f"writing {len(idx):,} changed customers")
            texts = _score_texts(used, [scores[k][idx] for k in used])
            ids = portraits["id"].to_numpy(dtype=object)[idx].tolist()
            tier_list = tier_col[idx].tolist() if tier_col is not None else \
                portraits["old_tier"].to_numpy(dtype=object)[idx].tolist()
            tier_list = [t if isinstance(t, str) else None for t in tier_list]
            report.first_cursor, report.last_cursor = write_changed(session, ids, texts, tier_list, now)
            lap("write")
    lap("commit")
    return report


# ------------------------------------------------------------------ command line


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``score``."""
    parser.add_argument("--db", default=None, help="central store URL (default: $WORKBENCH_SERVER_DB)")
    parser.add_argument("--kinds", default=",".join(BOOK_KINDS),
                        help=f"comma-separated model kinds (default {','.join(BOOK_KINDS)})")
    parser.add_argument("--tier-a", type=float, default=None,
                        help="deal probability from which a lead is tier A (default: top 20%% of the book)")
    parser.add_argument("--tier-b", type=float, default=None,
                        help="deal probability from which a lead is tier B (default: next 30%%)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


class ProgressBar:
    """A terminal progress bar on stderr (plain lines every 10% when not a terminal)."""

    def __init__(self, what: str = "rows") -> None:
        self.tty = sys.stderr.isatty()
        self.last = -1
        self.what = what

    def __call__(self, done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 100
        if pct == self.last or (not self.tty and pct < 100 and pct - self.last < 10):
            return
        self.last = pct
        text = f"[{'#' * (30 * pct // 100):<30}] {pct:3d}% {done:,}/{total:,} {self.what}"
        sys.stderr.write(("\r" + text + ("\n" if done >= total else "")) if self.tty else text + "\n")
        sys.stderr.flush()


def parse_kinds(text: str) -> list[str]:
    """The kinds of ``--kinds``; ValueError naming unknown ones."""
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in BOOK_KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown model kind(s) {', '.join(unknown) or '(none given)'}; "
                         f"known: {', '.join(BOOK_KINDS)}")
    return kinds


def run(args: argparse.Namespace) -> int:
    from server_stub.storage.db import default_db_url, open_central

    try:
        kinds = parse_kinds(args.kinds)
        tiers = None
        if args.tier_a is not None or args.tier_b is not None:
            tiers = TierThresholds(a=args.tier_a if args.tier_a is not None else 0.35,
                                   b=args.tier_b if args.tier_b is not None else 0.15)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    engine = open_central(args.db or default_db_url())
    try:
        quiet = bool(args.quiet)
        report = score_central(
            engine, kinds, tiers=tiers, progress=None if quiet else ProgressBar("predictions"),
            stage=None if quiet else (lambda t: print(t, file=sys.stderr, flush=True)))
    except ScoringError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print("\n".join(report.lines()))
    return 0
