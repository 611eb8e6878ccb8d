"""What a push or pull can refuse: a mutation (:class:`Rejected`), the whole push, a cursor; and the
mutation as it arrives."""

from __future__ import annotations

from typing import Any, NamedTuple


class Rejected(Exception):
    """A mutation the rules refuse; the message goes back to the client as its reason."""


class Duplicate(Rejected):
    """A new customer whose number or ID number belongs to ``customer_id`` already: the
    result names that customer, so the desktop opens them instead."""

    def __init__(self, message: str, customer_id: str) -> None:
        super().__init__(message)
        self.customer_id = customer_id


class PushForbidden(Exception):
    """The whole push is refused (another user's client id or mutation ids): HTTP 403."""


class BadCursor(Exception):
    """A cursor that cannot be: HTTP 400 (negative) or 409 (beyond the end of the log)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Mutation(NamedTuple):
    """One client mutation as it arrives in a push."""

    mutation_id: str
    entity: str
    op: str
    data: dict[str, Any]
