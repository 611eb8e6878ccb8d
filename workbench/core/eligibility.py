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
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any, Union

import numpy as np
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from workbench.core.entities import CustomerCols
from workbench.core.lazy_import import LazyModule

# pandas and pyarrow are needed only for the vectorised masks (task generation, the studio's
# match counts): imported on first use so that the desktop starts fast.
pd: Any = LazyModule("pandas")
pa: Any = LazyModule("pyarrow")
pc: Any = LazyModule("pyarrow.compute")

__all__ = [
    "And",
    "Compare",
    "Const",
    "FIELD_LABELS_ZH",
    "Field",
    "FieldType",
    "ListConst",
    "Node",
    "Not",
    "Or",
    "Position",
    "PortraitFrame",
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

#: Rules nested deeper than this are refused (keeps evaluation recursion bounded).
MAX_DEPTH = 60
#: Longest rule text accepted.
MAX_LENGTH = 20_000


# ---------------------------------------------------------------- errors and positions


@dataclass(frozen=True)
class Position:
    """Where something is in the rule text: 1-based line and column, 0-based offsets."""

    line: int
    column: int
    offset: int = 0
    end_offset: int = 0

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


class RuleError(ValueError):
    """A rule that cannot be saved. The message is safe to show to an admin.

    Attributes:
        message: what is wrong and, where possible, how to fix it.
        position: where in the text (``None`` only for problems with the whole text).
    """

    def __init__(self, message: str, position: Position | None = None) -> None:
        self.message = message
        self.position = position
        super().__init__(f"{message} (at {position})" if position else message)

    @property
    def line(self) -> int | None:
        return self.position.line if self.position else None

    @property
    def column(self) -> int | None:
        return self.position.column if self.position else None


def _pos_of_offset(text: str, offset: int, end: int | None = None) -> Position:
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Position(line, column, offset, offset if end is None else end)


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


# ---------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Field:
    """A portrait field, by name."""

    name: str
    pos: Position | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Const:
    """A literal number, string or boolean."""

    value: int | float | str | bool
    pos: Position | None = field(default=None, compare=False, repr=False)

    def __eq__(self, other: object) -> bool:
        # 1 == 1.0 == True in Python; literals must also agree on their kind.
        return (
            isinstance(other, Const)
            and type(self.value) is type(other.value)
            and self.value == other.value
        )

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))


@dataclass(frozen=True)
class ListConst:
    """A literal list of numbers or of strings."""

    items: tuple[Const, ...]
    pos: Position | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Compare:
    """``left op right`` with op one of ``== != < <= > >= in not in``."""

    op: str
    left: Node
    right: Node
    pos: Position | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Not:
    operand: Node
    pos: Position | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]
    pos: Position | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]
    pos: Position | None = field(default=None, compare=False, repr=False)


Node = Union[Field, Const, ListConst, Compare, Not, And, Or]  # noqa: UP007 (runtime alias)

OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "not in")


# ---------------------------------------------------------------- parser

_GRAMMAR = r"""
start: or_expr?

?or_expr: and_expr (OR and_expr)+ -> or_
        | and_expr
?and_expr: not_expr (AND not_expr)+ -> and_
         | not_expr
?not_expr: NOT not_expr -> not_
         | comparison
?comparison: operand (comp_op operand)+ -> compare
           | operand
comp_op: EQ | NE | LE | LT | GE | GT | IN | NOT IN
?operand: NAME -> name
        | literal
        | list
        | LPAR or_expr RPAR -> paren
?literal: NUMBER -> number
        | STRING -> string
        | (TRUE | TRUE_PY) -> true
        | (FALSE | FALSE_PY) -> false
list: LSQB [literal (COMMA literal)* COMMA?] RSQB

OR: "or"
AND: "and"
NOT: "not"
IN: "in"
TRUE: "true"
TRUE_PY: "True"
FALSE: "false"
FALSE_PY: "False"
EQ: "=="
NE: "!="
LE: "<="
LT: "<"
GE: ">="
GT: ">"
LPAR: "("
RPAR: ")"
LSQB: "["
RSQB: "]"
COMMA: ","
NAME: /[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/
NUMBER: /-?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?/
STRING: /"(?:[^"\\\n]|\\.)*"/ | /'(?:[^'\\\n]|\\.)*'/
COMMENT: /#[^\n]*/

%ignore /[ \t\f\r\n\u3000]+/
%ignore COMMENT
"""

_TOKEN_WORDS = {
    "OR": "'or'", "AND": "'and'", "NOT": "'not'", "IN": "'in'", "TRUE": "true", "TRUE_PY": "true", "FALSE_PY": "false",
    "FALSE": "false", "EQ": "'=='", "NE": "'!='", "LE": "'<='", "LT": "'<'", "GE": "'>='",
    "GT": "'>'", "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','",
    "NAME": "a field name", "NUMBER": "a number", "STRING": "a string", "$END": "the end",
}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0"}


def _unquote(token: Token, text: str) -> str:
    body = str(token)[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:
            start = (token.start_pos or 0) + 1 + i
            raise RuleError(
                f"unknown escape \\{nxt} in a string (use \\\\ for a backslash)",
                _pos_of_offset(text, start, start + 2),
            )
    return "".join(out)


def _quote(value: str) -> str:
    out = ['"']
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class _Builder(Transformer):
    """Turns lark's parse tree into our frozen nodes, with positions."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def _pos(self, meta: Any) -> Position | None:
        if getattr(meta, "empty", True):
            return None
        return Position(meta.line, meta.column, meta.start_pos, meta.end_pos)

    def _tpos(self, tok: Token) -> Position:
        return Position(tok.line or 1, tok.column or 1, tok.start_pos or 0, tok.end_pos or 0)

    @v_args(meta=True)
    def start(self, meta: Any, children: list[Any]) -> Node:
        return children[0] if children else Const(True)

    @v_args(meta=True)
    def or_(self, meta: Any, children: list[Any]) -> Node:
        return Or(tuple(c for c in children if not isinstance(c, Token)), self._pos(meta))

    @v_args(meta=True)
    def and_(self, meta: Any, children: list[Any]) -> Node:
        return And(tuple(c for c in children if not isinstance(c, Token)), self._pos(meta))

    @v_args(meta=True)
    def not_(self, meta: Any, children: list[Any]) -> Node:
        return Not(children[1], self._pos(meta))

    @v_args(meta=True)
    def compare(self, meta: Any, children: list[Any]) -> Node:
        if len(children) > 3:
            op_tok = children[3]
            raise RuleError(
                "chained comparisons are not supported; write `a < b and b < c` instead",
                op_tok[1] if isinstance(op_tok, tuple) else self._pos(meta),
            )
        left, (op, _op_pos), right = children
        return Compare(op, left, right, self._pos(meta))

    def comp_op(self, children: list[Token]) -> tuple[str, Position]:
        op = " ".join(str(t) for t in children)
        return op, self._tpos(children[0])

    def name(self, children: list[Token]) -> Node:
        return Field(str(children[0]), self._tpos(children[0]))

    def number(self, children: list[Token]) -> Node:
        tok = children[0]
        raw = str(tok)
        value: int | float
        if any(c in raw for c in ".eE"):
            value = float(raw)
            if not math.isfinite(value):
                raise RuleError(f"number {raw} is too large", self._tpos(tok))
        else:
            value = int(raw)
        return Const(value, self._tpos(tok))

    def string(self, children: list[Token]) -> Node:
        return Const(_unquote(children[0], self.text), self._tpos(children[0]))

    def true(self, children: list[Token]) -> Node:
        return Const(True, self._tpos(children[0]))

    def false(self, children: list[Token]) -> Node:
        return Const(False, self._tpos(children[0]))

    @v_args(meta=True)
    def list(self, meta: Any, children: list[Any]) -> Node:
        items = tuple(c for c in children if isinstance(c, Const))
        return ListConst(items, self._pos(meta))

    def paren(self, children: Sequence[Any]) -> Node:  # (``list`` is the method above here)
        return children[1]


def _syntax_error(exc: UnexpectedInput, text: str) -> RuleError:
    if isinstance(exc, UnexpectedCharacters):
        at = exc.pos_in_stream if exc.pos_in_stream is not None else len(text)
        ch = text[at] if at < len(text) else ""
        hint = {
            "=": "use == to compare",
            "&": "use `and`",
            "|": "use `or`",
            "!": "use `not` or !=",
            '"': "a string is not closed",
            "'": "a string is not closed",
        }.get(ch, "")
        shown = repr(ch) if ch else "end of text"
        message = f"unexpected character {shown}" + (f": {hint}" if hint else "")
        return RuleError(message, _pos_of_offset(text, at, at + 1))
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        expected = sorted({_TOKEN_WORDS.get(t, t) for t in exc.expected})
        if tok.type == "$END":
            where = len(text.rstrip())
            message = "the rule ends too early"
            pos = _pos_of_offset(text, where, where)
        else:
            message = f"unexpected {_TOKEN_WORDS.get(tok.type, tok.type).strip(chr(39))} {str(tok)!r}"
            if tok.type in {"NAME", "NUMBER", "STRING", "TRUE", "FALSE", "TRUE_PY", "FALSE_PY"}:
                message = f"unexpected {str(tok)!r}"
            pos = Position(tok.line or 1, tok.column or 1, tok.start_pos or 0, tok.end_pos or 0)
        if expected:
            shown = ", ".join(expected[:8]) + (", ..." if len(expected) > 8 else "")
            message += f"; expected {shown}"
        return RuleError(message, pos)
    pos_in = getattr(exc, "pos_in_stream", None) or 0
    return RuleError("the rule cannot be read", _pos_of_offset(text, pos_in))


def parse(text: str) -> Node:
    """Parse rule text into a syntax tree (no type checking). Raises :class:`RuleError`."""
    if not isinstance(text, str):
        raise RuleError(f"a rule is text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise RuleError(f"the rule is too long ({len(text)} characters, at most {MAX_LENGTH})")
    depth = 0
    deepest = 0
    for ch in text:  # cheap guard before the recursive tree transform
        if ch in "([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]":
            depth -= 1
    if deepest > MAX_DEPTH:
        raise RuleError(f"the rule is nested too deeply (at most {MAX_DEPTH} levels)")
    try:
        tree = _parser().parse(text)
        return _Builder(text).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, RuleError):
            raise exc.orig_exc from None
        raise RuleError("the rule cannot be read") from None
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text) from None
    except LarkError:
        raise RuleError("the rule cannot be read") from None
    except RecursionError:
        raise RuleError(f"the rule is nested too deeply (at most {MAX_DEPTH} levels)") from None


# ---------------------------------------------------------------- type checking

_BOOLEAN = "condition"


def _describe_type(kind: FieldType | str | None) -> str:
    return {
        FieldType.NUMBER: "a number",
        FieldType.STRING: "a string",
        FieldType.BOOL: "a true/false value",
        FieldType.STRING_LIST: "a list of strings",
        _BOOLEAN: "a condition",
        "list:number": "a list of numbers",
        "list:string": "a list of strings",
        "list:empty": "an empty list",
    }.get(kind, str(kind))  # type: ignore[arg-type]


class _Checker:
    def __init__(self, schema: Mapping[str, FieldType]) -> None:
        self.schema = schema
        self.fields: set[str] = set()

    def type_of(self, node: Node, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise RuleError(f"the rule is nested too deeply (at most {MAX_DEPTH} levels)", node.pos)
        if isinstance(node, Field):
            kind = self.schema.get(node.name)
            if kind is None and node.name.startswith(SCORE_PREFIX):
                raise RuleError(f"unknown score kind '{node.name.removeprefix(SCORE_PREFIX)}' "
                                f"(known: {', '.join(SCORE_KINDS)})", node.pos)
            if kind is None:
                close = difflib.get_close_matches(node.name, list(self.schema), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise RuleError(f"unknown field '{node.name}'{hint}", node.pos)
            self.fields.add(node.name)
            return kind.value
        if isinstance(node, Const):
            if isinstance(node.value, bool):
                return FieldType.BOOL.value
            if isinstance(node.value, str):
                return FieldType.STRING.value
            return FieldType.NUMBER.value
        if isinstance(node, ListConst):
            kinds = {self.type_of(i, depth + 1) for i in node.items}
            if not kinds:
                return "list:empty"
            if kinds == {FieldType.NUMBER.value}:
                return "list:number"
            if kinds == {FieldType.STRING.value}:
                return "list:string"
            raise RuleError("a list must hold only numbers or only strings", node.pos)
        if isinstance(node, Not):
            self.condition(node.operand, depth + 1)
            return _BOOLEAN
        if isinstance(node, And | Or):
            for item in node.items:
                self.condition(item, depth + 1)
            return _BOOLEAN
        if isinstance(node, Compare):
            self.compare(node, depth)
            return _BOOLEAN
        raise RuleError("the rule cannot be read", None)  # pragma: no cover

    def condition(self, node: Node, depth: int = 0) -> None:
        kind = self.type_of(node, depth)
        if kind in (_BOOLEAN, FieldType.BOOL.value):
            return
        what = f"'{node.name}'" if isinstance(node, Field) else "this"
        example = ""
        if isinstance(node, Field) and kind == FieldType.NUMBER.value:
            example = f", e.g. {node.name} >= 1"
        elif isinstance(node, Field) and kind == FieldType.STRING.value:
            example = f', e.g. {node.name} == "..."'
        elif isinstance(node, Field) and kind == FieldType.STRING_LIST.value:
            example = f', e.g. "..." in {node.name}'
        raise RuleError(
            f"{what} is {_describe_type(kind)}, not a condition; compare it{example}", node.pos
        )

    def compare(self, node: Compare, depth: int) -> None:
        lt = self.type_of(node.left, depth + 1)
        rt = self.type_of(node.right, depth + 1)
        # conditions are booleans when compared
        lt = FieldType.BOOL.value if lt == _BOOLEAN else lt
        rt = FieldType.BOOL.value if rt == _BOOLEAN else rt
        op = node.op
        where = _blame(node, op)
        if op in ("in", "not in"):
            ok = (
                (rt == "list:empty" and lt in (FieldType.NUMBER.value, FieldType.STRING.value))
                or (rt == "list:number" and lt == FieldType.NUMBER.value)
                or (rt == "list:string" and lt == FieldType.STRING.value)
                or (rt == FieldType.STRING_LIST.value and lt == FieldType.STRING.value)
                or (rt == FieldType.STRING.value and lt == FieldType.STRING.value)
            )
            if not ok:
                if rt in (FieldType.NUMBER.value, FieldType.BOOL.value):
                    message = (
                        f"`{op}` needs a list or text on its right, but that is "
                        f"{_describe_type(rt)}"
                    )
                else:
                    message = (
                        f"cannot look for {_describe_type(lt)} in {_describe_type(rt)}"
                    )
                raise RuleError(message, where)
            return
        if lt != rt or lt.startswith("list") or lt == FieldType.STRING_LIST.value:
            raise RuleError(
                f"cannot compare {_describe_type(lt)} with {_describe_type(rt)} using {op}"
                + _quote_hint(node, lt, rt),
                where,
            )
        if op not in ("==", "!=") and lt == FieldType.BOOL.value:
            raise RuleError(f"true/false values cannot be ordered with {op}", where)


def _quote_hint(node: Compare, lt: str, rt: str) -> str:
    if {lt, rt} == {FieldType.NUMBER.value, FieldType.STRING.value}:
        for side in (node.left, node.right):
            if isinstance(side, Const) and isinstance(side.value, str):
                try:
                    float(side.value)
                except ValueError:
                    continue
                return f" (write the number without quotes: {side.value})"
    return ""


def _blame(node: Compare, op: str) -> Position | None:
    """Where to point for a type error: the literal against a field, else the comparison."""
    left, right = node.left, node.right
    literal = (Const, ListConst)
    if op in ("in", "not in") and isinstance(right, Field):
        return right.pos
    if isinstance(left, Field) and isinstance(right, literal):
        return right.pos
    if isinstance(right, Field) and isinstance(left, literal):
        return left.pos
    return _op_position(node)


def _op_position(node: Compare) -> Position | None:
    left, right = node.left.pos, node.right.pos
    if left and right:
        return Position(left.line, left.column, left.offset, right.end_offset)
    return node.pos


# ---------------------------------------------------------------- printing


def unparse(node: Node) -> str:
    """Canonical text of a syntax tree; ``compile_rule(unparse(n))`` gives back ``n``."""
    if isinstance(node, Field):
        return node.name
    if isinstance(node, Const):
        v = node.value
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return _quote(v)
        return repr(v)
    if isinstance(node, ListConst):
        return "[" + ", ".join(unparse(i) for i in node.items) + "]"
    if isinstance(node, Not):
        inner = unparse(node.operand)
        if isinstance(node.operand, And | Or):
            inner = f"({inner})"
        return f"not {inner}"
    if isinstance(node, And | Or):
        word = " and " if isinstance(node, And) else " or "
        parts = []
        for item in node.items:
            text = unparse(item)
            parts.append(f"({text})" if isinstance(item, And | Or) else text)
        return word.join(parts)
    if isinstance(node, Compare):
        sides = []
        for side in (node.left, node.right):
            text = unparse(side)
            sides.append(f"({text})" if isinstance(side, Compare | Not | And | Or) else text)
        return f"{sides[0]} {node.op} {sides[1]}"
    raise TypeError(f"not a rule node: {node!r}")


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


# ---------------------------------------------------------------- explanations

#: Explanation wording by language: comparison words, membership words, customer value.
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "==": "is", "!=": "is not", "<": "is below", "<=": "is at most", ">": "is above",
        ">=": "is at least", "include": "include", "not include": "do not include",
        "contains": "contains", "not contains": "does not contain", "one of": "is one of",
        "none of": "is none of", "customer": "customer", "yes": "yes", "no": "no",
        "unknown": "unknown", "everyone": "everyone", "no one": "no one", "nothing": "(nothing)",
        "sep": ", ",
    },
    "zh": {
        "==": "为", "!=": "不为", "<": "低于", "<=": "不高于", ">": "高于", ">=": "不低于",
        "include": "含", "not include": "不含", "contains": "包含", "not contains": "不包含",
        "one of": "属于", "none of": "不属于", "customer": "客户", "yes": "是", "no": "否",
        "unknown": "未知", "everyone": "所有客户", "no one": "无", "nothing": "(空)",
        "sep": "、",
    },
}
#: Chinese names of the portrait fields, for explanations in Chinese.
FIELD_LABELS_ZH: dict[str, str] = {
    "name": "姓名", "phone": "手机号", "phone2": "备用号码", "member_no": "会员号",
    "gender": "性别", "birth_year": "出生年份", "age": "年龄", "province": "省份",
    "region": "地区", "city": "城市", "timezone": "时区", "job_type": "职业",
    "plan_name": "套餐", "plan_fee": "套餐月费", "tenure_months": "在网时长(月)",
    "device": "终端", "network": "网络", "arpu": "ARPU", "data_usage_gb": "月流量(GB)",
    "tags": "标签", "lifecycle_stage": "生命周期", "value_tier": "价值层级",
    "preferred_channel": "偏好渠道", "do_not_call": "免打扰", "do_not_sms": "拒收短信",
    "open_complaint": "投诉中", "is_lead": "线索", "team_id": "团队", "store_id": "营业厅",
    "lead_tier": "线索等级", "note": "备注",
    "scores.deal": "成交概率", "scores.churn": "流失风险", "scores.renewal": "续约倾向",
}
_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


class _Words:
    """Wording of explanations in one language ("en" or "zh")."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in _WORDS else "en"
        self.w = _WORDS[self.lang]

    def field(self, name: str) -> str:
        if self.lang == "zh":
            return FIELD_LABELS_ZH.get(name, name)
        return name.replace("_", " ")

    def tag(self, code: str) -> str:
        if self.lang == "zh":
            from workbench.core.tags import label

            return label(code, "zh")
        return code

    def label(self, node: Node) -> str:
        if isinstance(node, Field):
            return self.field(node.name)
        if isinstance(node, Const):
            if isinstance(node.value, bool):
                return self.w["yes"] if node.value else self.w["no"]
            return str(node.value)
        if isinstance(node, ListConst):
            return self.w["sep"].join(self.label(i) for i in node.items) or self.w["nothing"]
        return f"({unparse(node)})"

    def shown(self, value: Any) -> str:
        if value is _MISSING:
            return self.w["unknown"]
        if isinstance(value, bool):
            return self.w["yes"] if value else self.w["no"]
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def quoted(self, text: str) -> str:
        return f"「{text}」" if self.lang == "zh" else f"'{text}'"

    def actual(self, value: Any) -> str:
        if self.lang == "zh":
            return f"（{self.w['customer']}: {self.shown(value)}）"
        return f" ({self.w['customer']}: {self.shown(value)})"

    def join(self, *parts: str) -> str:
        return ("" if self.lang == "zh" else " ").join(p for p in parts if p)


def _describe(node: Node, negated: bool, ev: _Scalar, words: _Words) -> str:
    """A clause in plain words, with the customer's value when it is a field."""
    w = words.w
    if isinstance(node, Field):  # a bare boolean field
        return f"{words.field(node.name)}: {w['no'] if negated else w['yes']}"
    if isinstance(node, Const):
        return w["everyone"] if node.value is not negated else w["no one"]
    assert isinstance(node, Compare)
    op = node.op
    left, right = node.left, node.right
    actual = ""
    if isinstance(left, Field) and not isinstance(right, Field):
        actual = words.actual(ev.value(left))
    if op in ("in", "not in"):
        inside = (op == "in") != negated
        if isinstance(right, Field) and ev.schema[right.name] is FieldType.STRING_LIST:
            verb = w["include"] if inside else w["not include"]
            what = words.tag(str(left.value)) if isinstance(left, Const) else words.label(left)
            return words.join(words.field(right.name), verb, words.quoted(what))
        if isinstance(right, Field):
            verb = w["contains"] if inside else w["not contains"]
            return words.join(words.label(right), verb, words.quoted(words.label(left))) + \
                words.actual(ev.value(right))
        verb = w["one of"] if inside else w["none of"]
        return words.join(words.label(left), verb, words.label(right)) + actual
    if negated:
        op = _NEGATED[op]
    return words.join(words.label(left), w[op], words.label(right)) + actual


def _explain(node: Node, want: bool, ev: _Scalar, out: list[str], words: _Words) -> None:
    if isinstance(node, And | Or):
        for item in node.items:
            _explain(item, want, ev, out, words)
    elif isinstance(node, Not):
        _explain(node.operand, not want, ev, out, words)
    elif ev.truth(node) is want:
        out.append(_describe(node, not want, ev, words))


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
