"""The team pool and forced circulation (issue 17 point 6), on SQLite and PostgreSQL:
warnings, recycling, claims within limits, cool-down, reassignment, races and bad input."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from server_stub.auth import Principal
from server_stub.lifecycle.pool import customer_moves, pool_items, recycle, save_settings
from server_stub.storage import models as m
from server_stub.storage.db import open_central, session_factory
from server_stub.sync import Mutation, pull, push, wire_row
from tests.integration import factories
from workbench.core.entities import utcnow

AGENT1 = Principal("U-agent1", "agent1", "agent", "T01", None, "s1")
AGENT2 = Principal("U-agent2", "agent2", "agent", "T01", None, "s2")
AGENT9 = Principal("U-agent9", "agent9", "agent", "T02", None, "s9")
LEAD1 = Principal("U-lead1", "lead1", "lead", "T01", None, "s3")
NOW = utcnow().replace(microsecond=0)
_n = [0]


@pytest.fixture
def world(central_url: str) -> Any:
    w = factories.make_world(central_url, customers_per_team=3, with_tasks=True)
    engine = open_central(central_url)
    with Session(engine) as s, s.begin():
        save_settings(s, "T01", {"recycle_no_contact_days": 7, "recycle_no_deal_days": 30,
                                 "recycle_warning_days": 2, "claims_per_day": 2, "reclaim_bar_days": 5,
                                 "max_open_items": 50, "new_lead_protect_days": 3}, "U-admin")
    yield w, engine, session_factory(engine)
    engine.dispose()


def _push(sf: Any, p: Principal, op: str, data: dict[str, Any]) -> dict[str, Any]:
    return _push_many(sf, p, [(op, data)])[0]


def _push_many(sf: Any, p: Principal, items: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    muts = []
    for op, data in items:
        _n[0] += 1
        muts.append(Mutation(f"m-{_n[0]}-{p.user_id}", "task", op, data))
    results, _ = push(sf, p, f"client-{p.user_id}", muts)
    return results


def _task(engine: Any, tid: str) -> m.Task:
    with Session(engine) as s:
        row = s.get(m.Task, tid)
        assert row is not None
        return row


def _hold(engine: Any, task_ids: list[str], user: str, days_ago: float) -> None:
    with Session(engine) as s, s.begin():
        s.execute(update(m.Task).where(m.Task.id.in_(task_ids)).values(
            assignee_id=user, assigned_at=NOW - dt.timedelta(days=days_ago)))


def _state(engine: Any) -> tuple[Any, ...]:
    with Session(engine) as s:
        tasks = tuple((t.id, t.assignee_id, t.recycle_at, t.barred_until)
                      for t in s.execute(select(m.Task).order_by(m.Task.id)).scalars())
        moves = s.scalar(select(func.count()).select_from(m.TaskMove))
        log = s.scalar(select(func.count()).select_from(m.ChangeLog))
    return tasks, moves, log


def test_warning_then_recycling_is_idempotent_and_published(world: Any) -> None:
    w, engine, sf = world
    idle, busy, fresh = (w.tasks[c][0] for c in w.customers["T01"])
    _hold(engine, [idle, busy], "U-agent1", days_ago=10)
    _hold(engine, [fresh], "U-agent1", days_ago=1)
    with Session(engine) as s, s.begin():  # a reached contact yesterday on the busy one's customer
        s.add(m.ContactEvent(id="E-busy", customer_id=_task(engine, busy).customer_id, channel="outbound",
                             user_id="U-agent1", team_id="T01", started_at=NOW - dt.timedelta(days=1),
                             wrapup="interested", intent="medium"))
    first = recycle(engine, now=NOW)
    assert (first.tasks, first.warned, first.recycled) == (3, 1, 0)
    warned = _task(engine, idle)
    # due 3 days ago (7 days idle), but the holder gets the full K = 2 days of notice
    assert warned.recycle_at == NOW + dt.timedelta(days=2) and warned.assignee_id == "U-agent1"
    assert _task(engine, busy).recycle_at is None and _task(engine, fresh).recycle_at is None
    before = _state(engine)
    assert recycle(engine, now=NOW).line().startswith("3 held tasks checked: 0 warned, 0 returned")
    assert _state(engine) == before  # idempotent: the same pass again changes nothing
    # the desk sees the warning (the task row with recycle_at, tagged for the team)
    with Session(engine) as s:
        page = pull(s, AGENT1, 0, 5000)
    last = [c for c in page.changes if c["entity"] == "task" and c["data"]["id"] == idle][-1]
    assert last["data"] == wire_row("task", _task(engine, idle))

    later = NOW + dt.timedelta(days=2, minutes=1)
    second = recycle(engine, now=later)
    assert second.recycled == 1
    back = _task(engine, idle)
    assert back.assignee_id is None and back.previous_assignee_id == "U-agent1"
    assert back.barred_until == later + dt.timedelta(days=5) and back.recycle_at is None
    assert recycle(engine, now=later).recycled == 0
    with Session(engine) as s:
        moves = customer_moves(s, back.customer_id)
    assert [(mv.action, mv.from_user_id, mv.reason) for mv in moves] == [
        ("recycle", "U-agent1", "no reached contact for 7 days"),
        ("warn", "U-agent1", "no reached contact for 7 days")]


def test_a_reached_contact_after_the_warning_withdraws_it(world: Any) -> None:
    w, engine, _sf = world
    tid = w.tasks[w.customers["T01"][0]][0]
    _hold(engine, [tid], "U-agent1", days_ago=6)
    assert recycle(engine, now=NOW).warned == 1
    with Session(engine) as s, s.begin():
        s.add(m.ContactEvent(id="E-late", customer_id=_task(engine, tid).customer_id, channel="outbound",
                             user_id="U-agent1", team_id="T01", started_at=NOW + dt.timedelta(hours=1),
                             wrapup="refused", intent="none"))
    report = recycle(engine, now=NOW + dt.timedelta(hours=2))
    assert report.withdrawn == 1 and _task(engine, tid).recycle_at is None
    assert recycle(engine, now=NOW + dt.timedelta(days=3)).recycled == 0


def test_new_work_is_protected_and_no_deal_recycles(world: Any) -> None:
    w, engine, _sf = world
    with Session(engine) as s, s.begin():
        save_settings(s, "T01", {"recycle_no_contact_days": 1, "recycle_warning_days": 0,
                                 "new_lead_protect_days": 3, "recycle_no_deal_days": 5}, None)
    young, old = w.tasks[w.customers["T01"][0]][0], w.tasks[w.customers["T01"][1]][0]
    _hold(engine, [young], "U-agent1", days_ago=2)  # idle 2 days > 1, but protected for 3
    _hold(engine, [old], "U-agent1", days_ago=6)
    with Session(engine) as s, s.begin():  # reached daily: only "no deal in 5 days" applies
        s.add(m.ContactEvent(id="E-daily", customer_id=_task(engine, old).customer_id, channel="outbound",
                             user_id="U-agent1", team_id="T01", started_at=NOW - dt.timedelta(hours=3),
                             wrapup="interested", intent="high"))
    report = recycle(engine, now=NOW)  # K = 0: warned and due at once ...
    assert report.warned == 1 and _task(engine, young).recycle_at is None
    assert recycle(engine, now=NOW).recycled == 1  # ... back to the pool on the next pass
    with Session(engine) as s:
        (mv, _warn) = customer_moves(s, _task(engine, old).customer_id)
    assert mv.reason == "no deal in 5 days"


def test_claims_within_limits_and_the_previous_holder_is_barred(world: Any) -> None:
    w, engine, sf = world
    pool = [w.tasks[c][0] for c in w.customers["T01"]]
    with Session(engine) as s, s.begin():  # the pool sorted by score: best first
        for i, cid in enumerate(w.customers["T01"]):
            row = s.get(m.Customer, cid)
            assert row is not None
            row.scores = {"deal": 0.1 * (i + 1)}
    with Session(engine) as s:
        listed = pool_items(s, "T01")
    assert [i.customer_id for i in listed] == [c for c in reversed(w.customers["T01"]) for _ in (1, 2)]
    assert [i.deal for i in listed][::2] == pytest.approx([0.3, 0.2, 0.1])
    assert _push(sf, AGENT2, "claim", {"id": pool[0]})["status"] == "applied"
    claimed = _task(engine, pool[0])
    assert claimed.assignee_id == "U-agent2" and claimed.assigned_at is not None
    assert _push(sf, AGENT2, "claim", {"id": pool[1], "reason": "客户约了今天"})["status"] == "applied"
    before = _state(engine)
    over = _push(sf, AGENT2, "claim", {"id": pool[2]})
    assert over["status"] == "rejected" and "at most 2 claims a day" in over["reason"]
    assert _state(engine)[:2] == before[:2]  # nothing changed (no task, no move)
    taken = _push(sf, AGENT1, "claim", {"id": pool[0]})
    assert taken["status"] == "rejected" and "not in the pool" in taken["reason"]
    # the holder releases it; they are barred from taking it back for D days
    assert _push(sf, AGENT2, "release", {"id": pool[0]})["status"] == "rejected"  # no reason
    assert _push(sf, AGENT2, "release", {"id": pool[0], "reason": "换号了"})["status"] == "applied"
    barred = _push(sf, AGENT2, "claim", {"id": pool[0]})
    assert barred["status"] == "rejected" and "you held task" in barred["reason"]
    other = _push(sf, AGENT9, "claim", {"id": pool[2]})
    assert other["status"] == "rejected" and "not found in your team" in other["reason"]
    with Session(engine) as s, s.begin():
        save_settings(s, "T01", {"max_open_items": 1}, None)
    assert _push(sf, AGENT1, "claim", {"id": pool[2]})["status"] == "applied"
    full = _push(sf, AGENT1, "claim", {"id": pool[0]})
    assert full["status"] == "rejected" and "1 open items" in full["reason"]
    with Session(engine) as s:
        audit = s.scalar(select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.action == "task_claim"))
    assert audit == 3


def test_two_agents_claiming_the_same_task_at_once_exactly_one_wins(world: Any) -> None:
    w, engine, sf = world
    tid = w.tasks[w.customers["T01"][0]][0]
    results: dict[str, dict[str, Any]] = {}
    barrier = threading.Barrier(2)

    def claim(p: Principal) -> None:
        barrier.wait()
        results[p.user_id] = _push(sf, p, "claim", {"id": tid})

    threads = [threading.Thread(target=claim, args=(p,)) for p in (AGENT1, AGENT2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r["status"] for r in results.values())
    assert statuses == ["applied", "rejected"], results
    winner = next(u for u, r in results.items() if r["status"] == "applied")
    assert _task(engine, tid).assignee_id == winner
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(m.TaskMove).where(m.TaskMove.task_id == tid)) == 1


def test_a_lead_reassigns_one_or_in_bulk_within_the_team(world: Any) -> None:
    w, engine, sf = world
    tids = [w.tasks[c][0] for c in w.customers["T01"]]
    _hold(engine, tids, "U-agent1", days_ago=1)
    bulk = _push_many(sf, LEAD1, [("reassign", {"id": t, "to_user_id": "U-agent2", "reason": "agent1 休假"})
                                  for t in tids[:2]])
    assert [r["status"] for r in bulk] == ["applied", "applied"]
    assert {_task(engine, t).assignee_id for t in tids[:2]} == {"U-agent2"}
    before = _state(engine)
    for who, data, reason in [
        (LEAD1, {"id": tids[2], "to_user_id": "U-agent9", "reason": "x"}, "another team"),
        (LEAD1, {"id": tids[2], "to_user_id": "U-nobody", "reason": "x"}, "not an active agent"),
        (LEAD1, {"id": tids[2], "to_user_id": "U-agent2"}, "reason: required"),
        (LEAD1, {"id": tids[2], "to_user_id": "U-agent2", "reason": "x" * 201}, "200 characters"),
        (LEAD1, {"id": tids[2], "to_user_id": "U-agent1", "reason": "x"}, "already"),
        (AGENT1, {"id": tids[2], "to_user_id": "U-agent2", "reason": "x"}, "only a team lead"),
        (LEAD1, {"id": w.tasks[w.customers["T02"][0]][0], "to_user_id": "U-agent9", "reason": "x"},
         "not found in your team"),
        (LEAD1, {"id": 42, "to_user_id": "U-agent2", "reason": "x"}, "id: required"),
    ]:
        res = _push(sf, who, "reassign", data)
        assert res["status"] == "rejected" and reason in res["reason"], (data, res)
    assert _state(engine)[:2] == before[:2]
    with Session(engine) as s:
        moves = customer_moves(s, _task(engine, tids[0]).customer_id)
    assert [(mv.action, mv.from_user_id, mv.to_user_id, mv.by_user_id) for mv in moves] == [
        ("reassign", "U-agent1", "U-agent2", "U-lead1")]


def test_settings_are_range_checked(world: Any) -> None:
    _w, engine, _sf = world
    with Session(engine) as s:
        for values, msg in [({"claims_per_day": -1}, "from 0"), ({"max_open_items": 10**9}, "to 100000"),
                            ({"recycle_no_contact_days": 1.5}, "whole number"), ({"nope": 1}, "unknown setting"),
                            ({"claims_per_day": True}, "whole number")]:
            with pytest.raises(ValueError, match=msg):
                save_settings(s, "T01", values, None)
        with pytest.raises(ValueError, match="no team"):
            save_settings(s, "T99", {"claims_per_day": 1}, None)


def test_pool_moves_and_settings_over_http(central_url: str, live_server: str) -> None:
    import httpx

    w = factories.make_world(central_url, customers_per_team=2, with_tasks=True)
    engine = open_central(central_url)

    def login(name: str) -> httpx.Client:
        c = httpx.Client(base_url=live_server)
        token = c.post("/api/v1/auth/login", json={"username": name, "password": factories.PASSWORD}).json()
        c.headers["Authorization"] = f"Bearer {token['access_token']}"
        return c

    agent, lead, other = login("agent1"), login("lead1"), login("agent9")
    got = agent.get("/api/v1/pool")
    assert got.status_code == 200 and {i["customer_id"] for i in got.json()} == set(w.customers["T01"])
    assert other.get("/api/v1/pool", params={"team": "T01"}).status_code == 403
    # a claim through the sync push, like every desktop write
    tid = got.json()[0]["task_id"]
    res = agent.post("/api/v1/sync/push", json={"client_id": "desk-agent1", "mutations": [
        {"mutation_id": "claim-1", "entity": "task", "op": "claim", "data": {"id": tid}}]}).json()
    assert res["results"][0]["status"] == "applied"
    cid = _task(engine, tid).customer_id
    trail = agent.get(f"/api/v1/customers/{cid}/moves").json()
    assert [(t["action"], t["to_user_id"]) for t in trail] == [("claim", "U-agent1")]
    assert other.get(f"/api/v1/customers/{cid}/moves").status_code == 404
    # settings: the lead of the team only, range-checked, nothing changed on refusal
    assert agent.put("/api/v1/teams/T01/lifecycle-settings", json={"claims_per_day": 5}).status_code == 403
    for bad in ({"claims_per_day": -1}, {"claims_per_day": 1e300}, {"nope": 1}, {"max_open_items": "x"}):
        assert lead.put("/api/v1/teams/T01/lifecycle-settings", json=bad).status_code == 422, bad
    ok = lead.put("/api/v1/teams/T01/lifecycle-settings", json={"claims_per_day": 5})
    assert ok.status_code == 200 and ok.json()["claims_per_day"] == 5
    assert agent.get("/api/v1/teams/T01/lifecycle-settings").json()["claims_per_day"] == 5
    assert lead.put("/api/v1/teams/T02/lifecycle-settings", json={"claims_per_day": 5}).status_code == 403
    for c in (agent, lead, other):
        c.close()
    engine.dispose()


def test_team_settings_cli(central_url: str, capsys: Any) -> None:
    from server_stub.cli import main as cli_main

    factories.make_world(central_url, customers_per_team=1, with_tasks=False)
    assert cli_main(["team-settings", "T01", "--db", central_url, "--claims-per-day", "9",
                     "--callback-release-minutes", "15"]) == 0
    out = capsys.readouterr().out
    assert "claims_per_day = 9" in out and "callback_release_minutes = 15" in out
    assert cli_main(["team-settings", "T01", "--db", central_url, "--claims-per-day", "-3"]) == 2
    assert "nothing was changed" in capsys.readouterr().err
    assert cli_main(["team-settings", "T01", "--db", central_url]) == 0
    assert "claims_per_day = 9" in capsys.readouterr().out
