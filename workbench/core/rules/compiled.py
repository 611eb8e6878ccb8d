"""The compiled rule: parse + check once, then match one portrait or mask a frame."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from workbench.core.lazy_import import LazyModule
from workbench.core.rules.checker import _Checker
from workbench.core.rules.errors import MAX_DEPTH, RuleError
from workbench.core.rules.explain import _explain, _Words
from workbench.core.rules.frame import PortraitFrame, _Vector
from workbench.core.rules.grammar import parse
from workbench.core.rules.scalar import _Scalar
from workbench.core.rules.schema import SCORE_PREFIX, FieldType, _default_schema
from workbench.core.rules.tree import Const, Node, unparse

# pandas and pyarrow are needed only for the vectorised masks (task generation, the studio's
# match counts): imported on first use so that the desktop starts fast.
pd: Any = LazyModule("pandas")


# ---------------------------------------------------------------- the compiled rule


@dataclass(frozen=True)
class Rule:
    """A parsed, type-checked eligibility rule.

    Attributes:
        source: the text it was compiled from.
        node: the syntax tree.
        fields: names the rule uses (as written, e.g. ``region``, ``age``).
        columns: portrait columns needed to evaluate it (``province``, ``birth_year``
            stand in for ``region`` and ``age``).
    """

    source: str
    node: Node
    fields: frozenset[str]
    schema: Mapping[str, FieldType] = field(repr=False, compare=False, hash=False)

    @property
    def text(self) -> str:
        """Canonical text (normalised spacing, quotes and parentheses)."""
        return unparse(self.node)

    def __str__(self) -> str:
        return self.text

    @property
    def columns(self) -> frozenset[str]:
        out = set(self.fields)
        if "region" in out:
            out.discard("region")
            out.add("province")
        if "age" in out:
            out.discard("age")
            out.add("birth_year")
        if any(f.startswith(SCORE_PREFIX) for f in out):
            out = {f for f in out if not f.startswith(SCORE_PREFIX)} | {"scores"}
        return frozenset(out)

    @property
    def is_everyone(self) -> bool:
        """True for the empty rule / ``true``."""
        return self.node == Const(True)

    def matches(self, portrait: Mapping[str, Any], *, today: dt.date | None = None) -> bool:
        """Whether one portrait (a mapping of field -> value) satisfies the rule."""
        year = (today or dt.date.today()).year
        return _Scalar(self.schema, portrait, year).truth(self.node)

    def explain(
        self, portrait: Mapping[str, Any], *, today: dt.date | None = None, lang: str = "en"
    ) -> list[str]:
        """The clauses that hold for this portrait, in plain words ("why eligible").

        For a portrait that matches, these are the reasons it matches; branches of an
        ``or`` that did not hold are left out. For one that does not match, the list
        still names the clauses that held (use :meth:`explain_failures` for the others).
        ``lang="zh"`` words them in Chinese (field names and tag labels included).
        """
        year = (today or dt.date.today()).year
        ev = _Scalar(self.schema, portrait, year)
        out: list[str] = []
        _explain(self.node, True, ev, out, _Words(lang))
        return out

    def explain_failures(
        self, portrait: Mapping[str, Any], *, today: dt.date | None = None, lang: str = "en"
    ) -> list[str]:
        """The clauses that do not hold for this portrait, stated as facts ("why not").

        E.g. ``plan fee is not 126 (customer: 96)`` for ``plan_fee == 126``.
        """
        year = (today or dt.date.today()).year
        ev = _Scalar(self.schema, portrait, year)
        out: list[str] = []
        _explain(self.node, False, ev, out, _Words(lang))
        return out

    def mask(
        self, df: pd.DataFrame | PortraitFrame, *, today: dt.date | None = None
    ) -> pd.Series:
        """Vectorised :meth:`matches` over a frame of portraits (one row each).

        Pass a :class:`PortraitFrame` to share derived columns and the tag index between
        several rules on the same frame.
        """
        frame = df if isinstance(df, PortraitFrame) else PortraitFrame(df, today=today, schema=self.schema)
        values = _Vector(frame).truth(self.node)
        return pd.Series(values, index=frame.df.index, dtype=bool)


def compile_rule(text: str, schema: Mapping[str, FieldType] | None = None) -> Rule:
    """Parse and type-check rule text.

    Args:
        text: the rule; empty or blank means everyone.
        schema: field name -> type; by default the portrait's (:func:`field_schema`).

    Raises:
        RuleError: with a message and position for a syntax error, an unknown field or
            a type error. Nothing else escapes for any input text.
    """
    schema = schema if schema is not None else _default_schema()
    node = parse(text)
    checker = _Checker(schema)
    try:
        checker.condition(node)
    except RecursionError:
        raise RuleError(f"the rule is nested too deeply (at most {MAX_DEPTH} levels)") from None
    return Rule(text, node, frozenset(checker.fields), schema)


@lru_cache(maxsize=1024)
def compile_cached(text: str) -> Rule:
    """:func:`compile_rule` with the default schema, memoised by text (for hot paths)."""
    return compile_rule(text)


def check_rule(text: str) -> RuleError | None:
    """The error a rule would raise when saved, or ``None`` if it is valid."""
    try:
        compile_rule(text)
    except RuleError as exc:
        return exc
    return None


def rules_mask(
    rules: Iterable[Rule], df: pd.DataFrame, *, today: dt.date | None = None
) -> dict[Rule, pd.Series]:
    """Masks of several rules over one frame, sharing the frame's derived columns."""
    frame = PortraitFrame(df, today=today)
    return {rule: rule.mask(frame) for rule in rules}


def needed_columns(rules: Sequence[Rule]) -> frozenset[str]:
    """Portrait columns needed to evaluate ``rules``."""
    out: set[str] = set()
    for rule in rules:
        out |= rule.columns
    return frozenset(out)
