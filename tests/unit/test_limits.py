"""workbench.core.limits: what it lets through can always be sent as strict JSON, and its reasons
name the field."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core import limits

values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**60), max_value=2**60),
              st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=10)


@settings(max_examples=400, deadline=None)
@given(value=values)
def test_what_json_reason_accepts_encodes_as_strict_json(value: Any) -> None:
    if limits.json_reason("f", value) is None:
        json.dumps(value, allow_nan=False)
        assert limits.is_finite_json(value)
    elif not limits.is_finite_json(value):
        assert "f" in (limits.json_reason("f", value) or "")


def test_reasons_name_the_field_and_the_range() -> None:
    assert limits.range_reason("value", 1e12, limits.ACCEPTANCE_VALUE) == \
        "value: 1000000000000 is out of range (0 to 1000000 yuan)"
    assert limits.range_reason("p", math.nan, limits.PROBABILITY) == "p: nan is not a finite number"
    assert limits.range_reason("p", True, limits.PROBABILITY) == "p: expected a number"
    assert limits.range_reason("p", 1.0, limits.PROBABILITY) is None
    now = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
    assert limits.time_reason("started_at", dt.datetime(1999, 1, 1, tzinfo=dt.UTC), now=now) == \
        "started_at: 1999-01-01 is before 2000"
    assert "too far in the future" in (limits.time_reason("t", now + dt.timedelta(days=2), now=now) or "")
    assert limits.scores_reason("scores", {"deal": 5.0}) == "scores.deal: 5 is out of range (0 to 1)"
    assert limits.tags_reason("tags", ["x"] * (limits.MAX_TAGS + 1)) == f"tags: more than {limits.MAX_TAGS} tags"
    assert 0.5 in limits.PROBABILITY and math.inf not in limits.ARPU and True not in limits.PROBABILITY
