"""The estimators: our model (AutoTabularClassifier, chosen by measurement) and the baselines."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, SplineTransformer, StandardScaler

from workbench.core.scoring.models.fast_predict import hgb_positive_proba


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


# ------------------------------------------------------------------ our model


class AutoTabularClassifier(ClassifierMixin, BaseEstimator):
    """Gradient boosting, a spline logistic model, their blend, or naive Bayes, on a mixed-type DataFrame.

    Args:
        algorithm: ``"hgb"``, ``"gam"``, ``"blend"`` or ``"nb"`` (:class:`FrequencyNaiveBayes`
            on the same columns: coarse bins that hold up when the rows drift over time).
        random_state: seed of the boosting.
        learning_rate, max_depth, max_leaf_nodes, max_iter, min_samples_leaf,
            l2_regularization, n_iter_no_change: boosting. Trees are grown best-first to
            ``max_leaf_nodes`` leaves (8 = the leaf count of a depth-3 tree, so 7 splits: the
            compiled fast path of :mod:`.fast_predict` still applies).
        time_ordered: the rows come oldest first; boosting then stops early on the latest
            15 % instead of a stratified 15 % (see :meth:`_fit_hgb`).
        refit: refit the boosting on all rows with the rounds found by early stopping.
        monotonic: ``{numeric column: +1 or -1}``, the probability may only rise (+1) or fall
            (-1) with that number, other things equal; only where the domain says so.
        C: inverse regularisation of the spline logistic model.
        n_knots: spline knots per numeric feature.
    """

    def __init__(self, algorithm: str = "blend", random_state: int = 0,
                 learning_rate: float = 0.04, max_depth: int | None = None, max_iter: int = 600,
                 min_samples_leaf: int = 30, l2_regularization: float = 1.0,
                 C: float = 0.3, n_knots: int = 5, max_leaf_nodes: int | None = 8,
                 n_iter_no_change: int = 30, time_ordered: bool = False,
                 refit: bool = True, monotonic: dict[str, int] | None = None) -> None:
        self.algorithm = algorithm
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.max_iter = max_iter
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.C = C
        self.n_knots = n_knots
        self.max_leaf_nodes = max_leaf_nodes
        self.n_iter_no_change = n_iter_no_change
        self.time_ordered = time_ordered
        self.refit = refit
        self.monotonic = monotonic

    def _hgb(self, n_rows: int, max_iter: int, early_stopping: bool) -> HistGradientBoostingClassifier:
        n_cat = len(self.categorical_)
        return HistGradientBoostingClassifier(
            learning_rate=self.learning_rate, max_depth=self.max_depth,
            max_leaf_nodes=self.max_leaf_nodes, max_iter=max_iter,
            min_samples_leaf=min(self.min_samples_leaf, max(5, n_rows // 20)),
            l2_regularization=self.l2_regularization,
            categorical_features=[True] * n_cat + [False] * len(self.numeric_),
            monotonic_cst=([0] * n_cat + [int(np.sign(self.monotonic.get(c, 0))) for c in self.numeric_]
                           if self.monotonic else None),
            early_stopping=early_stopping, n_iter_no_change=self.n_iter_no_change,
            random_state=self.random_state,
        )

    def _fit_hgb(self, M: np.ndarray, y: np.ndarray) -> HistGradientBoostingClassifier:
        """Boosting with its number of rounds chosen on a validation part, then refitted on all rows.

        The validation part is the latest 15 % of the rows when ``time_ordered`` (rows come
        oldest first), a stratified 15 % otherwise. The round with the best validation loss
        is kept (scikit-learn's early stopping keeps ``n_iter_no_change`` rounds past it),
        and the model is refitted on every row with that many rounds scaled by the rows
        added, so the validation part (with time order: the most recent rows) is trained on.
        """
        n = len(M)
        if n < 300 or min(np.bincount(y, minlength=2)) < 10:
            # too few rows to hold out for early stopping: cap the rounds
            return self._hgb(n, min(self.max_iter, 100), False).fit(M, y)
        n_val = max(50, int(round(n * 0.15)))
        idx = np.arange(n)
        if self.time_ordered:
            tr, va = idx[:-n_val], idx[-n_val:]
        else:
            tr, va = train_test_split(idx, test_size=n_val, stratify=y, random_state=self.random_state)
        if len(np.unique(y[va])) < 2 or len(np.unique(y[tr])) < 2:
            tr, va = train_test_split(idx, test_size=n_val, stratify=y, random_state=self.random_state)
        probe = self._hgb(len(tr), self.max_iter, True).fit(M[tr], y[tr], X_val=M[va], y_val=y[va])
        # validation_score_[k] = minus the loss after k rounds (k = 0: the constant baseline)
        best = max(1, int(np.argmax(probe.validation_score_)))
        self.best_iteration_ = best
        if not self.refit:
            return probe
        rounds = max(1, min(self.max_iter, int(round(best * n / len(tr)))))
        return self._hgb(n, rounds, False).fit(M, y)

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
            self.models_.append(self._fit_hgb(M, y))
        if self.algorithm in ("gam", "blend"):
            self.models_.append(self._gam(M).fit(M, y))
        if self.algorithm == "nb":
            self.models_.append(FrequencyNaiveBayes().fit(self._columns(X), y))
        if not self.models_:
            raise ValueError(f"unknown algorithm {self.algorithm!r}")
        return self

    def _columns(self, X: pd.DataFrame) -> pd.DataFrame:
        """The fitted columns of ``X`` (absent ones as missing), for the naive Bayes candidate."""
        cols = [*self.categorical_, *self.numeric_]
        return pd.DataFrame({c: X[c] if c in X else pd.Series(np.nan, index=X.index) for c in cols},
                            index=X.index)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities, shape (n, 2)."""
        X = pd.DataFrame(X)
        if self.algorithm == "nb":
            return np.asarray(self.models_[0].predict_proba(self._columns(X)))
        M = self._matrix(X)
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
