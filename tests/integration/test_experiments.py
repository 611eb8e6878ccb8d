"""Assignment rules compete as an experiment: customers split at random, the split recorded on
the tasks, each arm assigned by its own rule; a lead's desktop compares their conversion rates
with confidence intervals."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server_stub.seed.demo import seed_demo
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from server_stub.task_generation import GenerationError, generate_tasks
from workbench.local_store.db import open_local, session_factory
from workbench.services.actor import Actor
from workbench.services.analytics import rule_experiment
from workbench.services.experiments import experiment_outcomes, latest_experiment
from workbench.services.outcomes import OutcomeService
from workbench.services.server_api import ServerApi
from workbench.services.sync_engine import SyncEngine

NOW = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)


def test_rules_compete_and_a_lead_compares_them(central_url: str, live_server: str,
                                                api_for: Callable[..., ServerApi], tmp_path: Path) -> None:
    seed_demo(central_url, customers=400, seed=3)
    engine = open_central(central_url, migrate=False)
    with Session(engine) as s:  # only the experiment's tasks, for a clean comparison
        s.query(m.Task).delete()
        s.commit()
    with pytest.raises(GenerationError, match="experiment id"):
        generate_tasks(engine, now=NOW, experiment="bad id!")
    report = generate_tasks(engine, now=NOW, experiment="assign-2026-11", channels=["outbound"])
    assert report.total_created > 50
    with Session(engine) as s:
        tasks = s.execute(select(m.Task).where(m.Task.experiment_id == "assign-2026-11")).scalars().all()
        skills = {u.id: set(u.skills or ()) for u in s.execute(select(m.User)).scalars()}
    arms = Counter(t.assignment_rule for t in tasks)
    assert set(arms) == {"round-robin", "skill"} and min(arms.values()) > 10
    by_customer: dict[str, set[str]] = {}
    for t in tasks:
        by_customer.setdefault(t.customer_id, set()).add(t.assignment_rule)
    assert all(len(r) == 1 for r in by_customer.values())  # one arm per customer
    skilled = [t for t in tasks if t.assignment_rule == "skill" and t.assignee_id]
    assert skilled and sum(bool(skills[t.assignee_id]) for t in skilled) == len(skilled)
    again = generate_tasks(engine, now=NOW, experiment="assign-2026-11", channels=["outbound"])
    assert again.total_created == 0  # idempotent, the split unchanged
    engine.dispose()

    agent_api, lead_api = api_for("agent1", "demo"), api_for("lead1", "demo")
    agent_sf = session_factory(open_local(tmp_path / "agent.db"))
    SyncEngine(agent_sf, agent_api, SyncEngine.client_id_for(agent_sf)).pull_all()
    with agent_sf() as s:
        mine = s.execute(select(m.Task.__table__.c.customer_id, m.Task.__table__.c.policy_id)
                         .where(m.Task.__table__.c.experiment_id == "assign-2026-11").limit(6)).all()
    u = agent_api.user
    svc = OutcomeService(agent_sf, Actor(u.id, u.username, u.display_name, u.role, u.team_id, u.store_id))
    for customer_id, policy_id in mine:
        svc.accept_policy(customer_id, policy_id, "outbound")
    SyncEngine(agent_sf, agent_api, SyncEngine.client_id_for(agent_sf)).push_all()

    lead_sf = session_factory(open_local(tmp_path / "lead.db"))
    SyncEngine(lead_sf, lead_api, SyncEngine.client_id_for(lead_sf)).pull_all()
    found = latest_experiment(lead_sf)
    assert found is not None and found[0] == "assign-2026-11"
    frame = experiment_outcomes(lead_sf)
    assert set(frame["rule"]) == {"round-robin", "skill"}
    assert frame["converted"].sum() >= len(mine)
    table = rule_experiment(frame)
    assert len(table) == 2 and {"rule"} <= set(table.columns) | {table.index.name}
