"""The task moves of a customer's trail (issue 17 point 6), fetched from the server on demand
(``GET /api/v1/customers/{id}/moves``; see docs/lifecycle.md for why they are fetched, not
synced). No Qt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MOVE_ACTIONS = ("recycle", "claim", "release", "reassign", "assign")


@dataclass(frozen=True)
class MoveItem:
    """One move, as the trail shows it."""

    at: dt.datetime
    action: str
    task_id: str
    from_user_id: str | None
    to_user_id: str | None
    by_user_id: str | None
    reason: str


def parse_moves(rows: list[dict[str, Any]]) -> list[MoveItem]:
    """Moves from the server's answer, newest first; malformed rows are skipped, never raised."""
    out = []
    for r in rows:
        try:
            at = dt.datetime.fromisoformat(str(r["at"]))
            if at.tzinfo is None:
                at = at.replace(tzinfo=dt.UTC)
            out.append(MoveItem(at, str(r["action"]), str(r["task_id"]), r.get("from_user_id"),
                                r.get("to_user_id"), r.get("by_user_id"), str(r.get("reason") or "")))
        except (KeyError, TypeError, ValueError):
            continue
    out.sort(key=lambda m: m.at, reverse=True)
    return out


def fetch_moves(fetch: Callable[[str], list[dict[str, Any]]], customer_id: str) -> list[MoveItem]:
    """The customer's moves through ``fetch`` (e.g. ``ServerApi.customer_moves``); raises the
    client's OfflineError when the server is unreachable (the trail then shows contacts only)."""
    return parse_moves(fetch(customer_id))
