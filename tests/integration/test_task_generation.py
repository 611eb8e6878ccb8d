"""Task generation on real central stores (SQLite and PostgreSQL): matching, assignment,
skips, change-log entries and idempotence."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from server_stub import cli
from server_stub.changes import Change, append
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from server_stub.task_generation import (
    GenerationError,
    generate_tasks,
    match_policies,
    task_id,
)
from workbench.core.policies import SEED_POLICIES, PolicySpec, eligible_policies

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
P168, P228, PSIM, PHANDSET = SEED_POLICIES
#: a second prepay offer for anyone on 96 with long tenure: competes with 168 in the group
PLOYAL = PolicySpec("P-LOYAL", "LOYAL", "老用户预存", rule="plan_fee == 96 and tenure_months >= 60",
                    channels=("outbound",), priority=20, value=100.0, exclusive_group="prepay",
                    product="contract")


def customer(cid: str, **kw: object) -> m.Customer:
    values: dict[str, object] = dict(
        id=cid, name=f"客户{cid}", phone="13800000000", province="广东", city="广州",
        plan_fee=96, tenure_months=12, network="4G", tags=[], team_id="T01", store_id=None,
        value_tier="ordinary", scores={},
    )
    values.update(kw)
    return m.Customer(**values)


@pytest.fixture
def world(central_url: str) -> Iterator[Engine]:
    engine = open_central(central_url, migrate=False)
    with Session(engine) as s, s.begin():
        s.add_all([m.Team(id="T01", name="一组"), m.Team(id="T02", name="二组")])
        s.add_all([
            m.Store(id="S001", name="天河厅", province="广东", city="广州"),
            m.Store(id="S002", name="越秀厅", province="广东", city="广州"),
            m.Store(id="S003", name="福田厅", province="广东", city="深圳"),
        ])
        s.add_all([
            m.User(id="U-a1", username="a1", display_name="a1", role="agent", team_id="T01",
                   skills=["contract"], password_hash="x"),
            m.User(id="U-a2", username="a2", display_name="a2", role="agent", team_id="T01",
                   skills=["handset"], password_hash="x"),
            m.User(id="U-a3", username="a3", display_name="a3", role="agent", team_id="T02",
                   skills=[], password_hash="x"),
            m.User(id="U-off", username="off", display_name="off", role="agent", team_id="T01",
                   skills=["handset"], password_hash="x", active=False),
            m.User(id="U-lead", username="lead", display_name="lead", role="lead", team_id="T01",
                   skills=[], password_hash="x"),
        ])
        for p in (*SEED_POLICIES, PLOYAL):
            s.add(m.Policy(**p.to_row()))
        s.add(m.Policy(**dataclasses.replace(P168, id="P-DRAFT", status="draft").to_row()))
        s.add_all([
            customer("C01"),                                       # 168: outbound, sms
            customer("C02", do_not_call=True, store_id="S003"),    # 168: store instead, sms
            customer("C03", plan_fee=126, team_id="T02", do_not_sms=True),  # 228: no sms
            customer("C04", network="3G", plan_fee=58, city="深圳"),  # SIM swap
            customer("C05", tenure_months=72, tags=["handset_old"], value_tier="high",
                     scores={"deal": 0.4}),                        # by value: 168 beats LOYAL
            customer("C06", tenure_months=72),                     # no score: priority -> LOYAL
            customer("C07"),                                       # accepted LOYAL: prepay group closed
            customer("C08", plan_fee=58),                          # nothing matches
            customer("C09", team_id=None, city="杭州"),            # no agent, no store
            customer("C10"),                                       # has an old task for 168
            customer("C11", team_id=None, city="深圳"),            # no agent: a store in the city
        ])
        s.add(m.Acceptance(id="A1", customer_id="C07", policy_id="P-LOYAL", channel="store",
                           accepted_at=NOW))
        s.add(m.Task(id="OLD-1", customer_id="C10", policy_id="P-168-504", channel="outbound",
                     assignee_id="U-a1", status="done"))
    yield engine
    engine.dispose()


def tasks(engine: Engine) -> dict[tuple[str, str, str], m.Task]:
    with Session(engine) as s:
        return {(t.customer_id, t.policy_id, t.channel): t for t in s.scalars(select(m.Task))}


def change_count(engine: Engine, entity: str = "task") -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(m.ChangeLog).where(m.ChangeLog.entity == entity)) or 0


def test_generation_matches_assigns_and_skips(world: Engine) -> None:
    progress: list[tuple[int, int, int]] = []
    report = generate_tasks(world, now=NOW, chunk=4, progress=lambda *a: progress.append(a))
    got = tasks(world)
    created = {key for key, t in got.items() if t.id != "OLD-1"}
    assert created == {
        ("C01", "P-168-504", "outbound"), ("C01", "P-168-504", "sms"),
        ("C02", "P-168-504", "store"), ("C02", "P-168-504", "sms"),
        ("C03", "P-228-684", "outbound"),
        ("C04", "P-SIM-4G", "outbound"),
        ("C05", "P-168-504", "outbound"), ("C05", "P-168-504", "sms"),
        ("C05", "P-HANDSET", "outbound"),
        ("C06", "P-LOYAL", "outbound"),
        ("C09", "P-168-504", "sms"),
        ("C10", "P-168-504", "sms"),
        ("C11", "P-168-504", "store"), ("C11", "P-168-504", "sms"),
    }
    assert report.total_created == len(created) == 14
    assert report.created == Counter({"outbound": 6, "store": 2, "sms": 6})
    assert report.skipped["do_not_call"] == 1 and report.skipped["do_not_sms"] == 1
    assert report.skipped["no_agent"] == 2 and report.skipped["no_store"] == 1
    assert report.skipped["exists"] == 1 and report.skipped["store_covered_by_outbound"] == 6
    assert report.customers == 11 and "P-DRAFT" not in report.policies
    assert progress[-1] == (11, 11, 14) and len(progress) == 3
    assert any("tasks created: 14" in line for line in report.lines())

    # ids are deterministic; fields filled from policy and customer
    t = got[("C01", "P-168-504", "outbound")]
    assert t.id == task_id("C01", "P-168-504", "outbound")
    assert t.status == "open" and t.priority == P168.priority and t.team_id == "T01"
    assert t.assignee_id in {"U-a1", "U-a2"} and t.created_at == NOW
    # agents of the customer's team only; inactive agents never
    assert got[("C03", "P-228-684", "outbound")].assignee_id == "U-a3"
    assert {t.assignee_id for k, t in got.items() if k[2] == "outbound" and t.team_id == "T01"} <= {"U-a1", "U-a2"}
    # stores: the customer's own, else one in the customer's city
    assert got[("C02", "P-168-504", "store")].store_id == "S003"
    assert got[("C11", "P-168-504", "store")].store_id == "S003"  # 深圳
    assert got[("C01", "P-168-504", "sms")].assignee_id is None


def test_store_tasks_for_every_match(world: Engine) -> None:
    report = generate_tasks(world, now=NOW, store_tasks="all")
    got = tasks(world)
    assert report.created == Counter({"outbound": 6, "store": 8, "sms": 6})
    assert got[("C01", "P-168-504", "store")].store_id in {"S001", "S002"}  # 广州
    assert got[("C04", "P-SIM-4G", "store")].store_id == "S003"  # 深圳
    assert ("C10", "P-168-504", "store") in got


def test_round_robin_balances_a_team(world: Engine) -> None:
    generate_tasks(world, now=NOW)
    outbound = [t for k, t in tasks(world).items() if k[2] == "outbound" and t.team_id == "T01"
                and t.id != "OLD-1"]
    counts = Counter(t.assignee_id for t in outbound)
    assert set(counts) == {"U-a1", "U-a2"} and max(counts.values()) - min(counts.values()) <= 1


def test_skill_assignment(world: Engine) -> None:
    generate_tasks(world, now=NOW, assign="skill")
    got = tasks(world)
    assert got[("C05", "P-HANDSET", "outbound")].assignee_id == "U-a2"  # handset skill
    assert got[("C06", "P-LOYAL", "outbound")].assignee_id == "U-a1"    # contract skill
    assert got[("C01", "P-168-504", "outbound")].assignee_id == "U-a1"
    assert got[("C03", "P-228-684", "outbound")].assignee_id == "U-a3"  # nobody skilled: anyone


def test_running_twice_creates_nothing_new(world: Engine) -> None:
    first = generate_tasks(world, now=NOW)
    before_tasks, before_log = len(tasks(world)), change_count(world)
    assert before_log == first.total_created
    second = generate_tasks(world, now=NOW + dt.timedelta(hours=1), chunk=3)
    assert second.total_created == 0
    assert second.skipped["exists"] == first.total_created + 1
    assert len(tasks(world)) == before_tasks and change_count(world) == before_log


def test_change_log_entries_carry_team_and_store(world: Engine) -> None:
    generate_tasks(world, now=NOW)
    with Session(world) as s:
        rows = {r.entity_id: r for r in s.scalars(select(m.ChangeLog).where(m.ChangeLog.entity == "task"))}
    t = tasks(world)[("C02", "P-168-504", "store")]
    entry = rows[t.id]
    assert entry.op == "upsert" and entry.team_id == "T01" and entry.store_id == "S003"
    assert entry.data["customer_id"] == "C02" and entry.data["status"] == "open"
    assert entry.data["created_at"] == NOW.isoformat()
    city_store = tasks(world)[("C11", "P-168-504", "store")]
    entry = rows[city_store.id]
    assert entry.store_id == "S003" and entry.team_id is None  # tagged for the store that serves it


def test_acceptance_after_a_run_stops_new_tasks_for_the_group(world: Engine) -> None:
    with Session(world) as s, s.begin():
        s.add(m.Acceptance(id="A2", customer_id="C01", policy_id="P-LOYAL", channel="hotline",
                           accepted_at=NOW))
    report = generate_tasks(world, now=NOW)
    assert not any(k[0] == "C01" for k in tasks(world))
    assert report.skipped["accepted_or_group_taken"] >= 2  # C01 and C07


def test_a_held_group_task_keeps_other_group_policies_away(world: Engine) -> None:
    with Session(world) as s, s.begin():
        s.add(m.Task(id="OLD-2", customer_id="C06", policy_id="P-168-504", channel="store",
                     status="open"))
    generate_tasks(world, now=NOW)
    assert ("C06", "P-LOYAL", "outbound") not in tasks(world)


def test_one_policy_on_demand(world: Engine) -> None:
    report = generate_tasks(world, now=NOW, policy_id="P-SIM-4G", channels=["store"])
    assert report.policies == ["P-SIM-4G"]
    assert set(tasks(world)) - {("C10", "P-168-504", "outbound")} == {("C04", "P-SIM-4G", "store")}
    with pytest.raises(GenerationError, match="no policy"):
        generate_tasks(world, now=NOW, policy_id="P-NOPE")
    with pytest.raises(GenerationError, match="not published"):
        generate_tasks(world, now=NOW, policy_id="P-DRAFT")
    with pytest.raises(GenerationError, match="channel"):
        generate_tasks(world, now=NOW, channels=["hotline"])


def test_cli(world: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    url = world.url.render_as_string(hide_password=False)
    assert cli.main(["generate-tasks", "--db", url, "--policy", "P-SIM-4G"]) == 0
    out = capsys.readouterr()
    assert "tasks created: 1 (outbound 1)" in out.out and "customers" in out.err
    assert cli.main(["generate-tasks", "--db", url]) == 0
    assert cli.main(["generate-tasks", "--db", url, "--policy", "P-NOPE"]) == 1
    assert "no policy" in capsys.readouterr().err


def test_tasks_only_for_valid_policies_and_quota(world: Engine) -> None:
    with Session(world) as s, s.begin():
        s.get(m.Policy, "P-168-504").valid_to = NOW  # type: ignore[union-attr]
        s.get(m.Policy, "P-SIM-4G").quota_total = 5  # type: ignore[union-attr]
        s.get(m.Policy, "P-SIM-4G").quota_used = 5  # type: ignore[union-attr]
    report = generate_tasks(world, now=NOW)
    assert "P-168-504" not in report.policies and "P-SIM-4G" not in report.policies


def test_existing_change_log_is_continued(world: Engine) -> None:
    with Session(world) as s, s.begin():
        append(s, [Change("team", "T01", {"id": "T01"})])
    generate_tasks(world, now=NOW)
    with Session(world) as s:
        cursors = s.scalars(select(m.ChangeLog.cursor).order_by(m.ChangeLog.cursor)).all()
    assert cursors == list(range(1, len(cursors) + 1))


# ---------------------------------------------------------------- the core agrees with the desktop


def test_match_policies_agrees_with_eligible_policies() -> None:
    rng = random.Random(7)
    policies = [dataclasses.replace(p, channels=()) for p in (*SEED_POLICIES, PLOYAL)]
    portraits = []
    for i in range(400):
        portraits.append({
            "id": f"C{i:04d}", "plan_fee": rng.choice([58, 96, 126]),
            "tenure_months": rng.choice([0, 6, 30, 72]), "network": rng.choice(["3G", "4G"]),
            "tags": rng.sample(["handset_old", "old_sim", "vip"], rng.randint(0, 2)),
            "value_tier": rng.choice(["high", "ordinary"]),
            "scores": rng.choice([{}, {"deal": 0.3}]),
        })
    result = match_policies(pd.DataFrame(portraits), policies, today=NOW.date())
    for i, p in enumerate(portraits):
        server = {policies[j].id for j in range(len(policies)) if result.matrix[i, j]}
        desktop = {e.policy.id for e in eligible_policies(p, policies, "outbound", NOW, ())}
        assert server == desktop, p


def test_a_stored_policy_with_a_broken_rule_is_skipped_with_a_warning(world: Engine) -> None:
    with Session(world) as s, s.begin():
        s.add(m.Policy(**dataclasses.replace(P168, id="P-BROKEN", rule="plan_fee ==").to_row()))
    report = generate_tasks(world, now=NOW)
    assert "P-BROKEN" not in report.policies and report.total_created == 14
    assert any("P-BROKEN" in w and "invalid rule" in w for w in report.warnings)
    assert any(line.startswith("warning: policy P-BROKEN") for line in report.lines())
    with pytest.raises(GenerationError, match="invalid rule"):
        generate_tasks(world, now=NOW, policy_id="P-BROKEN")
