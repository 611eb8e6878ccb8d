"""``workbench-server train``: train the scoring models from the central history.

Models (see docs/scoring.md):

* ``deal`` — P(accept | an offer reaches this customer), one row per reached voice/store
  contact that carried an offer; label = the contact ended ``accepted``.
* ``deal_policy`` — the same rows with the offered policy's features: P(accept this offer).
* ``renewal`` — P(the customer takes a contract / retention offer within the next 30 days),
  one row per customer and monthly cut-off.
* ``churn`` — P(the customer is churned), one row per customer, history up to a cut-off;
  the lifecycle stage (which states the answer) is not a feature.

Honest evaluation: features are computed strictly from what was known before each row's
moment (history before the contact / cut-off; no call duration, wrap-up or intent of the
call being predicted — the leakage guard refuses them). The test set is the latest 20% of
rows in time (``churn``: a stratified 25% of customers, its label has no time). The model
shipped is exactly the one the report describes (fitted on the earlier 80%).

Outputs per kind in ``--out``: ``<kind>-v<N>.wbscore`` (the versioned model file),
``<kind>-v<N>.report.json`` / ``.report.md`` (AUC, Brier, top-decile lift, calibration
slope, a logistic-regression baseline on the same split, reliability bins) and
``<kind>-v<N>.reliability.png``. The model is stored in the ``scoring_models`` table and a
``scoring_model`` change is appended to the change log, so desktops receive it by sync.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbench.core.clock import utcnow
from workbench.core.codes import REACHED
from workbench.core.scoring.features import build_features, spec_for
from workbench.core.scoring.models import (
    KINDS,
    LogisticBaseline,
    ScoreModel,
    calibration_slope,
    limited_threads,
    metrics,
    reliability,
    train_score_model,
)
from workbench.core.scoring.plot import reliability_png

#: Policy products whose acceptance counts as a renewal (续约 / 挽留).
RENEWAL_PRODUCTS = frozenset({"contract", "retention", "renewal"})
VOICE_CHANNELS = ("outbound", "hotline", "store")
HORIZON = pd.Timedelta(days=30)


class TrainingError(RuntimeError):
    """Training cannot proceed; the message says why."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=None, help="central store URL (default: $WORKBENCH_SERVER_DB)")
    parser.add_argument("--out", default="models", help="folder for model files and reports (default ./models)")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help=f"comma-separated model kinds (default {','.join(KINDS)})")
    parser.add_argument("--max-rows", type=int, default=150_000,
                        help="use at most this many (most recent) rows per model (default 150000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-publish", action="store_true",
                        help="write files only; do not store the models or notify desktops")


# ------------------------------------------------------------------ data


@dataclass
class History:
    """The central history as frames."""

    customers: pd.DataFrame
    events: pd.DataFrame
    acceptances: pd.DataFrame
    policies: pd.DataFrame


def load_history(session: Session) -> History:
    """Portraits, contact events, acceptances and policies of the central store."""
    from server_stub.storage.models import Acceptance, ContactEvent, Customer, Policy

    def frame(cols: Sequence[Any]) -> pd.DataFrame:
        rows = session.execute(select(*cols)).all()
        return pd.DataFrame.from_records(rows, columns=[c.key for c in cols])

    c = Customer
    customers = frame([c.id, c.birth_year, c.plan_fee, c.tenure_months, c.arpu, c.data_usage_gb,
                       c.tags, c.do_not_call, c.do_not_sms, c.open_complaint, c.is_lead, c.gender,
                       c.province, c.job_type, c.network, c.lifecycle_stage, c.value_tier,
                       c.preferred_channel, c.plan_name])
    e = ContactEvent
    events = frame([e.customer_id, e.channel, e.started_at, e.wrapup, e.intent, e.duration_s,
                    e.policy_id])
    a = Acceptance
    acceptances = frame([a.customer_id, a.policy_id, a.accepted_at, a.status])
    p = Policy
    policies = frame([p.id, p.product, p.value, p.priority, p.name])
    for df, col in ((events, "started_at"), (acceptances, "accepted_at")):
        if len(df):
            df[col] = pd.to_datetime(df[col], utc=True)
    return History(customers, events, acceptances, policies)


def _recent(n: int, order: pd.Series, max_rows: int) -> np.ndarray:
    idx = np.argsort(order.to_numpy(), kind="mergesort")
    return idx[-max_rows:] if n > max_rows else idx


def deal_dataset(h: History, with_policy: bool, max_rows: int) -> tuple[pd.DataFrame, np.ndarray, pd.Series, Any]:
    """(X, y, order, spec) for the deal models: reached voice/store contacts with an offer."""
    ev = h.events
    mask = ev["channel"].isin(VOICE_CHANNELS) & ev["wrapup"].isin([str(w) for w in REACHED]) \
        & ev["policy_id"].notna()
    rows = ev[mask].reset_index(drop=True)
    rows = rows.iloc[_recent(len(rows), rows["started_at"], max_rows)].reset_index(drop=True)
    if rows.empty:
        raise TrainingError("no reached contacts with an offer in the history")
    kind = "deal_policy" if with_policy else "deal"
    spec = spec_for(kind, h.customers)
    cust = h.customers.set_index("id").reindex(rows["customer_id"]).reset_index()
    cust = cust.rename(columns={cust.columns[0]: "id"})
    pols = h.policies.set_index("id").reindex(rows["policy_id"]).reset_index() if with_policy else None
    if pols is not None:
        pols = pols.rename(columns={pols.columns[0]: "id"})
    X = build_features(spec, cust, h.events, as_of=rows["started_at"], policies=pols)
    y = (rows["wrapup"] == "accepted").to_numpy(int)
    return X, y, rows["started_at"], spec


def renewal_dataset(h: History, max_rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, pd.Series, Any]:
    """(X, y, order, spec): customers at monthly cut-offs; label = renewal in the next 30 days."""
    if h.events.empty:
        raise TrainingError("no contact history")
    products = h.policies.set_index("id")["product"]
    acc = h.acceptances[h.acceptances["status"] == "accepted"].copy()
    acc = acc[acc["policy_id"].map(products).isin(RENEWAL_PRODUCTS)]
    if acc.empty:
        raise TrainingError("no renewal (contract / retention) acceptances in the history")
    start, end = h.events["started_at"].min(), h.events["started_at"].max()
    cutoffs = pd.date_range(start + pd.Timedelta(days=60), end - HORIZON, freq="30D")
    if len(cutoffs) == 0:
        raise TrainingError("the history is too short for renewal cut-offs (needs 90 days)")
    rng = np.random.default_rng(seed)
    per_cut = max(1, max_rows // len(cutoffs))
    parts, labels, orders = [], [], []
    spec = spec_for("renewal", h.customers)
    for cut in cutoffs:
        cust = h.customers
        if len(cust) > per_cut:
            cust = cust.iloc[np.sort(rng.choice(len(cust), per_cut, replace=False))]
        cust = cust.reset_index(drop=True)
        window = acc[(acc["accepted_at"] > cut) & (acc["accepted_at"] <= cut + HORIZON)]
        parts.append(build_features(spec, cust, h.events[h.events["started_at"] < cut], as_of=cut))
        labels.append(cust["id"].isin(set(window["customer_id"])).to_numpy(int))
        orders.append(pd.Series([cut] * len(cust)))
    return (pd.concat(parts, ignore_index=True), np.concatenate(labels),
            pd.concat(orders, ignore_index=True), spec)


def churn_dataset(h: History) -> tuple[pd.DataFrame, np.ndarray, None, Any, pd.Timestamp]:
    """(X, y, None, spec, cut-off): customers with history up to the 80% time cut-off."""
    spec = spec_for("churn", h.customers)
    cut = (h.events["started_at"].quantile(0.8) if len(h.events)
           else pd.Timestamp(utcnow()))
    X = build_features(spec, h.customers.reset_index(drop=True), h.events, as_of=cut)
    y = (h.customers["lifecycle_stage"] == "churned").to_numpy(int)
    return X, y, None, spec, cut


# ------------------------------------------------------------------ one model


def time_split(order: pd.Series | None, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train/test indices: the latest 20% by ``order``, or stratified 25% when there is none."""
    idx = np.arange(len(y))
    if order is None:
        from sklearn.model_selection import train_test_split

        tr, te = train_test_split(idx, test_size=0.25, random_state=seed, stratify=y)
        return np.sort(tr), np.sort(te)
    cut = order.quantile(0.8)
    test = (order >= cut).to_numpy()
    if test.all() or not test.any():  # ties: fall back to positions
        ranked = np.argsort(order.to_numpy(), kind="mergesort")
        k = int(len(y) * 0.8)
        return np.sort(ranked[:k]), np.sort(ranked[k:])
    return idx[~test], idx[test]


def train_one(kind: str, X: pd.DataFrame, y: np.ndarray, order: pd.Series | None, spec: Any, *,
              version: int, seed: int) -> tuple[ScoreModel, dict[str, Any]]:
    """Fit ``kind`` on the earlier part, evaluate on the later; (model, report)."""
    if y.sum() < 10 or (len(y) - y.sum()) < 10:
        raise TrainingError(f"{kind}: needs at least 10 positive and 10 negative rows "
                            f"(has {int(y.sum())} / {int(len(y) - y.sum())})")
    with limited_threads():
        return _train_one(kind, X, y, order, spec, version=version, seed=seed)


def _train_one(kind: str, X: pd.DataFrame, y: np.ndarray, order: pd.Series | None, spec: Any, *,
               version: int, seed: int) -> tuple[ScoreModel, dict[str, Any]]:
    tr, te = time_split(order, y, seed)
    if len(np.unique(y[te])) < 2 or len(np.unique(y[tr])) < 2:
        raise TrainingError(f"{kind}: the time split left one class only; more history needed")
    t0 = time.perf_counter()
    model = train_score_model(kind, X.iloc[tr].reset_index(drop=True), y[tr], version=version,
                              spec=spec, order=None if order is None else order.iloc[tr].to_numpy(),
                              seed=seed)
    fit_s = time.perf_counter() - t0
    Xte = X.iloc[te].reset_index(drop=True)
    p = model.predict_frame(Xte)
    base = LogisticBaseline().fit(X.iloc[tr].reset_index(drop=True), y[tr])
    pb = base.predict_proba(Xte)[:, 1]
    slope, intercept = calibration_slope(y[te], p)
    report = {
        "kind": kind, "version": version, "created_at": model.created_at,
        "split": "time-ordered (latest 20% test)" if order is not None else "stratified 25% (no time)",
        "train_rows": int(len(tr)), "test_rows": int(len(te)),
        "train_until": str(order.iloc[tr].max()) if order is not None else None,
        "test_from": str(order.iloc[te].min()) if order is not None else None,
        **{k: v for k, v in metrics(y[te], p).items()},
        "calibration_slope": slope, "calibration_intercept": intercept,
        "baseline_logistic": metrics(y[te], pb),
        "reliability": reliability(y[te], p),
        "algorithm": model.metrics.get("algorithm"), "calibration": model.metrics.get("calibration"),
        "selection_auc": model.metrics.get("selection_auc"), "fit_seconds": fit_s,
        "features": list(model.features),
    }
    model.metrics = {k: report[k] for k in ("auc", "brier", "top_decile_lift", "base_rate",
                                            "calibration_slope", "algorithm", "calibration",
                                            "train_rows", "test_rows")}
    return model, report


def write_report(model: ScoreModel, report: dict[str, Any], out: Path) -> dict[str, Path]:
    """Model file, JSON and Markdown report and reliability PNG, side by side."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{model.kind}-v{model.version}"
    paths = {
        "model": model.save(out / f"{stem}.wbscore"),
        "png": reliability_png(report["reliability"], out / f"{stem}.reliability.png",
                               title=f"{model.kind} v{model.version}"),
    }
    paths["json"] = out / f"{stem}.report.json"
    paths["json"].write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str),
                             encoding="utf-8")
    b = report["baseline_logistic"]
    lines = [
        f"# {model.kind} model v{model.version}", "",
        f"Trained {report['created_at']}; {report['split']}; {report['train_rows']} training rows, "
        f"{report['test_rows']} test rows; positive rate {report['base_rate']:.1%}.",
        f"Algorithm chosen by measurement: {report['algorithm']} (inner validation AUC "
        f"{json.dumps(report['selection_auc'])}), calibration: {report['calibration']}.", "",
        "| model | AUC | Brier | top-decile lift |", "|---|---|---|---|",
        f"| ours | {report['auc']:.4f} | {report['brier']:.4f} | {report['top_decile_lift']:.2f} |",
        f"| logistic regression | {b['auc']:.4f} | {b['brier']:.4f} | {b['top_decile_lift']:.2f} |",
        "", f"Calibration slope {report['calibration_slope']:.2f} (1 = perfect), intercept "
        f"{report['calibration_intercept']:.2f}. Reliability diagram: `{paths['png'].name}`.", "",
        "| bin mean prediction | observed rate | rows |", "|---|---|---|",
        *[f"| {r['predicted']:.3f} | {r['observed']:.3f} | {r['count']} |" for r in report["reliability"]],
    ]
    paths["md"] = out / f"{stem}.report.md"
    paths["md"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def publish(session: Session, model: ScoreModel) -> str:
    """Store ``model`` in ``scoring_models`` and append a ``scoring_model`` change for sync."""
    from server_stub.changes import Change, append
    from server_stub.storage.models import ScoringModel

    model_id = f"{model.kind}-v{model.version}"
    payload = model.to_bytes()
    created = utcnow()
    session.add(ScoringModel(id=model_id, kind=model.kind, version=model.version,
                             created_at=created, payload=payload, metrics=dict(model.metrics)))
    append(session, [Change(entity="scoring_model", entity_id=model_id, data={
        "id": model_id, "kind": model.kind, "version": model.version,
        "created_at": created.isoformat(), "payload_b64": model.to_b64(),
        "metrics": dict(model.metrics),
    })])
    return model_id


def next_version(session: Session, kind: str) -> int:
    from server_stub.storage.models import ScoringModel

    current = session.execute(
        select(func.max(ScoringModel.version)).where(ScoringModel.kind == kind)).scalar()
    return int(current or 0) + 1


def train_all(url: str | None, out: Path, kinds: Sequence[str], *, max_rows: int = 150_000,
              seed: int = 0, publish_models: bool = True,
              say: Callable[[str], None] = print) -> dict[str, dict[str, Any]]:
    """Train ``kinds`` from the central store at ``url``; reports by kind (errors as ``error``)."""
    from server_stub.storage.db import open_central, session_factory, unit_of_work

    engine = open_central(url)
    factory = session_factory(engine)
    try:
        with factory() as s:
            history = load_history(s)
        say(f"history: {len(history.customers):,} customers, {len(history.events):,} contact events, "
            f"{len(history.acceptances):,} acceptances")
        results: dict[str, dict[str, Any]] = {}
        for kind in kinds:
            try:
                t0 = time.perf_counter()
                if kind in ("deal", "deal_policy"):
                    X, y, order, spec = deal_dataset(history, kind == "deal_policy", max_rows)
                elif kind == "renewal":
                    X, y, order, spec = renewal_dataset(history, max_rows, seed)
                elif kind == "churn":
                    X, y, order, spec, _cut = churn_dataset(history)
                else:
                    raise TrainingError(f"unknown model kind {kind!r} (known: {', '.join(KINDS)})")
                with factory() as s:
                    version = next_version(s, kind)
                model, report = train_one(kind, X, y, order, spec, version=version, seed=seed)
                paths = write_report(model, report, out)
                if publish_models:
                    with unit_of_work(factory) as s:
                        publish(s, model)
                report["files"] = {k: str(v) for k, v in paths.items()}
                report["seconds"] = time.perf_counter() - t0
                results[kind] = report
                b = report["baseline_logistic"]
                say(f"{kind} v{version}: AUC {report['auc']:.4f} (logistic {b['auc']:.4f}), "
                    f"Brier {report['brier']:.4f}, top-decile lift {report['top_decile_lift']:.2f}, "
                    f"{report['algorithm']}/{report['calibration']}, {report['train_rows']:,} train / "
                    f"{report['test_rows']:,} test rows -> {paths['model']}")
            except TrainingError as exc:
                results[kind] = {"error": str(exc)}
                say(f"{kind}: skipped — {exc}")
        return results
    finally:
        engine.dispose()


def run(args: argparse.Namespace) -> int:
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        print(f"error: unknown model kind(s) {', '.join(unknown)}; known: {', '.join(KINDS)}",
              file=sys.stderr)
        return 2
    results = train_all(args.db, Path(args.out), kinds, max_rows=args.max_rows, seed=args.seed,
                        publish_models=not args.no_publish)
    return 0 if any("error" not in r for r in results.values()) else 1


