"""A work order carries the appointment the agent agreed with the customer (issue 18, point 7;
seed 001, case 1): it reaches the target store's desk in its pull, the store's work list shows
the day's appointments in time order, and the pop shows it. Forged appointments -- past,
non-finite, of the wrong type, outside the hours, with a note too long, for another team's
customer -- are refused with a reason and change nothing; the server sets who sent it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from server_stub.storage.models import WorkOrder as CentralWorkOrder
from tests.integration.conftest import Desktop
from tests.integration.factories import World, central_session
from workbench.core.appointments import business_day
from workbench.core.clock import BUSINESS_TZ, UTC, utcnow
from workbench.core.dbutil import unit_of_work
from workbench.local_store.models import Rejection, WorkOrder
from workbench.local_store.outbox import enqueue
from workbench.services.actor import Actor
from workbench.services.outcomes import OutcomeInput, OutcomeService
from workbench.services.screen_pop import ScreenPopService
from workbench.services.worklist import load_worklist


def actor_of(d: Desktop) -> Actor:
    u = d.api.user
    assert u is not None
    return Actor(u.id, u.username, u.display_name, u.role, u.team_id, u.store_id)


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """``hour:minute`` business wall time ``days`` business days from today, as aware UTC."""
    day = business_day(utcnow()) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), BUSINESS_TZ).astimezone(UTC)


def central_orders(world: World) -> dict[str, dict[str, Any]]:
    with central_session(world.url) as s:
        return {w.id: {c.key: getattr(w, c.key) for c in CentralWorkOrder.__table__.columns}
                for w in s.execute(select(CentralWorkOrder)).scalars()}


def test_store_desk_gets_the_days_appointments_in_time_order(world: World, desktop: Callable[..., Desktop]) -> None:
    agent, store = desktop("agent1"), desktop("reception2")
    agent.sync.pull_all()
    store.sync.pull_all()
    svc = OutcomeService(agent.factory, actor_of(agent))  # type: ignore[arg-type]
    # agreed in the order the calls came, not in the order of the visits (tomorrow, all day open)
    plan = [(16, 0, 30), (10, 0, 45), (13, 30, None)]
    cids = world.customers["T01"]
    made: list[str] = []
    for cid, (h, m, minutes) in zip(cids, plan, strict=False):
        rec = svc.record(OutcomeInput(customer_id=cid, wrapup="transferred", intent="high",
                                      transfer_store_id="S002", transfer_note="客户到厅办理",
                                      appointment_at=at(1, h, m), appointment_minutes=minutes))
        assert rec.work_order_id is not None
        made.append(rec.work_order_id)
    later = svc.record(OutcomeInput(customer_id=cids[3], wrapup="transferred", transfer_store_id="S002",
                                    appointment_at=at(2, 9)))
    none = svc.record(OutcomeInput(customer_id=cids[4], wrapup="transferred", transfer_store_id="S002"))
    assert later.work_order_id is not None and none.work_order_id is not None
    agent.sync.push_all()
    assert agent.sync.status().rejected == 0

    server = central_orders(world)
    assert server[made[0]]["appointment_at"] == at(1, 16) and server[made[0]]["appointment_minutes"] == 30
    assert server[made[2]]["appointment_minutes"] is None
    assert server[none.work_order_id]["appointment_at"] is None

    store.sync.pull_all()
    with store.factory() as s:  # type: ignore[operator]
        wo = s.get(WorkOrder, made[1])
        assert wo is not None and wo.appointment_at == at(1, 10) and wo.appointment_minutes == 45
    # the store's work list on that morning: the day's appointments first, earliest first
    morning = at(1, 8)
    items = [i for i in load_worklist(store.factory, actor_of(store), now=morning)  # type: ignore[arg-type]
             if i.kind == "work_order"]
    assert [i.id for i in items] == [made[1], made[2], made[0], later.work_order_id, none.work_order_id]
    assert [i.appointment_at for i in items[:3]] == [at(1, 10), at(1, 13, 30), at(1, 16)]
    # the pop (and its work orders) shows the appointment at the store too
    pop = ScreenPopService(store.factory, actor_of(store)).build_for(store.factory(), cids[0])  # type: ignore[arg-type, operator]
    assert pop is not None
    shown = {w.id: (w.appointment_at, w.appointment_minutes) for w in pop.work_orders}
    assert shown[made[0]] == (at(1, 16), 30)
    # the agent's other desk of another store sees nothing of it
    other = desktop("reception1")
    other.sync.pull_all()
    with other.factory() as s:  # type: ignore[operator]
        assert s.get(WorkOrder, made[0]) is None


def _base(world: World, **extra: Any) -> dict[str, Any]:
    return {"id": "WO-forged-1", "customer_id": world.customers["T01"][0], "store_id": "S002",
            "status": "created", "note": "", **extra}


@pytest.mark.parametrize(("extra", "reason"), [
    ({"appointment_at": "PAST"}, "is in the past"),
    ({"appointment_at": "FAR"}, "more than 90 days ahead"),
    ({"appointment_at": "NIGHT"}, "outside the store's hours"),
    ({"appointment_at": 1733300000}, "appointment_at: expected an ISO 8601 time"),
    ({"appointment_at": "tomorrow at ten"}, "appointment_at: not an ISO 8601 time"),
    ({"appointment_at": "9999-01-01T10:00:00+08:00"}, "appointment_at: time out of range"),
    ({"appointment_at": ["2026-12-05T10:00:00+08:00"]}, "appointment_at: expected an ISO 8601 time"),
    ({"appointment_at": "OK", "appointment_minutes": 30.0}, "appointment_minutes: expected a whole number"),
    ({"appointment_at": "OK", "appointment_minutes": 10**12}, "appointment_minutes: number out of range"),
    ({"appointment_at": "OK", "appointment_minutes": 100_000}, "appointment_minutes: 100000 is out of range"),
    ({"appointment_at": "OK", "appointment_minutes": "30"}, "appointment_minutes: expected a whole number"),
    ({"appointment_minutes": 30}, "appointment_minutes: given without appointment_at"),
    ({"appointment_at": "OK", "note": "x" * 10_001}, "note: longer than 10000 characters"),
    ({"appointment_at": "OK", "status": "done"}, "a new work order must have status 'created'"),
    ({"appointment_at": "OK", "customer_id": "C-T02-0000"}, "not found in your scope"),
    ({"appointment_at": "OK", "store_id": "S999"}, "store S999 does not exist"),
])
def test_forged_appointment_refused_and_nothing_changed(world: World, desktop: Callable[..., Desktop],
                                                        extra: dict[str, Any], reason: str) -> None:
    agent, store = desktop("agent1"), desktop("reception2")
    store.sync.pull_all()
    times = {"PAST": at(-1, 15), "FAR": at(200, 10), "NIGHT": at(1, 3), "OK": at(1, 10)}
    value = extra.get("appointment_at")
    if isinstance(value, str) and value in times:
        extra = {**extra, "appointment_at": times[value].isoformat()}
    before = central_orders(world)
    with unit_of_work(agent.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "work_order", "create", _base(world, **extra))
    agent.sync.push_all()
    with agent.factory() as s:  # type: ignore[operator]
        reasons = [r.reason for r in s.execute(select(Rejection)).scalars()]
    assert len(reasons) == 1 and reason in reasons[0], reasons
    assert central_orders(world) == before
    store.sync.pull_all()
    with store.factory() as s:  # type: ignore[operator]
        assert s.execute(select(func.count()).select_from(WorkOrder)).scalar_one() == 0


def test_forged_attribution_is_replaced_by_the_server(world: World, desktop: Callable[..., Desktop]) -> None:
    """Who sent it and who handled it are the server's: another team's agent, another store's
    receptionist and a result the client claims are all dropped."""
    agent, store = desktop("agent1"), desktop("reception2")
    with unit_of_work(agent.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "work_order", "create", _base(
            world, appointment_at=at(1, 11).isoformat(), appointment_minutes=30,
            from_user_id="U-agent9", team_id="T02", handled_by="U-reception1", result_reason="办好了",
            created_at="2001-01-01T00:00:00+00:00"))
    agent.sync.push_all()
    assert agent.sync.status().rejected == 0
    row = central_orders(world)["WO-forged-1"]
    assert (row["from_user_id"], row["team_id"], row["handled_by"], row["result_reason"]) == (
        "U-agent1", "T01", None, "")
    assert row["created_at"] > utcnow() - dt.timedelta(minutes=5)
    assert row["appointment_at"] == at(1, 11)
    store.sync.pull_all()
    with store.factory() as s:  # type: ignore[operator]
        wo = s.get(WorkOrder, "WO-forged-1")
        assert wo is not None and wo.from_user_id == "U-agent1" and wo.appointment_at == at(1, 11)


def test_a_past_appointment_is_refused_on_the_desk_before_it_is_queued(world: World,
                                                                      desktop: Callable[..., Desktop]) -> None:
    agent = desktop("agent1")
    agent.sync.pull_all()
    svc = OutcomeService(agent.factory, actor_of(agent))  # type: ignore[arg-type]
    from workbench.core.errors import UserError
    with pytest.raises(UserError, match="in the past"):
        svc.record(OutcomeInput(customer_id=world.customers["T01"][0], wrapup="transferred",
                                transfer_store_id="S002", appointment_at=at(-1, 10)))
    assert agent.sync.status().pending == 0


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400", "1.5e308"])
@pytest.mark.parametrize("key", ["appointment_minutes", "appointment_at"])
def test_non_finite_appointment_on_the_wire_refused(world: World, api_for: Callable[..., Any],
                                                    live_server: str, key: str, token: str) -> None:
    """What a desk cannot send (its outbox stores a non-finite number as null) a forger can:
    a raw push with a non-finite number is a clear 4xx or a rejected row, and nothing changes."""
    import httpx

    api = api_for("agent1")
    data = _base(world, appointment_at=at(1, 10).isoformat(), appointment_minutes=30)
    body = json.dumps({"client_id": "forger", "mutations": [
        {"mutation_id": "m-forged-1", "entity": "work_order", "op": "create", "data": data}]})
    body = body.replace(json.dumps({key: data[key]})[1:-1], f'"{key}": {token}')
    assert token in body
    before = central_orders(world)
    r = httpx.post(f"{live_server}/api/v1/sync/push", content=body.encode(),
                   headers={"Authorization": f"Bearer {api._access}", "Content-Type": "application/json"})
    if r.status_code == 200:
        (result,) = r.json()["results"]
        assert result["status"] == "rejected" and key in (result["reason"] or ""), result
    else:
        assert 400 <= r.status_code < 500 and r.json()["detail"], r.text
    assert central_orders(world) == before


@pytest.mark.parametrize(("agreed_days_ago", "kept"), [(2, True), (8, False)])
def test_an_offline_desks_late_push_keeps_an_appointment_agreed_before_it_passed(
        world: World, desktop: Callable[..., Desktop], agreed_days_ago: int, kept: bool) -> None:
    """Agreed two days ago for yesterday afternoon, pushed only now (the desk was offline): the
    work order is kept, its appointment shows as missed. Beyond the offline window the desk's
    time is not believed and the appointment is in the past."""
    agent = desktop("agent1")
    agreed = utcnow() - dt.timedelta(days=agreed_days_ago)
    with unit_of_work(agent.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "work_order", "create", _base(world, appointment_at=at(-1, 15).isoformat(),
                                                 appointment_minutes=30, created_at=agreed.isoformat()))
    agent.sync.push_all()
    orders = central_orders(world)
    assert ("WO-forged-1" in orders) is kept
    assert agent.sync.status().rejected == (0 if kept else 1)
    if kept:
        assert orders["WO-forged-1"]["appointment_at"] == at(-1, 15)
        assert orders["WO-forged-1"]["created_at"] > utcnow() - dt.timedelta(minutes=5)  # the server's time
