"""Issue #13 point 3: throttling that does not lock out the real user.

Throttles are per account and client address (or known device) with growing waits, a device
that logged in before gets through while others are throttled, an administrator can clear a
throttle (API and ``workbench-server clear-throttle``), and a 429 says when to try again.
Real servers on loopback; other client addresses are real source addresses (127.0.0.x).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from server_stub import cli, login_throttle
from server_stub.login_throttle import (
    BASE_DELAY,
    FORGET_AFTER,
    FREE_ADDRESS,
    FREE_ATTEMPTS,
    MAX_DELAY,
)
from server_stub.storage.db import open_central, session_factory, unit_of_work
from server_stub.storage.models import AuditEntry, LoginThrottle
from tests.integration.factories import World, central_session

LOGIN = "/api/v1/auth/login"
DEVICE = "3f0c9a6e-6a55-4c1e-9a57-d2a1c3f1b0aa"


@pytest.fixture
def client(world: World, live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=30) as http:
        yield http


def from_address(base_url: str, address: str) -> httpx.Client:
    """A client whose connections leave from ``address`` (another loopback address)."""
    return httpx.Client(base_url=base_url, timeout=30, transport=httpx.HTTPTransport(local_address=address))


def login(http: httpx.Client, username: str, password: str, client_id: str | None = None) -> httpx.Response:
    body = {"username": username, "password": password}
    if client_id is not None:
        body["client_id"] = client_id
    return http.post(LOGIN, json=body)


def throttle(http: httpx.Client, username: str) -> httpx.Response:
    """Wrong passwords until the server answers 429; returns that answer."""
    for _ in range(FREE_ATTEMPTS):
        assert login(http, username, "wrong").status_code == 401
    answer = login(http, username, "wrong")
    assert answer.status_code == 429
    return answer


def admin_headers(http: httpx.Client) -> dict[str, str]:
    token = login(http, "admin", "pw").json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_known_device_gets_through_while_others_are_throttled(client: httpx.Client) -> None:
    assert login(client, "agent1", "pw", DEVICE).status_code == 200  # the owner's desktop, once
    answer = throttle(client, "agent1")  # then someone guesses from the same address
    wait = int(answer.headers["Retry-After"])
    assert 0 < wait <= BASE_DELAY.total_seconds() + 1
    assert f"{wait} seconds" in answer.json()["detail"]
    assert dt.datetime.fromisoformat(answer.headers["X-Retry-At"]) > dt.datetime.now(dt.UTC)
    # the right password without the device, or with a made-up device id, waits too ...
    assert login(client, "agent1", "pw").status_code == 429
    assert login(client, "agent1", "pw", "0e8a1d11-0000-4000-8000-000000000000").status_code == 429
    # ... the owner's own device gets in
    assert login(client, "agent1", "pw", DEVICE).status_code == 200
    # and a wrong password on the known device is counted on its own key, not the address's
    assert login(client, "agent1", "wrong", DEVICE).status_code == 401
    assert login(client, "agent1", "pw", DEVICE).status_code == 200


def test_failures_from_one_address_do_not_lock_the_account_elsewhere(
        client: httpx.Client, live_server: str) -> None:
    throttle(client, "agent2")
    with from_address(live_server, "127.0.0.2") as other:
        assert login(other, "agent2", "pw").status_code == 200
    assert login(client, "agent1", "pw").status_code == 200  # other accounts behind it too


def test_one_careless_address_does_not_lock_out_known_devices_behind_it(client: httpx.Client) -> None:
    assert login(client, "agent1", "pw", DEVICE).status_code == 200
    for i in range(FREE_ADDRESS):  # names sprayed from one address
        assert login(client, f"someone{i}", "wrong").status_code == 401
    assert login(client, "agent2", "pw").status_code == 429  # strangers behind it wait ...
    assert login(client, "agent1", "pw", DEVICE).status_code == 200  # known devices do not


def test_waits_grow_instead_of_a_hard_lock(world: World) -> None:
    """Driven with explicit clock values on the real store (SQLite and PostgreSQL)."""
    engine = open_central(world.url, migrate=False)
    factory = session_factory(engine)
    keys = login_throttle.keys_for("agent1", "10.0.0.9", None)
    t = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)

    def attempt(at: dt.datetime) -> int | None:
        """A wrong password at ``at`` as the server handles it: None if checked, else the wait."""
        try:
            with unit_of_work(factory) as s:
                login_throttle.reserve(s, keys, at)
        except login_throttle.ThrottledError as exc:
            return exc.retry_after
        with unit_of_work(factory) as s:
            login_throttle.failed(s, keys, at)
        return None

    try:
        for _ in range(FREE_ATTEMPTS):
            assert attempt(t) is None
        waits = []
        for _ in range(6):
            wait = attempt(t)
            assert wait is not None
            waits.append(wait)
            t += dt.timedelta(seconds=wait)
            assert attempt(t) is None  # after the wait, one more try
        assert waits == [30, 60, 120, 240, 480, 900]  # doubling, capped
        assert attempt(t) == MAX_DELAY.total_seconds()
        t += FORGET_AFTER + dt.timedelta(seconds=1)  # an hour of quiet: starts over
        for _ in range(FREE_ATTEMPTS - 1):
            assert attempt(t) is None
        with unit_of_work(factory) as s:  # a good password: its own key starts over, not the wide ones
            login_throttle.reserve(s, keys, t)
        with unit_of_work(factory) as s:
            login_throttle.succeeded(s, keys)
            rows = {r.scope: r for r in s.execute(select(LoginThrottle)).scalars()}
        assert "source" not in rows and rows["account"].failures == FREE_ATTEMPTS - 1
        for _ in range(FREE_ATTEMPTS):
            assert attempt(t) is None
        assert attempt(t) == BASE_DELAY.total_seconds()
    finally:
        engine.dispose()


def test_admin_clears_a_throttle(client: httpx.Client, world: World) -> None:
    throttle(client, "agent2")
    headers = admin_headers(client)
    listed = client.get("/api/v1/admin/login-throttles", headers=headers).json()
    assert {(t["scope"], t["username"]) for t in listed} >= {("source", "agent2")}
    assert all(t["retry_after"] > 0 for t in listed)

    agent = {"Authorization": f"Bearer {login(client, 'agent1', 'pw').json()['access_token']}"}
    clear = "/api/v1/admin/login-throttles/clear"
    assert client.post(clear, json={"username": "agent2"}, headers=agent).status_code == 403
    assert client.post(clear, json={"username": "agent2"}).status_code == 401
    assert client.post(clear, json={}, headers=headers).status_code == 422
    assert client.post(clear, json={"username": "a" * 61}, headers=headers).status_code == 422
    assert client.post(clear, json={"username": "agent2", "x": 1}, headers=headers).status_code == 422
    assert login(client, "agent2", "pw").status_code == 429  # none of those cleared anything

    answer = client.post(clear, json={"username": "agent2"}, headers=headers)
    assert answer.status_code == 200 and answer.json()["count"] >= 2
    assert login(client, "agent2", "pw").status_code == 200
    with central_session(world.url) as s:
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "clear_login_throttle")).scalar_one()
    assert audit.user_id == "U-admin" and "user=agent2" in audit.detail


def test_clear_throttle_command(client: httpx.Client, world: World, capsys: pytest.CaptureFixture[str]) -> None:
    throttle(client, "agent2")
    assert cli.main(["clear-throttle", "--list", "--db", world.url]) == 0
    assert "agent2" in capsys.readouterr().out
    assert cli.main(["clear-throttle", "--db", world.url]) == 2  # nothing named
    assert cli.main(["clear-throttle", "--address", "127.0.0.1", "--db", world.url]) == 0
    assert "cleared" in capsys.readouterr().out
    assert login(client, "agent2", "pw").status_code == 200
    with central_session(world.url) as s:
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "clear_login_throttle")).scalar_one()
    assert audit.user_id == "cli" and "address=127.0.0.1" in audit.detail


def test_login_refuses_bad_client_ids(client: httpx.Client) -> None:
    for bad in ["", "x" * 65, "a\x00b", 5, ["x"], {"id": "x"}]:
        answer = client.post(LOGIN, json={"username": "agent1", "password": "pw", "client_id": bad})
        assert answer.status_code == 422, (bad, answer.text)
