"""Evaluation on a frame of portraits (vectorised, pandas/pyarrow)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from workbench.core.lazy_import import LazyModule
from workbench.core.rules.scalar import _CMP, _MISSING, _as_list, _coerce, _Scalar
from workbench.core.rules.schema import SCORE_PREFIX, FieldType, _default_schema, _score_of
from workbench.core.rules.tree import And, Compare, Const, Field, ListConst, Node, Not, Or

# pandas and pyarrow are needed only for the vectorised masks (task generation, the studio's
# match counts): imported on first use so that the desktop starts fast.
pd: Any = LazyModule("pandas")
pa: Any = LazyModule("pyarrow")
pc: Any = LazyModule("pyarrow.compute")


# ---------------------------------------------------------------- evaluation: a frame


class PortraitFrame:
    """A frame of portraits prepared for evaluating many rules.

    Derived columns (``age``, ``region``), typed arrays and the tag index are computed
    once and shared by every rule evaluated on the same ``PortraitFrame``; pass one to
    :meth:`Rule.mask` when matching several rules over the same customers.
    """

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        today: dt.date | None = None,
        schema: Mapping[str, FieldType] | None = None,
    ) -> None:
        self.df = df
        self.n = len(df)
        self.year = (today or dt.date.today()).year
        self.schema = schema or _default_schema()
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._tag_index: dict[str, tuple[Any, np.ndarray]] = {}

    def _raw(self, name: str) -> pd.Series | None:
        if name in self.df.columns:
            return self.df[name]
        if name.startswith(SCORE_PREFIX) and "scores" in self.df.columns:
            kind = name.removeprefix(SCORE_PREFIX)
            return pd.Series([_score_of(v, kind) for v in self.df["scores"].to_numpy(dtype=object)],
                             index=self.df.index, dtype=object)
        return None

    def column(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(values, valid) arrays of a scalar field, typed per the schema."""
        if name in self._arrays:
            return self._arrays[name]
        kind = self.schema[name]
        raw = self._raw(name)
        if raw is None and name == "region":
            raw = self._raw("province")
        if raw is None and name == "age":
            born, valid = self.column_as("birth_year", FieldType.NUMBER)
            values = np.where(valid, self.year - np.where(valid, born, 0), np.nan)
            result = (values, valid)
        elif raw is None:
            result = self._missing(kind)
        else:
            result = self._typed(raw, kind)
        self._arrays[name] = result
        return result

    def column_as(self, name: str, kind: FieldType) -> tuple[np.ndarray, np.ndarray]:
        raw = self._raw(name)
        return self._missing(kind) if raw is None else self._typed(raw, kind)

    def _missing(self, kind: FieldType) -> tuple[Any, np.ndarray]:
        valid = np.zeros(self.n, dtype=bool)
        if kind is FieldType.NUMBER:
            return np.full(self.n, np.nan), valid
        if kind is FieldType.BOOL:
            return np.zeros(self.n, dtype=bool), valid
        return pd.Series([pd.NA] * self.n, dtype=pd.StringDtype()), valid

    def _typed(self, raw: pd.Series, kind: FieldType) -> tuple[Any, np.ndarray]:
        dtype = raw.dtype
        if kind is FieldType.NUMBER:
            if isinstance(dtype, np.dtype) and dtype.kind in "iu":
                return raw.to_numpy(), np.ones(self.n, dtype=bool)
            if isinstance(dtype, np.dtype) and dtype.kind == "f":
                values = raw.to_numpy()
                return values, ~np.isnan(values)
            if not isinstance(dtype, np.dtype) and dtype.kind in "iuf":  # Int64, Float64
                values = raw.to_numpy(dtype=float, na_value=np.nan)
                return values, ~np.isnan(values)
            if str(dtype) in ("bool", "boolean"):
                return np.full(self.n, np.nan), np.zeros(self.n, dtype=bool)
            objs = raw.to_numpy(dtype=object)
            is_bool = np.fromiter(
                (isinstance(v, bool | np.bool_) for v in objs), dtype=bool, count=self.n
            )
            numbers = pd.to_numeric(pd.Series(objs).where(~is_bool, None), errors="coerce")
            values = numbers.to_numpy(dtype=float, na_value=np.nan)
            return values, ~np.isnan(values)
        if kind is FieldType.BOOL:
            if str(dtype) == "bool":
                return raw.to_numpy(), np.ones(self.n, dtype=bool)
            if str(dtype) == "boolean":
                valid = raw.notna().to_numpy()
                return raw.to_numpy(dtype=bool, na_value=False), valid
            objs = raw.to_numpy(dtype=object)
            coerced = [_coerce(v, kind) for v in objs]
            valid = np.fromiter((c is not _MISSING for c in coerced), dtype=bool, count=self.n)
            values = np.fromiter((c is True for c in coerced), dtype=bool, count=self.n)
            return values, valid
        if kind is FieldType.STRING:
            # a pandas string Series: comparisons run in pandas/Arrow, not per Python object
            text = raw if isinstance(dtype, pd.StringDtype) else raw.astype(pd.StringDtype())
            valid = text.notna().to_numpy()
            return text.reset_index(drop=True), valid
        raise TypeError(kind)  # pragma: no cover

    def lists(self, name: str) -> list[list[str]]:
        """A list field row by row (missing -> empty list)."""
        raw = self._raw(name)
        if raw is None:
            return [[] for _ in range(self.n)]
        return [_as_list(v) for v in raw.to_numpy(dtype=object)]

    def _flat_lists(self, name: str) -> tuple[Any, np.ndarray]:
        """(all items, row of each item) of a list field; Arrow does the flattening."""
        raw = self._raw(name)
        if raw is None:
            return np.zeros(0, dtype=object), np.zeros(0, dtype=np.int64)
        values = raw.tolist()
        if all(type(v) is list or v is None for v in values):
            try:
                arr = pa.array(values, type=pa.list_(pa.string()))
                return pc.list_flatten(arr), pc.list_parent_indices(arr).to_numpy()
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                pass
        lists = [_as_list(v) for v in values]
        lengths = np.fromiter((len(v) for v in lists), dtype=np.int64, count=self.n)
        flat = pa.array([x for v in lists for x in v], type=pa.string())
        return flat, np.repeat(np.arange(self.n, dtype=np.int64), lengths)

    def contains_tag(self, name: str, tag: str) -> np.ndarray:
        """Rows whose list field ``name`` holds ``tag`` (the field is flattened once)."""
        if name not in self._tag_index:
            self._tag_index[name] = self._flat_lists(name)
        flat, rows = self._tag_index[name]
        out = np.zeros(self.n, dtype=bool)
        if len(rows):
            hit = pc.equal(flat, pa.scalar(tag, pa.string())).to_numpy(zero_copy_only=False)
            out[rows[hit]] = True
        return out


class _Vector:
    """Evaluates a checked tree over a :class:`PortraitFrame`."""

    def __init__(self, frame: PortraitFrame) -> None:
        self.frame = frame
        self.n = frame.n

    def operand(self, node: Node) -> tuple[Any, Any, str]:
        """(values, valid, kind): values an array or a scalar; kind 'scalar' or 'array'."""
        if isinstance(node, Field):
            values, valid = self.frame.column(node.name)
            return values, valid, "array"
        if isinstance(node, Const):
            return node.value, True, "scalar"
        if isinstance(node, ListConst):
            return [i.value for i in node.items], True, "scalar"
        return self.truth(node), True, "array"

    def truth(self, node: Node) -> np.ndarray:
        if isinstance(node, And):
            out = self.truth(node.items[0]).copy()
            for item in node.items[1:]:
                out &= self.truth(item)
            return out
        if isinstance(node, Or):
            out = self.truth(node.items[0]).copy()
            for item in node.items[1:]:
                out |= self.truth(item)
            return out
        if isinstance(node, Not):
            return ~self.truth(node.operand)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Const):
            return np.full(self.n, node.value is True)
        if isinstance(node, Field):
            values, valid = self.frame.column(node.name)
            return np.asarray(values, dtype=bool) & valid
        raise TypeError(node)  # pragma: no cover

    def compare(self, node: Compare) -> np.ndarray:
        op = node.op
        schema = self.frame.schema
        if op in ("in", "not in"):
            right = node.right
            if not isinstance(node.left, Field) and not isinstance(right, Field):
                constant = _Scalar(schema, {}, self.frame.year).truth(node)
                return np.full(self.n, constant)
            if isinstance(right, Field) and schema[right.name] is FieldType.STRING_LIST:
                if isinstance(node.left, Const):
                    hit = self.frame.contains_tag(right.name, str(node.left.value))
                    return hit if op == "in" else ~hit
                return self._rowwise(node)
            if isinstance(right, ListConst):
                values, valid, kind = self.operand(node.left)
                items = [i.value for i in right.items]
                if kind == "scalar":
                    found = values in items
                    return np.full(self.n, found if op == "in" else not found)
                if isinstance(values, pd.Series):
                    hit = values.isin(items).to_numpy(dtype=bool, na_value=False)
                else:
                    hit = np.isin(values, items) if items else np.zeros(self.n, dtype=bool)
                return (hit if op == "in" else ~hit) & valid
            if isinstance(right, Field) and isinstance(node.left, Const):
                values, valid = self.frame.column(right.name)
                hit = values.str.contains(str(node.left.value), regex=False)  # type: ignore[attr-defined]
                hit = hit.to_numpy(dtype=bool, na_value=False)
                return (hit if op == "in" else ~hit) & valid
            return self._rowwise(node)
        lv, lvalid, lk = self.operand(node.left)
        rv, rvalid, rk = self.operand(node.right)
        if lk == "scalar" and rk == "scalar":
            return np.full(self.n, _CMP[op](lv, rv))
        result = _CMP_VEC[op](lv, rv)
        if isinstance(result, pd.Series):
            result = result.to_numpy(dtype=bool, na_value=False)
        result = np.asarray(result, dtype=bool)
        return result & lvalid & rvalid

    def _rowwise(self, node: Compare) -> np.ndarray:
        """Rare shapes (a field looked up in another field): evaluate row by row."""
        frame = self.frame

        def get(side: Node, i: int) -> Any:
            if isinstance(side, Field):
                if schema[side.name] is FieldType.STRING_LIST:
                    return lists[side.name][i]
                values, valid = columns[side.name]
                return values[i] if valid[i] else _MISSING
            if isinstance(side, Const):
                return side.value
            if isinstance(side, ListConst):
                return [x.value for x in side.items]
            return bool(truths[id(side)][i])

        schema = frame.schema
        lists = {
            s.name: frame.lists(s.name)
            for s in (node.left, node.right)
            if isinstance(s, Field) and schema[s.name] is FieldType.STRING_LIST
        }
        columns: dict[str, tuple[Any, np.ndarray]] = {}
        for s in (node.left, node.right):
            if isinstance(s, Field) and schema[s.name] is not FieldType.STRING_LIST:
                values, valid = frame.column(s.name)
                if isinstance(values, pd.Series):
                    values = values.to_numpy(dtype=object, na_value=None)
                columns[s.name] = (values, valid)
        truths = {
            id(s): self.truth(s)
            for s in (node.left, node.right)
            if not isinstance(s, Field | Const | ListConst)
        }
        out = np.zeros(self.n, dtype=bool)
        for i in range(self.n):
            left, right = get(node.left, i), get(node.right, i)
            if left is _MISSING or right is _MISSING:
                continue
            hit = left in right
            out[i] = hit if node.op == "in" else not hit
        return out


_CMP_VEC: dict[str, Callable[[Any, Any], Any]] = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


