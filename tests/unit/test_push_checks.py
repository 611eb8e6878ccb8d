"""The push path's fast checks and conversions agree with the straightforward ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from server_stub import sync
from server_stub.storage.fast_insert import bind_processor
from server_stub.storage.models import AppliedMutation, ChangeLog, ContactEvent, Customer, WorkOrder


def reference_coerce_row(cls: type, data: dict[str, Any], fill_defaults: bool = True) -> dict[str, Any]:
    """Column by column through each column's own checker (what the generated code must equal)."""
    out: dict[str, Any] = {}
    for col in cls.__table__.columns:  # type: ignore[attr-defined]
        key = col.key
        if key in data:
            out[key] = sync._coercer(col)(data[key])
        elif fill_defaults:
            if col.default is None:
                if not col.nullable:
                    raise sync.Rejected(f"{key}: required")
                out[key] = None
            else:
                arg = col.default.arg
                out[key] = arg(None) if callable(arg) else (list(arg) if isinstance(arg, list) else arg)
    return out


def outcome(f: Any) -> tuple[str, Any]:
    try:
        return "ok", f()
    except sync.Rejected as exc:
        return "rejected", str(exc)


values = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**33), max_value=2**33),
    st.sampled_from([2**31 - 1, -(2**31 - 1), 2**31, -(2**31)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e15, -1e15, 1.0000001e15]),
    st.text(max_size=45), st.text(alphabet="ab\x00", max_size=3),
    st.sampled_from(["2026-12-04T10:00:00+00:00", "2026-12-04T10:00:00Z", "1800-01-01T00:00:00", "nope"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(cls=st.sampled_from([ContactEvent, Customer, WorkOrder]), fill=st.booleans(), data=st.data())
def test_generated_row_checks_equal_the_column_checkers(cls: type, fill: bool, data: st.DataObject) -> None:
    keys = [c.key for c in cls.__table__.columns]  # type: ignore[attr-defined]
    row = data.draw(st.dictionaries(st.sampled_from(keys), values, max_size=len(keys)))
    if data.draw(st.booleans()):  # mostly well-formed rows too, not only broken ones
        row = {**reference_valid(cls), **row}
    expected = outcome(lambda: reference_coerce_row(cls, row, fill))
    got = outcome(lambda: sync.coerce_row(cls, row, fill_defaults=fill))
    if expected[0] == "ok" and got[0] == "ok":
        # defaults computed at call time (``utcnow``) differ by the microseconds between calls
        timed = {c.key for c in cls.__table__.columns  # type: ignore[attr-defined]
                 if c.default is not None and callable(c.default.arg) and c.key not in row and fill}
        for key in timed:
            mine, theirs = got[1].pop(key), expected[1].pop(key)
            if isinstance(mine, dt.datetime):
                assert abs(mine - theirs) < dt.timedelta(seconds=5)
            else:
                assert mine == theirs
        assert got[1] == expected[1]
        assert [type(v) for v in got[1].values()] == [type(v) for v in expected[1].values()]
    else:
        assert got == expected


def reference_valid(cls: type) -> dict[str, Any]:
    if cls is ContactEvent:
        return {"id": "e1", "customer_id": "c1", "channel": "outbound", "wrapup": "refused", "intent": "low",
                "started_at": "2026-12-04T10:00:00.5+08:00", "duration_s": 60, "cost": 0.5, "note": "考虑一下"}
    return {"id": "x1", "customer_id": "c1", "name": "王", "phone": "13800000000", "store_id": "S001",
            "status": "open", "team_id": "T01"}


aware = st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2199, 12, 30),
                     timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8)),
                                                dt.timezone(dt.timedelta(hours=-5, minutes=-30))]))


@settings(max_examples=500, deadline=None)
@given(value=aware)
def test_fast_sqlite_time_text_equals_sqlalchemys(value: dt.datetime) -> None:
    """The text stored for a time is exactly what SQLAlchemy's own processors would store
    (queries compare these strings)."""
    d = sqlite.dialect()
    for col in (ContactEvent.__table__.c.started_at, ChangeLog.__table__.c.created_at,
                AppliedMutation.__table__.c.created_at):
        assert bind_processor(col.type, d)(value) == col.type._cached_bind_processor(d)(value)
    assert bind_processor(ContactEvent.__table__.c.started_at.type, d)(value.replace(microsecond=0)).endswith(".000000")


def test_fast_processor_only_where_it_is_the_same() -> None:
    pg = postgresql.dialect()
    col = ContactEvent.__table__.c.started_at
    assert bind_processor(col.type, pg) is col.type._cached_bind_processor(pg)


def test_naive_time_is_refused_like_sqlalchemy_does() -> None:
    import pytest

    with pytest.raises(ValueError, match="naive"):
        bind_processor(ContactEvent.__table__.c.started_at.type, sqlite.dialect())(dt.datetime(2026, 1, 1))


EDGES: list[Any] = [
    None, True, False, 0, 1, -1, 2**31 - 1, -(2**31 - 1), 2**31, -(2**31), 2**53 + 1, 0.0, -0.0, 1.5,
    1e15, -1e15, 1.0000001e15, -1.0000001e15, float("nan"), float("inf"), float("-inf"), "", " ", "a", "a\x00",
    "x" * 20, "x" * 40, "x" * 41, "x" * 200, "x" * 2001, "2026-12-04T10:00:00Z", "1899-12-31T00:00:00+00:00",
    [1], {"a": 1}, b"bytes",
]


def test_every_column_and_edge_value_gets_the_same_answer() -> None:
    """Each column of each pushed entity, with each edge value in place of a valid one."""
    for cls in (ContactEvent, Customer, WorkOrder):
        base = reference_valid(cls)
        for col in cls.__table__.columns:  # type: ignore[attr-defined]
            for value in EDGES:
                row = {**base, col.key: value}
                expected = outcome(lambda row=row, cls=cls: reference_coerce_row(cls, row, False))
                got = outcome(lambda row=row, cls=cls: sync.coerce_row(cls, row, fill_defaults=False))
                if expected[0] == "ok" and got[0] == "ok":
                    nan = [k for k, v in expected[1].items() if v != v]
                    assert got[1].keys() == expected[1].keys() and not nan
                    assert got[1] == expected[1], (cls.__name__, col.key, value)
                    assert type(got[1][col.key]) is type(expected[1][col.key]), (cls.__name__, col.key, value)
                else:
                    assert got == expected, (cls.__name__, col.key, value)
