"""YAML round trip on the demo (issue 17 point 4): what export-policies writes, import-policies
takes back unchanged, for every kind of object it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server_stub.cli import main as cli_main


def test_demo_export_imports_back_unchanged(tmp_path: Path, capsys: Any) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    assert cli_main(["seed-demo", "--db", url, "--customers", "300", "--quiet"]) == 0
    first = tmp_path / "first.yaml"
    assert cli_main(["export-policies", str(first), "--db", url]) == 0
    text = first.read_text(encoding="utf-8")
    assert "P-SUMMER-10G" in text and "status: retired" in text  # the ended campaign
    capsys.readouterr()
    assert cli_main(["import-policies", str(first), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "policy: 0 created, 0 updated, 12 unchanged" in out
    # every script of the demo (outbound, hotline and store channels) comes back unchanged
    from sqlalchemy import func, select

    from server_stub.storage.db import open_central, session_factory
    from server_stub.storage.models import Script

    engine = open_central(url)
    with session_factory(engine)() as s:
        scripts = s.scalar(select(func.count()).select_from(Script))
    engine.dispose()
    assert scripts and scripts > 100
    assert f"script: 0 created, 0 updated, {scripts} unchanged" in out
    assert "pressure_limit: 0 created, 0 updated, 3 unchanged" in out
    second = tmp_path / "second.yaml"
    assert cli_main(["export-policies", str(second), "--db", url]) == 0
    assert second.read_text(encoding="utf-8") == text
    # and into an empty store: everything created, exported the same
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert cli_main(["import-policies", str(first), "--db", other]) == 0
    assert "policy: 12 created" in capsys.readouterr().out
    third = tmp_path / "third.yaml"
    assert cli_main(["export-policies", str(third), "--db", other]) == 0
    assert third.read_text(encoding="utf-8") == text


_EXTRA = """\
assignment_rules:
  - name: tier-a-skilled
    kind: tier_grade
    params:
      tiers: {A: [A], B: [A, B], C: [B, C]}
      skill: true
    description: 高价值线索给A级坐席
  - name: old-turns
    kind: round_robin
    status: retired
  - name: best-first
    kind: score_least_loaded
    description: highest deal score first
sms_templates:
  - id: TPL-168
    name: 168 预存送 504
    policy_id: P-168-504
    purpose: campaign
    body: "【客户服务】{name}您好，{policy}：{pitch} 详情{link} 回TD退订"
  - id: TPL-GENERAL
    name: general
    purpose: hangup
    body: "【客户服务】{name}您好，刚才未能接通，{policy} 详情{link} 回TD退订"
"""


def test_every_kind_of_object_round_trips_into_a_fresh_store(tmp_path: Path, central_url: str,
                                                              capsys: Any) -> None:
    """Policies (one of them ``expired``), scripts, pressure limits, named assignment rules
    and SMS templates: exported from a demo-like store, imported into a fresh one (SQLite and
    PostgreSQL), exported again: the same text."""
    from sqlalchemy import select, update

    from server_stub.storage.db import open_central
    from server_stub.storage.models import AssignmentRule, Policy, SmsTemplate

    demo = f"sqlite:///{tmp_path / 'demo.db'}"
    assert cli_main(["seed-demo", "--db", demo, "--customers", "200", "--quiet"]) == 0
    engine = open_central(demo)
    with engine.begin() as conn:
        conn.execute(update(Policy).where(Policy.id == "P-SUMMER-10G").values(status="expired"))
    engine.dispose()
    extra = tmp_path / "extra.yaml"
    extra.write_text(_EXTRA, encoding="utf-8")
    assert cli_main(["import-policies", str(extra), "--db", demo]) == 0
    out = capsys.readouterr().out
    assert "assignment_rule: 3 created" in out and "sms_template: 2 created" in out

    first = tmp_path / "first.yaml"
    assert cli_main(["export-policies", str(first), "--db", demo]) == 0
    text = first.read_text(encoding="utf-8")
    for needle in ("status: expired", "assignment_rules:", "name: tier-a-skilled", "sms_templates:",
                   "id: TPL-GENERAL", "pressure_limits:", "scripts:"):
        assert needle in text, needle
    capsys.readouterr()
    assert cli_main(["import-policies", str(first), "--db", demo]) == 0  # the expired one is not refused
    out = capsys.readouterr().out
    assert "policy: 0 created, 0 updated, 12 unchanged" in out
    assert "assignment_rule: 0 created, 0 updated, 3 unchanged" in out
    assert "sms_template: 0 created, 0 updated, 2 unchanged" in out

    assert cli_main(["import-policies", str(first), "--db", central_url]) == 0
    out = capsys.readouterr().out
    assert "policy: 12 created" in out and "assignment_rule: 3 created" in out and "sms_template: 2 created" in out
    second = tmp_path / "second.yaml"
    assert cli_main(["export-policies", str(second), "--db", central_url]) == 0
    assert second.read_text(encoding="utf-8") == text
    engine = open_central(central_url)
    with engine.connect() as conn:
        assert conn.execute(select(Policy.status).where(Policy.id == "P-SUMMER-10G")).scalar_one() == "expired"
        rule = conn.execute(select(AssignmentRule.params, AssignmentRule.version)
                            .where(AssignmentRule.name == "tier-a-skilled")).one()
        assert rule.params == {"tiers": {"A": ["A"], "B": ["A", "B"], "C": ["B", "C"]}, "skill": True}
        assert conn.execute(select(SmsTemplate.policy_id).where(SmsTemplate.id == "TPL-168")).scalar_one() \
            == "P-168-504"
    engine.dispose()


def test_a_changed_rule_gets_a_new_version_and_a_bad_one_changes_nothing(central_url: str, tmp_path: Path,
                                                                          capsys: Any) -> None:
    from sqlalchemy import func, select

    from server_stub.storage.db import open_central
    from server_stub.storage.models import AssignmentRule, Policy

    f = tmp_path / "rules.yaml"
    f.write_text(_EXTRA.split("sms_templates:")[0], encoding="utf-8")
    assert cli_main(["import-policies", str(f), "--db", central_url]) == 0
    f.write_text(_EXTRA.split("sms_templates:")[0].replace("C: [B, C]", "C: [A, B, C]"), encoding="utf-8")
    assert cli_main(["import-policies", str(f), "--db", central_url]) == 0
    assert "assignment_rule: 0 created, 1 updated, 2 unchanged" in capsys.readouterr().out
    engine = open_central(central_url)

    def versions() -> dict[str, int]:
        with engine.connect() as conn:
            return dict(conn.execute(select(AssignmentRule.name, AssignmentRule.version)).tuples().all())

    assert versions() == {"tier-a-skilled": 2, "old-turns": 1, "best-first": 1}
    policy = ("policies:\n  - id: P-NEW\n    name: new\n    rule: 'true'\n")
    bad = {
        "kind: tier_grade": "kind: by_magic",
        "description: highest deal score first": "params: {tiers: {A: [A]}}",
        "tiers: {A: [A], B: [A, B], C: [B, C]}": "tiers: {A: [S]}",
        "skill: true": "skill: 'yes'",
        "name: best-first": "name: 'Best First!'",
    }
    for old, new in bad.items():
        f.write_text(policy + _EXTRA.split("sms_templates:")[0].replace(old, new), encoding="utf-8")
        assert cli_main(["import-policies", str(f), "--db", central_url]) == 1, new
        assert "nothing was imported" in capsys.readouterr().err
    # a bad SMS template (unknown policy) rolls back the policies and rules of the same file
    f.write_text(policy + _EXTRA.replace("name: old-turns", "name: old-turns-2").replace(
        "policy_id: P-168-504", "policy_id: P-NOPE"), encoding="utf-8")
    assert cli_main(["import-policies", str(f), "--db", central_url]) == 1
    assert "sms_templates[0] (TPL-168).policy_id" in capsys.readouterr().err
    assert versions() == {"tier-a-skilled": 2, "old-turns": 1, "best-first": 1}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Policy)).scalar_one() == 0
    engine.dispose()
