"""Refresh the scores of the whole local book: vectorised, in chunks, with progress. No Qt.

The desktop runs :func:`refresh_book` in a background worker (the task runner) and turns the
``progress(done, total)`` calls into a progress bar. One pass:

1. read the portraits (only the columns the models need) and the contact history in two
   queries;
2. build the feature frame for the whole book at once (pandas, vectorised);
3. predict in chunks of ``chunk_size`` rows per model, reporting progress after each chunk
   and checking ``cancel()``;
4. write ``Customer.scores`` (merged with scores of other kinds already there: by SQLite's
   ``json_patch`` in the UPDATE itself, so the old scores are never parsed in Python) and
   the lead tier in bulk ``executemany`` UPDATEs, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from workbench.services.scoring.models import ScoreModel
from workbench.services.scoring.tiers import TierThresholds, assign_tiers

Progress = Callable[[int, int], None]

_PORTRAIT_COLUMNS = (
    "id", "birth_year", "plan_fee", "tenure_months", "arpu", "data_usage_gb", "tags",
    "do_not_call", "do_not_sms", "open_complaint", "is_lead", "gender", "province", "job_type",
    "network", "lifecycle_stage", "value_tier", "preferred_channel", "plan_name",
)


class RefreshCancelled(Exception):
    """The refresh was cancelled; nothing was written."""


def _models(model: ScoreModel | Mapping[str, ScoreModel] | Sequence[ScoreModel]) -> list[ScoreModel]:
    if isinstance(model, ScoreModel):
        models = [model]
    elif isinstance(model, Mapping):
        models = list(model.values())
    else:
        models = list(model)
    # a per-policy model needs a policy: it scores offers in the screen pop, not the book
    return [m for m in models if m.spec is not None and not m.spec.with_policy]


def _json(value: Any, memo: dict[str, Any]) -> Any:
    if not isinstance(value, str):
        return value
    hit = memo.get(value)
    if hit is None:
        hit = memo[value] = json.loads(value)
    return hit


def _fetch(session: Session, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows as plain tuples from the session's own DBAPI connection (same transaction).

    SQLAlchemy ``Row`` objects make ``DataFrame.from_records`` probe attributes row by row
    (measured: 4 s of 6 s for 200,000 rows); tuples do not.
    """
    cur = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute(sql, tuple(params))
        return cur.fetchall()
    finally:
        cur.close()


def _score_texts(kinds: Sequence[str], columns: Sequence[np.ndarray]) -> list[str]:
    """One JSON object text per row: ``{"deal": 0.123456, ...}`` (6 decimals, NaN as null).

    Formatted with one template instead of ``json.dumps`` per row (measured 10x faster on
    200,000 rows); the same text ``json.dumps`` would give.
    """
    template = "{" + ", ".join(json.dumps(k) + ": %r" for k in kinds) + "}"
    matrix = np.column_stack([np.round(np.asarray(c, dtype=float), 6) for c in columns])
    finite = np.isfinite(matrix).all(axis=1)
    rows = matrix.tolist()
    return [template % tuple(r) if ok else json.dumps(
                {k: (v if math.isfinite(v) else None) for k, v in zip(kinds, r, strict=True)})
            for r, ok in zip(rows, finite.tolist(), strict=True)]


def load_book(session: Session, with_events: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(portraits, contact events) of the local store as DataFrames.

    Plain driver-level SELECTs (no ORM objects, no per-row type processing): JSON and
    timestamps are decoded column-wise afterwards, which is what makes 200,000 rows cheap.
    """
    from workbench.local_store.models import ContactEvent, Customer

    cols = ", ".join(_PORTRAIT_COLUMNS)
    rows = _fetch(session, f"SELECT {cols} FROM {Customer.__tablename__}")
    customers = pd.DataFrame.from_records(rows, columns=list(_PORTRAIT_COLUMNS))
    memo: dict[str, Any] = {}
    customers["tags"] = [_json(v, memo) or [] for v in customers["tags"]]
    ev_cols = ("customer_id", "started_at", "wrapup", "intent", "duration_s")
    if not with_events:
        return customers, pd.DataFrame(columns=list(ev_cols))
    ev_rows = _fetch(session, f"SELECT {', '.join(ev_cols)} FROM {ContactEvent.__tablename__}")
    events = pd.DataFrame.from_records(ev_rows, columns=list(ev_cols))
    if len(events):
        events["started_at"] = pd.to_datetime(events["started_at"], utc=True, format="ISO8601")
    return customers, events


def _in_list(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def history_aggregates(session: Session, as_of: dt.datetime) -> pd.DataFrame:
    """Per customer with contacts before ``as_of``: the raw history aggregates, by SQLite.

    One GROUP BY over the contact events (indexed by customer and time). The last reached
    contact's intent rides on its start time: ``MAX(started_at || '|' || intent)`` picks the
    latest (the stored times are fixed-width ISO text, so text order is time order).
    """
    from workbench.local_store.models import ContactEvent
    from workbench.services.scoring.features import _REACHED, INTENT_LEVEL, RECENT

    table = ContactEvent.__tablename__
    bound = as_of.astimezone(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    recent = (as_of.astimezone(dt.UTC).replace(tzinfo=None) - RECENT).strftime("%Y-%m-%d %H:%M:%S.%f")
    reached = _in_list(_REACHED)
    agg = _fetch(session,
        f"""SELECT customer_id, COUNT(*),
              SUM(wrapup IN ({reached})), SUM(wrapup = 'refused'), SUM(wrapup = 'interested'),
              SUM(wrapup = 'accepted'), SUM(wrapup IN ('complaint', 'do_not_call')),
              SUM(wrapup IN ('no_answer', 'busy')), SUM(duration_s) / 60.0, MAX(started_at),
              MAX(CASE WHEN wrapup = 'refused' THEN started_at END), SUM(started_at >= ?),
              MAX(CASE WHEN wrapup IN ({reached}) THEN started_at || '|' || intent END)
            FROM {table} WHERE started_at < ? GROUP BY customer_id""", (recent, bound))
    cols = ["cid", "hist_contacts", "hist_reached", "hist_refused", "hist_interested",
            "hist_accepted", "hist_complaints", "hist_no_answer", "hist_talk_minutes",
            "last_t", "refusal_t", "hist_contacts_30d", "last_reached"]
    a = pd.DataFrame.from_records(agg, columns=cols).set_index("cid")
    intent = a["last_reached"].astype(object).str.rpartition("|")[2]
    # NaN without a reached contact (as in the pandas definition); an unknown level counts 0
    a["hist_last_intent"] = intent.map(INTENT_LEVEL).astype(float)
    a.loc[a["last_reached"].notna() & a["hist_last_intent"].isna(), "hist_last_intent"] = 0.0
    return a.drop(columns=["last_reached"])


def history_for(aggregates: pd.DataFrame, customer_ids: Sequence[str],
                as_of: dt.datetime) -> pd.DataFrame:
    """The history feature frame, row-aligned with ``customer_ids``, from the aggregates."""
    from workbench.services.scoring.features import HISTORY_FEATURES

    a = aggregates.reindex(pd.Index(customer_ids))
    now = pd.Timestamp(as_of)
    day = pd.Timedelta(days=1)
    out = pd.DataFrame(index=range(len(customer_ids)))
    for c in HISTORY_FEATURES:
        if c in ("hist_days_since_last", "hist_days_since_refusal", "hist_last_intent"):
            continue
        out[c] = a[c].fillna(0).to_numpy(float)
    out["hist_last_intent"] = a["hist_last_intent"].to_numpy(float)
    for name, col in (("hist_days_since_last", "last_t"), ("hist_days_since_refusal", "refusal_t")):
        t = pd.to_datetime(a[col], utc=True, format="ISO8601")
        out[name] = ((now - t) / day).to_numpy(float)
    return out[list(HISTORY_FEATURES)]


def load_history_sql(session: Session, customer_ids: Sequence[str],
                     as_of: dt.datetime) -> pd.DataFrame:
    """History features of a SQLite local store as of ``as_of``, aggregated by SQLite itself.

    Same definitions as :func:`workbench.services.scoring.features.history_features` (a test
    checks they agree) but one GROUP BY instead of shipping every contact event to pandas.
    """
    return history_for(history_aggregates(session, as_of), customer_ids, as_of)


def score_frame(models: Sequence[ScoreModel], customers: pd.DataFrame, events: pd.DataFrame,
                now: dt.datetime, progress: Progress | None = None, chunk_size: int = 25_000,
                cancel: Callable[[], bool] | None = None,
                history: pd.DataFrame | None = None) -> dict[str, np.ndarray]:
    """kind -> probabilities for every row of ``customers`` (vectorised, chunked).

    With several models, two of them predict at a time on their own threads (the trees walk
    without the GIL); progress stays monotonic and a cancel stops both.
    """
    from workbench.services.scoring.features import build_features
    from workbench.services.scoring.models import limited_threads

    total = len(customers) * max(1, len(models))
    frames: dict[tuple[Any, ...], pd.DataFrame] = {}
    inputs: list[tuple[ScoreModel, pd.DataFrame]] = []
    for m in models:
        assert m.spec is not None
        key = (m.spec.tags, m.spec.exclude)
        if key not in frames:
            frames[key] = build_features(m.spec, customers, events, as_of=now, history=history)
        inputs.append((m, frames[key]))
    lock = threading.Lock()
    state = {"done": 0, "stop": False}

    def stopped() -> bool:
        if state["stop"]:
            return True
        if cancel is not None and cancel():
            state["stop"] = True
        return bool(state["stop"])

    def run(m: ScoreModel, X: pd.DataFrame) -> np.ndarray:
        probs = np.empty(len(X), dtype=float)
        try:
            for start in range(0, len(X), chunk_size):
                if stopped():
                    raise RefreshCancelled("score refresh cancelled")
                stop = min(start + chunk_size, len(X))
                probs[start:stop] = m.predict_frame(X.iloc[start:stop], limit_threads=False)
                with lock:
                    state["done"] += stop - start
                    if progress is not None:
                        progress(state["done"], total)
        except BaseException:
            state["stop"] = True
            raise
        return probs

    with limited_threads():
        if len(inputs) == 1:
            m, X = inputs[0]
            return {m.kind: run(m, X)}
        with ThreadPoolExecutor(min(2, len(inputs)), thread_name_prefix="score") as pool:
            futures = [(m.kind, pool.submit(run, m, X)) for m, X in inputs]
            return {kind: f.result() for kind, f in futures}


def _aggregates_in_own_session(session_factory: sessionmaker[Session] | Callable[[], Session],
                               as_of: dt.datetime) -> pd.DataFrame:
    with session_factory() as session:
        return history_aggregates(session, as_of)


def refresh_book(session_factory: sessionmaker[Session] | Callable[[], Session],
                 model: ScoreModel | Mapping[str, ScoreModel] | Sequence[ScoreModel],
                 progress: Progress | None = None, *, now: dt.datetime | None = None,
                 chunk_size: int = 25_000, tiers: TierThresholds | None = None,
                 cancel: Callable[[], bool] | None = None) -> int:
    """Score every customer of the local store; returns how many were scored.

    Args:
        session_factory: the local store's session factory (a session is opened and committed
            here, in the calling thread — call this from the worker).
        model: one model, or several (a mapping by kind or a list). Scores are stored under
            each model's ``kind`` in ``Customer.scores``; other kinds already there are kept.
            Per-policy models are skipped (they need an offer).
        progress: ``progress(done, total)`` after each chunk (total = customers × models).
        now: the as-of moment of the history features (default now, UTC).
        chunk_size: rows per prediction call.
        tiers: thresholds of the lead tier from the ``deal`` score; default the book's own
            quantiles (top 20% A, next 30% B). The tier is written only with a deal model.
        cancel: polled between chunks; when it returns True, :class:`RefreshCancelled` is
            raised and nothing is written.
    """
    from workbench.local_store.models import Customer

    models = _models(model)
    if not models:
        return 0
    now = now or dt.datetime.now(dt.UTC)
    session = session_factory()
    try:
        if session.connection().dialect.name != "sqlite":
            raise ValueError("refresh_book scores the desktop's local store, which is SQLite")
        # the history aggregates (SQLite's GROUP BY, which releases the GIL) run on a second
        # connection while this one reads the portraits: the refresh uses two cores
        with ThreadPoolExecutor(1, thread_name_prefix="history") as pool:
            aggregates = pool.submit(_aggregates_in_own_session, session_factory, now)
            customers, _ = load_book(session, with_events=False)
            if customers.empty:
                return 0
            history = history_for(aggregates.result(), customers["id"].tolist(), now)
        events = pd.DataFrame(columns=["customer_id", "started_at", "wrapup", "intent", "duration_s"])
        scores = score_frame(models, customers, events, now, progress, chunk_size, cancel,
                             history=history)
        tier_col = None
        if "deal" in scores:
            thr = tiers or TierThresholds.from_quantiles(scores["deal"])
            tier_col = assign_tiers(scores["deal"], thr)
        kinds = list(scores)
        texts = _score_texts(kinds, [scores[k] for k in kinds])
        ids = customers["id"].tolist()
        tiers_list = tier_col.tolist() if tier_col is not None else None
        if cancel is not None and cancel():
            raise RefreshCancelled("score refresh cancelled")
        conn = session.connection()
        table = Customer.__tablename__
        # merged with the kinds already there by SQLite (RFC 7396 merge patch)
        merged = "json_patch(CASE WHEN json_valid(scores) THEN scores ELSE '{}' END, ?)"
        mark = "?"
        if tiers_list is not None:
            sql = f"UPDATE {table} SET scores = {merged}, lead_tier = {mark} WHERE id = {mark}"
            params = list(zip(texts, tiers_list, ids, strict=True))
        else:
            sql = f"UPDATE {table} SET scores = {merged} WHERE id = {mark}"
            params = list(zip(texts, ids, strict=True))
        conn.exec_driver_sql(sql, params)
        session.commit()
        return len(params)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
