"""The task moves of a customer's trail (issue 17 point 6), fetched from the server on demand
(``GET /api/v1/customers/{id}/moves``; see docs/lifecycle.md for why they are fetched, not
synced), and merged with the contacts into the pop's trail in time order. No Qt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.services.screen_pop import TrailItem

MOVE_ACTIONS = ("recycle", "claim", "release", "reassign", "assign", "warn", "rewarn", "withdraw")


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


def move_trail_items(moves: Sequence[MoveItem], names: Mapping[str, str]) -> tuple[TrailItem, ...]:
    """The moves as trail lines: who moved it (the server's job when nobody), from whom to
    whom (names the desk knows, else ids; "" for the pool) and the reason as the note."""
    def name(uid: str | None) -> str:
        return "" if not uid else names.get(uid, uid)

    return tuple(
        TrailItem(id=f"move:{m.task_id}:{m.at.isoformat()}:{m.action}", when=m.at, channel="", wrapup="",
                  intent="", who=name(m.by_user_id), policy_name="", note=m.reason, duration_s=0,
                  move=m.action, move_from=name(m.from_user_id), move_to=name(m.to_user_id))
        for m in moves)


def merge_trail(contacts: Sequence[TrailItem], moves: Sequence[TrailItem]) -> tuple[TrailItem, ...]:
    """Contacts and moves in one trail, newest first (at the same instant the move above the
    contact: the contact usually caused it). Items without a time zone are taken as UTC."""
    def key(t: TrailItem) -> tuple[dt.datetime, int]:
        when = t.when if t.when.tzinfo is not None else t.when.replace(tzinfo=dt.UTC)
        return when, 1 if t.move else 0

    return tuple(sorted([*contacts, *(m for m in moves if m.move)], key=key, reverse=True))


def trail_with_moves(contacts: Sequence[TrailItem], fetch: Callable[[str], list[dict[str, Any]]],
                     customer_id: str, names: Mapping[str, str]) -> tuple[TrailItem, ...]:
    """The moves of ``customer_id`` through ``fetch`` merged into ``contacts``; raises the
    client's errors (the caller keeps showing the contacts alone)."""
    return merge_trail(contacts, move_trail_items(fetch_moves(fetch, customer_id), names))
