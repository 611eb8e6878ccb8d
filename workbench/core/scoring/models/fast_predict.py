"""Fast positive-class probabilities of a fitted HistGradientBoostingClassifier (compiled shallow trees)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from workbench.core.scoring.models.threads import compute_threads

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
