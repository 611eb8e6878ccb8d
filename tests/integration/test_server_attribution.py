"""Attribution belongs to the server, and business values are range-checked (issue #13, point 5).

Who and where (``user_id``, ``team_id``, ``store_id`` of contact events and acceptances;
``from_user_id``, ``team_id``, ``handled_by``, ``result_reason`` and the times of new work
orders) are set by the server from the caller and the customer; what the client sends in them
is ignored (overwritten), so an honest desktop that fills them in keeps working. Values outside
the limits of :mod:`workbench.core.limits` are rejected with a reason naming the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from server_stub.storage.models import Acceptance, ChangeLog, ContactEvent, WorkOrder
from tests.integration.factories import World, central_session
from workbench.core import limits
from workbench.local_store.outbox import new_id
from workbench.services.server_api import ServerApi

FORGED = {"user_id": "U-admin", "team_id": "T02", "store_id": "S002"}

#: username -> (user id, expected team of their records on a T01 customer, expected store)
EXPECTED = {
    "agent1": ("U-agent1", "T01", None),
    "lead1": ("U-lead1", "T01", None),
    "reception1": ("U-reception1", "T01", "S001"),  # the customer's team, the receptionist's store
    "admin": ("U-admin", "T01", None),
}


def log_size(url: str) -> int:
    with central_session(url) as s:
        return int(s.execute(select(func.count()).select_from(ChangeLog)).scalar_one())


def _pulled(api: ServerApi, entity: str, entity_id: str) -> dict[str, Any]:
    changes = [c for c in api.pull(0, limit=5000).changes if c.entity == entity and c.data.get("id") == entity_id]
    assert changes, (entity, entity_id)
    return changes[-1].data


@pytest.mark.parametrize("username", list(EXPECTED))
def test_forged_who_and_where_are_replaced_by_the_server(world: World, api_for: Callable[..., ServerApi],
                                                        username: str) -> None:
    api = api_for(username)
    cust = world.customers["T01"][0]
    event, acceptance, order = new_id(), new_id(), new_id()
    res = api.push(f"c-{username}", [
        {"mutation_id": new_id(), "entity": "contact_event", "op": "create",
         "data": {"id": event, "customer_id": cust, "channel": "store", "wrapup": "accepted", **FORGED}},
        {"mutation_id": new_id(), "entity": "acceptance", "op": "create",
         "data": {"id": acceptance, "customer_id": cust, "policy_id": world.policies[0], "channel": "store",
                  "value": 168.0, **FORGED}},
        {"mutation_id": new_id(), "entity": "work_order", "op": "create",
         "data": {"id": order, "customer_id": cust, "store_id": "S001", "from_user_id": "U-agent9",
                  "team_id": "T02", "handled_by": "U-reception2", "result_reason": "already done, by me",
                  "created_at": "2001-01-01T00:00:00+00:00", "updated_at": "2001-01-01T00:00:00+00:00"}},
    ])
    assert [r.status for r in res.results] == ["applied"] * 3, res.results
    user_id, team_id, store_id = EXPECTED[username]
    with central_session(world.url) as s:
        ev = s.get(ContactEvent, event)
        acc = s.get(Acceptance, acceptance)
        wo = s.get(WorkOrder, order)
        assert ev is not None and acc is not None and wo is not None
        assert (ev.user_id, ev.team_id, ev.store_id) == (user_id, team_id, store_id)
        # an acceptance is booked to the customer's store unless a receptionist took it
        assert (acc.user_id, acc.team_id, acc.store_id) == (user_id, team_id, store_id or "S001")
        assert (wo.from_user_id, wo.team_id, wo.handled_by, wo.result_reason) == (user_id, "T01", None, "")
        assert wo.created_at.year >= 2026 and wo.updated_at.year >= 2026
    # what the desktops receive is what was stored
    admin = api_for("admin")
    assert {k: _pulled(admin, "contact_event", event)[k] for k in FORGED} == \
        {"user_id": user_id, "team_id": team_id, "store_id": store_id}
    pulled = _pulled(admin, "work_order", order)
    assert (pulled["from_user_id"], pulled["handled_by"], pulled["result_reason"]) == (user_id, None, "")


def _event(cust: str, **extra: Any) -> dict[str, Any]:
    return {"entity": "contact_event", "op": "create",
            "data": {"id": new_id(), "customer_id": cust, "channel": "outbound", "wrapup": "busy", **extra}}


def _acceptance(world: World, cust: str, **extra: Any) -> dict[str, Any]:
    return {"entity": "acceptance", "op": "create",
            "data": {"id": new_id(), "customer_id": cust, "policy_id": world.policies[1], "channel": "outbound",
                     **extra}}


def _lead(**extra: Any) -> dict[str, Any]:
    return {"entity": "customer", "op": "create",
            "data": {"id": new_id(), "name": "线索", "phone": "13912345670", "is_lead": True, **extra}}


NOW = dt.datetime.now(dt.UTC)
OUT_OF_RANGE: dict[str, tuple[str, Callable[[World, str], dict[str, Any]]]] = {
    "acceptance worth 1e12": ("value", lambda w, c: _acceptance(w, c, value=1e12)),
    "negative acceptance": ("value", lambda w, c: _acceptance(w, c, value=-5.0)),
    "acceptance in 1900": ("accepted_at", lambda w, c: _acceptance(w, c, accepted_at="1900-01-01T00:00:00Z")),
    "acceptance next year": ("accepted_at", lambda w, c: _acceptance(
        w, c, accepted_at=(NOW + dt.timedelta(days=400)).isoformat())),
    "probability 5.0": ("predicted_p", lambda w, c: _event(c, predicted_p=5.0)),
    "negative probability": ("predicted_p", lambda w, c: _event(c, predicted_p=-0.1)),
    "call of 2^31 - 1 seconds": ("duration_s", lambda w, c: _event(c, duration_s=2**31 - 1)),
    "negative call": ("duration_s", lambda w, c: _event(c, duration_s=-1)),
    "contact in 1900": ("started_at", lambda w, c: _event(c, started_at="1900-01-01T00:00:00Z")),
    "contact in 1999": ("started_at", lambda w, c: _event(c, started_at="1999-12-31T23:00:00Z")),
    "contact in the future": ("started_at", lambda w, c: _event(c, started_at="2100-01-01T00:00:00Z")),
    "call-back in two years": ("callback_at", lambda w, c: _event(
        c, callback_at=(NOW + dt.timedelta(days=800)).isoformat())),
    "cost 1e9": ("cost", lambda w, c: _event(c, cost=1e9)),
    "deal value 1e12": ("deal_value", lambda w, c: _event(c, deal_value=1e12)),
    "note too long": ("note", lambda w, c: _event(c, note="x" * (limits.MAX_NOTE + 1))),
    "lead score 5.0": ("scores.deal", lambda w, c: _lead(scores={"deal": 5.0})),
    "lead score as text": ("scores.deal", lambda w, c: _lead(scores={"deal": "high"})),
    "lead arpu 1e9": ("arpu", lambda w, c: _lead(arpu=1e9)),
    "lead born in 1066": ("birth_year", lambda w, c: _lead(birth_year=1066)),
    "lead with too many tags": ("tags", lambda w, c: _lead(tags=[f"t{i}" for i in range(limits.MAX_TAGS + 1)])),
    "work order note too long": ("note", lambda w, c: {"entity": "work_order", "op": "create", "data": {
        "id": new_id(), "customer_id": c, "store_id": "S001", "note": "n" * (limits.MAX_NOTE + 1)}}),
    "portrait note too long": ("note", lambda w, c: {"entity": "customer", "op": "update", "data": {
        "id": c, "note": "n" * (limits.MAX_NOTE + 1)}}),
}


@pytest.mark.parametrize("case", list(OUT_OF_RANGE), ids=list(OUT_OF_RANGE))
def test_out_of_range_business_values_are_rejected_naming_the_field(
    world: World, api_for: Callable[..., ServerApi], case: str
) -> None:
    field, make = OUT_OF_RANGE[case]
    api = api_for("agent1")
    cust = world.customers["T01"][1]
    before = log_size(world.url)
    res = api.push("c-range", [{"mutation_id": new_id(), **make(world, cust)}])
    r = res.results[0]
    assert r.status == "rejected" and (r.reason or "").startswith(f"{field}:"), r
    assert log_size(world.url) == before


def test_values_at_the_limits_are_accepted(world: World, api_for: Callable[..., ServerApi]) -> None:
    api = api_for("agent1")
    cust = world.customers["T01"][2]
    res = api.push("c-edge", [{"mutation_id": new_id(), **m} for m in [
        _event(cust, predicted_p=1.0, duration_s=int(limits.CALL_DURATION_S.hi), cost=limits.CONTACT_COST.hi,
               deal_value=limits.DEAL_VALUE.hi, started_at="2000-01-01T00:00:00Z",
               callback_at=(NOW + dt.timedelta(days=300)).isoformat(), note="x" * limits.MAX_NOTE),
        _acceptance(world, cust, value=limits.ACCEPTANCE_VALUE.hi),
        _lead(scores={"deal": 0.0, "churn": 1.0}, arpu=limits.ARPU.hi, tags=["t"] * 3),
    ]])
    assert [r.status for r in res.results] == ["applied"] * 3, res.results
