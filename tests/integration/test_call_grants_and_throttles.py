"""A routed call grants one contact write for that call only; lookups and wrong CTI secrets
are throttled in the store, across server processes (issue #13, point 8)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import func, select, update

from server_stub import rate_limit
from server_stub.storage.models import CallGrant, ContactEvent
from tests.integration.conftest import CTI_SECRET, LiveServer
from tests.integration.factories import World, central_session
from workbench.local_store.outbox import new_id
from workbench.services.server_api import ServerApi, ThrottledError


def _contact(cust: str) -> dict[str, Any]:
    return {"mutation_id": new_id(), "entity": "contact_event", "op": "create",
            "data": {"id": new_id(), "customer_id": cust, "channel": "hotline", "wrapup": "info_only"}}


def _route(base_url: str, agent: str, phone: str, call_id: str | None) -> httpx.Response:
    body: dict[str, Any] = {"agent": agent, "caller": phone}
    if call_id:
        body["call_id"] = call_id
    return httpx.post(f"{base_url}/api/v1/cti/events", json=body, headers={"X-CTI-Secret": CTI_SECRET})


def _statuses(api: ServerApi, client: str, muts: list[dict[str, Any]]) -> list[str]:
    return [r.status for r in api.push(client, muts).results]


def _contacts_of(url: str, cust: str) -> int:
    with central_session(url) as s:
        return int(s.execute(select(func.count()).select_from(ContactEvent)
                             .where(ContactEvent.customer_id == cust)).scalar_one())


def test_a_call_grants_one_contact_event_for_that_call_only(
    world: World, api_for: Callable[..., ServerApi], live_server: str
) -> None:
    a1, a2 = api_for("agent1"), api_for("agent2")
    caller, other = world.customers["T02"][0], world.customers["T02"][1]
    assert _statuses(a1, "c1", [_contact(caller)]) == ["rejected"]  # no call, no write
    assert _route(live_server, "agent1", world.phone_of(caller), "call-7").status_code == 200
    assert a1.lookup_customer(world.phone_of(caller)) is not None  # read access for the call
    assert a1.lookup_customer(world.phone_of(other)) is None

    policy = world.policies[0]
    attempts = [
        {"mutation_id": new_id(), "entity": "acceptance", "op": "create",
         "data": {"id": new_id(), "customer_id": caller, "policy_id": policy, "channel": "hotline"}},
        {"mutation_id": new_id(), "entity": "work_order", "op": "create",
         "data": {"id": new_id(), "customer_id": caller, "store_id": "S002"}},
        {"mutation_id": new_id(), "entity": "customer", "op": "update", "data": {"id": caller, "note": "mine"}},
        _contact(other),  # another customer of that team
    ]
    refused = a1.push("c1", attempts).results
    assert [r.status for r in refused] == ["rejected"] * 4
    assert all("scope" in (r.reason or "") for r in refused), [r.reason for r in refused]
    assert _statuses(a2, "c2", [_contact(caller)]) == ["rejected"]  # a colleague did not take the call
    # the outcome of the call: once
    assert _statuses(a1, "c1", [_contact(caller), _contact(caller)]) == ["applied", "rejected"]
    second = a1.push("c1", [_contact(caller)]).results[0]
    assert second.status == "rejected" and "one contact event" in (second.reason or "")
    # the PBX repeating the same call grants nothing more
    assert _route(live_server, "agent1", world.phone_of(caller), "call-7").status_code == 200
    assert _statuses(a1, "c1", [_contact(caller)]) == ["rejected"]
    assert _contacts_of(world.url, caller) == 1
    # a new call: one more outcome
    assert _route(live_server, "agent1", world.phone_of(caller), "call-8").status_code == 200
    assert _statuses(a1, "c1", [_contact(caller)]) == ["applied"]
    assert _contacts_of(world.url, caller) == 2


def test_a_call_grant_expires(world: World, api_for: Callable[..., ServerApi], live_server: str) -> None:
    a1 = api_for("agent1")
    caller = world.customers["T02"][2]
    assert _route(live_server, "agent1", world.phone_of(caller), None).status_code == 200
    assert a1.lookup_customer(world.phone_of(caller)) is not None
    with central_session(world.url) as s:  # the call was a while ago
        s.execute(update(CallGrant).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert a1.lookup_customer(world.phone_of(caller)) is None
    assert _statuses(a1, "c1", [_contact(caller)]) == ["rejected"]
    assert _contacts_of(world.url, caller) == 0


def test_parallel_pushes_spend_a_call_grant_once(
    world: World, api_for: Callable[..., ServerApi], live_server: str
) -> None:
    caller = world.customers["T02"][3]
    assert _route(live_server, "agent1", world.phone_of(caller), "call-p").status_code == 200
    apis = [api_for("agent1") for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda ia: _statuses(ia[1], f"p{ia[0]}", [_contact(caller)]), enumerate(apis)))
    assert sorted(r[0] for r in results) == ["applied"] + ["rejected"] * 5
    assert _contacts_of(world.url, caller) == 1


def test_lookups_are_throttled_per_user_across_processes(world: World, central_url: str) -> None:
    """Two server apps (separate engines and memory, as two processes) share the bucket."""
    one, two = LiveServer(central_url).start(), LiveServer(central_url).start()
    try:
        a, b = ServerApi(httpx.Client(base_url=one.base_url)), ServerApi(httpx.Client(base_url=two.base_url))
        a.login("agent1", "pw")
        b.set_tokens(a._access, None)  # the same user and session, through the other process
        phone = world.phone_of(world.customers["T01"][0])
        capacity = int(rate_limit.LOOKUPS_PER_USER.capacity)

        def lookup(i: int) -> str:
            try:
                (a if i % 2 else b).lookup_customer(phone)
                return "ok"
            except ThrottledError as exc:
                assert exc.retry_after >= 1
                return "throttled"

        start = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(lookup, range(capacity * 2)))
        refilled = (time.monotonic() - start) * rate_limit.LOOKUPS_PER_USER.per_second
        assert capacity <= outcomes.count("ok") <= capacity + refilled + 1
        assert outcomes.count("throttled") >= capacity - refilled - 1
        # another user has a bucket of their own
        c = ServerApi(httpx.Client(base_url=one.base_url))
        c.login("agent2", "pw")
        assert c.lookup_customer(phone) is not None
    finally:
        one.stop()
        two.stop()


def test_wrong_cti_secrets_are_throttled(world: World, live_server: str) -> None:
    phone = world.phone_of(world.customers["T01"][0])
    allowed = int(rate_limit.CTI_SECRET_FAILURES.capacity)

    def guess(i: int) -> int:
        return httpx.post(f"{live_server}/api/v1/cti/events", json={"agent": "agent1", "caller": phone},
                          headers={"X-CTI-Secret": f"guess-{i}"}).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(guess, range(allowed * 3)))
    assert set(codes) == {401, 429}
    assert codes.count(401) <= allowed + 1  # + what refilled meanwhile (one per 30 s)
    # while throttled, even the right secret is not compared (no oracle for guesses)
    r = _route(live_server, "agent1", phone, None)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
