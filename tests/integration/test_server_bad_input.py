"""Bad input never gives a 500: explicit cases, then schemathesis over the OpenAPI schema."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy import delete, func, select

from server_stub.api import Settings
from server_stub.storage.models import AppliedMutation, ChangeLog, LoginThrottle
from tests.integration.conftest import CTI_SECRET, LiveServer
from tests.integration.factories import World, central_session, make_world
from workbench.local_store.outbox import new_id
from workbench.services.server_api import ServerApi


def stored(url: str) -> tuple[int, int]:
    with central_session(url) as s:
        return (int(s.execute(select(func.count()).select_from(ChangeLog)).scalar_one()),
                int(s.execute(select(func.count()).select_from(AppliedMutation)).scalar_one()))


@pytest.fixture
def auth_headers(world: World, api_for: Callable[..., ServerApi]) -> dict[str, str]:
    api = api_for("agent1")
    return {"Authorization": f"Bearer {api._access}"}


def good_mutation(world: World) -> dict[str, object]:
    return {"mutation_id": new_id(), "entity": "contact_event", "op": "create",
            "data": {"id": new_id(), "customer_id": world.customers["T01"][0], "channel": "outbound",
                     "wrapup": "busy"}}


BAD_BODIES: list[tuple[str, bytes]] = [
    ("malformed json", b'{"client_id": "x", "mutations": ['),
    ("not an object", b'[1, 2, 3]'),
    ("empty", b""),
    ("wrong types", json.dumps({"client_id": 5, "mutations": "many"}).encode()),
    ("data not an object", json.dumps({"client_id": "c", "mutations": [
        {"mutation_id": "m", "entity": "contact_event", "op": "create", "data": [1]}]}).encode()),
    ("unknown field", json.dumps({"client_id": "c", "mutations": [], "admin": True}).encode()),
    ("nul in id", json.dumps({"client_id": "c\u0000", "mutations": []}).encode()),
    ("missing mutation id", json.dumps({"client_id": "c", "mutations": [
        {"entity": "contact_event", "op": "create", "data": {}}]}).encode()),
]


@pytest.mark.parametrize(("name", "body"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_push_bodies_are_4xx(world: World, live_server: str, auth_headers: dict[str, str],
                                 name: str, body: bytes) -> None:
    before = stored(world.url)
    r = httpx.post(f"{live_server}/api/v1/sync/push", content=body,
                   headers={**auth_headers, "Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, (name, r.status_code, r.text)
    assert r.json()["detail"]
    assert stored(world.url) == before


def test_oversized_body_and_batch(world: World, live_server: str, auth_headers: dict[str, str]) -> None:
    before = stored(world.url)
    from server_stub.sync import MAX_BATCH

    big = {"client_id": "c", "mutations": [good_mutation(world) for _ in range(MAX_BATCH + 1)]}
    r = httpx.post(f"{live_server}/api/v1/sync/push", json=big, headers=auth_headers)
    assert r.status_code == 422 and "mutations" in r.json()["detail"]
    huge = {"client_id": "c", "mutations": [{**good_mutation(world), "data": {"note": "x" * 6_000_000}}]}
    r = httpx.post(f"{live_server}/api/v1/sync/push", json=huge, headers=auth_headers)
    assert r.status_code == 413 and "larger than" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds for streamed bodies too
        yield b'{"client_id": "c", "mutations": [], "pad": "'
        for _ in range(700):
            yield b"y" * 10_000
        yield b'"}'

    r = httpx.post(f"{live_server}/api/v1/sync/push", content=chunks(),
                   headers={**auth_headers, "Content-Type": "application/json"})
    assert r.status_code == 413
    assert stored(world.url) == before


@pytest.mark.parametrize("mutation", [
    {"entity": "invoice", "op": "create", "data": {"id": "x"}},
    {"entity": "contact_event", "op": "delete", "data": {"id": "x"}},
    {"entity": "contact_event", "op": "create", "data": {"id": "x", "customer_id": "C-T01-0000",
                                                         "channel": "outbound", "wrapup": "busy",
                                                         "duration_s": "long"}},
    {"entity": "contact_event", "op": "create", "data": {"id": "x", "customer_id": "C-T01-0000",
                                                         "channel": "outbound", "wrapup": "busy",
                                                         "started_at": "yesterday"}},
    {"entity": "contact_event", "op": "create", "data": {"id": "x" * 80, "customer_id": "C-T01-0000",
                                                         "channel": "outbound", "wrapup": "busy"}},
    {"entity": "customer", "op": "update", "data": {"id": "C-T01-0000", "do_not_call": "yes"}},
    {"entity": "customer", "op": "update", "data": {"id": "C-T01-0000", "note": "a\u0000b"}},
    {"entity": "customer", "op": "create", "data": {"id": "L1", "name": "x", "phone": "1380013800"}},
])
def test_bad_mutations_are_rejected_with_reason(world: World, api_for: Callable[..., ServerApi],
                                                mutation: dict[str, object]) -> None:
    before = stored(world.url)
    res = api_for("agent1").push("c", [{"mutation_id": new_id(), **mutation}])
    assert res.results[0].status == "rejected" and res.results[0].reason
    after = stored(world.url)
    assert after[0] == before[0]  # nothing in the change log (the rejection itself is remembered)


@pytest.mark.parametrize(("query", "status"), [
    ("cursor=-1", 422), ("cursor=abc", 422), ("cursor=99999999", 409), ("cursor=1.5", 422),
    ("limit=0", 422), ("limit=100000", 422), ("wait=-3", 422), ("cursor=99999999999999999999999", 422),
])
def test_impossible_cursors(world: World, live_server: str, auth_headers: dict[str, str],
                            query: str, status: int) -> None:
    r = httpx.get(f"{live_server}/api/v1/sync/pull?{query}", headers=auth_headers)
    assert r.status_code == status, r.text
    assert r.json()["detail"]


def test_bad_lookup_and_login_input(world: World, live_server: str, auth_headers: dict[str, str]) -> None:
    assert httpx.get(f"{live_server}/api/v1/customers/lookup?phone=hello", headers=auth_headers).status_code == 400
    assert httpx.get(f"{live_server}/api/v1/customers/lookup", headers=auth_headers).status_code == 422
    r = httpx.post(f"{live_server}/api/v1/auth/login", json={"username": "a\u0000", "password": "x"})
    assert r.status_code == 422
    r = httpx.post(f"{live_server}/api/v1/auth/login", content=b"username=agent1",
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422


#: examples per operation (raise it for a longer hunt: WORKBENCH_FUZZ_EXAMPLES=500)
EXAMPLES = int(os.environ.get("WORKBENCH_FUZZ_EXAMPLES", "15"))


def test_schemathesis_finds_no_server_error(central_url: str) -> None:
    """Property-based requests generated from the OpenAPI schema, with and without a token."""
    make_world(central_url, customers_per_team=3)
    server = LiveServer(central_url, Settings(max_wait_s=0.2, poll_interval_s=0.05, cti_secret=CTI_SECRET)).start()
    try:
        # /openapi.json is off by default: the schema straight from the app object
        schema = schemathesis.openapi.from_dict(server.app.openapi())
        http = httpx.Client(base_url=server.base_url)
        api = ServerApi(http)

        def relogin() -> str:
            with central_session(central_url) as s:  # generated logins may have throttled us
                s.execute(delete(LoginThrottle))
            return api.login("admin", "pw").access_token

        token = {"value": relogin()}
        failures: list[str] = []
        calls: dict[str, int] = {}
        for result in schema.get_all_operations():
            operation = result.ok()

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy())
            def check(case: schemathesis.Case) -> None:
                headers = dict(case.headers or {})
                headers.pop("Authorization", None)
                if "Authorization" not in headers and hash(repr(case.body)) % 4:
                    headers["Authorization"] = f"Bearer {token['value']}"
                if "cti" in case.path:
                    headers["X-CTI-Secret"] = CTI_SECRET
                case.headers = headers
                response = case.call(base_url=server.base_url)
                calls[case.path] = calls.get(case.path, 0) + 1
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                    f"{response.text[:300]} body={case.body!r:.300}")
                if ("logout" in case.path or "revoke" in case.path) and response.status_code == 200:
                    token["value"] = relogin()

            check()
        assert not failures, "\n".join(failures[:10])
        assert len(calls) >= 12 and sum(calls.values()) > 5 * len(calls)  # it really exercised the API
    finally:
        server.stop()
