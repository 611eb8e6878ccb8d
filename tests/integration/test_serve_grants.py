"""Serve grants: the hotline and the stores serve whoever calls or walks in, one customer per
call or visit, for a few hours, audited; never the other book, never others' tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select, update

from server_stub.storage.models import AuditEntry, ContactEvent, ServeGrant, Team, WorkOrder
from tests.integration.conftest import Desktop
from tests.integration.factories import World, central_session, user
from tests.integration.test_server_scopes import pull_everything
from workbench.local_store.models import Customer as LocalCustomer
from workbench.local_store.outbox import new_id
from workbench.services.actor import Actor
from workbench.services.outcomes import OutcomeInput, OutcomeService
from workbench.services.screen_pop import ScreenPopService
from workbench.services.server_api import ServerApi


@pytest.fixture
def hotline(world: World) -> World:
    """The world plus a hotline team T06 (serves callers) with agents hotline1 and hotline2."""
    with central_session(world.url) as s:
        s.add(Team(id="T06", name="热线", province="广东", serves_callers=True))
        user(s, "hotline1", "agent", "T06")
        user(s, "hotline2", "agent", "T06")
    return world


def actor_of(d: Desktop) -> Actor:
    u = d.api.user
    assert u is not None
    return Actor(u.id, u.username, u.display_name, u.role, u.team_id, u.store_id)


def grants_of(url: str, user_id: str) -> list[ServeGrant]:
    with central_session(url) as s:
        return list(s.execute(select(ServeGrant).where(ServeGrant.user_id == user_id)).scalars())


def contact(customer_id: str) -> dict[str, object]:
    return {"mutation_id": new_id(), "entity": "contact_event", "op": "create",
            "data": {"id": new_id(), "customer_id": customer_id, "channel": "hotline", "wrapup": "info_only",
                     "intent": "none"}}


def test_hotline_agent_serves_another_teams_customer_end_to_end(
        hotline: World, desktop: Callable[..., Desktop]) -> None:
    h, owner = desktop("hotline1"), desktop("agent1")
    h.sync.pull_all()
    owner.sync.pull_all()
    target = hotline.customers["T01"][0]
    with h.factory() as s:  # the hotline desk holds nobody's book
        assert s.execute(select(func.count()).select_from(LocalCustomer)).scalar_one() == 0
    found = h.api.serve_customer(hotline.phone_of(target), "cli", call_id="call-1", reason="caller asks about the bill")
    assert found is not None and found["customer"]["id"] == target
    grant = found["grant"]
    assert grant is not None and grant["customer_id"] == target and grant["source"] == "cli"
    assert found["tasks"] == []  # others' tasks never reach the hotline
    expires = dt.datetime.fromisoformat(grant["expires_at"])
    assert dt.timedelta(hours=1) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=8)
    # the same call again reuses its grant
    again = h.api.serve_customer(hotline.phone_of(target), "cli", call_id="call-1")
    assert again is not None and again["grant"]["id"] == grant["id"]
    # pop on the desk from what the server sent
    h.sync.apply_lookup(found)
    pop = ScreenPopService(h.factory, actor_of(h)).build(hotline.phone_of(target), channel="hotline")
    assert pop is not None and pop.portrait.id == target
    # outcome recorded on the hotline desk, pushed, and seen by the owning team
    rec = OutcomeService(h.factory, actor_of(h)).record(
        OutcomeInput(customer_id=target, wrapup="info_only", intent="medium", channel="hotline", note="账单咨询"))
    assert h.sync.push_all() >= 1
    assert h.sync.status().rejected == 0 and h.sync.status().pending == 0
    owner.sync.pull_all()
    with owner.factory() as s:
        from workbench.local_store.models import ContactEvent as LocalContact

        row = s.get(LocalContact, rec.contact_event_id)
        assert row is not None and row.customer_id == target and row.user_id == "U-hotline1"
    # the grant is audited with who, when, why
    with central_session(hotline.url) as s:
        entries = list(s.execute(select(AuditEntry).where(AuditEntry.action == "serve_grant")).scalars())
    assert [(e.user_id, e.customer_id) for e in entries] == [("U-hotline1", target)]
    assert "cli" in entries[0].detail and "bill" in entries[0].detail and entries[0].address == "127.0.0.1"
    # still no book: a pull brings no customer of T01 (nor any task)
    changes = pull_everything(h.api)
    assert not [c for c in changes if c.entity in ("customer", "task")]


def test_grant_expires_and_then_nothing_is_accepted(hotline: World, api_for: Callable[..., ServerApi]) -> None:
    api = api_for("hotline1")
    target = hotline.customers["T02"][1]
    found = api.serve_customer(hotline.phone_of(target), "softphone", call_id="sip-7")
    assert found is not None
    assert api.push("desk-h1", [contact(target)]).results[0].status == "applied"
    with central_session(hotline.url) as s:
        s.execute(update(ServeGrant).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    before = _contacts(hotline.url, target)
    res = api.push("desk-h1", [contact(target)]).results[0]
    assert res.status == "rejected" and "not found in your scope" in (res.reason or "")
    assert _contacts(hotline.url, target) == before
    assert api.reopen_grant(found["grant"]["id"]) is None


def _contacts(url: str, customer_id: str) -> int:
    with central_session(url) as s:
        return int(s.execute(select(func.count()).select_from(ContactEvent)
                             .where(ContactEvent.customer_id == customer_id)).scalar_one())


def test_forged_and_borrowed_grants_are_refused(hotline: World, api_for: Callable[..., ServerApi]) -> None:
    h1, h2 = api_for("hotline1"), api_for("hotline2")
    target = hotline.customers["T01"][2]
    found = h1.serve_customer(hotline.phone_of(target), "call_event", call_id="pbx-1")
    assert found is not None
    assert h1.reopen_grant(found["grant"]["id"]) is not None
    # a made-up grant id, another user's grant, a hostile id: all 404, nothing opened
    assert h2.reopen_grant("0" * 32) is None
    assert h2.reopen_grant(found["grant"]["id"]) is None
    # hotline2 has no grant of their own: their pushes for the customer are refused
    before = _contacts(hotline.url, target)
    res = h2.push("desk-h2", [contact(target)]).results[0]
    assert res.status == "rejected"
    assert _contacts(hotline.url, target) == before
    with central_session(hotline.url) as s:
        refused = s.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.user_id == "U-hotline2", AuditEntry.action == "serve_refused")).scalar_one()
    assert refused == 2


@pytest.mark.parametrize("username", ["agent1", "agent9", "lead1"])
def test_outbound_agents_stay_in_their_book(hotline: World, api_for: Callable[..., ServerApi],
                                           username: str) -> None:
    api = api_for(username)
    other = hotline.customers["T02" if username != "agent9" else "T01"][0]
    own = hotline.customers["T01" if username != "agent9" else "T02"][0]
    assert api.serve_customer(hotline.phone_of(other), "cli") is None  # same 404 as an unknown number
    mine = api.serve_customer(hotline.phone_of(own), "cli")
    assert mine is not None and mine["grant"] is None and mine["tasks"]  # own book: tasks, no grant needed
    assert grants_of(hotline.url, f"U-{username}") == []
    assert api.push(f"desk-{username}", [contact(other)]).results[0].status == "rejected"


def test_receptionist_serves_a_walk_in_of_another_store(hotline: World, api_for: Callable[..., ServerApi]) -> None:
    """reception2 (S002) serves a T01 / S001 customer who walks in, records a contact and a
    work order for the visit; S002's pull still carries no S001 customer."""
    api = api_for("reception2")
    target = hotline.customers["T01"][3]
    found = api.serve_customer(hotline.phone_of(target), "store_arrival", reason="walk-in")
    assert found is not None and found["grant"]["source"] == "store_arrival" and found["tasks"] == []
    wo = {"mutation_id": new_id(), "entity": "work_order", "op": "create",
          "data": {"id": new_id(), "customer_id": target, "store_id": "S002", "status": "created", "note": "到厅"}}
    results = api.push("desk-r2", [contact(target), wo]).results
    assert [r.status for r in results] == ["applied", "applied"]
    with central_session(hotline.url) as s:
        assert s.execute(select(WorkOrder.store_id).where(WorkOrder.customer_id == target)).scalar_one() == "S002"
    changes = pull_everything(api)
    served = {c.data["id"] for c in changes if c.entity == "customer"}
    assert not served & (set(hotline.customers["T01"]) - {target})


def test_bad_serve_requests_are_refused(hotline: World, api_for: Callable[..., ServerApi],
                                        live_server: str) -> None:
    api = api_for("hotline1")
    token = api._access
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {token}"}) as raw:
        for body in ({"value": "not a number", "source": "cli"},
                     {"value": "13800000000", "source": "telepathy"},
                     {"value": "13800000000", "source": "cli", "kind": "passport"},
                     {"value": "1" * 41, "source": "cli"},
                     {"value": "13800000000", "source": "cli", "call_id": "x" * 81},
                     {"value": "13800000000\x00", "source": "cli"},
                     {"value": "110105199001011234", "source": "store_arrival", "kind": "id_number"}):
            resp = raw.post("/api/v1/serve", json=body)
            assert 400 <= resp.status_code < 500, (body, resp.status_code, resp.text)
        assert raw.post("/api/v1/serve", json={"value": "13800000000", "source": "cli"},
                        headers={"Authorization": "Bearer forged"}).status_code == 401
    assert grants_of(hotline.url, "U-hotline1") == []


def test_grants_per_hour_are_capped(hotline: World, api_for: Callable[..., ServerApi],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from server_stub import grants

    monkeypatch.setattr(grants, "MAX_GRANTS_PER_HOUR", 3)
    api = api_for("hotline1")
    for cid in hotline.customers["T01"][:3]:
        assert api.serve_customer(hotline.phone_of(cid), "cli") is not None
    from workbench.services.server_api import ServerRejected

    with pytest.raises(ServerRejected) as err:
        api.serve_customer(hotline.phone_of(hotline.customers["T01"][3]), "cli")
    assert err.value.status == 429
    assert len(grants_of(hotline.url, "U-hotline1")) == 3


def test_the_desk_serves_through_the_call_event_path_and_forgets_after_expiry(
        hotline: World, desktop: Callable[..., Desktop]) -> None:
    """The desk's unknown-caller path (``ServeClient.lookup`` as the view-model calls it)
    opens the caller under a grant; once the grant ends the served customer leaves the desk."""
    from workbench.services.call_events import CallEvent, Source
    from workbench.services.serving import ServeClient

    h = desktop("hotline1")
    h.sync.pull_all()
    target = hotline.customers["T02"][0]
    now = [dt.datetime.now(dt.UTC)]
    client = ServeClient(h.factory, h.api, h.sync.apply_lookup, actor_of(h), clock=lambda: now[0])
    event = CallEvent.from_number(hotline.phone_of(target), Source.SERVER, call_id="pbx-42")
    assert client.lookup(event)
    assert set(client.grants()) == {target}
    [grant] = grants_of(hotline.url, "U-hotline1")
    assert grant.source == "call_event" and grant.call_id == "pbx-42"
    assert client.purge_expired() == []  # still valid
    with h.factory() as s:
        assert s.get(LocalCustomer, target) is not None
    now[0] += dt.timedelta(hours=5)
    assert client.purge_expired() == [target]
    with h.factory() as s:
        assert s.get(LocalCustomer, target) is None
    assert client.grants() == {}
    # an outbound agent's desk gets nothing for the same caller
    o = desktop("agent1")
    other = ServeClient(o.factory, o.api, o.sync.apply_lookup, actor_of(o))
    assert not other.lookup(event)


def test_demo_hotline_agents_serve_every_demo_number(central_url: str, live_server: str,
                                                     api_for: Callable[..., ServerApi]) -> None:
    from server_stub.seed.demo import seed_demo
    from server_stub.storage.models import Customer, User

    seed_demo(central_url, customers=120, seed=5)
    with central_session(central_url) as s:
        hotline_user = s.execute(select(User.username).where(User.team_id == "T06").limit(1)).scalar_one()
        phones = list(s.execute(select(Customer.phone).order_by(Customer.id)).scalars())
    api = api_for(hotline_user, "demo")
    for phone in phones[::10]:
        found = api.serve_customer(phone, "cli")
        assert found is not None and found["customer"]["phone"] == phone
