"""``workbench-server evaluate``: our model vs two baselines on any table of past contacts.

Reads a CSV (any delimiter, sniffed) or a Parquet file, holds out a test split (the latest
25% when ``--time-order`` names a column or ``--rows-in-time-order`` says the rows are oldest
first, a stratified 25% otherwise), and prints, for our
model (gradient boosting / spline logistic / blend chosen by measurement, calibrated) and two
baselines fitted in the same run (logistic regression; a frequency-table naive Bayes like
Odoo's predictive lead scoring), the AUC, Brier score and top-decile lift on the held-out
rows. ``--json`` prints the same as one JSON object. Bad input exits with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from workbench.core import tables
from workbench.core.scoring.models import (
    FrequencyNaiveBayes,
    LogisticBaseline,
    calibration_slope,
    fit_calibrated,
    limited_threads,
    metrics,
)

_TRUE = {"1", "yes", "y", "true", "t", "churn", "churned", "positive", "pos", "是"}


class EvaluationError(ValueError):
    """The input cannot be evaluated; the message says why (exit code 2)."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="CSV (any delimiter) or Parquet table, one row per past contact")
    parser.add_argument("--target", required=True, help="the outcome column")
    parser.add_argument("--positive", default=None,
                        help="value of the target that counts as success (default: 1/yes/true)")
    parser.add_argument("--drop", default="",
                        help="comma-separated columns to leave out (e.g. post-call fields such as duration)")
    parser.add_argument("--time-order", default=None, metavar="COL",
                        help="hold out the latest 25%% by this column instead of a random split")
    parser.add_argument("--rows-in-time-order", action="store_true",
                        help="the file's rows are oldest first (no time column): hold out the last rows")
    parser.add_argument("--monotone", default="", metavar="COL:+1,COL:-1",
                        help="numbers the probability may only rise (+1) or fall (-1) with, where the "
                             "domain says so (e.g. campaign:-1, repeated calls)")
    parser.add_argument("--test-size", type=float, default=0.25, help="held-out fraction (default 0.25)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random step (default 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


# ------------------------------------------------------------------ reading


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV / TSV (delimiter , tab ; or |), Excel or Parquet file as a DataFrame, numbers
    inferred: the one table reader, :func:`workbench.core.tables.read_table`."""
    try:
        table = tables.read_table(path, raw=False)
    except tables.TableFileError as exc:
        raise EvaluationError(f"{path}: {exc}") from None
    df = table.frame
    if table.delimiter is not None and df.shape[1] < 2:
        raise EvaluationError(f"{path}: found only one column (delimiter {table.delimiter!r}); is it a table?")
    return df


def binary_target(series: pd.Series, positive: str | None) -> np.ndarray:
    """0/1 outcome from ``series``: equal to ``positive``, or the usual truthy values."""
    values = series.dropna()
    if positive is not None:
        as_text = series.astype(str).str.strip()
        if not (as_text == str(positive)).any():
            seen = ", ".join(map(str, values.astype(str).unique()[:10]))
            raise EvaluationError(f"--positive {positive!r} never occurs in the target (values: {seen})")
        return (as_text == str(positive)).to_numpy().astype(int)
    distinct = values.astype(str).str.strip().str.lower().unique()
    if len(distinct) != 2:
        raise EvaluationError(
            f"the target has {len(distinct)} distinct values; name the success value with --positive"
        )
    truthy = [v for v in distinct if v in _TRUE]
    if len(truthy) != 1:
        raise EvaluationError(
            f"cannot tell which of {sorted(distinct)} is success; use --positive"
        )
    return (series.astype(str).str.strip().str.lower() == truthy[0]).to_numpy().astype(int)


def parse_monotone(text: str) -> dict[str, int]:
    """``"campaign:-1,age:+1"`` as ``{"campaign": -1, "age": 1}``."""
    out: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        col, sep, sign = part.rpartition(":")
        if not sep or not col.strip() or sign.strip() not in ("+1", "1", "-1"):
            raise EvaluationError(f"--monotone {part!r}: write COLUMN:+1 or COLUMN:-1")
        out[col.strip()] = 1 if sign.strip() in ("+1", "1") else -1
    return out


def prepare(df: pd.DataFrame, target: str, positive: str | None, drop: Sequence[str],
            time_order: str | None, *, rows_in_time_order: bool = False
            ) -> tuple[pd.DataFrame, np.ndarray, pd.Series | None, list[str]]:
    """(features, y, order, auto-dropped identifier columns) from a raw table.

    ``rows_in_time_order``: the rows are oldest first, so their position is the order.
    """
    missing = [c for c in [target, *drop, *([time_order] if time_order else [])] if c not in df]
    if missing:
        raise EvaluationError(
            f"no column(s) {', '.join(missing)} in the file (columns: {', '.join(map(str, df.columns[:40]))})"
        )
    if time_order and rows_in_time_order:
        raise EvaluationError("use either --time-order or --rows-in-time-order")
    df = df[df[target].notna()].reset_index(drop=True)
    y = binary_target(df[target], positive)
    if y.sum() < 5 or (len(y) - y.sum()) < 5:
        raise EvaluationError("the target needs at least 5 successes and 5 failures")
    order = pd.Series(np.arange(len(df)), dtype=float) if rows_in_time_order else None
    if time_order:
        raw = df[time_order]
        order = (pd.to_numeric(raw, errors="coerce") if pd.api.types.is_numeric_dtype(raw)
                 else pd.to_datetime(raw, errors="coerce", utc=True, format="mixed"))
        if order.isna().mean() > 0.5:
            raise EvaluationError(f"--time-order column {time_order!r} is mostly not a time or number")
    X = df.drop(columns=[target, *drop, *([time_order] if time_order else [])])
    ids = [c for c in X.columns
           if not pd.api.types.is_numeric_dtype(X[c]) and X[c].nunique() > 0.5 * len(X)]
    ids += [c for c in X.columns
            if c.lower() in ("rownames", "id", "index", "unnamed: 0") and c not in ids]
    X = X.drop(columns=ids)
    if X.shape[1] == 0:
        raise EvaluationError("no feature columns left after dropping")
    return X, y, order, ids


# ------------------------------------------------------------------ evaluation


def held_out_split(y: np.ndarray, order: pd.Series | None, test_size: float,
                   seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and test row indices: latest ``test_size`` by ``order``, else stratified random."""
    idx = np.arange(len(y))
    if order is not None:
        ranked = idx[np.argsort(order.rank(method="first", na_option="top").to_numpy(), kind="mergesort")]
        cut = int(round(len(y) * (1 - test_size)))
        return ranked[:cut], ranked[cut:]
    tr, te = train_test_split(idx, test_size=test_size, random_state=seed, stratify=y)
    return np.asarray(tr), np.asarray(te)


def evaluate_frame(X: pd.DataFrame, y: np.ndarray, order: pd.Series | None = None, *,
                   test_size: float = 0.25, seed: int = 0,
                   monotonic: dict[str, int] | None = None) -> dict[str, Any]:
    """Fit our model and both baselines on the training part; figures on the held-out part."""
    numeric = set(X.select_dtypes(include=["number", "bool"]).columns)
    unknown = sorted(set(monotonic or {}) - numeric)
    if unknown:
        raise EvaluationError(f"--monotone names no numeric feature column: {', '.join(unknown)}")
    with limited_threads():
        return _evaluate_frame(X, y, order, test_size=test_size, seed=seed, monotonic=monotonic)


def _evaluate_frame(X: pd.DataFrame, y: np.ndarray, order: pd.Series | None, *,
                    test_size: float, seed: int, monotonic: dict[str, int] | None) -> dict[str, Any]:
    tr, te = held_out_split(y, order, test_size, seed)
    if len(np.unique(y[te])) < 2 or len(np.unique(y[tr])) < 2:
        raise EvaluationError("the split left only one class in training or test; use more data")
    Xtr, Xte = X.iloc[tr].reset_index(drop=True), X.iloc[te].reset_index(drop=True)
    ytr, yte = y[tr], y[te]
    models: dict[str, dict[str, Any]] = {}
    t0 = time.perf_counter()
    fit = fit_calibrated(Xtr, ytr, order=None if order is None else order.iloc[tr].to_numpy(),
                         seed=seed, monotonic=monotonic)
    p = fit.estimator.predict_proba(Xte)[:, 1]
    slope, intercept = calibration_slope(yte, p)
    models["ours"] = {**metrics(yte, p), "algorithm": fit.algorithm,
                      "calibration": fit.calibration, "selection_auc": fit.selection,
                      "calibration_slope": slope, "calibration_intercept": intercept,
                      "fit_seconds": time.perf_counter() - t0}
    for name, est in (("logistic_regression", LogisticBaseline()),
                      ("naive_bayes", FrequencyNaiveBayes())):
        t0 = time.perf_counter()
        est.fit(Xtr, ytr)
        pb = est.predict_proba(Xte)[:, 1]
        models[name] = {**metrics(yte, pb), "fit_seconds": time.perf_counter() - t0}
    return {
        "rows": int(len(y)), "features": int(X.shape[1]), "train_rows": int(len(tr)),
        "test_rows": int(len(te)), "positive_rate": float(y.mean()),
        "split": "time-ordered" if order is not None else "stratified", "seed": seed,
        "monotonic": dict(monotonic or {}),
        "models": models,
        "ours_beats_both": bool(models["ours"]["auc"] > models["logistic_regression"]["auc"]
                                and models["ours"]["auc"] > models["naive_bayes"]["auc"]),
    }


def evaluate_file(path: str | Path, target: str, *, positive: str | None = None,
                  drop: Sequence[str] = (), time_order: str | None = None,
                  rows_in_time_order: bool = False, test_size: float = 0.25, seed: int = 0,
                  monotonic: dict[str, int] | None = None) -> dict[str, Any]:
    """Read, prepare and evaluate a file; the result as a JSON-ready dict."""
    df = read_table(path)
    X, y, order, ids = prepare(df, target, positive, list(drop), time_order,
                               rows_in_time_order=rows_in_time_order)
    result = evaluate_frame(X, y, order, test_size=test_size, seed=seed, monotonic=monotonic)
    return {"file": str(path), "target": target, "dropped": list(drop),
            "dropped_as_identifiers": ids, **result}


def format_result(result: dict[str, Any]) -> str:
    """The figures as a small text table."""
    lines = [
        f"{result.get('file', '')}: {result['rows']} rows, {result['features']} features, "
        f"{result['positive_rate']:.1%} positive; {result['split']} split, "
        f"{result['train_rows']} train / {result['test_rows']} test",
        f"{'model':<22}{'AUC':>8}{'Brier':>9}{'lift@10%':>10}",
    ]
    for name, m in result["models"].items():
        label = f"ours ({m['algorithm']}, {m['calibration']})" if name == "ours" else name
        lines.append(f"{label:<22}{m['auc']:>8.4f}{m['brier']:>9.4f}{m['top_decile_lift']:>10.2f}")
    if result.get("dropped_as_identifiers"):
        lines.append("left out as identifiers: " + ", ".join(result["dropped_as_identifiers"]))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    drop = [c.strip() for c in (args.drop or "").split(",") if c.strip()]
    try:
        if not 0.05 <= args.test_size <= 0.5:
            raise EvaluationError("--test-size must be between 0.05 and 0.5")
        result = evaluate_file(args.file, args.target, positive=args.positive, drop=drop,
                               time_order=args.time_order,
                               rows_in_time_order=args.rows_in_time_order,
                               test_size=args.test_size, seed=args.seed,
                               monotonic=parse_monotone(args.monotone))
    except EvaluationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=float))
    else:
        print(format_result(result))
    return 0
