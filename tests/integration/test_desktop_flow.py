"""The desktop's services against one real server: screen pop from synced data, the
work-order round trip between an agent's and a receptionist's desktop, acceptance
suppression across desktops, an unknown caller found on the server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from server_stub.seed.demo import seed_demo
from tests.integration.conftest import Desktop
from workbench.local_store.db import open_local, session_factory
from workbench.local_store.models import Customer, Task, WorkOrder
from workbench.services.actor import Actor
from workbench.services.outcomes import OutcomeInput, OutcomeService
from workbench.services.screen_pop import ScreenPopService
from workbench.services.server_api import ServerApi
from workbench.services.sync_engine import SyncEngine
from workbench.services.worklist import load_worklist


@pytest.fixture
def demo(central_url: str, live_server: str) -> str:
    seed_demo(central_url, customers=300, seed=11)
    return live_server


@pytest.fixture
def desktop(api_for: Callable[..., ServerApi], tmp_path: Path) -> Callable[[str], Desktop]:
    """A local store and a logged-in sync engine for a demo user (password "demo")."""

    def make(username: str) -> Desktop:
        path = tmp_path / f"{username}.db"
        factory = session_factory(open_local(path))
        api = api_for(username, "demo")
        return Desktop(username, path, factory, api, SyncEngine(factory, api, SyncEngine.client_id_for(factory)))

    return make


def actor_of(d: Desktop) -> Actor:
    u = d.api.user
    assert u is not None
    return Actor(u.id, u.username, u.display_name, u.role, u.team_id, u.store_id)


def test_screen_pop_from_a_synced_scope(demo: str, desktop: Callable[..., Desktop]) -> None:
    a = desktop("agent1")
    a.sync.pull_all()
    with a.factory() as s:
        teams = set(s.execute(select(Customer.team_id)).scalars())
        target = s.execute(
            select(Customer).where(Customer.plan_fee == 96, Customer.do_not_call.is_(False)).limit(1)
        ).scalar_one()
    assert teams == {"T01"}  # an agent's desktop holds their team's book only
    pops = ScreenPopService(a.factory, actor_of(a))
    snap = pops.build("+86 " + target.phone)
    assert snap is not None and snap.portrait.id == target.id
    assert snap.portrait.phone_display.endswith(target.phone[-4:]) and "*" in snap.portrait.phone_display
    accepted = {x.policy_id for x in snap.accepted}
    if "P-168-504" not in accepted:
        assert any(o.policy_id == "P-168-504" for o in snap.offers), snap.offers
    assert snap.trail == tuple(sorted(snap.trail, key=lambda t: t.when, reverse=True))


def test_work_order_round_trip_between_agent_and_store(demo: str, desktop: Callable[..., Desktop]) -> None:
    agent, store = desktop("agent1"), desktop("reception1")
    agent.sync.pull_all()
    store.sync.pull_all()
    with agent.factory() as s:
        cust = s.execute(select(Customer).where(Customer.store_id != "S001").limit(1)).scalar_one()
    agent_svc = OutcomeService(agent.factory, actor_of(agent))
    rec = agent_svc.record(OutcomeInput(customer_id=cust.id, wrapup="transferred", intent="high",
                                        transfer_store_id="S001", transfer_note="客户周六到厅办理"))
    assert rec.work_order_id
    agent.sync.push_all()
    store.sync.pull_all()
    items = [i for i in load_worklist(store.factory, actor_of(store)) if i.kind == "work_order"]
    assert rec.work_order_id in {i.id for i in items}  # the store sees it, with the customer
    store_svc = OutcomeService(store.factory, actor_of(store))
    store_svc.transition_work_order(rec.work_order_id, "arrived")
    store_svc.transition_work_order(rec.work_order_id, "done", "已办理")
    store.sync.push_all()
    agent.sync.pull_all()
    with agent.factory() as s:
        wo = s.get(WorkOrder, rec.work_order_id)
        assert wo.status == "done" and wo.result_reason == "已办理"
    back = [i for i in load_worklist(agent.factory, actor_of(agent)) if i.id == rec.work_order_id]
    assert back and back[0].status == "done"  # the agent sees the result in their work list
    agent_svc.transition_work_order(rec.work_order_id, "returned")
    agent.sync.push_all()
    # an illegal transition is refused by the server with a reason the client keeps
    store.sync.pull_all()
    with store.factory.begin() as s:
        s.get(WorkOrder, rec.work_order_id).status = "arrived"  # a stale local copy
    store_svc.transition_work_order(rec.work_order_id, "failed", "客户未到")
    store.sync.push_all()
    assert store.sync.status().rejected == 1


def test_acceptance_on_one_desktop_suppresses_the_task_on_another(demo: str, desktop: Callable[..., Desktop]) -> None:
    a, b = desktop("agent1"), desktop("agent2")
    a.sync.pull_all()
    b.sync.pull_all()
    with a.factory() as s:
        task = s.execute(select(Task).where(Task.status == "open")).scalars().first()
        assert task is not None
    OutcomeService(a.factory, actor_of(a)).accept_policy(task.customer_id, task.policy_id, "outbound")
    a.sync.push_all()
    b.sync.pull_all()
    with b.factory() as s:
        assert s.get(Task, task.id).status == "suppressed"
    snap = ScreenPopService(b.factory, actor_of(b)).build_for(b.factory(), task.customer_id)
    assert snap is not None
    assert task.policy_id not in {o.policy_id for o in snap.offers}
    assert "already_accepted" in {w.code for w in snap.warnings}


def test_unknown_caller_is_found_on_the_server_within_scope(demo: str, desktop: Callable[..., Desktop], central_url: str) -> None:
    a = desktop("agent1")  # never synced: nothing local
    with a.factory() as s:
        assert s.execute(select(Customer)).first() is None
    from server_stub.storage.models import Customer as CentralCustomer
    from tests.integration.factories import central_session

    with central_session(central_url) as cs:
        mine = cs.execute(select(CentralCustomer).where(CentralCustomer.team_id == "T01").limit(1)).scalar_one()
        other = cs.execute(select(CentralCustomer).where(CentralCustomer.team_id == "T02").limit(1)).scalar_one()
    found = a.api.lookup_customer(mine.phone)
    assert found is not None
    assert a.sync.apply_lookup(found) >= 1
    snap = ScreenPopService(a.factory, actor_of(a)).build(mine.phone)
    assert snap is not None and snap.portrait.id == mine.id
    assert a.api.lookup_customer(other.phone) is None  # another team's customer stays hidden
