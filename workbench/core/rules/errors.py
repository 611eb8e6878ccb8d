"""Errors of the rule language and where in the text they are."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.errors import UserError

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


class RuleError(UserError, ValueError):
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


