"""The eligibility rule language: parsing, validation, evaluation, explanation.

Property tests generate well-typed random rules and random portraits (with missing
values) and check that ``Rule.matches`` agrees with ``Rule.mask`` and with a reference
interpreter written here from the spec, that printing and parsing round-trip, and that
no input text makes the compiler fail with anything but ``RuleError``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    RuleError,
    check_rule,
    compile_rule,
    field_schema,
    unparse,
)

TODAY = dt.date(2026, 11, 23)

SEED_RULE = (
    'plan_fee == 96 and tenure_months >= 12 and "price_sensitive" in tags '
    'and region in ["广东", "广西"]'
)


def portrait(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "C1", "plan_fee": 96, "tenure_months": 24, "tags": ["price_sensitive"],
        "province": "广东", "city": "广州", "birth_year": 1980, "do_not_call": False,
        "arpu": 88.5, "lifecycle_stage": "maturity", "value_tier": "high",
    }
    base.update(kw)
    return base


# ---------------------------------------------------------------- schema


def test_schema_comes_from_customer_columns() -> None:
    schema = field_schema()
    assert schema["plan_fee"].value == "number"
    assert schema["arpu"].value == "number"
    assert schema["province"].value == "string"
    assert schema["region"].value == "string"
    assert schema["age"].value == "number"
    assert schema["tags"].value == "list of strings"
    assert schema["do_not_call"].value == "boolean"
    assert schema["lead_tier"].value == "string"
    assert "scores" not in schema and "updated_at" not in schema


# ---------------------------------------------------------------- the seeds' examples


@pytest.mark.parametrize(
    ("rule", "fields", "yes", "no"),
    [
        (SEED_RULE, {"plan_fee", "tenure_months", "tags", "region"}, portrait(),
         portrait(province="湖南")),
        ("plan_fee == 96", {"plan_fee"}, portrait(), portrait(plan_fee=126)),
        ("plan_fee == 126 and tenure_months >= 6", {"plan_fee", "tenure_months"},
         portrait(plan_fee=126), portrait(plan_fee=126, tenure_months=3)),
        ('network == "3G" or "sim_4g_candidate" in tags', {"network", "tags"},
         portrait(network="3G"), portrait(network="4G")),
        ('"handset_old" in tags and age >= 40', {"tags", "age"},
         portrait(tags=["handset_old"], birth_year=1970), portrait(tags=["handset_old"], birth_year=2000)),
    ],
)
def test_seed_examples(rule: str, fields: set[str], yes: dict[str, Any], no: dict[str, Any]) -> None:
    compiled = compile_rule(rule)
    assert compiled.fields == fields
    assert compiled.matches(yes, today=TODAY)
    assert not compiled.matches(no, today=TODAY)
    mask = compiled.mask(pd.DataFrame([yes, no]), today=TODAY)
    assert mask.tolist() == [True, False]


def test_empty_and_true_mean_everyone() -> None:
    for text in ("", "   ", "true", "True", "# only a comment\n"):
        rule = compile_rule(text)
        assert rule.is_everyone
        assert rule.matches({})
        assert rule.mask(pd.DataFrame({"id": ["a", "b"]})).tolist() == [True, True]
    assert not compile_rule("false").matches({})


def test_region_and_age_are_derived() -> None:
    rule = compile_rule('region == "广西" and age < 30')
    assert rule.columns == {"province", "birth_year"}
    assert rule.matches({"province": "广西", "birth_year": 2000}, today=TODAY)
    assert not rule.matches({"province": "广西", "birth_year": 1990}, today=TODAY)
    assert not rule.matches({"province": "广西", "birth_year": None}, today=TODAY)
    # an explicit value wins over the derivation
    assert rule.matches({"region": "广西", "age": 20})


def test_operators() -> None:
    p = portrait(plan_fee=96, lead_tier="B", tags=["a", "b"])
    cases = {
        "plan_fee != 96": False, "plan_fee < 96": False, "plan_fee <= 96": True,
        "plan_fee > 95.5": True, "plan_fee >= 97": False, "plan_fee in [58, 96]": True,
        "plan_fee not in [58, 96]": False, "plan_fee in []": False,
        '"a" in tags and "c" not in tags': True, 'lead_tier <= "B"': True,
        'lead_tier in ["A", "B"]': True, '"广" in province': True, '"x" not in city': True,
        "not do_not_call": True, "do_not_call == false": True, "do_not_call": False,
        "(plan_fee == 96) == true": True, "not (plan_fee == 96 or false)": False,
        "96 == plan_fee": True, "arpu > plan_fee": False, "1 < 2": True,
        '"a" in ["a", "b"]': True, "plan_fee == 96.0": True,
    }
    df = pd.DataFrame([p])
    for text, expected in cases.items():
        rule = compile_rule(text)
        assert rule.matches(p) is expected, text
        assert rule.mask(df).tolist() == [expected], text


def test_missing_values_make_comparisons_false() -> None:
    p = {"plan_fee": None, "lead_tier": None, "tags": None, "do_not_call": None}
    for text in ("plan_fee == 96", "plan_fee != 96", "plan_fee not in [1]", "lead_tier != \"A\"",
                 "do_not_call", "do_not_call == false", '"x" in tags'):
        assert compile_rule(text).matches(p) is False, text
    for text in ("not plan_fee == 96", '"x" not in tags', "not do_not_call"):
        assert compile_rule(text).matches(p) is True, text


def test_values_of_the_wrong_type_count_as_missing_or_are_read() -> None:
    rule = compile_rule("plan_fee >= 96")
    assert rule.matches({"plan_fee": "126"})  # text that is a number is read as one
    assert not rule.matches({"plan_fee": "lots"})
    assert not rule.matches({"plan_fee": True})
    df = pd.DataFrame({"plan_fee": ["126", "lots", None, 96]})
    assert rule.mask(df).tolist() == [True, False, False, True]


def test_frame_dtypes() -> None:
    rule = compile_rule('plan_fee >= 96 and not do_not_call and city == "广州"')
    df = pd.DataFrame({
        "plan_fee": pd.array([96, None, 200], dtype="Int64"),
        "do_not_call": [False, False, None],
        "city": ["广州", "广州", "广州"],
    })
    assert rule.mask(df).tolist() == [True, False, True]
    # columns absent from the frame are missing everywhere
    assert compile_rule("tenure_months > 1").mask(df).tolist() == [False] * 3
    assert compile_rule('"x" in tags').mask(df).tolist() == [False] * 3


def test_portrait_frame_is_shared_between_rules() -> None:
    df = pd.DataFrame([portrait(), portrait(tags=["x"], birth_year=2001)])
    frame = PortraitFrame(df, today=TODAY)
    a = compile_rule('"x" in tags').mask(frame)
    b = compile_rule('"price_sensitive" in tags and age > 40').mask(frame)
    assert a.tolist() == [False, True]
    assert b.tolist() == [True, False]
    assert a.index.equals(df.index)


def test_mask_keeps_the_frame_index() -> None:
    df = pd.DataFrame([portrait(), portrait(plan_fee=1)], index=["x", "y"])
    mask = compile_rule("plan_fee == 96").mask(df)
    assert mask.index.tolist() == ["x", "y"] and mask.dtype == bool


# ---------------------------------------------------------------- errors with positions


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ('plan_fee == "96"', 1, 13, "without quotes"),
        ('"x" in plan_fee', 1, 8, "list or text"),
        ("plan_fe == 96", 1, 1, "did you mean 'plan_fee'"),
        ("tenure_months >= 12 and\n  bogus == 1", 2, 3, "unknown field 'bogus'"),
        ("plan_fee = 96", 1, 10, "use =="),
        ("plan_fee == 96 &&", 1, 16, "and"),
        ("plan_fee == 96 and", 1, 19, "ends too early"),
        ("plan_fee", 1, 1, "not a condition"),
        ("tags == [\"a\"]", 1, 9, "cannot compare"),
        ("plan_fee in [1, \"a\"]", 1, 13, "only numbers or only strings"),
        ("1 < age < 3", 1, 9, "chained"),
        ("do_not_call < true", 1, 15, "cannot be ordered"),
        ("arpu > region", 1, 1, "cannot compare"),
        ("plan_fee == 96)", 1, 15, "unexpected"),
        ("'abc", 1, 1, "not closed"),
        ('"a\\q"', 1, 3, "escape"),
        ("plan_fee == 1e999", 1, 13, "too large"),
        ("plan_fee and tenure_months > 1", 1, 1, "not a condition"),
    ],
)
def test_errors_name_the_position(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(RuleError) as info:
        compile_rule(text)
    err = info.value
    assert words in err.message
    assert (err.line, err.column) == (line, column)
    assert err.position is not None and 0 <= err.position.offset <= len(text)
    assert check_rule(text) is not None


def test_nesting_limit() -> None:
    with pytest.raises(RuleError, match="nested too deeply"):
        compile_rule("(" * 500 + "true" + ")" * 500)
    with pytest.raises(RuleError, match="nested too deeply"):
        compile_rule("not " * 3000 + "true")
    assert compile_rule("(" * 20 + "true" + ")" * 20).is_everyone


def test_never_evaluated_as_python() -> None:
    for text in ("__import__('os').system('true')", "open('x')", "plan_fee.__class__",
                 "lambda: 1", "[x for x in tags]"):
        with pytest.raises(RuleError):
            compile_rule(text)


# ---------------------------------------------------------------- explanation


def test_explain_lists_the_clauses_that_matched() -> None:
    rule = compile_rule(SEED_RULE)
    lines = rule.explain(portrait())
    assert lines == [
        "plan fee is 96 (customer: 96)",
        "tenure months is at least 12 (customer: 24)",
        "tags include 'price_sensitive'",
        "region is one of 广东, 广西 (customer: 广东)",
    ]
    rule = compile_rule('plan_fee == 126 or (not do_not_call and "vip" not in tags)')
    assert rule.explain(portrait()) == ["do not call: no", "tags do not include 'vip'"]
    assert rule.explain_failures(portrait()) == ["plan fee is not 126 (customer: 96)"]


def test_explanations_in_chinese() -> None:
    rule = compile_rule(SEED_RULE)
    assert rule.explain(portrait(), lang="zh") == [
        "套餐月费为96（客户: 96）",
        "在网时长(月)不低于12（客户: 24）",
        "标签含「资费敏感」",
        "地区属于广东、广西（客户: 广东）",
    ]
    rule = compile_rule('not do_not_call and "vip" not in tags and "5G" in plan_name')
    assert rule.explain(portrait(plan_name="5G畅享"), lang="zh") == [
        "免打扰: 否", "标签不含「vip」", "套餐包含「5G」（客户: 5G畅享）"]
    assert compile_rule("plan_fee == 126").explain_failures(portrait(), lang="zh") == [
        "套餐月费不为126（客户: 96）"]
    # unknown languages fall back to English
    assert compile_rule("plan_fee == 96").explain(portrait(), lang="fr") == [
        "plan fee is 96 (customer: 96)"]


# ---------------------------------------------------------------- property tests

NUM_FIELDS = ["plan_fee", "tenure_months", "arpu", "age", "birth_year"]
STR_FIELDS = ["region", "city", "lead_tier", "network"]
BOOL_FIELDS = ["do_not_call", "is_lead"]
STR_VALUES = ["广东", "广西", "A", "B", "4G", "5G", "", "x\"y", "a\\b", "line\nbreak"]
TAG_VALUES = ["price_sensitive", "vip", "family", "标签"]

num_const = st.one_of(
    st.integers(-5, 130).map(Const),
    st.sampled_from([0.5, 12.0, 88.5, -1.25, 1e-3]).map(Const),
)
str_const = st.sampled_from(STR_VALUES).map(Const)


def _cmp(op_choices: list[str], left: st.SearchStrategy[Node], right: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.builds(Compare, st.sampled_from(op_choices), left, right)


ORDER_OPS = ["==", "!=", "<", "<=", ">", ">="]
num_operand = st.one_of(st.sampled_from(NUM_FIELDS).map(Field), num_const)
str_operand = st.one_of(st.sampled_from(STR_FIELDS).map(Field), str_const)

leaf = st.one_of(
    _cmp(ORDER_OPS, num_operand, num_operand),
    _cmp(ORDER_OPS, str_operand, str_operand),
    _cmp(["in", "not in"], num_operand,
         st.lists(num_const, max_size=3).map(lambda xs: ListConst(tuple(xs)))),
    _cmp(["in", "not in"], str_operand,
         st.lists(str_const, max_size=3).map(lambda xs: ListConst(tuple(xs)))),
    _cmp(["in", "not in"], st.one_of(st.sampled_from(TAG_VALUES).map(Const),
                                     st.sampled_from(STR_FIELDS).map(Field)),
         st.just(Field("tags"))),
    _cmp(["in", "not in"], str_operand, st.sampled_from(STR_FIELDS).map(Field)),
    st.sampled_from(BOOL_FIELDS).map(Field),
    st.booleans().map(Const),
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        children.map(Not),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
        _cmp(["==", "!="], children, st.one_of(children, st.sampled_from(BOOL_FIELDS).map(Field))),
    )


conditions = st.recursive(leaf, _extend, max_leaves=12)

maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731
portraits = st.fixed_dictionaries({
    "plan_fee": maybe(st.sampled_from([0, 58, 96, 126, 130])),
    "tenure_months": maybe(st.integers(0, 130)),
    "arpu": maybe(st.sampled_from([0.5, 12.0, 88.5, 96.0, float("nan")])),
    "birth_year": maybe(st.integers(1896, 2026)),
    "province": maybe(st.sampled_from(STR_VALUES)),
    "city": maybe(st.sampled_from(STR_VALUES + ["广州市", "5G城"])),
    "lead_tier": maybe(st.sampled_from(["A", "B", "C"])),
    "network": st.sampled_from(["4G", "5G", "3G"]),
    "tags": maybe(st.lists(st.sampled_from(TAG_VALUES + STR_VALUES), max_size=4)),
    "do_not_call": maybe(st.booleans()),
    "is_lead": st.booleans(),
})


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def reference(node: Node, p: dict[str, Any]) -> Any:
    """The spec, read literally: None for a missing value; comparisons with it are false."""
    if isinstance(node, Field):
        if node.name == "region":
            return p.get("province")
        if node.name == "age":
            return None if p.get("birth_year") is None else TODAY.year - p["birth_year"]
        if node.name == "tags":
            return p.get("tags") or []
        v = p.get(node.name)
        return None if _missing(v) else v
    if isinstance(node, Const):
        return node.value
    if isinstance(node, ListConst):
        return [i.value for i in node.items]
    if isinstance(node, Not):
        return not reference(node.operand, p)
    if isinstance(node, And):
        return all(reference(i, p) is True for i in node.items)
    if isinstance(node, Or):
        return any(reference(i, p) is True for i in node.items)
    assert isinstance(node, Compare)
    a, b = reference(node.left, p), reference(node.right, p)
    if a is None or b is None:
        return False
    return {
        "==": lambda: a == b, "!=": lambda: a != b, "<": lambda: a < b, "<=": lambda: a <= b,
        ">": lambda: a > b, ">=": lambda: a >= b, "in": lambda: a in b,
        "not in": lambda: a not in b,
    }[node.op]()


def truth(node: Node, p: dict[str, Any]) -> bool:
    return reference(node, p) is True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(node=conditions, rows=st.lists(portraits, min_size=1, max_size=8))
def test_matches_agrees_with_mask_and_reference(node: Node, rows: list[dict[str, Any]]) -> None:
    rule = compile_rule(unparse(node))
    assert rule.node == node
    expected = [truth(node, p) for p in rows]
    assert [rule.matches(p, today=TODAY) for p in rows] == expected
    mask = rule.mask(pd.DataFrame(rows), today=TODAY)
    assert mask.tolist() == expected
    # a match always has at least one reason, a miss at least one failing clause
    for p, ok in zip(rows, expected, strict=True):
        for lang in ("en", "zh"):
            lines = (rule.explain(p, today=TODAY, lang=lang) if ok
                     else rule.explain_failures(p, today=TODAY, lang=lang))
            assert lines and all(isinstance(line, str) and line for line in lines)


@settings(max_examples=300, deadline=None)
@given(node=conditions)
def test_print_parse_round_trip(node: Node) -> None:
    text = unparse(node)
    rule = compile_rule(text)
    assert rule.node == node
    assert rule.text == text
    assert compile_rule(rule.text).text == text


TOKENS = ["plan_fee", "tags", "region", "age", "and", "or", "not", "in", "==", "!=", "<",
          ">=", "(", ")", "[", "]", ",", "96", "-1.5", '"广东"', "'x'", "true", "false",
          "=", "&", "#", "\n", '"', "1e5", "do_not_call", "bogus"]


@settings(max_examples=400, deadline=None)
@given(text=st.one_of(st.text(max_size=60),
                      st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join)))
def test_garbage_only_raises_rule_error(text: str) -> None:
    try:
        rule = compile_rule(text)
    except RuleError as exc:
        assert exc.message
        if exc.position is not None:
            assert 1 <= exc.position.line and 1 <= exc.position.column
        return
    # whatever compiles also round-trips and evaluates
    again = compile_rule(rule.text)
    assert again.node == rule.node
    p = {"plan_fee": 96, "tags": ["x"], "province": "广东", "birth_year": 1990}
    assert rule.matches(p) == bool(rule.mask(pd.DataFrame([p])).iloc[0])


def test_large_frame_vectorised_smoke() -> None:
    n = 20_000
    rng = np.random.default_rng(1)
    df = pd.DataFrame({
        "plan_fee": rng.choice([58, 96, 126], n),
        "tenure_months": rng.integers(0, 100, n),
        "province": rng.choice(["广东", "广西", "湖南"], n).astype(object),
        "tags": [["price_sensitive"] if i % 3 == 0 else [] for i in range(n)],
    })
    rule = compile_rule(SEED_RULE)
    mask = rule.mask(df)
    sample = df.sample(300, random_state=2)
    for idx, row in sample.iterrows():
        assert bool(mask.loc[idx]) == rule.matches(row.to_dict())
