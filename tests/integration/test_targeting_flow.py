"""End to end: policies from YAML and portraits from a data-platform file reach the central
store, generate-tasks matches them, and each desktop pulls exactly its team's tasks; the
desktop's own eligibility check agrees with the server's matching."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from server_stub.importer import import_customers
from server_stub.policy_admin import apply_bundle
from server_stub.storage.db import open_central
from server_stub.task_generation import generate_tasks, task_id
from tests.integration import factories
from tests.integration.conftest import Desktop
from workbench.core.clock import utcnow
from workbench.core.policies import (
    SEED_POLICIES,
    PolicySpec,
    dump_yaml,
    eligible_policies,
    load_yaml,
)
from workbench.local_store.models import Customer, Policy, Task

CSV = """客户编号,姓名,手机号,套餐月费,在网时长(月),网络,标签,价值层级,团队,营业厅,免打扰
C-A,甲,13800000001,96,30,4G,handset_old,高价值,T01,S001,0
C-B,乙,13800000002,126,12,4G,,普通,T01,S001,0
C-C,丙,13800000003,96,8,3G,,普通,T01,S001,1
C-D,丁,13800000004,96,40,4G,,普通,T02,S002,0
C-E,戊,13800000005,bad,40,4G,,普通,T02,S002,0
"""


def test_import_generate_and_pull(central_url: str, tmp_path: Path,
                                  desktop: Callable[..., Desktop]) -> None:
    factories.make_world(central_url, customers_per_team=0, with_tasks=False)
    engine = open_central(central_url, migrate=False)
    try:
        # the studio's YAML (seed policies) replaces the factory's catch-all policies
        policy_report = apply_bundle(engine, load_yaml(dump_yaml(SEED_POLICIES)))
        assert policy_report.updated["policy"] == ["P-168-504", "P-228-684"]
        path = tmp_path / "export.csv"
        path.write_bytes(CSV.encode("gbk"))
        imported = import_customers(engine, path)
        assert (imported.inserted, imported.rejected) == (4, 1)
        report = generate_tasks(engine, channels=["outbound", "store"])
    finally:
        engine.dispose()
    # C-A: 168 + handset by phone; C-B: 228; C-C: do-not-call -> 168 at the store (SIM too);
    # C-D: 168 for team T02
    assert report.total_created == 6

    agent1, agent9 = desktop("agent1"), desktop("agent9")
    agent1.sync.pull_all()
    agent9.sync.pull_all()
    with agent1.factory() as s:
        tasks1 = {(t.customer_id, t.policy_id, t.channel) for t in s.scalars(select(Task))}
        customers1 = {c.id for c in s.scalars(select(Customer))}
        rules = {p.id: p.rule for p in s.scalars(select(Policy))}
        portrait = s.get(Customer, "C-A")
        assert portrait is not None
        wire = {c.key: getattr(portrait, c.key) for c in Customer.__table__.columns}
        local_policies = [PolicySpec.from_row(p) for p in s.scalars(select(Policy))]
    assert customers1 == {"C-A", "C-B", "C-C"}
    assert tasks1 == {
        ("C-A", "P-168-504", "outbound"), ("C-A", "P-HANDSET", "outbound"),
        ("C-B", "P-228-684", "outbound"),
        ("C-C", "P-168-504", "store"), ("C-C", "P-SIM-4G", "store"),
    }
    assert rules["P-168-504"] == SEED_POLICIES[0].rule  # the published rule reached the desktop
    with agent9.factory() as s:
        assert {t.id for t in s.scalars(select(Task))} == {task_id("C-D", "P-168-504", "outbound")}

    # the desktop's screen-pop check offers what the server generated tasks for
    offered = {e.policy.id for e in eligible_policies(wire, local_policies, "outbound", utcnow(), ())}
    assert offered == {"P-168-504", "P-HANDSET"}
