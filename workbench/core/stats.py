"""Statistics shared by the dashboards and scoring: the one Wilson interval and Newcombe's
difference interval built on it.

The Wilson score interval is scipy's (``binomtest(...).proportion_ci(method="wilson")``). With
no trials there is no proportion: both functions return NaNs, which the dashboards show as
blanks (and which ``significant`` comparisons treat as "not significant").
"""

from __future__ import annotations

import math

from scipy.stats import binomtest

#: The confidence level of every interval the product shows.
CONFIDENCE = 0.95


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``successes / n``; NaNs when ``n`` is 0.

    Raises:
        ValueError: if ``successes`` is negative or above ``n``, or ``confidence`` not in (0, 1).
    """
    if n <= 0:
        return (math.nan, math.nan)
    ci = binomtest(int(successes), int(n)).proportion_ci(confidence_level=confidence,
                                                         method="wilson")
    return (max(0.0, float(ci.low)), min(1.0, float(ci.high)))


def diff_interval(s1: int, n1: int, s2: int, n2: int,
                  confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Newcombe's hybrid score interval of ``s1/n1 - s2/n2`` (method 10, 1998), from the two
    Wilson intervals; NaNs when either side has no trials."""
    if n1 <= 0 or n2 <= 0:
        return (math.nan, math.nan)
    p1, p2 = s1 / n1, s2 / n2
    l1, u1 = wilson_interval(s1, n1, confidence)
    l2, u2 = wilson_interval(s2, n2, confidence)
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (max(-1.0, lower), min(1.0, upper))
