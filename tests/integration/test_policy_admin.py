"""import-policies / export-policies on real central stores: validation, versions, change log."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from server_stub import cli
from server_stub.policy_admin import apply_bundle, export_yaml
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from workbench.core.policies import SEED_POLICIES, ScriptSpec, dump_yaml, load_yaml
from workbench.core.pressure import PressureLimitSpec

SCRIPT = ScriptSpec("S-1", "P-168-504", None, "offer", "A", "推荐", "预存168得504", ("预存",))
LIMIT = PressureLimitSpec("outbound", "month", 2, "21:00", "09:00", 7, id="L-1")


@pytest.fixture
def engine(central_url: str) -> Iterator[Engine]:
    e = open_central(central_url, migrate=False)
    yield e
    e.dispose()


def log(engine: Engine) -> list[m.ChangeLog]:
    with Session(engine) as s:
        return list(s.scalars(select(m.ChangeLog).order_by(m.ChangeLog.cursor)))


def test_import_publishes_to_the_change_log(engine: Engine) -> None:
    bundle = load_yaml(dump_yaml(SEED_POLICIES, [SCRIPT], [LIMIT]))
    report = apply_bundle(engine, bundle)
    assert len(report.created["policy"]) == 4 and report.created["script"] == ["S-1"]
    entries = log(engine)
    assert [(e.entity, e.entity_id) for e in entries][-2:] == [("script", "S-1"), ("pressure_limit", "L-1")]
    assert all(e.team_id is None and e.store_id is None for e in entries)  # reference data: everyone
    policy_entry = next(e for e in entries if e.entity_id == "P-168-504")
    assert policy_entry.data["rule"] == SEED_POLICIES[0].rule and policy_entry.data["version"] == 1

    # the same file again: nothing changes, nothing is logged
    again = apply_bundle(engine, bundle)
    assert not again.created and not again.updated and len(again.unchanged["policy"]) == 4
    assert len(log(engine)) == len(entries)

    # a changed policy gets the next version
    changed = dataclasses.replace(SEED_POLICIES[0], rule="plan_fee == 96 and tenure_months >= 12")
    third = apply_bundle(engine, load_yaml(dump_yaml([changed])))
    assert third.updated == {"policy": ["P-168-504"]}
    with Session(engine) as s:
        row = s.get(m.Policy, "P-168-504")
        assert row is not None and row.version == 2 and row.rule.endswith(">= 12")
    assert log(engine)[-1].data["version"] == 2


def test_export_round_trips(engine: Engine) -> None:
    apply_bundle(engine, load_yaml(dump_yaml(SEED_POLICIES, [SCRIPT], [LIMIT])))
    bundle = load_yaml(export_yaml(engine))
    assert bundle.policies == tuple(sorted(SEED_POLICIES, key=lambda p: p.id)) and bundle.scripts == (SCRIPT,)
    assert bundle.pressure_limits == (LIMIT,)


def test_cli(engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = engine.url.render_as_string(hide_password=False)
    good = tmp_path / "p.yaml"
    good.write_text(dump_yaml(SEED_POLICIES), encoding="utf-8")
    assert cli.main(["import-policies", str(good), "--db", url, "--dry-run"]) == 0
    assert "valid: 4 policies" in capsys.readouterr().out
    with Session(engine) as s:
        assert s.scalar(select(m.Policy.id)) is None
    assert cli.main(["import-policies", str(good), "--db", url]) == 0
    assert "policy: 4 created" in capsys.readouterr().out
    out = tmp_path / "out.yaml"
    assert cli.main(["export-policies", str(out), "--db", url]) == 0
    assert [p["id"] for p in yaml.safe_load(out.read_text(encoding="utf-8"))["policies"]] == sorted(
        p.id for p in SEED_POLICIES)
    bad = tmp_path / "bad.yaml"
    doc = yaml.safe_load(good.read_text(encoding="utf-8"))
    doc["policies"][0]["name"] = "改了"
    doc["policies"][1]["rule"] = "plan_fee == '126'"
    bad.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    before = len(log(engine))
    assert cli.main(["import-policies", str(bad), "--db", url]) == 1
    err = capsys.readouterr().err
    assert "policies[1] (P-228-684).rule" in err and "nothing was imported" in err
    assert len(log(engine)) == before
    with Session(engine) as s:
        assert s.get(m.Policy, "P-168-504").name == SEED_POLICIES[0].name  # type: ignore[union-attr]
