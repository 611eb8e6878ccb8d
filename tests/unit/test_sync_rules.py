"""The server's per-column validation and scope filter, without a server."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select

from server_stub.auth import Principal
from server_stub.storage.models import ChangeLog, ContactEvent, Customer, WorkOrder
from server_stub.sync import Rejected, coerce_row, scope_filter


def good() -> dict[str, object]:
    return {"id": "e1", "customer_id": "C1", "channel": "outbound", "wrapup": "busy"}


def test_defaults_are_filled_and_times_parsed() -> None:
    row = coerce_row(ContactEvent, {**good(), "started_at": "2026-01-02T03:04:05Z"})
    assert row["duration_s"] == 0 and row["intent"] == "none"
    assert row["started_at"].tzinfo is not None


@pytest.mark.parametrize(("field", "value", "words"), [
    ("duration_s", "60", "whole number"),
    ("duration_s", True, "whole number"),
    ("duration_s", 2**40, "out of range"),
    ("cost", "1.5", "number"),
    ("cost", float("nan"), "out of range"),
    ("note", 5, "text"),
    ("note", "a\x00b", "NUL"),
    ("channel", "x" * 21, "longer than 20"),
    ("started_at", "tomorrow", "ISO 8601"),
    ("started_at", "9999-01-01T00:00:00", "out of range"),
    ("wrapup", None, "must not be empty"),
])
def test_bad_values_are_rejected_with_reason(field: str, value: object, words: str) -> None:
    with pytest.raises(Rejected, match=words):
        coerce_row(ContactEvent, {**good(), field: value})


def test_missing_required_column() -> None:
    data = good()
    del data["channel"]
    with pytest.raises(Rejected, match="channel: required"):
        coerce_row(ContactEvent, data)


def test_json_columns_need_lists_or_objects() -> None:
    with pytest.raises(Rejected, match="list or an object"):
        coerce_row(Customer, {"id": "c", "name": "n", "phone": "1", "tags": "vip"})


def test_scope_filter_of_a_teamless_agent_sees_only_untagged() -> None:
    engine = create_engine("sqlite://")
    ChangeLog.__table__.create(engine)
    WorkOrder.__table__.create(engine)  # a store also sees the agents who send it work orders
    rows = [
        {"cursor": 1, "entity": "customer", "entity_id": "a", "op": "upsert", "data": {}, "team_id": "T01"},
        {"cursor": 2, "entity": "customer", "entity_id": "b", "op": "upsert", "data": {}, "store_id": "S1"},
        {"cursor": 3, "entity": "policy", "entity_id": "p", "op": "upsert", "data": {}},
        {"cursor": 4, "entity": "call_event", "entity_id": "e", "op": "event", "data": {},
         "target_user_id": "U-other"},
        {"cursor": 5, "entity": "call_event", "entity_id": "f", "op": "event", "data": {},
         "target_user_id": "U-x"},
    ]
    base = {"team_id": None, "store_id": None, "target_user_id": None}
    with engine.begin() as conn:
        conn.execute(ChangeLog.__table__.insert(), [{**base, **r} for r in rows])

    def visible(p: Principal) -> list[int]:
        with engine.connect() as conn:
            return list(conn.execute(select(ChangeLog.cursor).where(scope_filter(p)).order_by(ChangeLog.cursor))
                        .scalars())

    assert visible(Principal("U-x", "x", "agent", None, None, "s")) == [3, 5]
    assert visible(Principal("U-x", "x", "agent", "T01", None, "s")) == [1, 3, 5]
    assert visible(Principal("U-x", "x", "receptionist", None, "S1", "s")) == [2, 3, 5]
    assert visible(Principal("U-x", "x", "admin", None, None, "s")) == [1, 2, 3, 5]
