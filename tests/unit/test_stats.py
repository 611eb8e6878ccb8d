"""The one Wilson interval (scipy's) and Newcombe's difference interval."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.core import stats


def _wilson_by_formula(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def test_known_values_and_no_trials() -> None:
    lo, hi = stats.wilson_interval(10, 100)
    assert (round(lo, 4), round(hi, 4)) == (0.0552, 0.1744)
    assert all(math.isnan(v) for v in stats.wilson_interval(0, 0))
    assert all(math.isnan(v) for v in stats.diff_interval(3, 10, 0, 0))
    # Newcombe (1998), example (a): 56/70 vs 48/80 -> 0.0524 .. 0.3339
    d_lo, d_hi = stats.diff_interval(56, 70, 48, 80)
    assert (round(d_lo, 4), round(d_hi, 4)) == (0.0524, 0.3339)
    with pytest.raises(ValueError):
        stats.wilson_interval(5, 3)


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_scipy_agrees_with_the_closed_form(kn: tuple[int, int]) -> None:
    k, n = kn
    assert stats.wilson_interval(k, n) == pytest.approx(_wilson_by_formula(k, n), abs=1e-9)


def test_dashboards_and_scoring_use_the_same_interval() -> None:
    from workbench.core.scoring import tiers
    from workbench.services import analytics

    assert analytics.wilson_interval is tiers.wilson_interval is stats.wilson_interval
    assert analytics.diff_interval is tiers.diff_interval is stats.diff_interval
