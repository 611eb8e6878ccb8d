"""The grammar (lark, LALR) and the parser that builds the syntax tree."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from workbench.core.rules.errors import MAX_DEPTH, MAX_LENGTH, Position, RuleError, _pos_of_offset
from workbench.core.rules.tree import And, Compare, Const, Field, ListConst, Node, Not, Or

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


