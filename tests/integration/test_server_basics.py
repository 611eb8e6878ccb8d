"""The walking-skeleton server on a real uvicorn: health, login, push, pull, lookup."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from server_stub.api import MIN_CLIENT_SCHEMA, SCHEMA_VERSION
from tests.integration.factories import World
from workbench.local_store.outbox import new_id
from workbench.services.server_api import (
    AuthError,
    ClientTooOldError,
    ServerApi,
    ThrottledError,
)


def contact(customer_id: str, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {"id": new_id(), "customer_id": customer_id, "channel": "outbound",
                               "wrapup": "refused", "intent": "low", "duration_s": 42,
                               "started_at": "2026-11-23T10:00:00+00:00"}
    data.update(extra)
    return data


def mutation(entity: str, op: str, data: dict[str, object]) -> dict[str, object]:
    return {"mutation_id": new_id(), "entity": entity, "op": op, "data": data}


def test_health_and_schema_header(live_server: str) -> None:
    resp = httpx.get(f"{live_server}/api/v1/health")
    assert resp.status_code == 200
    assert resp.headers["X-Workbench-Schema"] == str(SCHEMA_VERSION)
    body = resp.json()
    assert body["status"] == "ok" and body["min_client_schema"] == MIN_CLIENT_SCHEMA
    # errors carry the header too
    resp = httpx.get(f"{live_server}/api/v1/sync/pull")
    assert resp.status_code == 401 and resp.headers["X-Workbench-Schema"] == str(SCHEMA_VERSION)


def test_too_old_client_is_told_so(live_server: str) -> None:
    resp = httpx.get(f"{live_server}/api/v1/health",
                     headers={"X-Workbench-Client-Schema": str(MIN_CLIENT_SCHEMA - 1)})
    assert resp.status_code == 426
    assert "too old" in resp.json()["detail"]
    api = ServerApi(httpx.Client(base_url=live_server))
    import workbench.services.server_api as mod

    old = mod.CLIENT_SCHEMA
    mod.CLIENT_SCHEMA = MIN_CLIENT_SCHEMA - 1
    try:
        with pytest.raises(ClientTooOldError, match="too old"):
            api.health()
    finally:
        mod.CLIENT_SCHEMA = old


def test_login_refresh_logout(world: World, api_for: Callable[..., ServerApi]) -> None:
    api = api_for("")
    result = api.login("agent1", "pw")
    assert result.user.role == "agent" and result.user.team_id == "T01"
    assert len(result.access_token) >= 32 and result.access_token != result.refresh_token
    assert api.pull(0).next_cursor > 0
    again = api.refresh()
    assert again.access_token != result.access_token
    with pytest.raises(AuthError):
        api.refresh(result.refresh_token)  # rotated: the old refresh token is dead
    api.set_tokens(again.access_token, again.refresh_token)
    with pytest.raises(AuthError):
        api.pull(0)  # and its replay ended the whole session (see test_auth_refresh_reuse)
    again = api.login("agent1", "pw")
    api.logout()
    api.set_tokens(again.access_token, None)
    with pytest.raises(AuthError):
        api.pull(0)


def test_wrong_password_then_throttled(world: World, api_for: Callable[..., ServerApi]) -> None:
    api = api_for("")
    for _ in range(5):
        with pytest.raises(AuthError):
            api.login("agent2", "wrong")
    with pytest.raises(ThrottledError) as info:
        api.login("agent2", "pw")  # even the right password waits now
    assert info.value.retry_after > 0
    # other users are not affected by agent2's throttle
    assert api.login("agent1", "pw").user.username == "agent1"


def test_push_pull_lookup_roundtrip(world: World, api_for: Callable[..., ServerApi]) -> None:
    a1, a2 = api_for("agent1"), api_for("agent2")
    start = a2.pull(0, limit=5000).next_cursor
    cid = world.customers["T01"][0]
    m = mutation("contact_event", "create", contact(cid))
    res = a1.push("client-a1", [m])
    assert [r.status for r in res.results] == ["applied"]
    again = a1.push("client-a1", [m])
    assert again.results[0].status == "duplicate" and again.results[0].cursor == res.results[0].cursor
    page = a2.pull(start)
    assert [c.entity for c in page.changes] == ["contact_event"]
    assert page.changes[0].data["user_id"] == "U-agent1"
    found = a2.lookup_customer("+86 " + world.phone_of(cid))
    assert found is not None and found["customer"]["id"] == cid
    assert [c["id"] for c in found["contact_events"]] == [m["data"]["id"]]  # type: ignore[index]
    assert "password_hash" not in str(a2.pull(0, limit=5000).changes)


def test_long_poll_wakes_on_change(world: World, api_for: Callable[..., ServerApi]) -> None:
    import threading

    a1, a2 = api_for("agent1"), api_for("agent2")
    start = a2.pull(0, limit=5000).next_cursor
    got: list[object] = []
    t = threading.Thread(target=lambda: got.append(a2.pull(start, wait=20)))
    t.start()
    a1.push("client-a1", [mutation("contact_event", "create", contact(world.customers["T01"][1]))])
    t.join(30)
    page = got[0]
    assert len(page.changes) == 1  # type: ignore[attr-defined]
