"""Evaluation on one portrait (a mapping), with the missing-value semantics."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from workbench.core.rules.schema import SCORE_PREFIX, FieldType, _score_of
from workbench.core.rules.tree import And, Compare, Const, Field, ListConst, Node, Not, Or

# ---------------------------------------------------------------- evaluation: one portrait

_MISSING = object()


def _is_missing(value: Any) -> bool:
    if value is None or value is _MISSING:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    # pandas' missing markers, without importing pandas for a portrait that has none
    return type(value).__name__ in ("NAType", "NaTType") and "pandas" in sys.modules


def _as_list(value: Any) -> list[str]:
    """A list field's value as a list of strings (missing -> empty, one string -> itself)."""
    if isinstance(value, list | tuple | np.ndarray):
        return [v if isinstance(v, str) else str(v) for v in value]
    if isinstance(value, str):
        return [value]
    return []


def _coerce(value: Any, kind: FieldType) -> Any:
    """A portrait value read as ``kind``; ``_MISSING`` if absent or unreadable."""
    if kind is FieldType.STRING_LIST:
        return _as_list(value)
    if _is_missing(value):
        return _MISSING
    if kind is FieldType.NUMBER:
        if isinstance(value, bool | np.bool_):
            return _MISSING
        if isinstance(value, int | float | np.integer | np.floating):
            return value
        try:
            number = float(value)
        except (TypeError, ValueError):
            return _MISSING
        return _MISSING if math.isnan(number) else number
    if kind is FieldType.STRING:
        return value if isinstance(value, str) else str(value)
    if kind is FieldType.BOOL:
        if isinstance(value, bool | np.bool_):
            return bool(value)
        if isinstance(value, int | np.integer) and value in (0, 1):
            return bool(value)
        return _MISSING
    return value  # pragma: no cover


def _portrait_value(portrait: Mapping[str, Any], name: str, kind: FieldType, year: int) -> Any:
    if name == "region" and "region" not in portrait:
        return _coerce(portrait.get("province"), kind)
    if name == "age" and "age" not in portrait:
        born = _coerce(portrait.get("birth_year"), FieldType.NUMBER)
        return _MISSING if born is _MISSING else year - born
    if name.startswith(SCORE_PREFIX) and name not in portrait:
        return _coerce(_score_of(portrait.get("scores"), name.removeprefix(SCORE_PREFIX)), kind)
    return _coerce(portrait.get(name), kind)


_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


class _Scalar:
    """Evaluates a checked tree on one portrait."""

    def __init__(self, schema: Mapping[str, FieldType], portrait: Mapping[str, Any], year: int):
        self.schema = schema
        self.portrait = portrait
        self.year = year
        self.cache: dict[str, Any] = {}

    def value(self, node: Node) -> Any:
        if isinstance(node, Field):
            if node.name not in self.cache:
                self.cache[node.name] = _portrait_value(
                    self.portrait, node.name, self.schema[node.name], self.year
                )
            return self.cache[node.name]
        if isinstance(node, Const):
            return node.value
        if isinstance(node, ListConst):
            return [i.value for i in node.items]
        return self.truth(node)

    def truth(self, node: Node) -> bool:
        if isinstance(node, And):
            return all(self.truth(i) for i in node.items)
        if isinstance(node, Or):
            return any(self.truth(i) for i in node.items)
        if isinstance(node, Not):
            return not self.truth(node.operand)
        if isinstance(node, Compare):
            left, right = self.value(node.left), self.value(node.right)
            if left is _MISSING or right is _MISSING:
                return False
            if node.op == "in":
                return left in right
            if node.op == "not in":
                return left not in right
            return _CMP[node.op](left, right)
        value = self.value(node)
        return value is True


