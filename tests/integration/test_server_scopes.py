"""Scopes: every role tries to cross into another team's or store's data through every
endpoint, and gets 401 / 403 / 404 or a rejection — never data, and nothing is stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from server_stub.storage.models import AuditEntry, AuthSession, ChangeLog
from tests.integration.conftest import CTI_SECRET
from tests.integration.factories import World, central_session
from workbench.local_store.outbox import new_id
from workbench.services.server_api import AuthError, ServerApi, ServerRejected

T01_ONLY = {"agent1", "agent2", "lead1"}


def log_size(url: str) -> int:
    with central_session(url) as s:
        return int(s.execute(select(func.count()).select_from(ChangeLog)).scalar_one())


def pull_everything(api: ServerApi) -> list[Any]:
    out, cursor = [], 0
    while True:
        page = api.pull(cursor, limit=5000)
        out.extend(page.changes)
        cursor = page.next_cursor
        if not page.has_more:
            return out


@pytest.mark.parametrize("username", ["agent1", "agent9", "reception1", "reception2", "lead1", "admin"])
def test_pull_shows_only_the_scope(world: World, api_for: Callable[..., ServerApi], username: str) -> None:
    api = api_for(username)
    changes = pull_everything(api)
    customers = {c.data["id"]: c.data for c in changes if c.entity == "customer"}
    if username == "admin":
        expected = set(world.customers["T01"]) | set(world.customers["T02"])
    elif username in T01_ONLY:
        expected = set(world.customers["T01"])
    elif username == "agent9":
        expected = set(world.customers["T02"])
    else:
        # S001 serves T01's customers in the world, S002 T02's
        expected = set(world.customers["T01" if username == "reception1" else "T02"])
    assert set(customers) == expected
    for c in changes:
        if "customer_id" in c.data:
            assert c.data["customer_id"] in expected, (username, c)


@pytest.mark.parametrize(
    ("username", "own_team", "other_team"),
    [("agent1", "T01", "T02"), ("agent9", "T02", "T01"), ("lead1", "T01", "T02"),
     ("reception1", "T01", "T02"), ("reception2", "T02", "T01")],
)
def test_lookup_is_scope_checked_and_audited(world: World, api_for: Callable[..., ServerApi],
                                             username: str, own_team: str, other_team: str) -> None:
    api = api_for(username)
    own = world.customers[own_team][0]
    other = world.customers[other_team][0]
    assert api.lookup_customer(world.phone_of(own))["customer"]["id"] == own  # type: ignore[index]
    assert api.lookup_customer(world.phone_of(other)) is None  # 404: same as unknown
    assert api.lookup_customer("13000000000") is None
    with central_session(world.url) as s:
        opened = list(s.execute(select(AuditEntry.customer_id).where(
            AuditEntry.user_id == f"U-{username}", AuditEntry.action == "open_portrait")).scalars())
    assert opened == [own]


def test_admin_sees_everyone(world: World, api_for: Callable[..., ServerApi]) -> None:
    api = api_for("admin")
    for team in ("T01", "T02"):
        assert api.lookup_customer(world.phone_of(world.customers[team][0])) is not None


def cross_mutations(world: World, victim_team: str) -> list[dict[str, Any]]:
    """One mutation per entity/op aimed at ``victim_team``'s customer."""
    cust = world.customers[victim_team][0]
    task_id = world.tasks[cust][0]
    return [
        {"entity": "contact_event", "op": "create",
         "data": {"id": new_id(), "customer_id": cust, "channel": "outbound", "wrapup": "refused"}},
        {"entity": "acceptance", "op": "create",
         "data": {"id": new_id(), "customer_id": cust, "policy_id": world.policies[0], "channel": "outbound"}},
        {"entity": "work_order", "op": "create",
         "data": {"id": new_id(), "customer_id": cust, "store_id": "S001"}},
        {"entity": "customer", "op": "update", "data": {"id": cust, "note": "mine now"}},
        {"entity": "task", "op": "transition", "data": {"id": task_id, "status": "done"}},
    ]


@pytest.mark.parametrize(("username", "victim"), [("agent9", "T01"), ("agent1", "T02"), ("lead1", "T02"),
                                                  ("reception2", "T01")])
def test_push_across_scope_is_rejected_and_stores_nothing(
    world: World, api_for: Callable[..., ServerApi], username: str, victim: str
) -> None:
    api = api_for(username)
    before = log_size(world.url)
    muts = [{"mutation_id": new_id(), **m} for m in cross_mutations(world, victim)]
    res = api.push(f"client-{username}", muts)
    assert [r.status for r in res.results] == ["rejected"] * len(muts)
    assert all("not found in your scope" in (r.reason or "") for r in res.results)
    assert log_size(world.url) == before


def test_transitions_of_other_scopes_work_orders_are_rejected(world: World, api_for: Callable[..., ServerApi]) -> None:
    a1 = api_for("agent1")
    wo = new_id()
    res = a1.push("c1", [{"mutation_id": new_id(), "entity": "work_order", "op": "create",
                          "data": {"id": wo, "customer_id": world.customers["T01"][0], "store_id": "S001"}}])
    assert res.results[0].status == "applied"
    for intruder in ("agent9", "reception2"):
        r = api_for(intruder).push(f"c-{intruder}", [{"mutation_id": new_id(), "entity": "work_order",
                                                      "op": "transition", "data": {"id": wo, "status": "arrived"}}])
        assert r.results[0].status == "rejected"
    r = api_for("reception1").push("c-r1", [{"mutation_id": new_id(), "entity": "work_order",
                                             "op": "transition", "data": {"id": wo, "status": "arrived"}}])
    assert r.results[0].status == "applied"


def test_forged_client_id_is_forbidden(world: World, api_for: Callable[..., ServerApi]) -> None:
    a1, a9 = api_for("agent1"), api_for("agent9")
    a1.push("desk-of-agent1", [])
    before = log_size(world.url)
    with pytest.raises(ServerRejected) as info:
        a9.push("desk-of-agent1", [{"mutation_id": new_id(), **cross_mutations(world, "T02")[0]}])
    assert info.value.status == 403
    assert log_size(world.url) == before


def test_another_users_mutation_id_is_forbidden(world: World, api_for: Callable[..., ServerApi]) -> None:
    a1, a9 = api_for("agent1"), api_for("agent9")
    mid = new_id()
    a1.push("c1", [{"mutation_id": mid, **cross_mutations(world, "T01")[0]}])
    before = log_size(world.url)
    with pytest.raises(ServerRejected) as info:
        a9.push("c9", [{"mutation_id": mid, **cross_mutations(world, "T02")[0]}])
    assert info.value.status == 403 and "another user" in info.value.message
    assert log_size(world.url) == before


def _raw(live: str, token: str, path: str = "/api/v1/sync/pull?cursor=0") -> httpx.Response:
    return httpx.get(live + path, headers={"Authorization": f"Bearer {token}"})


def test_bad_tokens_get_401(world: World, api_for: Callable[..., ServerApi], live_server: str) -> None:
    api = api_for("agent1")
    token = api._access
    assert token and _raw(live_server, token).status_code == 200
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert _raw(live_server, tampered).status_code == 401
    assert httpx.get(live_server + "/api/v1/sync/pull").status_code == 401
    assert httpx.get(live_server + "/api/v1/sync/pull",
                     headers={"Authorization": "Basic YWdlbnQxOnB3"}).status_code == 401
    # expired
    with central_session(world.url) as s:
        s.execute(update(AuthSession).values(access_expires=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    resp = _raw(live_server, token)
    assert resp.status_code == 401 and "expired" in resp.json()["detail"]
    # the client refreshes by itself and carries on
    assert api.pull(0).next_cursor > 0


def test_logout_and_admin_revocation(world: World, api_for: Callable[..., ServerApi], live_server: str) -> None:
    a1 = api_for("agent1")
    a1b = api_for("agent1")
    admin = api_for("admin")
    tok_a = a1._access
    tok_b = a1b._access
    hdr = {"Authorization": f"Bearer {admin._access}"}
    sessions = httpx.get(f"{live_server}/api/v1/admin/users/U-agent1/sessions", headers=hdr).json()
    assert len(sessions) == 2 and not any(s["revoked"] for s in sessions)
    # agents cannot use the admin endpoints
    assert _raw(live_server, tok_a, "/api/v1/admin/users/U-agent1/sessions").status_code == 403
    assert httpx.post(f"{live_server}/api/v1/admin/users/U-agent2/sessions/revoke",
                      headers={"Authorization": f"Bearer {tok_a}"}).status_code == 403
    a1.logout()
    assert _raw(live_server, str(tok_a)).status_code == 401
    assert _raw(live_server, str(tok_b)).status_code == 200
    r = httpx.post(f"{live_server}/api/v1/admin/users/U-agent1/sessions/revoke", headers=hdr)
    assert r.status_code == 200 and r.json()["count"] == 1
    assert _raw(live_server, str(tok_b)).status_code == 401
    with pytest.raises(AuthError):
        a1b.pull(0)  # refresh token revoked too


def test_call_events_reach_only_their_agent(world: World, api_for: Callable[..., ServerApi], live_server: str) -> None:
    a1, a2, a9 = api_for("agent1"), api_for("agent2"), api_for("agent9")
    starts = {n: api.pull(0, limit=5000).next_cursor for n, api in (("a1", a1), ("a2", a2), ("a9", a9))}
    caller = world.customers["T02"][1]  # a customer of the other team calls agent1
    assert a1.lookup_customer(world.phone_of(caller)) is None
    bad = httpx.post(f"{live_server}/api/v1/cti/events", json={"agent": "agent1", "caller": "13800138000"},
                     headers={"X-CTI-Secret": "wrong"})
    assert bad.status_code == 401
    ok = httpx.post(f"{live_server}/api/v1/cti/events",
                    json={"agent": "agent1", "caller": "+86 " + world.phone_of(caller)},
                    headers={"X-CTI-Secret": CTI_SECRET})
    assert ok.status_code == 200 and ok.json()["customer_id"] == caller
    events = [c for c in a1.pull(starts["a1"], wait=5).changes if c.entity == "call_event"]
    assert len(events) == 1 and events[0].op == "event" and events[0].data["customer"]["id"] == caller
    assert not [c for c in a2.pull(starts["a2"]).changes if c.entity == "call_event"]
    assert not [c for c in a9.pull(starts["a9"]).changes if c.entity == "call_event"]
    # the agent who took the call may now open that portrait; others still may not
    assert a1.lookup_customer(world.phone_of(caller)) is not None
    assert a2.lookup_customer(world.phone_of(caller)) is None
