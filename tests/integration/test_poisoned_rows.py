"""Poisoned rows (issue #13, point 1): non-finite and out-of-range numbers never get stored, and a
stored row that cannot be encoded never turns a pull page (or a lookup) into a 500.

The attack of the review: one agent pushes a lead whose ``scores`` hold ``NaN``, ``Infinity``
and ``-1e400``; the push was applied and from then on every pull page containing that change
answered 500, for the whole team and every admin.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select, text

from server_stub.storage.models import ChangeLog, Customer
from tests.integration.factories import World, central_session
from workbench.local_store.outbox import new_id
from workbench.services.server_api import ServerApi

POISON = ("NaN", "Infinity", "-Infinity", "-1e400", "1e400")


def log_size(url: str) -> int:
    with central_session(url) as s:
        return int(s.execute(select(func.count()).select_from(ChangeLog)).scalar_one())


def raw_push(base: str, token: str, mutation_json: str, client: str = "c-poison") -> httpx.Response:
    """A push whose body is written by hand: ``NaN`` and ``-1e400`` are not JSON that any
    well-behaved encoder would write, but Python's and pydantic's parsers accept them."""
    body = f'{{"client_id": "{client}", "mutations": [{mutation_json}]}}'
    return httpx.post(f"{base}/api/v1/sync/push", content=body.encode(),
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def lead_json(scores: str, **extra: str) -> str:
    fields = {"id": json.dumps(new_id()), "name": '"新线索"', "phone": '"13912345678"', "is_lead": "true",
              "scores": scores, **extra}
    data = ", ".join(f'"{k}": {v}' for k, v in fields.items())
    return (f'{{"mutation_id": "{new_id()}", "entity": "customer", "op": "create", '
            f'"data": {{{data}}}}}')


def test_the_review_attack_poisoned_lead_is_refused(world: World, api_for: Callable[..., ServerApi],
                                                   live_server: str) -> None:
    agent = api_for("agent1")
    admin = api_for("admin")
    before = log_size(world.url)
    r = raw_push(live_server, str(agent._access),
                 lead_json('{"deal": NaN, "churn": Infinity, "renewal": -1e400}'))
    assert r.status_code == 200, r.text
    result = r.json()["results"][0]
    assert result["status"] == "rejected" and "scores" in result["reason"], result
    assert log_size(world.url) == before
    with central_session(world.url) as s:
        assert s.execute(select(func.count()).select_from(Customer).where(Customer.is_lead)).scalar_one() == 0
    # and the team and the admins still sync
    for api in (agent, admin):
        assert api.pull(0, limit=5000).next_cursor >= before


@pytest.mark.parametrize("poison", POISON)
@pytest.mark.parametrize("where", ["scores", "tags", "nested"])
def test_non_finite_numbers_in_any_json_field_are_refused(
    world: World, api_for: Callable[..., ServerApi], live_server: str, poison: str, where: str
) -> None:
    agent = api_for("agent1")
    before = log_size(world.url)
    if where == "scores":
        m = lead_json(f'{{"deal": {poison}}}')
    elif where == "tags":
        m = lead_json('{"deal": 0.5}', tags=f'["vip", {poison}]')
    else:
        m = lead_json(f'{{"deal": 0.5, "x": [{{"y": {poison}}}]}}')
    r = raw_push(live_server, str(agent._access), m)
    assert r.status_code == 200, r.text
    result = r.json()["results"][0]
    assert result["status"] == "rejected", result
    assert ("scores" if where != "tags" else "tags") in result["reason"]
    assert log_size(world.url) == before


@pytest.mark.parametrize("field", ["cost", "deal_value", "predicted_p", "duration_s"])
@pytest.mark.parametrize("poison", ["NaN", "-1e400", "Infinity"])
def test_non_finite_numbers_in_number_columns_are_refused(
    world: World, api_for: Callable[..., ServerApi], live_server: str, field: str, poison: str
) -> None:
    agent = api_for("agent1")
    before = log_size(world.url)
    cust = world.customers["T01"][0]
    m = (f'{{"mutation_id": "{new_id()}", "entity": "contact_event", "op": "create", "data": '
         f'{{"id": "{new_id()}", "customer_id": "{cust}", "channel": "outbound", "wrapup": "busy", '
         f'"{field}": {poison}}}}}')
    result = raw_push(live_server, str(agent._access), m).json()["results"][0]
    assert result["status"] == "rejected" and field in result["reason"], result
    assert log_size(world.url) == before


# ---------------------------------------------------------------- stored poison, pulled


def _poison_the_log(url: str, team: str) -> dict[str, int]:
    """Write bad change-log rows straight into the store (as a broken import or a hand edit
    would), between good ones; returns their cursors by kind."""
    pg = not url.startswith("sqlite")
    kinds = {
        # PostgreSQL's json type refuses NaN but takes 1e400, which decodes to infinity
        "non-finite": '{"id": "C-bad-1", "scores": {"deal": 1e400}}' if pg else
                      '{"id": "C-bad-1", "scores": {"deal": NaN, "churn": -Infinity}}',
        # deeper than the JSON parser goes
        "too deep": '{"id": "C-bad-2", "x": ' + "[" * 3000 + "]" * 3000 + "}",
    }
    if not pg:
        kinds["broken text"] = '{"id": "C-bad-3", "scores": {"deal": 0.'
    cursors: dict[str, int] = {}
    with central_session(url) as s:
        top = int(s.execute(text("SELECT value FROM cursor_counter WHERE id = 1")).scalar_one())
        for kind, data in kinds.items():
            top += 1
            s.execute(text("INSERT INTO change_log (cursor, entity, entity_id, op, data, team_id, store_id, "
                           "created_at) VALUES (:c, 'customer', :e, 'upsert', :d, :t, NULL, CURRENT_TIMESTAMP)"),
                      {"c": top, "e": f"bad-{top}", "d": data, "t": team})
            cursors[kind] = top
        s.execute(text("UPDATE cursor_counter SET value = :v WHERE id = 1"), {"v": top})
    return cursors


def test_a_stored_row_that_cannot_be_encoded_never_breaks_a_pull(
    world: World, api_for: Callable[..., ServerApi], caplog: pytest.LogCaptureFixture
) -> None:
    agent, admin = api_for("agent1"), api_for("admin")
    cursors = _poison_the_log(world.url, "T01")
    # a good change after the poisoned ones
    cust = world.customers["T01"][0]
    res = agent.push("c1", [{"mutation_id": new_id(), "entity": "contact_event", "op": "create",
                             "data": {"id": new_id(), "customer_id": cust, "channel": "outbound",
                                      "wrapup": "busy"}}])
    good = res.results[0].cursor
    assert good is not None and good > max(cursors.values())
    caplog.set_level(logging.ERROR, logger="server_stub.sync")
    for api in (agent, admin):
        page = api.pull(0, limit=5000)
        got = [c.cursor for c in page.changes]
        assert good in got
        assert not set(cursors.values()) & set(got)
        assert page.next_cursor >= good and not page.has_more
        # paging over the bad rows in small pages too
        seen: list[int] = []
        cursor = 0
        while True:
            small = api.pull(cursor, limit=2)
            seen += [c.cursor for c in small.changes]
            cursor = small.next_cursor
            if not small.has_more:
                break
        assert good in seen and not set(cursors.values()) & set(seen)
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "server_stub.sync")
    for c in cursors.values():
        assert f"row {c} " in logged


def test_a_poisoned_customer_row_still_looks_up(world: World, api_for: Callable[..., ServerApi],
                                                caplog: pytest.LogCaptureFixture) -> None:
    cust = world.customers["T01"][1]
    pg = not world.url.startswith("sqlite")
    with central_session(world.url) as s:
        if pg:  # float8 holds NaN and Infinity; json holds 1e400
            s.execute(text("UPDATE customers SET arpu = 'NaN', data_usage_gb = '-Infinity', "
                           "scores = '{\"deal\": 1e400}' WHERE id = :c"), {"c": cust})
        else:
            s.execute(text("UPDATE customers SET scores = '{\"deal\": NaN}' WHERE id = :c"), {"c": cust})
        s.execute(text("UPDATE contact_events SET cost = cost WHERE customer_id = :c"), {"c": cust})
    caplog.set_level(logging.ERROR, logger="server_stub.sync")
    found = api_for("agent1").lookup_customer(world.phone_of(cust))
    assert found is not None
    assert found["customer"]["id"] == cust and found["customer"]["scores"] == {"deal": None}
    if pg:
        assert found["customer"]["arpu"] is None
    assert any(cust in r.getMessage() for r in caplog.records)
