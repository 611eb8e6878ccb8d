"""The syntax tree of a rule and its printing back to text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from workbench.core.rules.errors import Position

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
