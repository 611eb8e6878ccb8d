"""The type checker: unknown fields and type errors, with positions."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from workbench.core.rules.errors import MAX_DEPTH, Position, RuleError
from workbench.core.rules.schema import SCORE_KINDS, SCORE_PREFIX, FieldType
from workbench.core.rules.tree import And, Compare, Const, Field, ListConst, Node, Not, Or

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


