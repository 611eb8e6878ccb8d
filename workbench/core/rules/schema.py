"""The fields a rule may name and their types (the portrait columns and the scores)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

from workbench.core.entities import CustomerCols

# ---------------------------------------------------------------- field schema


class FieldType(StrEnum):
    """The types a rule can talk about."""

    NUMBER = "number"
    STRING = "string"
    BOOL = "boolean"
    STRING_LIST = "list of strings"


#: Names that stand for something computed from the portrait.
DERIVED_FIELDS: dict[str, FieldType] = {"region": FieldType.STRING, "age": FieldType.NUMBER}
#: The score kinds a rule can read as ``scores.<kind>`` (from ``CustomerCols.scores``).
SCORE_KINDS = ("deal", "churn", "renewal")
SCORE_PREFIX = "scores."
SCORE_FIELDS: dict[str, FieldType] = {SCORE_PREFIX + k: FieldType.NUMBER for k in SCORE_KINDS}


def _score_of(scores: Any, kind: str) -> Any:
    """The ``kind`` entry of a stored scores value (a dict or its JSON text), or None."""
    if isinstance(scores, str):
        import json

        try:
            scores = json.loads(scores)
        except ValueError:
            return None
    return scores.get(kind) if isinstance(scores, dict) else None


def _type_of_annotation(annotation: str) -> FieldType | None:
    inner = annotation.removeprefix("Mapped[").removesuffix("]").replace(" ", "")
    inner = inner.replace("|None", "").replace("None|", "")
    return {
        "int": FieldType.NUMBER,
        "float": FieldType.NUMBER,
        "str": FieldType.STRING,
        "bool": FieldType.BOOL,
        "list[str]": FieldType.STRING_LIST,
    }.get(inner)


@lru_cache(maxsize=1)
def _default_schema() -> Mapping[str, FieldType]:
    schema: dict[str, FieldType] = {}
    for name, annotation in CustomerCols.__annotations__.items():
        kind = _type_of_annotation(str(annotation))
        if kind is not None:  # datetimes and the scores dict are not rule material
            schema[name] = kind
    schema.update(DERIVED_FIELDS)
    schema.update(SCORE_FIELDS)
    return schema


def field_schema() -> Mapping[str, FieldType]:
    """The names a rule may use and their types: portrait columns, ``region`` and ``age``."""
    return dict(_default_schema())


