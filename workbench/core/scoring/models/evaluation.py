"""Model quality figures: AUC, Brier score, top-decile lift, reliability, calibration slope."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score


def top_decile_lift(y: Any, p: Any, fraction: float = 0.1) -> float:
    """Positive rate among the top ``fraction`` by score, divided by the overall rate."""
    y = np.asarray(y).astype(float)
    p = np.asarray(p, dtype=float)
    n = max(1, int(round(len(y) * fraction)))
    order = np.argsort(-p, kind="mergesort")
    base = y.mean()
    return float(y[order[:n]].mean() / base) if base > 0 else float("nan")


def reliability(y: Any, p: Any, bins: int = 10) -> list[dict[str, float]]:
    """Reliability diagram points: per equal-width bin, mean prediction, observed rate, count."""
    y = np.asarray(y).astype(float)
    p = np.asarray(p, dtype=float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    out = []
    for b in range(bins):
        m = idx == b
        if m.any():
            out.append({"predicted": float(p[m].mean()), "observed": float(y[m].mean()),
                        "count": int(m.sum())})
    return out


def calibration_slope(y: Any, p: Any) -> tuple[float, float]:
    """(slope, intercept) of the logistic recalibration ``logit P(y) = a + b·logit(p)``.

    A perfectly calibrated model has slope 1 and intercept 0.
    """
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    z = np.log(p / (1 - p)).reshape(-1, 1)
    lr = LogisticRegression(C=1e6, max_iter=1000).fit(z, np.asarray(y).astype(int))
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def metrics(y: Any, p: Any) -> dict[str, float]:
    """AUC, Brier score, top-decile lift, base rate and counts of predictions ``p``."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    both = len(np.unique(y)) == 2
    return {
        "auc": float(roc_auc_score(y, p)) if both else float("nan"),
        "brier": float(brier_score_loss(y, p)),
        "top_decile_lift": top_decile_lift(y, p),
        "base_rate": float(y.mean()) if len(y) else float("nan"),
        "n": int(len(y)),
        "positives": int(y.sum()),
    }
