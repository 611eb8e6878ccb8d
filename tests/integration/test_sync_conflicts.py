"""Conflict rules per entity (DESIGN.md §Sync), with desktops that edit offline then sync."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from server_stub.storage.models import Customer as CentralCustomer
from server_stub.storage.models import WorkOrder as CentralWorkOrder
from server_stub.sync import lock_log, publish
from tests.integration.conftest import Desktop
from tests.integration.factories import World, central_session
from workbench.core.dbutil import unit_of_work
from workbench.core.entities import to_wire, utcnow
from workbench.local_store.models import Acceptance, ContactEvent, Customer, Rejection, WorkOrder
from workbench.local_store.outbox import enqueue, new_id


def edit_note(d: Desktop, customer_id: str, note: str) -> None:
    with unit_of_work(d.factory) as s:  # type: ignore[arg-type]
        row = s.get(Customer, customer_id)
        assert row is not None
        row.note = note
        enqueue(s, "customer", "update", {"id": customer_id, "note": note})


def local(d: Desktop, model: type, row_id: str) -> object:
    with d.factory() as s:  # type: ignore[operator]
        return s.get(model, row_id)


def rejections(d: Desktop) -> list[str]:
    with d.factory() as s:  # type: ignore[operator]
        return [r.reason for r in s.execute(select(Rejection)).scalars()]


def test_two_desktops_edit_same_customer_offline_last_push_wins(world: World, desktop: Callable[..., Desktop]) -> None:
    a, b = desktop("agent1"), desktop("agent2")
    a.sync.pull_all()
    b.sync.pull_all()
    cust = world.customers["T01"][0]
    edit_note(a, cust, "from A")  # both offline: nothing pushed yet
    edit_note(b, cust, "from B")
    with unit_of_work(a.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "customer", "update", {"id": cust, "do_not_sms": True})
    a.sync.sync_once()  # A reaches the server first
    b.sync.sync_once()  # then B: later in server order, so B's note wins
    a.sync.sync_once()
    with central_session(world.url) as s:
        server = s.get(CentralCustomer, cust)
        assert server is not None and server.note == "from B" and server.do_not_sms is True
    for d in (a, b):
        row = local(d, Customer, cust)
        assert row.note == "from B" and row.do_not_sms is True  # type: ignore[attr-defined]


def test_platform_fields_are_server_authoritative(world: World, desktop: Callable[..., Desktop]) -> None:
    a = desktop("agent1")
    a.sync.pull_all()
    cust = world.customers["T01"][1]
    with unit_of_work(a.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "customer", "update", {"id": cust, "plan_fee": 8, "note": "cheap plan"})
    a.sync.push_all()
    assert any("plan_fee" in r and "not editable" in r for r in rejections(a))
    # the data platform changes the plan: desktops follow the server
    with central_session(world.url) as s:
        lock_log(s)
        row = s.get(CentralCustomer, cust)
        assert row is not None
        row.plan_fee = 126
        publish(s, "customer", [row])
    a.sync.pull_all()
    assert local(a, Customer, cust).plan_fee == 126  # type: ignore[attr-defined]


def test_contact_events_are_append_only(world: World, desktop: Callable[..., Desktop]) -> None:
    a, b = desktop("agent1"), desktop("agent2")
    cust = world.customers["T01"][2]
    ids = []
    for d in (a, b):  # both record outcomes for the same customer while offline
        with unit_of_work(d.factory) as s:  # type: ignore[arg-type]
            row = ContactEvent(id=new_id(), customer_id=cust, channel="outbound", wrapup="no_answer",
                               intent="none", started_at=utcnow())
            s.add(row)
            s.flush()
            enqueue(s, "contact_event", "create", to_wire(row))
            ids.append(row.id)
    a.sync.sync_once()
    b.sync.sync_once()
    a.sync.pull_all()
    for d in (a, b):
        with d.factory() as s:  # type: ignore[operator]
            assert set(s.execute(select(ContactEvent.id)).scalars()) == set(ids)
    # rewriting an existing contact event is refused
    with unit_of_work(b.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "contact_event", "create", {"id": ids[0], "customer_id": cust, "channel": "outbound",
                                               "wrapup": "accepted"})
    b.sync.push_all()
    assert any("append-only" in r for r in rejections(b))


def test_work_order_state_machine_conflict(world: World, desktop: Callable[..., Desktop]) -> None:
    agent, store = desktop("agent1"), desktop("reception1")
    cust = world.customers["T01"][3]
    wo = new_id()
    with unit_of_work(agent.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "work_order", "create", {"id": wo, "customer_id": cust, "store_id": "S001",
                                            "note": "wants the 4G SIM swap"})
    agent.sync.sync_once()
    store.sync.pull_all()
    assert local(store, WorkOrder, wo).status == "created"  # type: ignore[attr-defined]
    # offline on both sides: the store records the arrival, the agent cancels
    with unit_of_work(store.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "work_order", "transition", {"id": wo, "status": "arrived"})
        enqueue(s, "work_order", "transition", {"id": wo, "status": "done"})
    with unit_of_work(agent.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "work_order", "transition", {"id": wo, "status": "cancelled"})
    store.sync.sync_once()  # the store syncs first: arrived, done
    agent.sync.sync_once()  # the cancel is now illegal
    reasons = rejections(agent)
    assert reasons == ["a work order that is done cannot become cancelled"]
    assert local(agent, WorkOrder, wo).status == "done"  # type: ignore[attr-defined]
    # a failure without a reason is refused too
    with unit_of_work(store.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "work_order", "transition", {"id": wo, "status": "returned"})
        enqueue(s, "work_order", "transition", {"id": wo, "status": "failed"})
    store.sync.sync_once()
    assert rejections(store) == ["a work order that is returned cannot become failed"]
    with central_session(world.url) as s:
        row = s.get(CentralWorkOrder, wo)
        assert row is not None and row.status == "returned" and row.handled_by == "U-reception1"


def test_acceptance_twice_offline_and_cancel(world: World, desktop: Callable[..., Desktop]) -> None:
    agent, store = desktop("agent1"), desktop("reception1")
    cust, pid = world.customers["T01"][4], world.policies[1]
    ids = {}
    for d, channel in ((store, "store"), (agent, "outbound")):
        ids[d.username] = new_id()
        with unit_of_work(d.factory) as s:  # type: ignore[arg-type]
            enqueue(s, "acceptance", "create", {"id": ids[d.username], "customer_id": cust, "policy_id": pid,
                                                "channel": channel, "value": 684.0})
    store.sync.sync_once()
    agent.sync.sync_once()
    assert any("already accepted this policy" in r for r in rejections(agent))
    assert local(agent, Acceptance, ids["reception1"]) is not None
    with unit_of_work(store.factory) as s:  # type: ignore[arg-type]
        enqueue(s, "acceptance", "transition", {"id": ids["reception1"], "status": "cancelled"})
        enqueue(s, "acceptance", "transition", {"id": ids["reception1"], "status": "accepted"})
    store.sync.sync_once()
    assert rejections(store) == ["an acceptance that is cancelled cannot become accepted"]
    agent.sync.pull_all()
    assert local(agent, Acceptance, ids["reception1"]).status == "cancelled"  # type: ignore[attr-defined]


def test_an_existing_event_id_in_a_big_batch_is_refused_alone(world: World, desktop: Callable[..., Desktop]) -> None:
    """The fast path does not look event ids up first: the batch's insert fails on the key and
    the batch is applied again one savepoint per mutation. The other outcomes of the batch
    are stored once, the rewrite is refused with its reason."""
    from server_stub.storage.models import ContactEvent as CentralEvent

    a = desktop("agent1")
    a.sync.pull_all()
    cust = world.customers["T01"][0]

    wires: dict[str, dict[str, object]] = {}

    def contact() -> str:
        with unit_of_work(a.factory) as s:  # type: ignore[arg-type]
            row = ContactEvent(id=new_id(), customer_id=cust, channel="outbound", wrapup="refused",
                               intent="low", started_at=utcnow())
            s.add(row)
            s.flush()
            wires[row.id] = to_wire(row)
            enqueue(s, "contact_event", "create", wires[row.id])
            return row.id

    first = contact()
    a.sync.push_all()
    fresh = [contact() for _ in range(4)]
    with unit_of_work(a.factory) as s:  # type: ignore[arg-type]  # the same event id again, as a new mutation
        enqueue(s, "contact_event", "create", {**wires[first], "wrapup": "accepted"})
    fresh += [contact() for _ in range(3)]
    assert a.sync.push_all() == 8
    assert a.sync.status().pending == 0
    assert len(rejections(a)) == 1 and "append-only" in rejections(a)[0]
    with central_session(world.url) as s:
        stored = dict(s.execute(select(CentralEvent.id, CentralEvent.wrapup)
                                .where(CentralEvent.customer_id == cust)).tuples().all())
    assert set(stored) == {first, *fresh}
    assert stored[first] == "refused"  # not rewritten
