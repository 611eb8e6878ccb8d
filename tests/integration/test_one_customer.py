"""One customer per person: a lead for a number or ID number that belongs to a customer is
refused with that customer; parallel creates of one number end with one customer; existing
duplicates are listed and merged (rows moved, audited, synced)."""

from __future__ import annotations

import argparse
import io
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, or_, select

from server_stub import identity
from server_stub.storage.models import (
    Acceptance,
    AuditEntry,
    ContactEvent,
    Customer,
    CustomerKey,
    Task,
    WorkOrder,
)
from tests.integration.conftest import Desktop
from tests.integration.factories import World, add, central_session, customer
from workbench.local_store.models import ContactEvent as LocalContact
from workbench.local_store.models import Customer as LocalCustomer
from workbench.local_store.outbox import new_id
from workbench.services.server_api import ServerApi

VALID_ID = "11010519491231002X"  # the standard's own example, check digit X


def lead(phone: str, **extra: Any) -> dict[str, Any]:
    return {"mutation_id": new_id(), "entity": "customer", "op": "create",
            "data": {"id": new_id(), "name": "新客户", "phone": phone, "is_lead": True, **extra}}


def customers_with(url: str, number: str) -> list[str]:
    with central_session(url) as s:
        return list(s.execute(select(Customer.id).where(
            or_(Customer.phone == number, Customer.phone2 == number))).scalars())


@pytest.mark.parametrize("spelling", ["13800000002", "+86 138-0000-0002", "8613800000002"])
def test_a_lead_for_a_known_number_is_refused_with_that_customer(
        world: World, api_for: Callable[..., ServerApi], spelling: str) -> None:
    agent9 = api_for("agent9")  # T02: the number belongs to T01's customer
    owner = world.customers["T01"][2]
    assert world.phone_of(owner) == "13800000002"
    res = agent9.push("desk-9", [lead(spelling)]).results[0]
    assert res.status == "rejected" and owner in (res.reason or "")
    assert customers_with(world.url, "13800000002") == [owner]


def test_second_numbers_and_id_numbers_count_too(world: World, api_for: Callable[..., ServerApi]) -> None:
    api = api_for("agent1")
    first = lead("13900009999", phone2="13900008888", id_number=VALID_ID)
    assert api.push("desk-1", [first]).results[0].status == "applied"
    with central_session(world.url) as s:
        row = s.get(Customer, first["data"]["id"])
        assert row is not None and row.id_number_masked.endswith("002X") and row.id_suffix is None
        assert VALID_ID[:6] not in row.id_number_masked  # only the last 4 are kept
        keys = set(s.execute(select(CustomerKey.key).where(CustomerKey.customer_id == row.id)).scalars())
    assert {"m:13900009999", "m:13900008888"} < keys and any(k.startswith("i:") for k in keys)
    assert not any(VALID_ID in k for k in keys)
    for dup in (lead("13900008888"), lead("13700001111", phone2="13900009999"),
                lead("13700002222", id_number=VALID_ID.lower())):
        res = api.push("desk-1", [dup]).results[0]
        assert res.status == "rejected" and first["data"]["id"] in (res.reason or ""), dup
    bad = api.push("desk-1", [lead("13700003333", id_number="110105194912310021")]).results[0]
    assert bad.status == "rejected" and "check digit" in (bad.reason or "")
    with central_session(world.url) as s:
        assert s.execute(select(func.count()).select_from(Customer).where(Customer.is_lead.is_(True))).scalar_one() == 1


def test_the_push_result_names_the_existing_customer(world: World, api_for: Callable[..., ServerApi]) -> None:
    api = api_for("agent1")
    owner = world.customers["T02"][0]
    body = api._request("POST", "/api/v1/sync/push", json={
        "client_id": "desk-raw", "mutations": [lead(world.phone_of(owner))]})
    assert body["results"][0]["existing_customer_id"] == owner


def test_parallel_creates_of_one_number_end_with_one_customer(pg_url: str) -> None:
    """Eight desktops (two users) push a lead for the same new number at the same moment,
    on PostgreSQL: one customer, the others refused naming it."""
    import httpx

    from tests.integration import factories
    from tests.integration.conftest import LiveServer

    world = factories.make_world(pg_url, customers_per_team=1, with_tasks=False)
    server = LiveServer(pg_url).start()
    clients = [httpx.Client(base_url=server.base_url) for _ in range(8)]
    try:
        _race(world, clients)
    finally:
        for c in clients:
            c.close()
        server.stop()


def _race(world: World, clients: list[Any]) -> None:
    apis = [ServerApi(c) for c in clients]
    for i, api in enumerate(apis):
        api.login("agent1" if i % 2 else "agent2", "pw")
    number = "13612345678"
    start = threading.Barrier(len(apis))
    results: list[Any] = [None] * len(apis)

    def push(i: int) -> None:
        start.wait()
        results[i] = apis[i].push(f"race-{i}", [lead(number, name=f"并发{i}")]).results[0]

    threads = [threading.Thread(target=push, args=(i,)) for i in range(len(apis))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ids = customers_with(world.url, number)
    assert len(ids) == 1
    statuses = sorted(r.status for r in results)
    assert statuses == ["applied"] + ["rejected"] * 7
    assert all(ids[0] in (r.reason or "") for r in results if r.status == "rejected")


def test_parallel_creates_through_the_store_keys(world: World) -> None:
    """Two transactions that both passed the check: the unique key lets only one commit."""
    from sqlalchemy.exc import IntegrityError

    from server_stub.storage.db import open_central, session_factory

    engine = open_central(world.url, migrate=False)
    try:
        f = session_factory(engine)
        with f() as a:
            identity.claim_keys(a, "C-A", ["m:13511112222"])
            a.commit()
        with f() as b, pytest.raises(IntegrityError):
            identity.claim_keys(b, "C-B", ["m:13511112222"])
    finally:
        engine.dispose()


def _duplicates(url: str) -> tuple[str, str]:
    """T02's lead C-DUP shares T01's first customer's number; with a contact, task, acceptance and
    work order of its own."""
    with central_session(url) as s:
        keep = s.get(Customer, "C-T01-0000")
        assert keep is not None
        dup = customer(s, "C-DUP", keep.phone, "T02", "S002", note="重复录入", is_lead=True)
        add(s, "contact_event", ContactEvent(id="E-DUP", customer_id=dup.id, channel="outbound", wrapup="refused",
                                             intent="none", team_id="T02"))
        add(s, "task", Task(id="K-DUP", customer_id=dup.id, policy_id="P-168-504", channel="outbound",
                            team_id="T02", store_id="S002", status="open"))
        add(s, "acceptance", Acceptance(id="A-DUP", customer_id=dup.id, policy_id="P-228-684", channel="store",
                                        status="accepted", store_id="S002"))
        add(s, "work_order", WorkOrder(id="W-DUP", customer_id=dup.id, store_id="S002", team_id="T02",
                                       status="created"))
    return "C-T01-0000", "C-DUP"


def _cli(url: str, dry_run: bool) -> str:
    out = io.StringIO()
    assert identity.run(argparse.Namespace(db=url, dry_run=dry_run), out) == 0
    return out.getvalue()


def test_merge_duplicates_lists_then_merges(world: World, desktop: Callable[..., Desktop]) -> None:
    keep, dup = _duplicates(world.url)
    t02 = desktop("agent9")
    t02.sync.pull_all()
    with t02.factory() as s:
        assert s.get(LocalCustomer, dup) is not None
    listed = _cli(world.url, dry_run=True)
    assert f"keep {keep}" in listed and dup in listed and "dry run" in listed
    assert "13800000000" not in listed  # numbers masked in the listing
    assert set(customers_with(world.url, "13800000000")) == {keep, dup}  # nothing changed
    merged = _cli(world.url, dry_run=False)
    assert "merged 1 customers" in merged
    with central_session(world.url) as s:
        assert s.get(Customer, dup) is None
        for model, row_id in ((ContactEvent, "E-DUP"), (Task, "K-DUP"), (Acceptance, "A-DUP"), (WorkOrder, "W-DUP")):
            row = s.get(model, row_id)
            assert row is not None and row.customer_id == keep, model
        assert s.get(Task, "K-DUP").team_id == "T01"  # type: ignore[union-attr]
        [entry] = s.execute(select(AuditEntry).where(AuditEntry.action == "merge")).scalars()
        assert entry.customer_id == keep and dup in entry.detail and entry.rows == 4
    assert _cli(world.url, dry_run=True).startswith("0 groups")
    # synced: T02's desk loses the merged-away customer and its rows (they follow the
    # customer into T01's book); T01's desk receives them on the kept customer
    t02.sync.pull_all()
    with t02.factory() as s:
        assert s.get(LocalCustomer, dup) is None and s.get(LocalContact, "E-DUP") is None
        assert s.get(LocalCustomer, keep) is None
    t01 = desktop("agent1")
    t01.sync.pull_all()
    with t01.factory() as s:
        event = s.get(LocalContact, "E-DUP")
        assert event is not None and event.customer_id == keep


def test_merging_a_customer_with_itself_is_refused(world: World) -> None:
    with central_session(world.url) as s:
        with pytest.raises(identity.MergeError, match="itself"):
            identity.merge(s, "C-T01-0001", "C-T01-0001", by_user="cli")
        with pytest.raises(identity.MergeError):
            identity.merge(s, "C-T01-0001", "C-NOPE", by_user="cli")
    with central_session(world.url) as s:
        assert s.get(Customer, "C-T01-0001") is not None
        assert s.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "merge")).scalar_one() == 0


def test_a_desk_folds_its_refused_lead_into_the_existing_customer(world: World,
                                                                   desktop: Callable[..., Desktop]) -> None:
    """agent1's desk, not yet synced with a new T01 customer, creates a lead for that number
    and records a call on it: the server refuses the lead naming the customer; the desk folds
    the lead into them and the call goes out again for that customer."""
    from workbench.services.actor import Actor
    from workbench.services.outcomes import OutcomeInput, OutcomeService

    d = desktop("agent1")
    d.sync.pull_all()
    with central_session(world.url) as s:
        customer(s, "C-NEW", "13711112222", "T01", "S001")
    u = d.api.user
    assert u is not None
    svc = OutcomeService(d.factory, Actor(u.id, u.username, u.display_name, u.role, u.team_id, u.store_id))
    lead_id = svc.create_lead("13711112222", "孙先生")
    rec = svc.record(OutcomeInput(customer_id=lead_id, wrapup="info_only", channel="hotline"))
    d.sync.push_all()
    assert d.sync.replaced_leads == [("C-NEW", "13711112222")]
    with d.factory() as s:
        assert s.get(LocalCustomer, lead_id) is None
        assert s.get(LocalContact, rec.contact_event_id).customer_id == "C-NEW"  # type: ignore[union-attr]
    d.sync.push_all()  # the call, pointed at the existing customer
    with central_session(world.url) as s:
        row = s.get(ContactEvent, rec.contact_event_id)
        assert row is not None and row.customer_id == "C-NEW"
    assert customers_with(world.url, "13711112222") == ["C-NEW"]
