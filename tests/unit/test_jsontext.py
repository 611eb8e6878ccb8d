"""The one JSON encoder (issue #14, point 4): what it refuses, and that it says the same as the
standard library wherever both can say it."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.core import jsontext

_finite = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
              st.floats(allow_nan=False, allow_infinity=False),
              st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
              st.sampled_from(["NaN", "Infinity", "-Infinity", '"NaN"', "中文 NaN"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12,
)


@given(_finite)
def test_same_value_as_the_standard_library_and_valid_strict_json(value: Any) -> None:
    text = jsontext.dumps(value)
    # parse strictly: a bare NaN / Infinity token anywhere would fail here
    assert json.loads(text, parse_constant=lambda t: pytest.fail(f"bare {t}")) == value
    assert jsontext.loads(text) == value
    assert json.loads(json.dumps(value, allow_nan=False)) == json.loads(text)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("wrap", [lambda v: v, lambda v: [1, {"deal": v}], lambda v: {"a": ["NaN", v]}])
def test_non_finite_numbers_are_refused_anywhere(bad: float, wrap: Any) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        jsontext.dumpb(wrap(bad))


def test_json_columns_store_non_finite_numbers_as_null() -> None:
    from workbench.core.dbutil import json_dumps

    assert json.loads(jsontext.dumps({"a": [math.nan, math.inf, 1.5]}, non_finite="null")) == {
        "a": [None, None, 1.5]}
    assert json.loads(json_dumps({"a": math.nan})) == {"a": None}


def test_the_words_inside_strings_are_not_mistaken_for_numbers() -> None:
    value = {"NaN": "Infinity", "x": ["-Infinity", "NaNa"]}
    assert json.loads(jsontext.dumpb(value)) == value


def test_utf8_kept_compact_and_errors_are_value_errors() -> None:
    assert jsontext.dumps({"名": "张三", "n": [1, 2]}) == '{"名":"张三","n":[1,2]}'
    deep: Any = 1
    for _ in range(3000):
        deep = [deep]
    for bad in (deep, {"a": object()}, "\ud800"):
        with pytest.raises(ValueError):
            jsontext.dumpb(bad)
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert jsontext.dumps({"at": when}, default=str) == '{"at":"2026-01-02T03:04:05Z"}'
    assert jsontext.dumps({"x": object()}, default=lambda o: "o") == '{"x":"o"}'


def test_wire_rows_keep_their_utc_offset_text() -> None:
    from server_stub.bulk import wire_json

    row = {"id": "C1", "at": dt.datetime(2026, 1, 2, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))}
    assert json.loads(wire_json(row)) == {"id": "C1", "at": "2026-01-02T03:00:00+00:00"}
    with pytest.raises(ValueError):
        wire_json({"id": "C1", "score": math.nan})
