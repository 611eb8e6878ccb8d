"""Policy eligibility (validity, channel, quota, exclusive groups, ranking) and YAML exchange."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import yaml

from workbench.core.policies import (
    SEED_POLICIES,
    PolicySpec,
    PolicyYamlError,
    ScriptSpec,
    dump_yaml,
    eligible_policies,
    is_active,
    load_yaml,
    publish,
    remaining_quota,
)
from workbench.core.pressure import PressureLimitSpec
from workbench.core.rules import RuleError

NOW = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
P168, P228, PSIM, PHANDSET = SEED_POLICIES


def portrait(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "C1", "plan_fee": 96, "tenure_months": 30, "tags": ["handset_old"],
        "network": "4G", "value_tier": "high", "province": "广东",
    }
    base.update(kw)
    return base


def ids(result: list[Any]) -> list[str]:
    return [e.policy.id for e in result]


def test_the_seed_examples() -> None:
    # no scores: by priority (prepay 10, handset 8)
    assert ids(eligible_policies(portrait(), SEED_POLICIES, "outbound", NOW, ())) == [
        "P-168-504", "P-HANDSET"]
    assert ids(eligible_policies(portrait(plan_fee=126), SEED_POLICIES, "outbound", NOW, ())) == [
        "P-228-684", "P-HANDSET"]
    # with a deal probability: expected value (handset 300 > prepay 168)
    assert ids(eligible_policies(portrait(scores={"deal": 0.3}), SEED_POLICIES, "outbound", NOW,
                                 ())) == ["P-HANDSET", "P-168-504"]
    sim = eligible_policies(portrait(network="3G", tags=[], plan_fee=58), SEED_POLICIES, "store", NOW, ())
    assert ids(sim) == ["P-SIM-4G"]
    assert sim[0].explanation == ("network is one of 2G, 3G (customer: 3G)",)
    # SIM swap is not offered by SMS
    assert eligible_policies(portrait(network="3G", tags=[], plan_fee=58), SEED_POLICIES, "sms", NOW, ()) == []


def test_explanation_quota_and_rank() -> None:
    [first, second] = eligible_policies(portrait(), SEED_POLICIES, "store", NOW, (), "S001",
                                        store_used={"P-168-504": 150})
    assert first.rank == 1 and second.rank == 2
    assert first.policy.id == "P-168-504"
    assert first.explanation == ("plan fee is 96 (customer: 96)",
                                 "tenure months is at least 6 (customer: 30)")
    assert first.remaining_quota == 50  # min(5000 - 0, 200 - 150)
    assert second.remaining_quota == 50  # handset: per store 50, nothing used
    assert first.probability is None and first.expected_value is None


def test_explanation_in_chinese() -> None:
    [offer] = eligible_policies(portrait(network="3G", tags=[], plan_fee=58), SEED_POLICIES,
                                "store", NOW, (), lang="zh")
    assert offer.explanation == ("网络属于2G、3G（客户: 3G）",)


def test_validity_window_and_status() -> None:
    p = dataclasses.replace(P168, valid_from=NOW, valid_to=NOW + dt.timedelta(days=1))
    assert is_active(p, NOW)
    assert not is_active(p, NOW - dt.timedelta(seconds=1))
    assert not is_active(p, NOW + dt.timedelta(days=1))
    assert not is_active(dataclasses.replace(P168, status="draft"), NOW)
    assert not is_active(dataclasses.replace(P168, status="retired"), NOW)
    expired = dataclasses.replace(P168, valid_to=NOW)
    assert eligible_policies(portrait(), [expired], "outbound", NOW, ()) == []


def test_channels_empty_means_all() -> None:
    anywhere = dataclasses.replace(P168, channels=())
    assert ids(eligible_policies(portrait(), [anywhere], "online", NOW, ())) == ["P-168-504"]


def test_quota() -> None:
    used_up = dataclasses.replace(P168, quota_total=10, quota_used=10)
    assert eligible_policies(portrait(), [used_up], "outbound", NOW, ()) == []
    assert remaining_quota(dataclasses.replace(P168, quota_total=10, quota_used=3)) == 7
    assert remaining_quota(dataclasses.replace(P168, quota_total=None, quota_per_store=None)) is None
    store_full = eligible_policies(portrait(), [P168], "store", NOW, (), "S001",
                                   store_used={"P-168-504": 200})
    assert store_full == []
    # another store still has quota
    assert ids(eligible_policies(portrait(), [P168], "store", NOW, (), "S002",
                                 store_used={})) == ["P-168-504"]


def test_accepted_policies_and_their_groups_are_not_offered() -> None:
    both = dataclasses.replace(P228, rule="plan_fee >= 96")
    assert ids(eligible_policies(portrait(tags=[]), [P168, both], "outbound", NOW, ())) == ["P-228-684"]
    # accepted 228 -> the prepay group is closed: 168 is not offered either
    assert eligible_policies(portrait(tags=[]), [P168, both], "outbound", NOW, {"P-228-684"}) == []
    assert ids(eligible_policies(portrait(), SEED_POLICIES, "outbound", NOW, {"P-HANDSET"})) == [
        "P-168-504"]


def test_one_policy_per_exclusive_group_the_best() -> None:
    a = PolicySpec("A", "A", "a", value=100, priority=1, exclusive_group="g")
    b = PolicySpec("B", "B", "b", value=50, priority=9, exclusive_group="g")
    c = PolicySpec("C", "C", "c", value=10, priority=0)
    scores = {"A": 0.1, "B": 0.5, "C": 0.9}  # expected: A 10, B 25, C 9
    assert ids(eligible_policies({}, [a, b, c], "outbound", NOW, (), scores=scores)) == ["B", "C"]


def test_ranking_by_expected_value_then_priority() -> None:
    a = PolicySpec("A", "A", "a", value=100, priority=1)
    b = PolicySpec("B", "B", "b", value=200, priority=5)
    c = PolicySpec("C", "C", "c", value=100, priority=3)
    # without scores: priority first
    assert ids(eligible_policies({}, [a, b, c], "outbound", NOW, ())) == ["B", "C", "A"]
    # the portrait's own deal score: value decides
    assert ids(eligible_policies({"scores": {"deal": 0.2}}, [a, b, c], "outbound", NOW, ())) == [
        "B", "C", "A"]
    ranked = eligible_policies({}, [a, b, c], "outbound", NOW, (), scores={"A": 0.9, "B": 0.3, "*": 0.9})
    assert ids(ranked) == ["C", "A", "B"]  # C 90 (prio 3) = A 90 (prio 1) > B 60
    assert ranked[0].probability == 0.9 and ranked[0].expected_value == pytest.approx(90.0)
    # unknown probability sorts after known ones
    assert ids(eligible_policies({}, [a, b], "outbound", NOW, (), scores={"A": 0.01})) == ["A", "B"]


def test_rows_and_dicts_are_accepted_and_bad_rules_skipped() -> None:
    from server_stub.storage.models import Policy

    row = Policy(id="P-X", code="X", name="x", rule="plan_fee == 96", channels=["outbound"],
                 status="published", version=1, quota_used=0, priority=0, value=1.0)
    broken = {"id": "P-BAD", "code": "BAD", "name": "bad", "rule": "plan_fee ==", "channels": []}
    wire = {"id": "P-W", "rule": "true", "valid_to": "2027-01-01T00:00:00+00:00"}
    result = eligible_policies(portrait(), [row, broken, wire], "outbound", NOW, ())
    assert ids(result) == ["P-W", "P-X"] or ids(result) == ["P-X", "P-W"]
    assert PolicySpec.from_row(wire).valid_to == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


def test_publish_bumps_the_version_and_refuses_bad_rules() -> None:
    draft = dataclasses.replace(P168, status="draft", version=3)
    assert publish(draft).status == "published" and publish(draft).version == 4
    with pytest.raises(RuleError):
        publish(dataclasses.replace(draft, rule="plan_fee == '96'"))


# ---------------------------------------------------------------- YAML

SCRIPT = ScriptSpec("S-168-open", "P-168-504", "maturity", "opening", "A", "开场",
                    "您好{name}，您的{plan_name}可以参加预存168送504活动", ("预存", "话费"))
LIMIT = PressureLimitSpec("outbound", "month", 2, "21:00", "09:00", 7, id="L-out-month")


def test_yaml_round_trip() -> None:
    windowed = dataclasses.replace(
        P168, valid_from=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        valid_to=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    text = dump_yaml([windowed, *SEED_POLICIES[1:]], [SCRIPT], [LIMIT])
    assert "预存168送504" in text  # readable, not escaped
    bundle = load_yaml(text)
    assert bundle.policies == (windowed, *SEED_POLICIES[1:])
    assert bundle.scripts == (SCRIPT,)
    assert bundle.pressure_limits == (LIMIT,)
    assert dump_yaml(bundle.policies, bundle.scripts, bundle.pressure_limits) == text


def test_yaml_accepts_plain_dates_and_defaults() -> None:
    bundle = load_yaml("""
policies:
  - id: P1
    name: 测试
    valid_from: 2026-11-01
    channels: [outbound]
pressure_limits:
  - id: L1
    channel: sms
    quiet_start: null
    quiet_end: null
""")
    p = bundle.policies[0]
    assert p.code == "P1" and p.rule == "true" and p.status == "published" and p.version == 1
    assert p.valid_from == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert bundle.pressure_limits[0].quiet_start is None


def test_yaml_errors_name_item_and_field_and_nothing_loads() -> None:
    doc = {
        "policies": [
            {"id": "P-OK", "name": "fine", "rule": "plan_fee == 96"},
            {"id": "P-BAD", "name": "bad", "rule": 'plan_fee == "96"', "channels": ["fax"],
             "quota_total": -1, "colour": "red"},
            {"name": "no id"},
            {"id": "P-OK", "name": "twice", "valid_from": "2026-12-01", "valid_to": "2026-11-01"},
        ],
        "scripts": [{"id": "S1", "section": "goodbye"}],
        "pressure_limits": [{"id": "L1", "channel": "outbound", "period": "year",
                             "quiet_start": "25:00"}],
    }
    with pytest.raises(PolicyYamlError) as info:
        load_yaml(yaml.safe_dump(doc, allow_unicode=True))
    messages = [str(i) for i in info.value.issues]
    wanted = [
        "policies[1] (P-BAD).rule: cannot compare a number with a string",
        "policies[1] (P-BAD).channels: unknown fax",
        "policies[1] (P-BAD).quota_total: must be at least 0",
        "policies[1] (P-BAD).colour: is not a known field",
        "policies[2].id: is required",
        "policies[3] (P-OK).id: is used twice",
        "policies[3] (P-OK).valid_to: must be after valid_from",
        "scripts[0] (S1).section: must be one of",
        "pressure_limits[0] (L1).period: must be one of day, week, month",
        "pressure_limits[0] (L1).quiet_start: must be a time like 21:00",
    ]
    for w in wanted:
        assert any(m.startswith(w) for m in messages), (w, messages)
    assert "line 1, column 13" in next(m for m in messages if ".rule:" in m)
    assert not any(m.startswith("policies[0]") for m in messages)


@pytest.mark.parametrize(("text", "words"), [
    ("policies: [1, 2", "not valid YAML at line"),
    ("- just a list", "must be a mapping"),
    ("policies: {}", "must be a list"),
    ("format: 9", "not supported"),
    ("rules: []", "not a known section"),
])
def test_yaml_file_level_errors(text: str, words: str) -> None:
    with pytest.raises(PolicyYamlError, match=words):
        load_yaml(text)


def test_empty_yaml_is_an_empty_bundle() -> None:
    bundle = load_yaml("")
    assert bundle.policies == () and bundle.scripts == () and bundle.pressure_limits == ()
