"""Every JSON column, fuzzed: whatever a client sends into a JSON field, and whatever ends up
stored in a JSON column behind the server's back, no endpoint answers 5xx (issue #13, point 1).

Each example (hypothesis) does two things, then calls the endpoints:

1. through the API, puts a generated value (NaN, infinities, huge and deep values, NUL
   characters, wrong types ...) into every JSON field a client can reach: a pushed lead's
   ``scores`` and ``tags``, a published policy's ``channels`` and a script's ``keywords``;
2. writes generated JSON text straight into one row of one JSON column of the central store
   (the columns are found in the models, so a new JSON column is fuzzed too).

Then pull (every page, three roles), lookup, push (contact event, portrait edit, a replay),
publish, the CTI feed, ``me`` and ``health`` must all answer below 500.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, text
from sqlalchemy.exc import DBAPIError, StatementError

from server_stub.api import Settings
from server_stub.storage.models import Base, ScoringModel
from tests.integration.conftest import CTI_SECRET, LiveServer
from tests.integration.factories import central_session, make_world
from workbench.local_store.outbox import new_id

EXAMPLES = int(os.environ.get("WORKBENCH_FUZZ_EXAMPLES", "25"))


def json_columns() -> list[tuple[str, str, str]]:
    """(table, column, primary key column) of every JSON column of the central store."""
    out = []
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        for col in table.columns:
            if isinstance(col.type, JSON) and len(pk) == 1:
                out.append((table.name, col.name, pk[0].name))
    return out


def test_the_models_json_columns_are_all_found() -> None:
    found = {(t, c) for t, c, _pk in json_columns()}
    assert {("customers", "scores"), ("customers", "tags"), ("users", "skills"), ("policies", "channels"),
            ("scripts", "keywords"), ("change_log", "data"), ("applied_mutations", "result"),
            ("scoring_models", "metrics")} <= found


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e300, -1e16, 1e15, 0.5, 2.0]),
    st.text(max_size=20), st.text(alphabet="a\x00\u202e\ud7ff", max_size=4),
    st.sampled_from(["x" * 20_000, "t" * 70]),
)
values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)
#: JSON text as it could sit in a store: Python's lenient encoding, and a few nastier ones
raw_texts = st.one_of(
    values.map(lambda v: json.dumps(v, allow_nan=True)),
    st.sampled_from(["1e400", "[-1e400]", '{"deal": 1e999}', "1" + "0" * 400, "[" * 3000 + "]" * 3000,
                     '{"a": ', "", "null", '"\\u0000"', '{"id": 5}', "[NaN]", '{"deal": Infinity}']),
)


def _deep(n: int) -> Any:
    v: Any = 1
    for _ in range(n):
        v = [v]
    return v


class Client:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=60)
        self.tokens: dict[str, str] = {}
        self.statuses: list[tuple[str, int, str]] = []

    def login(self, user: str) -> None:
        r = self.http.post("/api/v1/auth/login", json={"username": user, "password": "pw"})
        r.raise_for_status()
        self.tokens[user] = r.json()["access_token"]

    def call(self, user: str | None, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", {}))
        if user:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        r = self.http.request(method, path, headers=headers, **kw)
        self.statuses.append((f"{method} {path} as {user}", r.status_code, r.text[:300]))
        return r

    def push_raw(self, user: str, mutations_json: str) -> httpx.Response:
        body = f'{{"client_id": "fuzz-{user}", "mutations": [{mutations_json}]}}'
        return self.call(user, "POST", "/api/v1/sync/push", content=body.encode(),
                         headers={"Content-Type": "application/json"})


def _mutation(entity: str, op: str, data_json: str, mutation_id: str | None = None) -> str:
    return (f'{{"mutation_id": "{mutation_id or new_id()}", "entity": "{entity}", "op": "{op}", '
            f'"data": {data_json}}}')


@pytest.fixture
def fuzz_server(central_url: str) -> Iterator[tuple[str, Client, dict[str, Any]]]:
    world = make_world(central_url, customers_per_team=3, with_tasks=True)
    with central_session(central_url) as s:
        s.add(ScoringModel(id="M-1", kind="deal", version=1, payload=b"x", metrics={"auc": 0.7}))
    server = LiveServer(central_url, Settings(max_wait_s=0.2, poll_interval_s=0.05, cti_secret=CTI_SECRET)).start()
    client = Client(server.base_url)
    try:
        for user in ("agent1", "reception1", "admin"):
            client.login(user)
        client.call("admin", "POST", "/api/v1/admin/policies/publish", json={"yaml": yaml.safe_dump(
            {"format": 1, "scripts": [{"id": "S-1", "keywords": ["a"]}]})}).raise_for_status()
        replay = new_id()
        cust = world.customers["T01"][0]
        client.push_raw("agent1", _mutation("contact_event", "create", json.dumps(
            {"id": new_id(), "customer_id": cust, "channel": "outbound", "wrapup": "busy"}), replay))
        yield central_url, client, {"world": world, "replay": replay}
    finally:
        client.http.close()
        server.stop()


def _poison_store(url: str, table: str, column: str, pk: str, raw: str, offset: int) -> None:
    pg = not url.startswith("sqlite")
    value = "CAST(:v AS json)" if pg else ":v"
    try:
        with central_session(url) as s:
            s.execute(text(f"UPDATE {table} SET {column} = {value} WHERE {pk} = "  # table and column names from the models
                           f"(SELECT {pk} FROM {table} ORDER BY {pk} LIMIT 1 OFFSET :k)"), {"v": raw, "k": offset})
    except (DBAPIError, StatementError):
        pass  # PostgreSQL's json type refuses some texts (NaN): nothing stored, nothing to check


def _exercise(client: Client, ctx: dict[str, Any], value_json: str, value: Any) -> None:
    world = ctx["world"]
    customers = world.customers["T01"] + world.customers["T02"]
    # 1. JSON fields a client can reach
    lead = {"id": new_id(), "name": "线索", "phone": "13912345678", "is_lead": True}
    lead_json = json.dumps(lead)[:-1]
    client.push_raw("agent1", _mutation("customer", "create", f'{lead_json}, "scores": {value_json}}}'))
    client.push_raw("reception1", _mutation("customer", "create", f'{lead_json}, "tags": {value_json}}}'))
    try:
        doc = yaml.safe_dump({"format": 1,
                              "policies": [{"id": "P-FUZZ", "name": "fuzz", "rule": "true", "channels": value}],
                              "scripts": [{"id": "S-1", "keywords": value}]}, allow_unicode=True)
    except yaml.YAMLError:
        doc = None
    if doc is not None and len(doc) < 1_000_000:
        client.call("admin", "POST", "/api/v1/admin/policies/publish", json={"yaml": doc})
    # 2. every endpoint that reads stored rows
    for user in ("agent1", "reception1", "admin"):
        cursor = 0
        for _ in range(100):
            r = client.call(user, "GET", "/api/v1/sync/pull", params={"cursor": cursor, "limit": 40})
            if r.status_code != 200:
                break
            page = r.json()
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
    for cid in customers:
        client.call("admin", "GET", "/api/v1/customers/lookup", params={"phone": world.phone_of(cid)})
    cust = customers[0]
    client.push_raw("agent1", ",".join([
        _mutation("contact_event", "create", json.dumps(
            {"id": new_id(), "customer_id": cust, "channel": "outbound", "wrapup": "busy"})),
        _mutation("customer", "update", json.dumps({"id": cust, "note": "fuzz"})),
        _mutation("contact_event", "create", "{}", ctx["replay"]),
    ]))
    client.call("admin", "POST", "/api/v1/admin/policies/publish", json={"yaml": yaml.safe_dump(
        {"format": 1, "policies": [{"id": "P-FUZZ", "name": "fuzz2", "rule": "true"}],
         "scripts": [{"id": "S-1", "keywords": ["b"]}]})})
    client.call(None, "POST", "/api/v1/cti/events", json={"agent": "agent1", "caller": world.phone_of(cust)},
                headers={"X-CTI-Secret": CTI_SECRET})
    for user in ("agent1", "admin"):
        client.call(user, "GET", "/api/v1/auth/me")
    client.call(None, "GET", "/api/v1/health")
    client.call("admin", "GET", "/api/v1/admin/users/U-agent1/sessions")


def test_no_endpoint_answers_5xx_whatever_json_is_sent_or_stored(
        fuzz_server: tuple[str, Client, dict[str, Any]]) -> None:
    url, client, ctx = fuzz_server
    columns = json_columns()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(value=st.one_of(values, st.just(_deep(40))), column=st.sampled_from(columns), raw=raw_texts,
           offset=st.integers(min_value=0, max_value=4))
    def example(value: Any, column: tuple[str, str, str], raw: str, offset: int) -> None:
        _poison_store(url, *column, raw, offset)
        _exercise(client, ctx, json.dumps(value, allow_nan=True), value)
        failures = [s for s in client.statuses if s[1] >= 500]
        assert not failures, (column, raw[:200], failures[:5])

    example()
    # it really exercised the endpoints, and mostly not as refusals
    assert len(client.statuses) > EXAMPLES * 20
    assert sum(1 for s in client.statuses if s[1] == 200) > len(client.statuses) / 2
