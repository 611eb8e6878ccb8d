"""Eligibility rules: the small, safe expression language of policies' ``rule`` column.

A rule decides which customers a policy is made for::

    plan_fee == 96 and tenure_months >= 12 and "price_sensitive" in tags
        and region in ["广东", "广西"]

The language is Python-like but tiny and never ``eval``-ed: operators ``and or not ==
!= < <= > >= in`` and ``not in``, parentheses, literals (int, float, ``"str"``,
``'str'``, ``[lists]`` of numbers or strings, ``true`` / ``false``) and ``#`` comments.
Names are portrait fields (the columns of :class:`CustomerCols`) plus ``region`` (the
province), ``age`` (the current year minus ``birth_year``) and the customer's scores
``scores.deal``, ``scores.churn``, ``scores.renewal`` (probabilities 0-1, see
:data:`SCORE_KINDS`; a customer not scored yet has a missing score, so a comparison with it
does not match). An empty rule means everyone.

Text is parsed with lark (LALR) and then type-checked against a field schema, so an
unknown field or a type error (``plan_fee == "96"``, ``"x" in plan_fee``) is reported
as a :class:`RuleError` with its line and column when the rule is saved.

Semantics, identical in :meth:`Rule.matches` (one portrait) and :meth:`Rule.mask` (a
pandas frame of portraits):

- a missing value (``None``, NaN, a value that cannot be read as the field's type) makes
  every comparison involving it false, ``!=`` and ``not in`` included; ``not`` then
  turns that false into true, as usual;
- a list field (``tags``) that is missing counts as an empty list;
- a bare boolean field (``do_not_call``) is a condition; missing counts as false;
- ``"text" in some_string_field`` is a substring test.

The package's rooms: :mod:`.errors` (errors with positions), :mod:`.schema` (the fields and
their types), :mod:`.tree` (the syntax tree and its printing), :mod:`.grammar` (the lark
grammar and parser), :mod:`.checker` (type checking), :mod:`.scalar` (evaluation on one
portrait), :mod:`.frame` (vectorised evaluation on a frame), :mod:`.explain` (why a rule
matches or not) and :mod:`.compiled` (the compiled :class:`Rule`). Callers import this package.
"""

from __future__ import annotations

from workbench.core.rules.compiled import (
    Rule,
    check_rule,
    compile_cached,
    compile_rule,
    needed_columns,
    rules_mask,
)
from workbench.core.rules.errors import MAX_DEPTH, MAX_LENGTH, Position, RuleError
from workbench.core.rules.explain import FIELD_LABELS_ZH
from workbench.core.rules.frame import PortraitFrame
from workbench.core.rules.grammar import parse
from workbench.core.rules.schema import SCORE_KINDS, SCORE_PREFIX, FieldType, field_schema
from workbench.core.rules.tree import And, Compare, Const, Field, ListConst, Node, Not, Or, unparse

__all__ = [
    "And",
    "Compare",
    "Const",
    "FIELD_LABELS_ZH",
    "Field",
    "FieldType",
    "ListConst",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Node",
    "Not",
    "Or",
    "PortraitFrame",
    "Position",
    "Rule",
    "RuleError",
    "SCORE_KINDS",
    "SCORE_PREFIX",
    "check_rule",
    "compile_cached",
    "compile_rule",
    "field_schema",
    "needed_columns",
    "parse",
    "rules_mask",
    "unparse",
]
