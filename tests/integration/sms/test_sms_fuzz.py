"""Schemathesis over the new SMS and online-zone endpoints with a gateway configured (issue 15
point 9):
generated callbacks, admin edits and checks never make the server fail (no 5xx), with or
without the right secret, token and address."""

from __future__ import annotations

import os

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.integration import factories
from tests.integration.sms.conftest import SECRET, SmsChain, settings_for
from workbench.services.server_api import ServerApi

EXAMPLES = int(os.environ.get("WORKBENCH_FUZZ_EXAMPLES", "25"))


def test_schemathesis_on_the_sms_endpoints(no_gateway_chain: SmsChain, monkeypatch: pytest.MonkeyPatch) -> None:
    chain = no_gateway_chain
    monkeypatch.setenv("WORKBENCH_ONLINE_SECRET", "fuzz-online-secret")
    factories.make_world(chain.server.db_url, customers_per_team=2, with_tasks=False)
    chain.server.app.state.sms_settings = settings_for(chain.base_url, "kannel://u:p@127.0.0.1:13013")
    # /openapi.json is off unless enabled (issue 13): the schema comes from the app itself
    schema = schemathesis.openapi.from_dict(chain.server.app.openapi())
    api = ServerApi(httpx.Client(base_url=chain.base_url))
    token = api.login("admin", factories.PASSWORD).access_token
    failures: list[str] = []
    calls: dict[str, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if "/sms" not in operation.path and not operation.path.startswith("/online"):
            continue

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            headers = dict(case.headers or {})
            headers.pop("Authorization", None)
            if hash(repr(case.query)) % 3:
                headers["Authorization"] = f"Bearer {token}"
            if case.query and "key" in case.query and hash(repr(case.query)) % 2:
                case.query["key"] = SECRET
            case.headers = headers
            response = case.call(base_url=chain.base_url)
            calls[case.path] = calls.get(case.path, 0) + 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query!r:.200} -> "
                                f"{response.status_code}: {response.text[:300]} body={case.body!r:.300}")

        check()
    assert not failures, "\n".join(failures[:10])
    assert len(calls) >= 14 and sum(calls.values()) > 5 * len(calls)
