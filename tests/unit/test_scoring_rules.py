"""Cross-sell lift on known baskets, lead tiers, assignment, experiments and their CIs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.core.scoring.crosssell import (
    cross_sell,
    mine_rules,
    rules_from_rows,
    rules_to_rows,
)
from workbench.core.scoring.tiers import (
    Agent,
    AssignmentRule,
    Lead,
    Split,
    TierThresholds,
    assign_leads,
    assign_tier,
    assign_tiers,
    compare_arms,
    compare_split,
    diff_interval,
    split_customers,
    wilson_interval,
)


def _baskets() -> list[dict[str, str]]:
    # 10 customers: X in 1-5; Y in 1-4 and 9; Z in 6-10
    baskets = {
        "c1": "XY", "c2": "XY", "c3": "XY", "c4": "XY", "c5": "X",
        "c6": "Z", "c7": "Z", "c8": "Z", "c9": "YZ", "c10": "Z",
    }
    rows = [{"customer_id": c, "policy_id": p, "status": "accepted"}
            for c, items in baskets.items() for p in items]
    rows.append({"customer_id": "c10", "policy_id": "X", "status": "cancelled"})  # ignored
    return rows


def test_support_confidence_and_lift_on_known_baskets() -> None:
    rules = mine_rules(_baskets(), min_count=1, min_lift=0.0)
    xy = next(r for r in rules if (r.antecedent, r.consequent) == ("X", "Y"))
    assert xy.count == 4
    assert xy.support == pytest.approx(0.4)
    assert xy.confidence == pytest.approx(0.8)       # 4 of the 5 X-takers took Y
    assert xy.lift == pytest.approx(0.8 / 0.5)        # P(Y) = 5/10
    yx = next(r for r in rules if (r.antecedent, r.consequent) == ("Y", "X"))
    assert yx.confidence == pytest.approx(0.8) and yx.lift == pytest.approx(0.8 / 0.5)
    yz = next(r for r in rules if (r.antecedent, r.consequent) == ("Y", "Z"))
    assert yz.lift == pytest.approx((1 / 5) / (5 / 10))
    # defaults keep positive rules with enough customers only
    strong = mine_rules(_baskets(), min_count=2)
    assert {(r.antecedent, r.consequent) for r in strong} == {("X", "Y"), ("Y", "X")}
    assert rules_from_rows(rules_to_rows(strong)) == strong


def test_cross_sell_suggests_what_the_customer_lacks() -> None:
    rules = mine_rules(_baskets(), min_count=1, min_lift=0.0)
    got = cross_sell(["X"], rules)
    assert [s.policy_id for s in got] == ["Y"]
    assert got[0].because == ("X",) and got[0].lift == pytest.approx(1.6)
    assert cross_sell(["X", "Y"], rules, exclude=["Z"]) == []
    assert [s.policy_id for s in cross_sell(["Y"], rules)] == ["X", "Z"]
    assert cross_sell([], rules) == [] and mine_rules([]) == []


def test_tiers_fixed_and_quantile_thresholds() -> None:
    thr = TierThresholds(a=0.4, b=0.2)
    assert [assign_tier(p, thr) for p in (0.5, 0.4, 0.3, 0.1)] == ["A", "A", "B", "C"]
    assert assign_tier(None) is None
    p = np.linspace(0, 1, 101)
    q = TierThresholds.from_quantiles(p, a_share=0.2, b_share=0.3)
    tiers = assign_tiers(p, q)
    assert (tiers == "A").sum() == 21 and (tiers == "B").sum() == 30 and (tiers == "C").sum() == 50
    with pytest.raises(ValueError):
        TierThresholds(a=0.1, b=0.2)


def test_assignment_rule_maps_tiers_to_skills_and_capacity() -> None:
    agents = [Agent("a1", frozenset({"senior", "retention"}), capacity=2),
              Agent("a2", frozenset()), Agent("a3", frozenset({"senior"}))]
    leads = [Lead("c1", "A"), Lead("c2", "A"), Lead("c3", "A"), Lead("c4", "C"), Lead("c5", "B")]
    rule = AssignmentRule("senior-for-A", {"A": ["senior"], "B": [], "C": []})
    got = assign_leads(leads, agents, rule)
    assert {got["c1"], got["c2"], got["c3"]} <= {"a1", "a3"}
    assert got["c4"] == "a2" or got["c5"] == "a2"
    full = assign_leads([Lead(f"x{i}", "A") for i in range(3)],
                        [Agent("only", frozenset({"senior"}), capacity=2)], rule)
    assert list(full.values()).count(None) == 1
    random_rule = assign_leads(leads, agents, AssignmentRule("control", strategy="random"), seed=1)
    assert set(random_rule.values()) <= {"a1", "a2", "a3"}


def test_experiment_split_is_random_recorded_and_reproducible() -> None:
    ids = [f"C{i:05d}" for i in range(4000)]
    split = split_customers("exp-7", ids, ["rule-A", "rule-B"])
    again = split_customers("exp-7", list(reversed(ids)), ["rule-A", "rule-B"])
    assert split.assignments == again.assignments
    counts = split.counts()
    assert abs(counts["rule-A"] - 2000) < 150  # ~ binomial(4000, 0.5): sd 32
    assert Split.from_json(split.to_json()) == split
    other = split_customers("exp-8", ids, ["rule-A", "rule-B"])
    assert other.assignments != split.assignments
    weighted = split_customers("exp-9", ids, ["a", "b"], weights=[3, 1]).counts()
    assert abs(weighted["a"] - 3000) < 150


def test_wilson_and_difference_intervals_on_known_counts() -> None:
    lo, hi = wilson_interval(10, 100)
    assert (round(lo, 4), round(hi, 4)) == (0.0552, 0.1744)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    lo, hi = wilson_interval(0, 20)
    assert lo == 0.0 and hi == pytest.approx(0.1611, abs=1e-4)
    # Newcombe (1998) example: 56/70 vs 48/80 -> 0.0524 .. 0.3339
    d_lo, d_hi = diff_interval(56, 70, 48, 80)
    assert (round(d_lo, 4), round(d_hi, 4)) == (0.0524, 0.3339)


def test_compare_arms_flags_significant_differences() -> None:
    res = compare_arms({"control": (100, 1000), "senior-for-A": (150, 1000), "same": (105, 1000)})
    by = {r.arm: r for r in res}
    assert by["control"].diff == 0 and not by["control"].significant
    assert by["senior-for-A"].diff == pytest.approx(0.05) and by["senior-for-A"].significant
    assert not by["same"].significant
    split = Split("e", ("a", "b"), (1.0, 1.0), {"1": "a", "2": "a", "3": "b", "4": "b"})
    res = compare_split(split, ["1", "3", "4"])
    assert [(r.arm, r.conversions, r.customers) for r in res] == [("a", 1, 2), ("b", 2, 2)]
    assert math.isclose(res[1].diff, 0.5)
