"""Script suggestions: safe filling, objection matching, the bandit converging."""

from __future__ import annotations

import numpy as np

from workbench.core.scoring.scripts import (
    ObjectionMatcher,
    ThompsonBandit,
    fill,
    suggest_script,
)

PORTRAIT = {"id": "C1", "name": "王小明", "gender": "M", "plan_fee": 96, "plan_name": "畅享96",
            "lifecycle_stage": "decline"}
POLICY = {"id": "P-168-504", "name": "预存168得504", "pitch": "多用多送", "value": 504.0}

SCRIPTS = [
    {"id": "S-open", "policy_id": "P-168-504", "section": "opening", "variant": "A",
     "title": "开场", "body": "您好{surname}{salutation}，我是{agent_name}。", "keywords": []},
    {"id": "S-open-decline", "policy_id": "P-168-504", "lifecycle_stage": "decline",
     "section": "opening", "variant": "A", "title": "开场(衰退)", "body": "{name}您好，特地为您申请了{policy_name}。",
     "keywords": []},
    {"id": "S-offer-A", "policy_id": "P-168-504", "section": "offer", "variant": "A",
     "title": "推荐A", "body": "现在每月{plan_fee}元，{policy_name}价值{value}元。", "keywords": []},
    {"id": "S-offer-B", "policy_id": "P-168-504", "section": "offer", "variant": "B",
     "title": "推荐B", "body": "{pitch}！", "keywords": []},
    {"id": "O-price", "policy_id": "P-168-504", "section": "objection", "variant": "A",
     "title": "异议·太贵", "body": "理解您的顾虑，比现在每月{plan_fee}元更划算。",
     "keywords": ["太贵", "贵", "没钱", "不划算"]},
    {"id": "O-think", "policy_id": "P-168-504", "section": "objection", "variant": "A",
     "title": "异议·考虑", "body": "好的，不着急，我先帮您保留名额。",
     "keywords": ["考虑一下", "再说", "想想", "商量"]},
    {"id": "O-trust", "policy_id": "P-168-504", "section": "objection", "variant": "A",
     "title": "异议·信任", "body": "您可以拨打客服热线核实。", "keywords": ["骗子", "诈骗", "不信"]},
    {"id": "G-close", "policy_id": None, "section": "closing", "variant": "A",
     "title": "促成", "body": "那我现在帮您办理？", "keywords": []},
]


def test_fill_uses_portrait_and_policy_and_never_crashes() -> None:
    assert fill("您好{surname}{salutation}", PORTRAIT) == "您好王先生"
    assert fill("{policy_name}价值{value}元", PORTRAIT, POLICY) == "预存168得504价值504元"
    # unknown placeholder stays visible; missing portrait is fine; bad format spec tolerated
    assert fill("你好{nickname}", None) == "你好{nickname}"
    assert fill("{plan_fee:>5d}", {"plan_fee": "n/a"}) == "n/a"
    assert fill("{name.attr} {0}", PORTRAIT) == "{name.attr} {0}"
    # unbalanced braces: the well-formed placeholders are still filled
    assert fill("您好{name}，优惠{", PORTRAIT) == "您好王小明，优惠{"
    assert fill("", PORTRAIT) == ""


def test_stage_specific_template_wins_and_generic_fallback() -> None:
    s = suggest_script(SCRIPTS, PORTRAIT, POLICY, "decline", "opening")
    assert s is not None and s.script_id == "S-open-decline"
    assert s.text == "王小明您好，特地为您申请了预存168得504。"
    s = suggest_script(SCRIPTS, PORTRAIT, POLICY, "growth", "opening", extra={"agent_name": "小李"})
    assert s.script_id == "S-open" and s.text == "您好王先生，我是小李。"
    s = suggest_script(SCRIPTS, PORTRAIT, POLICY, None, "closing")
    assert s.script_id == "G-close"
    assert suggest_script(SCRIPTS, PORTRAIT, POLICY, None, "probing") is None


def test_objection_matched_from_typed_words_with_character_ngrams() -> None:
    cases = {"太贵了，不划算": "O-price", "我要和家里人商量商量": "O-think",
             "你们不会是骗子吧": "O-trust", "没钱": "O-price"}
    for typed, expected in cases.items():
        s = suggest_script(SCRIPTS, PORTRAIT, POLICY, None, "objection", typed_text=typed)
        assert s.script_id == expected, typed
        assert s.match_score > 0
    s = suggest_script(SCRIPTS, PORTRAIT, POLICY, None, "objection", typed_text="太贵")
    assert "96元" in s.text and s.alternatives
    assert ObjectionMatcher(SCRIPTS).match("   ") == []


def test_bandit_converges_to_the_better_variant_in_simulation() -> None:
    rng = np.random.default_rng(42)
    bandit = ThompsonBandit(seed=7)
    true_rate = {"A": 0.10, "B": 0.25}
    shown = {"A": 0, "B": 0}
    for _ in range(2000):
        s = suggest_script(SCRIPTS, PORTRAIT, POLICY, None, "offer", bandit=bandit)
        shown[s.variant] += 1
        bandit.record(s.arm, bool(rng.random() < true_rate[s.variant]))
    a, b = (ThompsonBandit.key("P-168-504", "offer", v) for v in "AB")
    assert bandit.mean(b) > bandit.mean(a)
    assert shown["B"] > 0.8 * sum(shown.values())
    assert abs(bandit.mean(b) - 0.25) < 0.05
    restored = ThompsonBandit.from_json(bandit.to_json())
    assert restored.trials(b) == bandit.trials(b)
    # with the posterior learned, the ranking puts B first
    s = suggest_script(SCRIPTS, PORTRAIT, POLICY, None, "offer", bandit=restored)
    assert s.alternatives[0] == "S-offer-A" or s.script_id == "S-offer-A"
