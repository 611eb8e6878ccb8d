"""Fitting and calibrating our model; the baseline values explanations compare against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from workbench.core.scoring.models.estimators import AutoTabularClassifier, split_columns
from workbench.core.scoring.models.threads import limited_threads

#: Training sets smaller than this keep the three calibrated fold models and average them.
ENSEMBLE_BELOW_ROWS = 20_000


# ------------------------------------------------------------------ training


@dataclass
class FitResult:
    """A calibrated estimator and how it was chosen."""

    estimator: Any
    algorithm: str
    calibration: str
    selection: dict[str, float]


def _inner_splits(n: int, y: np.ndarray, timed: bool,
                  seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, validation) index pairs the candidates are compared on.

    Rows in time order: one split, the latest 25 % validates. Otherwise a stratified 25 %,
    or, below :data:`ENSEMBLE_BELOW_ROWS` rows, 3 stratified folds (out-of-fold predictions
    pooled): on a small set one quarter holds few positives (CoIL 2000: ~65) and the choice
    was a coin toss.
    """
    idx = np.arange(n)
    if timed:
        cut = int(n * 0.75)
        return [(idx[:cut], idx[cut:])]
    counts = np.bincount(y, minlength=2)
    if n < ENSEMBLE_BELOW_ROWS and counts.min() >= 3:
        folds = StratifiedKFold(3, shuffle=True, random_state=seed)
        return [(a, b) for a, b in folds.split(idx, y)]
    strat = y if counts.min() >= 2 else None
    a, b = train_test_split(idx, test_size=0.25, random_state=seed, stratify=strat)
    return [(a, b)]


def fit_calibrated(X: pd.DataFrame, y: Any, *, order: Any = None, seed: int = 0,
                   candidates: Sequence[str] = ("hgb", "gam", "blend", "nb"),
                   calibration: str | None = None,
                   monotonic: dict[str, int] | None = None) -> FitResult:
    """Choose the best candidate on an inner validation split, then fit it calibrated.

    Args:
        X, y: training data.
        order: optional time of each row; then the inner split is time-ordered (last 25%
            validates) and the boosting stops early on the latest rows of what it is fitted
            on, otherwise both are stratified at random.
        seed: for every random step.
        candidates: algorithms to compare (see :class:`AutoTabularClassifier`).
        calibration: ``"isotonic"``, ``"sigmoid"`` or ``None`` = isotonic when there are at
            least 1,000 positives and negatives in training, sigmoid otherwise.
        monotonic: ``{numeric column: +1 / -1}`` constraints of the boosting (see
            :class:`AutoTabularClassifier`).
    """
    with limited_threads():
        return _fit_calibrated(X, y, order=order, seed=seed, candidates=candidates,
                               calibration=calibration, monotonic=monotonic)


def _fit_calibrated(X: pd.DataFrame, y: Any, *, order: Any, seed: int,
                    candidates: Sequence[str], calibration: str | None,
                    monotonic: dict[str, int] | None) -> FitResult:
    X = pd.DataFrame(X).reset_index(drop=True)
    y = np.asarray(y).astype(int)
    timed = order is not None
    if timed:
        # oldest first: every fit below (the calibration folds keep row order) can then
        # stop early on its latest rows
        first = np.argsort(np.asarray(pd.Series(order).rank(method="first")), kind="mergesort")
        X, y = X.iloc[first].reset_index(drop=True), y[first]
    options: dict[str, Any] = {"random_state": seed, "time_ordered": timed, "monotonic": monotonic}
    splits = _inner_splits(len(X), y, timed, seed)
    validated = np.concatenate([va for _, va in splits])
    selection: dict[str, float] = {}
    probs: dict[str, np.ndarray] = {}
    base = {c for c in candidates if c != "blend"}
    if "blend" in candidates:
        base |= {"hgb", "gam"}
    for algo in sorted(base):
        parts = []
        for tr, va in splits:
            m = AutoTabularClassifier(algorithm=algo, **options).fit(X.iloc[tr], y[tr])
            parts.append(m.predict_proba(X.iloc[va])[:, 1])
        probs[algo] = np.concatenate(parts)
    if "blend" in candidates:
        probs["blend"] = (probs["hgb"] + probs["gam"]) / 2
    two_classes = len(np.unique(y[validated])) == 2
    for algo in candidates:
        selection[algo] = float(roc_auc_score(y[validated], probs[algo])) if two_classes else 0.5
    # prefer the simpler model on ties (within 0.001 AUC)
    rank = {"nb": 0, "gam": 1, "hgb": 2, "blend": 3}
    best = max(candidates, key=lambda a: (round(selection[a], 3), -rank.get(a, 9)))
    counts = np.bincount(y, minlength=2)
    method = calibration or ("isotonic" if counts.min() >= 1000 else "sigmoid")
    folds = int(min(3, counts.min())) if counts.min() >= 2 else 2
    cal = CalibratedClassifierCV(
        AutoTabularClassifier(algorithm=best, **options), method=method,
        cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
        # small sets gain from averaging the fold models (bagging: measured +0.005..0.02 AUC
        # on Telco / CoIL); large sets keep one model so the book refresh predicts once
        ensemble=len(y) < ENSEMBLE_BELOW_ROWS,
    )
    cal.fit(X, y)
    return FitResult(estimator=cal, algorithm=best, calibration=method, selection=selection)


def baseline_values(X: pd.DataFrame) -> dict[str, Any]:
    """Per feature, the value an explanation compares against: median number, commonest category."""
    numeric, categorical = split_columns(X)
    out: dict[str, Any] = {}
    for c in numeric:
        v = pd.to_numeric(X[c], errors="coerce")
        out[c] = float(v.median()) if v.notna().any() else float("nan")
    for c in categorical:
        mode = X[c].mode(dropna=True)
        out[c] = mode.iloc[0] if len(mode) else ""
    return out
