"""Call-backs on the server: push mutations validated per scope, the release of overdue ones
to the team by the scheduler's job, and the round trip from one desk to a teammate's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_stub.auth import Principal
from server_stub.lifecycle.callbacks import release_overdue
from server_stub.storage import models as m
from server_stub.storage.db import open_central, session_factory
from server_stub.sync import Mutation, pull, push
from tests.integration import factories
from workbench.core.entities import utcnow

AGENT1 = Principal("U-agent1", "agent1", "agent", "T01", None, "s1")
AGENT2 = Principal("U-agent2", "agent2", "agent", "T01", None, "s2")
AGENT9 = Principal("U-agent9", "agent9", "agent", "T02", None, "s9")
LEAD1 = Principal("U-lead1", "lead1", "lead", "T01", None, "s3")
RECEPTION = Principal("U-reception1", "reception1", "receptionist", None, "S001", "s4")


@pytest.fixture
def world(central_url: str) -> Any:
    w = factories.make_world(central_url, customers_per_team=2, with_tasks=False)
    engine = open_central(central_url)
    yield w, engine, session_factory(engine)
    engine.dispose()


_n = [0]


def _push(sf: Any, p: Principal, entity: str, op: str, data: dict[str, Any]) -> dict[str, Any]:
    _n[0] += 1
    results, _ = push(sf, p, f"client-{p.user_id}", [Mutation(f"m-{_n[0]}-{p.user_id}", entity, op, data)])
    return results[0]


def _row(engine: Any, cid: str) -> m.Callback | None:
    with Session(engine) as s:
        return s.get(m.Callback, cid)


def _count(engine: Any) -> tuple[int, int]:
    with Session(engine) as s:
        return (s.scalar(select(func.count()).select_from(m.Callback)) or 0,
                s.scalar(select(func.count()).select_from(m.ChangeLog).where(m.ChangeLog.entity == "callback")) or 0)


def test_create_sets_owner_team_and_times_on_the_server(world: Any) -> None:
    w, engine, sf = world
    cust = w.customers["T01"][0]
    due = utcnow() + dt.timedelta(hours=3)
    res = _push(sf, AGENT1, "callback", "create", {
        "id": "CB1", "customer_id": cust, "due_at": due.isoformat(), "shared": False,
        "owner_id": "U-agent9", "team_id": "T02", "created_by": "forged", "status": "done",
        "note": "明天上午"})
    assert res["status"] == "applied", res
    row = _row(engine, "CB1")
    assert row is not None
    # who and where are the server's to say
    assert (row.owner_id, row.team_id, row.created_by, row.status) == ("U-agent1", "T01", "U-agent1", "open")
    assert row.due_at == due.replace(microsecond=due.microsecond)
    shared = _push(sf, AGENT1, "callback", "create", {"id": "CB2", "customer_id": cust,
                                                       "due_at": due.isoformat(), "shared": True})
    assert shared["status"] == "applied" and _row(engine, "CB2").owner_id is None  # type: ignore[union-attr]
    with Session(engine) as s:  # the team's desks receive both, the other team's none
        seen = {c["data"]["id"] for c in pull(s, AGENT2, 0, 1000).changes if c["entity"] == "callback"}
        other = {c["data"]["id"] for c in pull(s, AGENT9, 0, 1000).changes if c["entity"] == "callback"}
    assert seen == {"CB1", "CB2"} and other == set()


@pytest.mark.parametrize("data, reason", [
    ({"due_at": "soon"}, "ISO 8601"),
    ({"due_at": None}, "due_at: required"),
    ({"due_at": "9999-12-31T00:00:00+00:00"}, "a year ahead"),
    ({"due_at": "2020-01-01T00:00:00+00:00"}, "a day ago"),
    ({"due_at": 1e308}, "ISO 8601"),
    ({"shared": "yes"}, "true or false"),
    ({"note": "x" * 501}, "500"),
    ({"customer_id": "C-T02-0000"}, "not found in your scope"),
    ({"id": "x" * 41}, "not a valid id"),
])
def test_bad_creates_are_refused_with_a_reason_and_change_nothing(world: Any, data: dict[str, Any],
                                                                  reason: str) -> None:
    w, engine, sf = world
    base = {"id": "CB-bad", "customer_id": w.customers["T01"][0],
            "due_at": (utcnow() + dt.timedelta(hours=1)).isoformat()}
    before = _count(engine)
    res = _push(sf, AGENT1, "callback", "create", {**base, **data})
    assert res["status"] == "rejected" and reason in res["reason"], res
    assert _count(engine) == before


def test_who_may_move_and_close(world: Any) -> None:
    w, engine, sf = world
    cust = w.customers["T01"][0]
    due = (utcnow() + dt.timedelta(hours=2)).isoformat()
    assert _push(sf, AGENT1, "callback", "create", {"id": "CB1", "customer_id": cust, "due_at": due})["status"] == "applied"
    later = (utcnow() + dt.timedelta(days=1)).isoformat()
    for p, reason in ((AGENT2, "belongs to another agent"), (AGENT9, "not found in your scope"),
                      (RECEPTION, "not found in your scope")):
        res = _push(sf, p, "callback", "update", {"id": "CB1", "due_at": later})
        assert res["status"] == "rejected" and reason in res["reason"], (p.username, res)
        res = _push(sf, p, "callback", "transition", {"id": "CB1", "status": "done"})
        assert res["status"] == "rejected" and reason in res["reason"]
    assert _row(engine, "CB1").due_at.isoformat() == due  # type: ignore[union-attr]
    assert _push(sf, LEAD1, "callback", "update", {"id": "CB1", "due_at": later})["status"] == "applied"
    assert _row(engine, "CB1").owner_id == "U-lead1"  # type: ignore[union-attr]
    bad = _push(sf, LEAD1, "callback", "transition", {"id": "CB1", "status": "open"})
    assert bad["status"] == "rejected" and "'done' or 'cancelled'" in bad["reason"]
    assert _push(sf, LEAD1, "callback", "transition", {"id": "CB1", "status": "done",
                                                       "closed_by_event_id": "E9"})["status"] == "applied"
    again = _push(sf, LEAD1, "callback", "transition", {"id": "CB1", "status": "done"})
    assert again["status"] == "rejected" and "done already" in again["reason"]


def test_overdue_own_call_backs_are_released_to_the_team(world: Any) -> None:
    w, engine, sf = world
    cust = w.customers["T01"][0]
    now = utcnow()
    with Session(engine) as s, s.begin():
        s.add(m.TeamLifecycleSettings(team_id="T01", callback_release_minutes=20))
    for cid, minutes_ago in (("CB-old", 25), ("CB-fresh", 10)):
        due = (now - dt.timedelta(minutes=minutes_ago)).isoformat()
        assert _push(sf, AGENT1, "callback", "create", {"id": cid, "customer_id": cust, "due_at": due})["status"] == "applied"
    # before the release, a teammate may not take it
    assert _push(sf, AGENT2, "callback", "transition", {"id": "CB-old", "status": "done"})["status"] == "rejected"
    report = release_overdue(engine, now=now)
    assert report.released == 1
    old, fresh = _row(engine, "CB-old"), _row(engine, "CB-fresh")
    assert old is not None and old.owner_id is None and old.released_at is not None
    assert fresh is not None and fresh.owner_id == "U-agent1"
    assert release_overdue(engine, now=now).released == 0  # idempotent
    with Session(engine) as s:
        audit = s.execute(select(m.AuditEntry).where(m.AuditEntry.action == "callback_release")).scalars().all()
        assert [a.customer_id for a in audit] == [cust]
        last = s.execute(select(m.ChangeLog).where(m.ChangeLog.entity_id == "CB-old")
                         .order_by(m.ChangeLog.cursor.desc())).scalars().first()
        assert last is not None and last.data["owner_id"] is None and last.team_id == "T01"
    # released: anyone in the team may now take it (and then it is theirs)
    later = (now + dt.timedelta(hours=1)).isoformat()
    assert _push(sf, AGENT2, "callback", "update", {"id": "CB-old", "due_at": later})["status"] == "applied"
    taken = _row(engine, "CB-old")
    assert taken is not None and taken.owner_id == "U-agent2" and taken.released_at is None
    # the other team's agent still cannot
    assert _push(sf, AGENT9, "callback", "transition", {"id": "CB-old", "status": "done"})["status"] == "rejected"


def test_desk_to_teammate_round_trip_through_the_real_server(central_url: str, desktop: Any) -> None:
    """A shared call-back made on agent1's desk (offline first) reaches agent2's desk by sync."""
    from workbench.local_store.models import Callback as LocalCallback
    from workbench.local_store.models import Outbox
    from workbench.services.actor import Actor
    from workbench.services.callbacks import due_callbacks
    from workbench.services.outcomes import OutcomeInput, OutcomeService

    w = factories.make_world(central_url, customers_per_team=2, with_tasks=False)
    one, two = desktop("agent1"), desktop("agent2")
    one.sync.pull_all()
    two.sync.pull_all()
    actor1 = Actor("U-agent1", "agent1", "agent1", "agent", "T01", None)
    due = utcnow() + dt.timedelta(days=1)
    OutcomeService(one.factory, actor1).record(OutcomeInput(
        customer_id=w.customers["T01"][0], wrapup="interested", channel="hotline", callback_at=due,
        callback_shared=True))
    with one.factory() as s:  # saved locally, waiting in the outbox (no network needed)
        assert s.scalar(select(func.count()).select_from(Outbox).where(Outbox.entity == "callback")) == 1
    one.sync.push_all()
    with one.factory() as s:
        assert s.scalar(select(func.count()).select_from(Outbox)) == 0
    two.sync.pull_all()
    with two.factory() as s:
        (row,) = s.execute(select(LocalCallback)).scalars().all()
    assert row.owner_id is None and row.team_id == "T01" and row.created_by == "U-agent1"
    actor2 = Actor("U-agent2", "agent2", "agent2", "agent", "T01", None)
    assert [c.id for c in due_callbacks(two.factory, actor2, row.due_at + dt.timedelta(minutes=1))] == [row.id]
