"""Benchmark: match 20 policies against 1,000,000 customers (issue 8, point 3).

Synthetic portraits are generated in memory (plan, tenure, region, city, network, value tier,
lifecycle, birth year, ARPU, about three tags each from 40, consent flags, deal scores for
half). Twenty policies with rules of every shape the language has (comparisons, lists,
tags, substrings, ``age``/``region``, ``not``, ``or``, parentheses, two exclusive groups)
are matched with :func:`server_stub.task_generation.match_policies` — the same function
``generate-tasks`` runs in production — and, in the same run, their rules are evaluated by
a plain vectorised pandas baseline (Series comparisons, ``isin``, ``str.contains`` and
``apply`` for list membership, as one would write by hand). Both must agree row for row.

Target: at most 60 s for the match. Prints the rate and the baseline / ours ratio.
Run: ``.venv/bin/python bench/bench_task_generation.py [--customers 1000000] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd

from server_stub.task_generation import match_policies
from workbench.core.policies import PolicySpec
from workbench.core.rules import (
    And,
    Compare,
    Const,
    Field,
    ListConst,
    Node,
    Not,
    Or,
    PortraitFrame,
)

TODAY = dt.date(2026, 11, 23)
PROVINCES = ["广东", "广西", "海南", "上海", "江苏", "浙江", "北京", "四川", "湖北", "新疆"]
CITIES = ["广州", "深圳", "佛山", "南宁", "海口", "上海", "南京", "杭州", "北京", "成都", "武汉", "乌鲁木齐"]
TAGS = [f"t{i:02d}" for i in range(28)] + [
    "price_sensitive", "handset_old", "old_sim", "5g_prospect", "broadband_prospect", "family",
    "secondary_card_prospect", "data_overage", "heavy_data", "port_out_risk", "intl_roaming",
    "student",
]

RULES: list[tuple[str, str | None, int, float]] = [
    # (rule, exclusive group, priority, value)
    ('plan_fee == 96 and tenure_months >= 6', "prepay", 90, 168.0),
    ('plan_fee == 126 and tenure_months >= 6', "prepay", 90, 228.0),
    ('plan_fee >= 96 and tenure_months >= 60 and value_tier == "high"', "prepay", 95, 300.0),
    ('network == "3G" or "old_sim" in tags', None, 80, 50.0),
    ('"handset_old" in tags and tenure_months >= 24 and value_tier in ["high", "potential"]',
     None, 70, 2999.0),
    ('network == "4G" and "5g_prospect" in tags and plan_fee >= 56', None, 60, 120.0),
    ('"broadband_prospect" in tags and plan_fee >= 76', None, 65, 360.0),
    ('("family" in tags or "secondary_card_prospect" in tags) and plan_fee >= 96', None, 55, 120.0),
    ('"data_overage" in tags or "heavy_data" in tags or data_usage_gb > 40', "data", 40, 20.0),
    ('data_usage_gb > 20 and plan_fee < 56', "data", 45, 30.0),
    ('age >= 60 and plan_fee <= 56', None, 50, 216.0),
    ('"port_out_risk" in tags and value_tier in ["high", "potential"] and not do_not_call',
     None, 95, 1200.0),
    ('"intl_roaming" in tags and region in ["广东", "上海", "北京"]', None, 30, 98.0),
    ('"student" in tags and age < 25', None, 20, 9.9),
    ('region == "广东" and city != "广州" and arpu >= 80', None, 35, 80.0),
    ('lifecycle_stage in ["decline", "churned"] and tenure_months >= 12', None, 85, 150.0),
    ('"畅享" in plan_name and arpu < plan_fee', None, 25, 40.0),
    ('not (plan_fee in [18, 38]) and "price_sensitive" in tags and age >= 30', None, 45, 60.0),
    ('(tenure_months >= 36 or value_tier == "high") and not "port_out_risk" in tags', None, 15, 50.0),
    ('gender == "F" and age >= 25 and age < 45 and "family" in tags', None, 33, 88.0),
]


def synthetic_portraits(n: int, seed: int = 1) -> pd.DataFrame:
    """n portraits with the columns the rules use, built with numpy."""
    rng = np.random.default_rng(seed)
    fees = np.array([18, 38, 56, 76, 96, 126, 136, 196, 296])
    fee = rng.choice(fees, n, p=[.05, .1, .15, .15, .2, .15, .1, .06, .04])
    network = rng.choice(np.array(["3G", "4G", "5G"], dtype=object), n, p=[.1, .55, .35])
    series = {"3G": "畅聊", "4G": "乐享4G", "5G": "5G畅享"}
    plan_name = np.array([f"{series[k]}{f}元套餐" for k in ("3G", "4G", "5G") for f in fees], dtype=object)
    net_idx = np.searchsorted(np.array(["3G", "4G", "5G"]), network.astype(str))
    fee_idx = np.searchsorted(fees, fee)
    tag_arr = np.array(TAGS, dtype=object)
    k = rng.integers(0, 6, n)
    flat = rng.integers(0, len(TAGS), int(k.sum()))
    ends = np.cumsum(k)
    starts = ends - k
    tags = [tag_arr[flat[s:e]].tolist() for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    with_score, without = {"deal": 0.25}, {}
    scores = np.where(rng.random(n) < 0.5, with_score, without)
    return pd.DataFrame({
        "id": [f"C{i:07d}" for i in range(n)],
        "plan_fee": fee,
        "plan_name": plan_name[net_idx * len(fees) + fee_idx],
        "tenure_months": rng.integers(0, 150, n),
        "province": rng.choice(np.array(PROVINCES, dtype=object), n),
        "city": rng.choice(np.array(CITIES, dtype=object), n),
        "network": network,
        "value_tier": rng.choice(np.array(["high", "potential", "ordinary", "low"], dtype=object), n),
        "lifecycle_stage": rng.choice(np.array(["acquisition", "growth", "maturity", "decline",
                                                "churned"], dtype=object), n),
        "gender": rng.choice(np.array(["M", "F", ""], dtype=object), n),
        "birth_year": np.where(rng.random(n) < 0.03, np.nan, rng.integers(1940, 2008, n)),
        "arpu": rng.gamma(4, 20, n).round(2),
        "data_usage_gb": rng.gamma(2, 10, n).round(1),
        "tags": tags,
        "do_not_call": rng.random(n) < 0.04,
        "scores": scores,
    })


# ---------------------------------------------------------------- the pandas baseline


def baseline_mask(node: Node, df: pd.DataFrame) -> pd.Series:
    """Evaluate a rule with ordinary pandas Series operations (same semantics)."""
    if isinstance(node, And):
        out = baseline_mask(node.items[0], df)
        for item in node.items[1:]:
            out = out & baseline_mask(item, df)
        return out
    if isinstance(node, Or):
        out = baseline_mask(node.items[0], df)
        for item in node.items[1:]:
            out = out | baseline_mask(item, df)
        return out
    if isinstance(node, Not):
        return ~baseline_mask(node.operand, df)
    if isinstance(node, Field):
        return df[node.name].fillna(False).astype(bool)
    if isinstance(node, Const):
        return pd.Series(bool(node.value), index=df.index)
    assert isinstance(node, Compare)
    left, right, op = node.left, node.right, node.op
    if op in ("in", "not in"):
        if isinstance(right, Field) and right.name == "tags":
            assert isinstance(left, Const)
            hit = df["tags"].apply(lambda t, x=left.value: x in t)
        elif isinstance(right, ListConst):
            s = _series(left, df)
            hit = s.isin([i.value for i in right.items]) & s.notna()
            return hit if op == "in" else ~s.isin([i.value for i in right.items]) & s.notna()
        else:
            assert isinstance(left, Const) and isinstance(right, Field)
            s = _series(right, df)
            hit = s.str.contains(str(left.value), regex=False).fillna(False).astype(bool)
            return hit if op == "in" else ~hit & s.notna()
        return hit if op == "in" else ~hit
    a, b = _series(left, df), _operand(right, df)
    result = {"==": a.__eq__, "!=": a.__ne__, "<": a.__lt__, "<=": a.__le__, ">": a.__gt__,
              ">=": a.__ge__}[op](b)
    valid = a.notna()
    if isinstance(b, pd.Series):
        valid &= b.notna()
    return result & valid


def _series(node: Node, df: pd.DataFrame) -> pd.Series:
    assert isinstance(node, Field)
    if node.name == "region":
        return df["province"]
    if node.name == "age":
        return TODAY.year - df["birth_year"]
    return df[node.name]


def _operand(node: Node, df: pd.DataFrame) -> pd.Series | object:
    return node.value if isinstance(node, Const) else _series(node, df)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    n = args.customers

    t0 = time.perf_counter()
    df = synthetic_portraits(n)
    print(f"generated {n:,} synthetic portraits in {time.perf_counter() - t0:.1f} s")
    policies = [
        PolicySpec(id=f"P{i + 1:02d}", code=f"P{i + 1:02d}", name=f"policy {i + 1}", rule=rule,
                   exclusive_group=group, priority=prio, value=value)
        for i, (rule, group, prio, value) in enumerate(RULES)
    ]
    for p in policies:
        p.compiled  # noqa: B018 (compile outside the timing, as generate-tasks does up front)

    ours: list[float] = []
    rules_only: list[float] = []
    result = None
    for _ in range(args.runs):
        t = time.perf_counter()
        result = match_policies(df, policies, today=TODAY)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        frame = PortraitFrame(df, today=TODAY)
        masks = [p.compiled.mask(frame).to_numpy() for p in policies]
        rules_only.append(time.perf_counter() - t)
    assert result is not None

    base: list[float] = []
    base_masks: list[np.ndarray] = []
    for _ in range(max(1, min(args.runs, 2))):
        t = time.perf_counter()
        base_masks = [baseline_mask(p.compiled.node, df).to_numpy(dtype=bool) for p in policies]
        base.append(time.perf_counter() - t)
    for p, a, b in zip(policies, masks, base_masks, strict=True):
        if not np.array_equal(a, b):
            print(f"MISMATCH for {p.id}: {p.rule} ({int((a != b).sum())} rows)")
            return 1

    best, best_rules, best_base = min(ours), min(rules_only), min(base)
    pairs = n * len(policies)
    print(f"policies: {len(policies)}, customer x policy pairs: {pairs:,}")
    print(f"rule matches: {sum(result.rule_matches.values()):,}; "
          f"offers after exclusive groups: {int(result.matrix.sum()):,}")
    print(f"match_policies (rules + groups), best of {args.runs}: {best:.2f} s "
          f"= {n / best:,.0f} customers/s = {pairs / best / 1e6:.1f} M pairs/s "
          f"(target <= 60 s: {'OK' if best <= 60 else 'MISSED'})")
    print(f"rules only, ours: {best_rules:.2f} s; pandas baseline: {best_base:.2f} s; "
          f"baseline / ours = {best_base / best_rules:.1f}x (identical masks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
