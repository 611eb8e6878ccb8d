"""Training, calibration, evaluation and versioned serialisation of scoring models.

Our model (:class:`AutoTabularClassifier`) is chosen by measurement among three candidates
on an inner validation split of the training data:

* ``hgb`` — histogram gradient boosting (shallow trees, native categorical splits);
* ``gam`` — a spline logistic regression (an additive model: one smooth curve per number,
  one weight per category);
* ``blend`` — the mean of the two probabilities.

The winner is then calibrated (:class:`~sklearn.calibration.CalibratedClassifierCV`, isotonic
with enough data, sigmoid otherwise) and wrapped in a :class:`ScoreModel` that knows its
features, baseline values (for explanations) and report figures.

A model file is ``MAGIC`` + one JSON header line (format version, kind, version, feature
list, scikit-learn version, SHA-256 of the payload) + the pickled payload. :meth:`ScoreModel.load`
checks all of it before unpickling and raises :class:`ModelLoadError` with a sentence a user
can act on; :class:`ModelRegistry` keeps the previous model when a new one fails to load.
Model files come from our own server (checksum-verified), never from the user: pickle is
acceptable for that trust level.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import os
import pickle
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, SplineTransformer, StandardScaler

from workbench.core.scoring.explain import Score, explain_row
from workbench.core.scoring.features import FeatureSpec, check_pre_call, one_row

FORMAT_VERSION = 1
MAGIC = b"WBSCORE\n"
KINDS = ("deal", "deal_policy", "churn", "renewal")
#: Training sets smaller than this keep the three calibrated fold models and average them.
ENSEMBLE_BELOW_ROWS = 20_000


def compute_threads() -> int:
    """Native threads (OpenMP / BLAS) for scoring work: ``$WORKBENCH_SCORING_THREADS``, default 1.

    One thread by default: the desktop shares the machine with the UI and the server with
    other work, and oversubscribed OpenMP/BLAS threads were measured 10x slower on a busy
    2-core box (Telco evaluation 47 s with default threads vs 4 s with one).
    """
    try:
        return max(1, int(os.environ.get("WORKBENCH_SCORING_THREADS", "1")))
    except ValueError:
        return 1


def limited_threads() -> Any:
    """A context manager capping native threads at :func:`compute_threads`."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=compute_threads())


class ModelLoadError(Exception):
    """A model file could not be used. The message is safe to show to the user."""


# ------------------------------------------------------------------ column handling


def split_columns(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(numeric, categorical) column names of ``X``; bools count as numeric."""
    numeric, categorical = [], []
    for c in X.columns:
        dtype = X[c].dtype
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            numeric.append(c)
        else:
            categorical.append(c)
    return numeric, categorical


def _prepare(X: pd.DataFrame, numeric: Sequence[str], categorical: Sequence[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=X.index)
    for c in numeric:
        out[c] = pd.to_numeric(X[c], errors="coerce").astype(float) if c in X else np.nan
    for c in categorical:
        out[c] = X[c].astype(object).where(X[c].notna(), "").astype(str) if c in X else ""
    return out


# ------------------------------------------------------------------ fast boosting prediction


#: Trees with more split nodes than this are walked by scikit-learn's own code (the leaf table
#: of :class:`_ShallowTree` has 2**splits entries).
_MAX_TABLE_SPLITS = 10


class _ShallowTree:
    """One boosting tree as branch-free array operations on binned columns.

    Every split node is evaluated for every row (a few vectorised comparisons on a uint8
    column, or a 256-entry lookup for a categorical split) and sets one bit of a row code;
    a table indexed by the code gives the leaf value reached by following the bits from the
    root. For the shallow trees of our models (7 splits) that is measured four times faster
    than scikit-learn's row-by-row walk, and it gives the same leaf, so the same value.

    Each split is ``(kind, feature, operand, bit)``: kind 0 = categorical (operand: uint8
    table of ``bit`` per bin), 1 = ``bin <= operand`` on the bins, 2 = the same on the bins
    shifted so that the missing bin sorts first (a numeric split sending missing values
    left).
    """

    def __init__(self, splits: list[tuple[int, int, Any, int]], leaves: np.ndarray) -> None:
        self.splits = splits
        self.leaves = leaves

    @classmethod
    def compile(cls, tree: Any, missing_bin: int) -> _ShallowTree | None:
        """The tree in this form, or None when it does not fit (too many splits)."""
        nodes = tree.nodes
        is_leaf = nodes["is_leaf"].astype(bool)
        internal = np.flatnonzero(~is_leaf)
        if len(internal) > _MAX_TABLE_SPLITS:
            return None
        shift = (256 - missing_bin) & 0xFF
        bins = np.arange(256)
        splits: list[tuple[int, int, Any, int]] = []
        for k, n in enumerate(internal.tolist()):
            node = nodes[n]
            feature = int(node["feature_idx"])
            missing_left = bool(node["missing_go_to_left"])
            if node["is_categorical"]:
                words = np.asarray(tree.binned_left_cat_bitsets[node["bitset_idx"]], dtype=np.uint32)
                left = ((words[bins >> 5] >> (bins & 31).astype(np.uint32)) & 1).astype(bool)
                left[missing_bin] = missing_left
                dtype = np.uint8 if len(internal) <= 8 else np.uint16
                splits.append((0, feature, (left.astype(dtype) << k).astype(dtype), k))
            else:
                threshold = int(node["bin_threshold"])
                if threshold >= missing_bin:
                    return None
                if missing_left:
                    splits.append((2, feature, threshold + shift, k))
                else:
                    splits.append((1, feature, threshold, k))
        # the leaf reached by each code: follow the bits from the root (bit k set = left)
        position = np.zeros(len(nodes), dtype=np.int64)
        position[internal] = np.arange(len(internal))
        codes = np.arange(1 << len(internal))
        at = np.zeros(len(codes), dtype=np.int64)
        for _ in range(len(internal) + 1):
            inner = ~is_leaf[at]
            if not inner.any():
                break
            left = ((codes >> position[at]) & 1).astype(bool)
            step = np.where(left, nodes["left"][at], nodes["right"][at]).astype(np.int64)
            at = np.where(inner, step, at)
        else:
            return None
        return cls(splits, np.asarray(nodes["value"][at], dtype=float))


def _encodes_as_is(preprocessor: Any) -> bool:
    """Whether a boosting model's input preprocessor leaves our matrices unchanged.

    With categorical features scikit-learn ordinal-encodes them and moves them first. Our
    matrices already have the category codes 0..k-1 first, so that is the identity and the
    (costly) transform can be skipped; for any other layout it must run.
    """
    if preprocessor is None:
        return True
    try:
        where = preprocessor.output_indices_["encoder"]
        mask = np.asarray(next(c for n, _, c in preprocessor.transformers_ if n == "encoder"))
        categories = preprocessor.named_transformers_["encoder"].categories_
    except (AttributeError, KeyError, StopIteration, TypeError):
        return False
    n_cat = len(categories)
    if mask.dtype != bool or not mask[:n_cat].all() or mask[n_cat:].any():
        return False
    if not (isinstance(where, slice) and where.start in (0, None) and where.stop == n_cat):
        return False
    for values in categories:
        known = np.asarray(values, dtype=float)
        if len(known) and np.isnan(known[-1]):
            known = known[:-1]
        if not np.array_equal(known, np.arange(len(known))):
            return False
    return True


class _CompiledForest:
    """The trees of a fitted binary boosting model, compiled once for :func:`hgb_positive_proba`."""

    def __init__(self, predictors: Sequence[Any], missing_bin: int, preprocessor: Any) -> None:
        self.missing_bin = missing_bin
        #: the model's preprocessor when our matrices need it (see :func:`_encodes_as_is`)
        self.preprocessor = None if _encodes_as_is(preprocessor) else preprocessor
        self.shift = (256 - missing_bin) & 0xFF
        #: per tree: the compiled form, or the scikit-learn predictor it could not replace
        self.trees: list[_ShallowTree | Any] = []
        for (tree,) in predictors:
            fast = _ShallowTree.compile(tree, missing_bin)
            self.trees.append(fast if fast is not None else tree)

    def add_raw(self, binned: np.ndarray, raw: np.ndarray, threads: int) -> None:
        """``raw += tree(binned)`` for every tree, in the model's order (the same sums)."""
        n = len(binned)
        cols = np.asfortranarray(binned)
        shifted = np.asfortranarray(cols + np.uint8(self.shift)) if self.shift else cols
        rows = np.ascontiguousarray(binned)
        small, wide = np.empty(n, dtype=np.uint8), np.empty(n, dtype=np.uint16)
        small_part, wide_part = np.empty(n, dtype=np.uint8), np.empty(n, dtype=np.uint16)
        flag = np.empty(n, dtype=bool)
        flag_u8 = flag.view(np.uint8)
        values = np.empty(n, dtype=float)
        for tree in self.trees:
            if not isinstance(tree, _ShallowTree):
                raw += tree.predict_binned(rows, self.missing_bin, threads)
                continue
            code, tmp = (small, small_part) if len(tree.leaves) <= 256 else (wide, wide_part)
            code.fill(0)
            for kind, feature, operand, bit in tree.splits:
                if kind == 0:
                    np.take(operand, cols[:, feature], out=tmp, mode="wrap")
                    np.bitwise_or(code, tmp, out=code)
                    continue
                np.less_equal((shifted if kind == 2 else cols)[:, feature], operand, out=flag)
                if bit:
                    np.left_shift(flag_u8, bit, out=tmp, dtype=tmp.dtype)
                    np.bitwise_or(code, tmp, out=code)
                else:
                    np.bitwise_or(code, flag_u8, out=code)
            np.take(tree.leaves, code, out=values, mode="wrap")
            raw += values


#: compiled forests by fitted model (kept as long as the model lives)
_FORESTS: weakref.WeakKeyDictionary[Any, _CompiledForest] = weakref.WeakKeyDictionary()
_FORESTS_LOCK = threading.Lock()


def _forest(model: HistGradientBoostingClassifier, predictors: Sequence[Any],
            missing_bin: int) -> _CompiledForest:
    with _FORESTS_LOCK:
        forest = _FORESTS.get(model)
    if forest is None or forest.missing_bin != missing_bin or len(forest.trees) != len(predictors):
        forest = _CompiledForest(predictors, missing_bin, getattr(model, "_preprocessor", None))
        with _FORESTS_LOCK:
            _FORESTS[model] = forest
    return forest


def hgb_positive_proba(model: HistGradientBoostingClassifier, M: np.ndarray) -> np.ndarray:
    """P(class 1) of a fitted binary boosting model, predicted on binned rows.

    The same trees, thresholds and missing-value rules as ``model.predict_proba(M)`` (a test
    checks they agree exactly), but on a uint8 copy of the rows (the model's own bins)
    instead of float64, and shallow trees are evaluated column-wise by
    :class:`_ShallowTree` (compiled once per model): measured 1.8 s -> 0.45 s per model on
    200,000 rows. Deeper trees are walked by scikit-learn on the bins. It uses the fitted
    model's private parts (bin mapper, tree predictors, baseline, loss); when one is missing
    (another scikit-learn release), or for a multi-class model, it falls back to
    ``predict_proba``.
    """
    try:
        mapper = model._bin_mapper
        predictors = model._predictors
        baseline = np.asarray(model._baseline_prediction, dtype=float)
        loss = model._loss
        missing_bin = int(mapper.missing_values_bin_idx_)
        is_cat = np.asarray(mapper.is_categorical_, dtype=bool)
        thresholds = mapper.bin_thresholds_
        forest = _forest(model, predictors, missing_bin)
    except (AttributeError, KeyError, ValueError, TypeError):
        return model.predict_proba(M)[:, 1]
    if baseline.size != 1 or any(len(it) != 1 for it in predictors) or not 0 < missing_bin <= 255:
        return model.predict_proba(M)[:, 1]
    M = np.asarray(M, dtype=float)
    if forest.preprocessor is not None:
        M = np.asarray(forest.preprocessor.transform(M), dtype=float)
    if is_cat.any():
        # the bin mapper maps only known categories right: unseen ones become missing, as
        # the raw-data prediction treats them
        M = M.copy()
        for j in np.flatnonzero(is_cat):
            col = M[:, j]
            col[~np.isnan(col) & ~np.isin(col, thresholds[j])] = np.nan
    binned = mapper.transform(M)
    raw = np.full(len(binned), baseline.ravel()[0], dtype=float)
    forest.add_raw(binned, raw, compute_threads())
    return np.asarray(loss.predict_proba(raw[:, None]))[:, 1]


# ------------------------------------------------------------------ our model


class AutoTabularClassifier(ClassifierMixin, BaseEstimator):
    """Gradient boosting, a spline logistic model, or their blend, on a mixed-type DataFrame.

    Args:
        algorithm: ``"hgb"``, ``"gam"`` or ``"blend"``.
        random_state: seed of the boosting.
        learning_rate, max_depth, max_iter, min_samples_leaf, l2_regularization: boosting.
        C: inverse regularisation of the spline logistic model.
        n_knots: spline knots per numeric feature.
    """

    def __init__(self, algorithm: str = "blend", random_state: int = 0,
                 learning_rate: float = 0.04, max_depth: int = 3, max_iter: int = 600,
                 min_samples_leaf: int = 30, l2_regularization: float = 1.0,
                 C: float = 0.3, n_knots: int = 5) -> None:
        self.algorithm = algorithm
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.max_iter = max_iter
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.C = C
        self.n_knots = n_knots

    def _hgb(self, n_rows: int) -> HistGradientBoostingClassifier:
        n_cat = len(self.categorical_)
        return HistGradientBoostingClassifier(
            learning_rate=self.learning_rate, max_depth=self.max_depth,
            # small sets: too few rows to hold out for early stopping, so cap the rounds
            max_iter=self.max_iter if n_rows >= 300 else min(self.max_iter, 100),
            min_samples_leaf=min(self.min_samples_leaf, max(5, n_rows // 20)),
            l2_regularization=self.l2_regularization,
            categorical_features=[True] * n_cat + [False] * len(self.numeric_),
            early_stopping=n_rows >= 300, validation_fraction=0.15, n_iter_no_change=30,
            random_state=self.random_state,
        )

    def _gam(self, M: np.ndarray) -> Pipeline:
        n_cat = len(self.categorical_)
        nums = list(range(n_cat, M.shape[1]))
        smooth = [i for i in nums if len(np.unique(M[~np.isnan(M[:, i]), i])) > 6]
        linear = [i for i in nums if i not in smooth]
        parts: list[tuple[str, Any, list[int]]] = []
        if n_cat:
            parts.append(("cat", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                               min_frequency=5, max_categories=40,
                                               sparse_output=False), list(range(n_cat))))
        if linear:
            parts.append(("lin", make_pipeline(SimpleImputer(strategy="median", add_indicator=True),
                                               StandardScaler()), linear))
        if smooth:
            parts.append(("spl", make_pipeline(
                SimpleImputer(strategy="median"), StandardScaler(),
                SplineTransformer(n_knots=self.n_knots, degree=3, knots="quantile",
                                  extrapolation="constant")), smooth))
            missing = [i for i in smooth if np.isnan(M[:, i]).any()]
            if missing:
                parts.append(("miss", MissingIndicator(error_on_new=False), missing))
        return make_pipeline(ColumnTransformer(parts), LogisticRegression(C=self.C, max_iter=3000))

    @staticmethod
    def _text(col: pd.Series) -> pd.Series:
        if isinstance(col.dtype, pd.StringDtype) or (
                col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) == "string"):
            return col.fillna("")
        return col.astype(object).where(col.notna(), "").astype(str)

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        """Category codes (NaN = unseen), then numbers, as one float matrix."""
        M = np.empty((len(X), len(self.categorical_) + len(self.numeric_)), dtype=float)
        for j, c in enumerate(self.categorical_):
            if c in X:
                # look up each distinct value once (a book has a handful per column)
                seen, distinct = pd.factorize(self._text(X[c]))
                known = self.categories_[c].get_indexer(distinct).astype(float)
                known[known < 0] = np.nan
                codes = np.where(seen >= 0, known[seen], np.nan) if len(known) else np.full(len(X), np.nan)
            else:
                codes = np.full(len(X), np.nan)
            M[:, j] = codes
        off = len(self.categorical_)
        for j, c in enumerate(self.numeric_):
            if c not in X:
                M[:, off + j] = np.nan
            elif pd.api.types.is_float_dtype(X[c].dtype):
                M[:, off + j] = X[c].to_numpy(float, na_value=np.nan)
            else:
                M[:, off + j] = pd.to_numeric(X[c], errors="coerce").to_numpy(float, na_value=np.nan)
        return M

    def fit(self, X: pd.DataFrame, y: Any) -> AutoTabularClassifier:
        """Fit on a DataFrame ``X`` (numbers and categories) and binary ``y``."""
        X = pd.DataFrame(X)
        y = np.asarray(y).astype(int)
        numeric, categorical = split_columns(X)
        # constant columns carry nothing and break splines
        self.numeric_ = [c for c in numeric
                         if pd.to_numeric(X[c], errors="coerce").nunique(dropna=False) > 1]
        self.categorical_ = []
        self.categories_: dict[str, pd.Index] = {}
        for c in categorical:
            counts = self._text(X[c]).value_counts()
            if len(counts) > 1:
                self.categorical_.append(c)
                self.categories_[c] = pd.Index(counts.index[:250])
        self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
        self.classes_ = np.array([0, 1])
        M = self._matrix(X)
        self.models_: list[Any] = []
        if self.algorithm in ("hgb", "blend"):
            self.models_.append(self._hgb(len(M)).fit(M, y))
        if self.algorithm in ("gam", "blend"):
            self.models_.append(self._gam(M).fit(M, y))
        if not self.models_:
            raise ValueError(f"unknown algorithm {self.algorithm!r}")
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities, shape (n, 2)."""
        M = self._matrix(pd.DataFrame(X))
        p = np.mean([hgb_positive_proba(m, M) if isinstance(m, HistGradientBoostingClassifier)
                     else m.predict_proba(M)[:, 1] for m in self.models_], axis=0)
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


# ------------------------------------------------------------------ baselines


class FrequencyNaiveBayes(ClassifierMixin, BaseEstimator):
    """Naive Bayes over frequency tables, like Odoo's predictive lead scoring.

    Each column's values (numbers cut into quantile bins) are counted among won and lost
    rows; a row's odds are the prior odds times, per column, P(value | won) / P(value | lost),
    with Laplace smoothing ``alpha``.
    """

    def __init__(self, bins: int = 10, alpha: float = 1.0) -> None:
        self.bins = bins
        self.alpha = alpha

    def _keys(self, X: pd.DataFrame, c: str) -> np.ndarray:
        if c in self.edges_:
            v = pd.to_numeric(X[c], errors="coerce").to_numpy(float)
            k = np.searchsorted(self.edges_[c], v, side="right").astype(object)
            k[np.isnan(v)] = "nan"
            return k.astype(str)
        return X[c].astype(object).where(X[c].notna(), "nan").astype(str).to_numpy()

    def fit(self, X: pd.DataFrame, y: Any) -> FrequencyNaiveBayes:
        X = pd.DataFrame(X)
        y = np.asarray(y).astype(int)
        numeric, _ = split_columns(X)
        self.columns_ = list(X.columns)
        self.edges_: dict[str, np.ndarray] = {}
        for c in numeric:
            v = pd.to_numeric(X[c], errors="coerce").to_numpy(float)
            v = v[~np.isnan(v)]
            if len(np.unique(v)) > self.bins:
                self.edges_[c] = np.unique(np.quantile(v, np.linspace(0, 1, self.bins + 1)[1:-1]))
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        self.prior_ = math.log((pos + self.alpha) / (neg + self.alpha))
        self.tables_: dict[str, tuple[dict[str, float], float]] = {}
        for c in self.columns_:
            keys = self._keys(X, c)
            df = pd.DataFrame({"k": keys, "y": y})
            counts = df.groupby("k")["y"].agg(["sum", "count"])
            n_values = len(counts) + 1
            p_pos = (counts["sum"] + self.alpha) / (pos + self.alpha * n_values)
            p_neg = (counts["count"] - counts["sum"] + self.alpha) / (neg + self.alpha * n_values)
            unseen = math.log((self.alpha / (pos + self.alpha * n_values))
                              / (self.alpha / (neg + self.alpha * n_values)))
            self.tables_[c] = (dict(np.log(p_pos / p_neg)), unseen)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        X = pd.DataFrame(X)
        logit = np.full(len(X), self.prior_)
        for c in self.columns_:
            table, unseen = self.tables_[c]
            keys = self._keys(X, c)
            logit += pd.Series(keys).map(table).fillna(unseen).to_numpy(float)
        p = 1.0 / (1.0 + np.exp(-np.clip(logit, -35, 35)))
        return np.column_stack([1 - p, p])


class LogisticBaseline(ClassifierMixin, BaseEstimator):
    """The plain baseline: one-hot categories, standardised numbers, logistic regression."""

    def fit(self, X: pd.DataFrame, y: Any) -> LogisticBaseline:
        X = pd.DataFrame(X)
        self.numeric_, self.categorical_ = split_columns(X)
        parts: list[tuple[str, Any, list[str]]] = []
        if self.categorical_:
            parts.append(("cat", OneHotEncoder(handle_unknown="ignore"), self.categorical_))
        if self.numeric_:
            parts.append(("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
                          self.numeric_))
        self.pipe_ = make_pipeline(ColumnTransformer(parts), LogisticRegression(max_iter=3000))
        self.pipe_.fit(_prepare(X, self.numeric_, self.categorical_), np.asarray(y).astype(int))
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.pipe_.predict_proba(_prepare(pd.DataFrame(X), self.numeric_, self.categorical_))


# ------------------------------------------------------------------ metrics


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


# ------------------------------------------------------------------ training


@dataclass
class FitResult:
    """A calibrated estimator and how it was chosen."""

    estimator: Any
    algorithm: str
    calibration: str
    selection: dict[str, float]


def _inner_split(n: int, y: np.ndarray, order: np.ndarray | None,
                 seed: int) -> tuple[np.ndarray, np.ndarray]:
    idx = np.arange(n)
    if order is not None:
        ranked = idx[np.argsort(order, kind="mergesort")]
        cut = int(n * 0.75)
        return ranked[:cut], ranked[cut:]
    strat = y if min(np.bincount(y, minlength=2)) >= 2 else None
    a, b = train_test_split(idx, test_size=0.25, random_state=seed, stratify=strat)
    return a, b


def fit_calibrated(X: pd.DataFrame, y: Any, *, order: Any = None, seed: int = 0,
                   candidates: Sequence[str] = ("hgb", "gam", "blend"),
                   calibration: str | None = None) -> FitResult:
    """Choose the best candidate on an inner validation split, then fit it calibrated.

    Args:
        X, y: training data.
        order: optional time of each row; then the inner split is time-ordered (last 25%
            validates), otherwise stratified at random.
        seed: for every random step.
        candidates: algorithms to compare (see :class:`AutoTabularClassifier`).
        calibration: ``"isotonic"``, ``"sigmoid"`` or ``None`` = isotonic when there are at
            least 1,000 positives and negatives in training, sigmoid otherwise.
    """
    with limited_threads():
        return _fit_calibrated(X, y, order=order, seed=seed, candidates=candidates,
                               calibration=calibration)


def _fit_calibrated(X: pd.DataFrame, y: Any, *, order: Any, seed: int,
                    candidates: Sequence[str], calibration: str | None) -> FitResult:
    X = pd.DataFrame(X).reset_index(drop=True)
    y = np.asarray(y).astype(int)
    order_arr = None if order is None else np.asarray(pd.Series(order).rank(method="first"))
    tr, va = _inner_split(len(X), y, order_arr, seed)
    selection: dict[str, float] = {}
    probs: dict[str, np.ndarray] = {}
    base = {c for c in candidates if c != "blend"}
    if "blend" in candidates:
        base |= {"hgb", "gam"}
    for algo in sorted(base):
        m = AutoTabularClassifier(algorithm=algo, random_state=seed).fit(X.iloc[tr], y[tr])
        probs[algo] = m.predict_proba(X.iloc[va])[:, 1]
    if "blend" in candidates:
        probs["blend"] = (probs["hgb"] + probs["gam"]) / 2
    two_classes = len(np.unique(y[va])) == 2
    for algo in candidates:
        selection[algo] = float(roc_auc_score(y[va], probs[algo])) if two_classes else 0.5
    # prefer the simpler model on ties (within 0.001 AUC)
    rank = {"gam": 0, "hgb": 1, "blend": 2}
    best = max(candidates, key=lambda a: (round(selection[a], 3), -rank.get(a, 9)))
    counts = np.bincount(y, minlength=2)
    method = calibration or ("isotonic" if counts.min() >= 1000 else "sigmoid")
    folds = int(min(3, counts.min())) if counts.min() >= 2 else 2
    cal = CalibratedClassifierCV(
        AutoTabularClassifier(algorithm=best, random_state=seed), method=method,
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


# ------------------------------------------------------------------ the shipped model


@dataclass
class ScoreModel:
    """A trained, calibrated, versioned scoring model with what it needs to explain itself.

    Attributes:
        kind: what it predicts ("deal", "deal_policy", "churn", "renewal", or any name).
        version: increases with every training run of that kind.
        features: input columns, in order.
        estimator: the calibrated scikit-learn estimator.
        spec: the feature spec for portrait-based models (``None`` for generic tables).
        baseline: per feature, the reference value of explanations.
        metrics: report figures (AUC, Brier, ...), informative only.
        pre_call: whether the model predicts before the call (then the leakage guard applies).
        created_at: ISO 8601 UTC time of training.
    """

    kind: str
    version: int
    features: list[str]
    estimator: Any
    spec: FeatureSpec | None = None
    baseline: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    pre_call: bool = True
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())

    # -- prediction

    def predict_frame(self, X: pd.DataFrame, *, limit_threads: bool = True) -> np.ndarray:
        """Probabilities for a frame of model input (columns = :attr:`features`).

        ``limit_threads=False`` when the caller already holds :func:`limited_threads` (the
        limit is process-wide: threads entering and leaving it in turn would undo it).
        """
        if not limit_threads:
            return self.estimator.predict_proba(X[self.features])[:, 1]
        with limited_threads():
            return self.estimator.predict_proba(X[self.features])[:, 1]

    def predict_one(self, portrait: Mapping[str, Any], history: Sequence[Mapping[str, Any]] = (),
                    policy: Mapping[str, Any] | None = None, now: dt.datetime | None = None,
                    top_n: int = 3) -> Score:
        """Score one customer now, with the ``top_n`` features that moved the score.

        Args:
            portrait: the customer's portrait (CustomerCols keys; missing keys are fine).
            history: the customer's contact events (ContactEventCols keys), any order.
            policy: the offered policy (PolicyCols keys), for the ``deal_policy`` model.
            now: the prediction moment (default: now, UTC).
        """
        if self.spec is None:
            raise ValueError("this model was trained on a generic table; use predict_frame")
        row = one_row(self.spec, portrait, history, policy, now)
        p, factors = explain_row(self.predict_frame, row, self.baseline, top_n=top_n)
        return Score(probability=p, top_factors=factors, kind=self.kind, model_version=self.version)

    # -- serialisation

    def header(self, payload: bytes) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "kind": self.kind,
            "version": self.version,
            "features": list(self.features),
            "sklearn": sklearn.__version__,
            "sha256": hashlib.sha256(payload).hexdigest(),
            "created_at": self.created_at,
            "pre_call": self.pre_call,
            "metrics": _jsonable(self.metrics),
        }

    def to_bytes(self) -> bytes:
        """The model file's bytes: magic, JSON header line, pickled payload."""
        payload = pickle.dumps(
            {"estimator": self.estimator, "spec": self.spec.to_dict() if self.spec else None,
             "baseline": self.baseline},
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        head = json.dumps(self.header(payload), ensure_ascii=False).encode("utf-8")
        return MAGIC + head + b"\n" + payload

    def save(self, path: str | Path) -> Path:
        """Write the model file to ``path`` (atomically: temp file + rename)."""
        path = Path(path)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(self.to_bytes())
        tmp.replace(path)
        return path

    def to_b64(self) -> str:
        """The model file as base64 text (the sync wire's ``payload_b64``)."""
        return base64.b64encode(self.to_bytes()).decode("ascii")

    @staticmethod
    def read_header(data: bytes) -> tuple[dict[str, Any], bytes]:
        """(header, payload) of a model file's bytes; raises :class:`ModelLoadError`."""
        if not data.startswith(MAGIC):
            raise ModelLoadError("not a scoring model file (unknown format or corrupt)")
        end = data.find(b"\n", len(MAGIC))
        if end < 0:
            raise ModelLoadError("the scoring model file is truncated (no header)")
        try:
            header = json.loads(data[len(MAGIC):end].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ModelLoadError("the scoring model file is corrupt (unreadable header)") from None
        if not isinstance(header, dict):
            raise ModelLoadError("the scoring model file is corrupt (bad header)")
        return header, data[end + 1:]

    @classmethod
    def load(cls, source: bytes | bytearray | str | Path) -> ScoreModel:
        """Load a model from its bytes, a path, or base64 text (from sync).

        Raises:
            ModelLoadError: unreadable, corrupt (checksum), a format newer or older than this
                app reads, built with another scikit-learn release, or leaking post-call
                features. The message says which and what to do.
        """
        data = _read_source(source)
        header, payload = cls.read_header(data)
        fmt = header.get("format")
        if fmt != FORMAT_VERSION:
            raise ModelLoadError(
                f"scoring model format {fmt} is not supported by this app (it reads format "
                f"{FORMAT_VERSION}); update the app or retrain the model"
            )
        built = str(header.get("sklearn", "?"))
        if built.split(".")[:2] != sklearn.__version__.split(".")[:2]:
            raise ModelLoadError(
                f"scoring model built with scikit-learn {built}, this app has "
                f"{sklearn.__version__}; retrain the model on the server"
            )
        if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
            raise ModelLoadError("the scoring model file is corrupt (checksum mismatch)")
        try:
            body = pickle.loads(payload)  # checksum-verified file from our own server
        except Exception as exc:
            raise ModelLoadError(f"the scoring model could not be read: {exc}") from None
        try:
            spec = FeatureSpec.from_dict(body["spec"]) if body.get("spec") else None
            model = cls(kind=str(header["kind"]), version=int(header["version"]),
                        features=list(header["features"]), estimator=body["estimator"],
                        spec=spec, baseline=dict(body.get("baseline") or {}),
                        metrics=dict(header.get("metrics") or {}),
                        pre_call=bool(header.get("pre_call", True)),
                        created_at=str(header.get("created_at", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelLoadError(f"the scoring model file is incomplete: {exc}") from None
        if not hasattr(model.estimator, "predict_proba"):
            raise ModelLoadError("the scoring model file holds no usable estimator")
        # a model trained by an older release uses a subset of today's columns: still fine
        if spec is not None and not set(model.features) <= set(spec.columns):
            raise ModelLoadError("the scoring model's feature list does not match its spec")
        if model.pre_call and spec is not None:
            from workbench.core.scoring.features import LeakageError

            try:
                check_pre_call(model.features, model.kind)
            except LeakageError as exc:
                raise ModelLoadError(f"rejected scoring model: {exc}") from None
        return model


def _read_source(source: bytes | bytearray | str | Path) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if isinstance(source, Path) or (isinstance(source, str) and not source.startswith("V0JTQ09SRQ")):
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise ModelLoadError(f"cannot read the scoring model file: {exc}") from None
    try:
        return base64.b64decode(source, validate=True)
    except ValueError:
        raise ModelLoadError("the scoring model text is not valid base64") from None


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def train_score_model(kind: str, X: pd.DataFrame, y: Any, *, version: int = 1,
                      spec: FeatureSpec | None = None, order: Any = None, seed: int = 0,
                      pre_call: bool = True, candidates: Sequence[str] = ("hgb", "gam", "blend"),
                      calibration: str | None = None) -> ScoreModel:
    """Train a calibrated :class:`ScoreModel` of ``kind`` on ``X``/``y``.

    With a ``spec`` and ``pre_call`` (the default for portrait models), the leakage guard runs
    first: a post-call field among the columns raises
    :class:`~workbench.core.scoring.features.LeakageError` before anything is fitted.
    """
    if pre_call and spec is not None:
        check_pre_call(X.columns, kind)
    fit = fit_calibrated(X, y, order=order, seed=seed, candidates=candidates,
                         calibration=calibration)
    return ScoreModel(
        kind=kind, version=version, features=list(X.columns), estimator=fit.estimator,
        spec=spec, baseline=baseline_values(X),
        metrics={"algorithm": fit.algorithm, "calibration": fit.calibration,
                 "selection_auc": fit.selection},
        pre_call=pre_call,
    )


# ------------------------------------------------------------------ models in use


class ModelRegistry:
    """The scoring models in use on a desktop, by kind.

    :meth:`install` loads a new model; if it fails, the previous model of that kind stays in
    use and the error is raised (and passed to ``on_error``, e.g. the message bridge).
    """

    def __init__(self, on_error: Callable[[str, ModelLoadError], None] | None = None) -> None:
        self._models: dict[str, ScoreModel] = {}
        self._on_error = on_error

    def get(self, kind: str) -> ScoreModel | None:
        """The model of ``kind`` in use, or ``None``."""
        return self._models.get(kind)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._models)

    def install(self, source: bytes | str | Path | ScoreModel, kind: str | None = None) -> ScoreModel:
        """Load and use ``source``; on :class:`ModelLoadError` keep the previous model."""
        try:
            model = source if isinstance(source, ScoreModel) else ScoreModel.load(source)
            if kind is not None and model.kind != kind:
                raise ModelLoadError(f"expected a {kind} model, got a {model.kind} model")
            current = self._models.get(model.kind)
            if current is not None and model.version < current.version:
                raise ModelLoadError(
                    f"{model.kind} model version {model.version} is older than the one in use "
                    f"({current.version}); keeping the current one"
                )
        except ModelLoadError as exc:
            if self._on_error:
                self._on_error(kind or "?", exc)
            raise
        self._models[model.kind] = model
        return model

    def install_rows(self, rows: Sequence[Mapping[str, Any]]) -> list[ModelLoadError]:
        """Install the newest loadable model per kind from synced rows.

        ``rows`` are ScoringModelFile-like dicts (``kind``, ``version``, ``payload_b64``). For
        each kind, versions are tried newest first; the first that loads wins. Returns the
        errors met (for the message bridge); kinds with no loadable row keep their model.
        """
        errors: list[ModelLoadError] = []
        by_kind: dict[str, list[Mapping[str, Any]]] = {}
        for r in rows:
            by_kind.setdefault(str(r["kind"]), []).append(r)
        for kind, kind_rows in by_kind.items():
            for r in sorted(kind_rows, key=lambda r: -int(r["version"])):
                current = self._models.get(kind)
                if current is not None and int(r["version"]) <= current.version:
                    break
                try:
                    self.install(base64.b64decode(r["payload_b64"]), kind)
                    break
                except (ModelLoadError, ValueError) as exc:
                    errors.append(exc if isinstance(exc, ModelLoadError) else ModelLoadError(str(exc)))
        return errors
