"""Portrait edits from the pop, synced (issue 18, point 7): another desk of the team gets them,
tag deltas of two agents both survive, and forged or out-of-range edits are refused with a
reason and change nothing on the server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from server_stub.storage.models import Customer as CentralCustomer
from tests.integration.conftest import Desktop
from tests.integration.factories import World, central_session
from workbench.core.dbutil import unit_of_work
from workbench.local_store.models import Customer, Rejection
from workbench.local_store.outbox import enqueue
from workbench.services.portrait_edit import PortraitEditor


def local(d: Desktop, cid: str) -> Customer:
    with d.factory() as s:  # type: ignore[operator]
        row = s.get(Customer, cid)
        assert row is not None
        return row


def central(world: World, cid: str) -> dict[str, Any]:
    with central_session(world.url) as s:
        row = s.get(CentralCustomer, cid)
        assert row is not None
        return {c.key: getattr(row, c.key) for c in CentralCustomer.__table__.columns}


def test_edit_reaches_another_desk_of_the_team(world: World, desktop: Callable[..., Desktop]) -> None:
    a, b = desktop("agent1"), desktop("agent2")
    a.sync.pull_all()
    b.sync.pull_all()
    cid = world.customers["T01"][0]
    platform_tags = list(local(a, cid).tags)
    PortraitEditor(a.factory).save(cid, preferred_channel="store", do_not_sms=True,  # type: ignore[arg-type]
                                   interests={"upgrade_intent", "family"}, note="周末到店看新机")
    # meanwhile B (offline) learns another need of the same customer
    PortraitEditor(b.factory).save(cid, interests={"broadband_prospect"})  # type: ignore[arg-type]
    a.sync.sync_once()
    b.sync.pull_all()  # B's own edit is still unsent: the pulled row keeps it (rebase)
    assert {"upgrade_intent", "family", "broadband_prospect"} <= set(local(b, cid).tags)
    b.sync.sync_once()
    a.sync.sync_once()
    server = central(world, cid)
    assert server["preferred_channel"] == "store" and server["do_not_sms"] is True
    assert server["note"] == "周末到店看新机"
    assert server["tags"] == [*platform_tags, "family", "upgrade_intent", "broadband_prospect"]
    for d in (a, b):
        row = local(d, cid)
        assert (row.preferred_channel, row.do_not_sms, row.note) == ("store", True, "周末到店看新机")
        assert row.tags == server["tags"]
    # the last writer in server order wins a field both change
    PortraitEditor(b.factory).save(cid, preferred_channel="outbound", interests={"family"})  # type: ignore[arg-type]
    b.sync.sync_once()
    a.sync.sync_once()
    row = local(a, cid)
    assert row.preferred_channel == "outbound"
    assert row.tags == [*platform_tags, "family"]


@pytest.mark.parametrize(("fields", "reason"), [
    ({"plan_fee": 8, "note": "cheap"}, "plan_fee: not editable on a desktop"),
    ({"tags": ["vip"]}, "tags: not editable on a desktop"),
    ({"scores": {"deal": 1.0}}, "scores: not editable on a desktop"),
    ({"team_id": "T02"}, "team_id: not editable on a desktop"),
    ({"tags_add": ["high_spender"]}, "'high_spender' is not an interest or need tag"),
    ({"tags_remove": ["contract_expiring"]}, "'contract_expiring' is not an interest or need tag"),
    ({"tags_add": ["gamer"] * 1000}, "tags_add: expected a list of at most"),
    ({"preferred_channel": "pigeon"}, "preferred_channel: 'pigeon' is not one of"),
    ({"do_not_sms": "yes"}, "do_not_sms: expected true or false"),
    ({"note": "x" * 10_001}, "note: longer than 10000 characters"),
    ({"note": 1e400}, "note: expected text"),
    ({}, "nothing to update"),
])
def test_forged_or_bad_edit_refused_and_nothing_changed(world: World, desktop: Callable[..., Desktop],
                                                        fields: dict[str, Any], reason: str) -> None:
    a = desktop("agent1")
    a.sync.pull_all()
    cid = world.customers["T01"][1]
    before = central(world, cid)
    with unit_of_work(a.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "customer", "update", {"id": cid, **fields})
    a.sync.push_all()
    with a.factory() as s:  # type: ignore[operator]
        reasons = [r.reason for r in s.execute(select(Rejection)).scalars()]
    assert len(reasons) == 1 and reason in reasons[0]
    assert central(world, cid) == before


def test_another_teams_customer_cannot_be_edited(world: World, desktop: Callable[..., Desktop]) -> None:
    a = desktop("agent1")
    cid = world.customers["T02"][0]
    before = central(world, cid)
    with unit_of_work(a.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "customer", "update", {"id": cid, "note": "forged", "tags_add": ["gamer"]})
    a.sync.push_all()
    with a.factory() as s:  # type: ignore[operator]
        reasons = [r.reason for r in s.execute(select(Rejection)).scalars()]
    assert len(reasons) == 1 and "not found in your scope" in reasons[0]
    assert central(world, cid) == before
