"""Issue #13 point 3: each role receives the user names it shows, not the whole directory.

Agents and leads: their team. Receptionists: their store, plus the agents who send the store
work orders. Administrators: everyone. On SQLite and PostgreSQL, through real pulls.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.factories import USERS, World
from workbench.local_store.outbox import new_id
from workbench.services.server_api import ServerApi


def names(api: ServerApi, cursor: int = 0) -> tuple[set[str], int]:
    """Usernames in every user change after ``cursor``, and the cursor reached."""
    seen: set[str] = set()
    while True:
        page = api.pull(cursor)
        seen |= {str(c.data["username"]) for c in page.changes if c.entity == "user"}
        for c in page.changes:
            if c.entity == "user":
                assert "password_hash" not in c.data and "active" not in c.data
        cursor = page.next_cursor
        if not page.has_more:
            return seen, cursor


TEAM_T01 = {"agent1", "agent2", "lead1"}


@pytest.mark.parametrize(("username", "expected"), [
    ("agent1", TEAM_T01),
    ("lead1", TEAM_T01),
    ("agent9", {"agent9"}),
    ("reception1", {"reception1"}),
    ("reception2", {"reception2"}),
    ("admin", set(USERS)),
])
def test_each_role_gets_the_names_it_shows(world: World, api_for: Callable[..., ServerApi], username: str,
                                           expected: set[str]) -> None:
    assert names(api_for(username))[0] == expected


def test_a_store_learns_the_agents_who_send_it_work(world: World, api_for: Callable[..., ServerApi]) -> None:
    reception = api_for("reception1")
    seen, cursor = names(reception)
    assert "agent9" not in seen
    agent9 = api_for("agent9")  # team T02 sends a T02 customer to store S001
    for _ in range(2):  # the second work order publishes nothing more
        res = agent9.push("desk-agent9", [{"mutation_id": new_id(), "entity": "work_order", "op": "create",
                                           "data": {"id": new_id(), "customer_id": world.customers["T02"][0],
                                                    "store_id": "S001"}}])
        assert res.results[0].status == "applied"
    later, _ = names(reception, cursor)  # incrementally, after the first sync
    assert later == {"agent9"}
    assert names(reception)[0] == {"reception1", "agent9"}  # and in a full sync
    assert names(api_for("reception2"))[0] == {"reception2"}  # other stores still do not
    assert "agent9" not in names(api_for("agent1"))[0]
