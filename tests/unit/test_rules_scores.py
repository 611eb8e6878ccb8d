"""Scores and the lead tier in rules (issue 17 point 2): reading, missing scores, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.core.policies import load_yaml
from workbench.core.rules import (
    SCORE_KINDS,
    PortraitFrame,
    RuleError,
    compile_rule,
    field_schema,
)

RETENTION = Path(__file__).resolve().parents[2] / "server_stub" / "lifecycle" / "demo_retention.yaml"

PORTRAITS = [
    {"id": "a", "value_tier": "high", "scores": {"deal": 0.2, "churn": 0.8, "renewal": 0.1}, "lead_tier": "A"},
    {"id": "b", "value_tier": "high", "scores": {"deal": 0.6, "churn": 0.3}, "lead_tier": "B"},
    {"id": "c", "value_tier": "ordinary", "scores": {"churn": 0.9}, "lead_tier": None},
    {"id": "d", "value_tier": "high", "scores": {}, "lead_tier": None},  # not scored yet
    {"id": "e", "value_tier": "high", "scores": None},
    {"id": "f", "value_tier": "high", "scores": json.dumps({"churn": 0.55})},  # as stored text
    {"id": "g", "value_tier": "high", "scores": {"churn": "high"}},  # unreadable: missing
    {"id": "h", "value_tier": "high", "scores": "{broken"},
]


def _ids(text: str) -> tuple[list[str], list[str]]:
    rule = compile_rule(text)
    one_by_one = [p["id"] for p in PORTRAITS if rule.matches(p)]
    mask = rule.mask(PortraitFrame(pd.DataFrame(PORTRAITS)))
    vector = [p["id"] for p, hit in zip(PORTRAITS, mask.tolist(), strict=True) if hit]
    return one_by_one, vector


@pytest.mark.parametrize("text, expected", [
    ("scores.churn > 0.5", ["a", "c", "f"]),
    ("scores.churn > 0.5 and value_tier == 'high'", ["a", "f"]),
    ("scores.deal >= 0.5 or scores.renewal > 0.05", ["a", "b"]),
    ("scores.renewal <= 1", ["a"]),  # only "a" has a renewal score at all
    ("scores.churn != 0.3", ["a", "c", "f"]),  # a missing score matches no comparison
    ('lead_tier == "A"', ["a"]),
    ('lead_tier in ["A", "B"] and scores.deal > 0.1', ["a", "b"]),
])
def test_score_fields_match_the_same_one_by_one_and_vectorised(text: str, expected: list[str]) -> None:
    one_by_one, vector = _ids(text)
    assert one_by_one == expected
    assert vector == expected


def test_a_missing_score_does_not_match_and_not_negates_as_documented() -> None:
    rule = compile_rule("scores.churn > 0.5")
    assert not rule.matches({"scores": {}}) and not rule.matches({})
    # `not` turns the comparison's false into true, as for every missing value
    assert compile_rule("not scores.churn > 0.5").matches({"scores": {}})


def test_unknown_score_kinds_are_errors_with_positions() -> None:
    text = 'value_tier == "high" and scores.chrun > 0.5'
    with pytest.raises(RuleError) as info:
        compile_rule(text)
    err = info.value
    assert "unknown score kind 'chrun'" in str(err) and "deal, churn, renewal" in str(err)
    assert err.position is not None and err.position.offset == text.index("scores.chrun")
    assert err.position.end_offset == text.index("scores.chrun") + len("scores.chrun")
    with pytest.raises(RuleError, match="unknown score kind 'deal_policy'"):
        compile_rule("scores.deal_policy > 0")
    with pytest.raises(RuleError, match="unknown field 'score.deal'"):
        compile_rule("score.deal > 0")
    with pytest.raises(RuleError):  # a score is a number
        compile_rule('scores.deal == "high"')


def test_schema_lists_the_scores_and_rules_need_the_scores_column() -> None:
    schema = field_schema()
    assert {f"scores.{k}" for k in SCORE_KINDS} <= set(schema) and "lead_tier" in schema
    rule = compile_rule("scores.churn > 0.5 and age > 30")
    assert rule.columns == frozenset({"scores", "birth_year"})
    assert rule.text == "scores.churn > 0.5 and age > 30"


def test_demo_retention_policy_targets_high_churn_and_high_value() -> None:
    bundle = load_yaml(RETENTION.read_text(encoding="utf-8"))
    (policy,) = bundle.policies
    rule = policy.compiled
    assert rule.matches({"scores": {"churn": 0.7}, "value_tier": "high", "do_not_call": False})
    assert not rule.matches({"scores": {"churn": 0.3}, "value_tier": "high", "do_not_call": False})
    assert not rule.matches({"scores": {"churn": 0.9}, "value_tier": "ordinary", "do_not_call": False})
    assert not rule.matches({"scores": {}, "value_tier": "high", "do_not_call": False})
    assert [s.policy_id for s in bundle.scripts] == [policy.id]
