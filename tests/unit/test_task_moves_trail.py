"""The pop's trail with task moves (issue 17 point 6): moves from the server's answer become
trail lines and merge with the contacts in time order (service level, no Qt)."""

from __future__ import annotations

import datetime as dt

from workbench.services.screen_pop import TrailItem
from workbench.services.task_moves import (
    merge_trail,
    move_trail_items,
    parse_moves,
    trail_with_moves,
)

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def contact(cid: str, hours: float) -> TrailItem:
    return TrailItem(id=cid, when=T0 + dt.timedelta(hours=hours), channel="outbound", wrapup="no_answer",
                     intent="none", who="Agent One", policy_name="P", note="", duration_s=0)


ANSWER = [  # as GET /customers/{id}/moves answers: newest first
    {"task_id": "K1", "action": "reassign", "from_user_id": "U-agent2", "to_user_id": "U-agent1",
     "by_user_id": "U-lead1", "reason": "holiday cover", "at": (T0 + dt.timedelta(hours=30)).isoformat()},
    {"task_id": "K1", "action": "claim", "from_user_id": None, "to_user_id": "U-agent2",
     "by_user_id": "U-agent2", "reason": "claimed from the pool", "at": (T0 + dt.timedelta(hours=20)).isoformat()},
    {"task_id": "K1", "action": "recycle", "from_user_id": "U-agent1", "to_user_id": None,
     "by_user_id": None, "reason": "no reached contact in 7 days", "at": "2026-12-01T19:00:00"},  # naive: UTC
    {"task_id": "K1", "action": "claim"},  # malformed: skipped
    {"at": "not a time", "action": "claim", "task_id": "K1"},
]
NAMES = {"U-agent1": "Agent One", "U-agent2": "Agent Two", "U-lead1": "Lead"}


def test_moves_become_trail_lines_with_names() -> None:
    items = move_trail_items(parse_moves(ANSWER), NAMES)
    assert [i.move for i in items] == ["reassign", "claim", "recycle"]
    reassign, claim, recycle = items
    assert (reassign.who, reassign.move_from, reassign.move_to, reassign.note) == (
        "Lead", "Agent Two", "Agent One", "holiday cover")
    assert (claim.move_from, claim.move_to) == ("", "Agent Two")  # from the pool
    assert (recycle.who, recycle.move_to, recycle.when) == ("", "", T0 + dt.timedelta(hours=10))  # the server's job
    assert len({i.id for i in items}) == 3
    unknown = move_trail_items(parse_moves(ANSWER[:1]), {})
    assert unknown[0].who == "U-lead1"  # a user the desk does not know: their id


def test_contacts_and_moves_merge_newest_first() -> None:
    contacts = (contact("E3", 40), contact("E2", 10), contact("E1", 1))  # E2 at the recycle's instant
    merged = trail_with_moves(contacts, lambda cid: ANSWER if cid == "C1" else [], "C1", NAMES)
    assert [t.move or t.id for t in merged] == ["E3", "reassign", "claim", "recycle", "E2", "E1"]
    assert merge_trail(contacts, ()) == contacts
    assert trail_with_moves(contacts, lambda cid: [], "C1", NAMES) == contacts
    # contacts are never taken for moves, and moves without an action are not added
    assert merge_trail((), contacts) == ()
