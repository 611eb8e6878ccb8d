"""Assignment rules as data (issue 17 point 4) on small hand-checked worlds, SQLite and
PostgreSQL: capacity full, everyone away, ties, tiers x grades x skills, experiments."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from server_stub.cli import main as cli_main
from server_stub.lifecycle.assignment import AssignmentError, assign_pool
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from server_stub.sync import wire_row
from tests.integration import factories
from workbench.core.entities import utcnow


@pytest.fixture
def world(central_url: str) -> Any:
    w = factories.make_world(central_url, customers_per_team=5, with_tasks=True)
    engine = open_central(central_url)
    yield w, engine
    engine.dispose()


def _agents(engine: Any, **values: dict[str, Any]) -> None:
    with Session(engine) as s, s.begin():
        for uid, v in values.items():
            s.execute(update(m.User).where(m.User.id == uid).values(**v))


def _held(engine: Any, team: str = "T01") -> dict[str, str | None]:
    with Session(engine) as s:
        return dict(s.execute(select(m.Task.id, m.Task.assignee_id).where(m.Task.team_id == team)).tuples().all())


def _scores(engine: Any, w: Any, deal: list[float], tiers: list[str] | None = None) -> None:
    with Session(engine) as s, s.begin():
        for i, cid in enumerate(w.customers["T01"]):
            row = s.get(m.Customer, cid)
            assert row is not None
            row.scores = {"deal": deal[i]}
            row.lead_tier = tiers[i] if tiers else None


def test_round_robin_fills_capacity_and_the_rest_waits(world: Any) -> None:
    w, engine = world
    _agents(engine, **{"U-agent1": {"daily_capacity": 3}, "U-agent2": {"daily_capacity": 2},
                       "U-agent9": {"daily_capacity": 0}})
    report = assign_pool(engine, ["round-robin"])
    assert report.pool == 20 and report.assigned["round-robin"] == 5
    assert report.waiting == {"T01": 5, "T02": 10}
    assert "waiting in the pool (no room today): 15 (T01 5, T02 10)" in report.lines()
    held = Counter(v for v in _held(engine).values())
    assert held == {"U-agent1": 3, "U-agent2": 2, None: 5}
    with Session(engine) as s:  # every assignment is published and has its move
        tasks = s.execute(select(m.Task).where(m.Task.assignee_id.is_not(None))).scalars().all()
        for t in tasks:
            last = s.execute(select(m.ChangeLog).where(m.ChangeLog.entity_id == t.id)
                             .order_by(m.ChangeLog.cursor.desc())).scalars().first()
            assert last is not None and last.data == wire_row("task", t)
            assert t.assignment_rule == "round-robin" and t.assigned_at is not None
        moves = s.execute(select(m.TaskMove.reason)).scalars().all()
    assert moves == ["rule round-robin"] * 5
    # capacity is per day: a second pass the same day has no room left
    assert assign_pool(engine, ["round-robin"]).assigned == {}


def test_everyone_away_means_everything_waits(world: Any) -> None:
    w, engine = world
    _agents(engine, **{u: {"away": True} for u in ("U-agent1", "U-agent2", "U-agent9")})
    report = assign_pool(engine, ["best-score-least-loaded"])
    assert sum(report.assigned.values()) == 0 and sum(report.waiting.values()) == 20
    assert set(_held(engine).values()) == {None}


def test_highest_score_goes_to_the_least_loaded_with_ties_by_id(world: Any) -> None:
    w, engine = world
    _scores(engine, w, [0.9, 0.8, 0.7, 0.6, 0.5])
    with Session(engine) as s, s.begin():  # agent1 took two tasks today already
        s.add_all([m.Task(id=f"X{i}", customer_id=w.customers["T01"][4], policy_id="P-X", channel="outbound",
                          assignee_id="U-agent1", team_id="T01", status="open", assigned_at=utcnow())
                   for i in range(2)])
    _agents(engine, **{"U-agent1": {"daily_capacity": 4}, "U-agent2": {"daily_capacity": 4}})
    assign_pool(engine, ["best-score-least-loaded"])
    held = _held(engine)
    top = w.customers["T01"]
    # the two best tasks (customer 0) go to agent2 (load 0); then both at load 2: ties by id
    assert [held[t] for t in w.tasks[top[0]]] == ["U-agent2", "U-agent2"]
    assert sorted(held[t] for t in w.tasks[top[1]]) == ["U-agent1", "U-agent2"]
    assert Counter(held.values())["U-agent1"] == 4 and Counter(held.values())["U-agent2"] == 4


def test_tier_a_goes_to_grade_a_with_the_skill(world: Any) -> None:
    w, engine = world
    _scores(engine, w, [0.9, 0.8, 0.3, 0.2, 0.1], tiers=["A", "A", "B", "C", "C"])
    _agents(engine, **{"U-agent1": {"grade": "A", "skills": ["contract"]},
                       "U-agent2": {"grade": "B", "skills": ["contract"]}})
    with Session(engine) as s, s.begin():
        for pid in ("P-168-504", "P-228-684"):
            row = s.get(m.Policy, pid)
            assert row is not None
            row.product = "contract"
    assign_pool(engine, ["tier-a-to-grade-a"])
    held = _held(engine)
    a_tasks = [t for c in w.customers["T01"][:2] for t in w.tasks[c]]
    assert {held[t] for t in a_tasks} == {"U-agent1"}  # only the grade A agent takes tier A
    rest = [held[t] for c in w.customers["T01"][2:] for t in w.tasks[c]]
    assert set(rest) <= {"U-agent1", "U-agent2"} and None not in rest
    # nobody of grade A with the skill: tier A waits, B and C still go out
    with Session(engine) as s, s.begin():
        s.execute(update(m.Task).where(m.Task.team_id == "T01").values(assignee_id=None, assigned_at=None))
        s.execute(update(m.User).where(m.User.id == "U-agent1").values(skills=["handset"]))
    report = assign_pool(engine, ["tier-a-to-grade-a"], now=utcnow() + dt.timedelta(days=1))
    held = _held(engine)
    assert {held[t] for t in a_tasks} == {None} and report.waiting["T01"] == 4


def test_an_experiment_splits_customers_between_named_rules_reproducibly(world: Any) -> None:
    w, engine = world
    report = assign_pool(engine, ["round-robin", "best-score-least-loaded"], experiment="EXP-1")
    assert sum(report.assigned.values()) == 20 and set(report.assigned) <= {"round-robin", "best-score-least-loaded"}
    with Session(engine) as s:
        rows = s.execute(select(m.Task.customer_id, m.Task.assignment_rule, m.Task.experiment_id)).all()
    from workbench.core.scoring.tiers import split_customers

    split = split_customers("EXP-1", sorted({r[0] for r in rows}), ["round-robin", "best-score-least-loaded"])
    assert all(r[2] == "EXP-1" and r[1] == split.assignments[r[0]] for r in rows)
    for bad, msg in ((["round-robin"], "two or three"), (["a", "b", "c", "d"], "two or three")):
        with pytest.raises(AssignmentError, match=msg):
            assign_pool(engine, bad, experiment="EXP-2")
    with pytest.raises(AssignmentError, match="unknown assignment rule 'nope'"):
        assign_pool(engine, ["nope"])


def test_generate_tasks_with_a_named_rule_and_bad_names(central_url: str, capsys: Any) -> None:
    factories.make_world(central_url, customers_per_team=3, with_tasks=False)
    engine = open_central(central_url)
    with Session(engine) as s, s.begin():
        s.execute(update(m.User).where(m.User.role == "agent").values(daily_capacity=2))
    before = engine.connect().execute(select(func.count()).select_from(m.Task)).scalar_one()
    assert cli_main(["generate-tasks", "--db", central_url, "--assign", "no-such-rule"]) == 2
    assert "unknown assignment rule 'no-such-rule'" in capsys.readouterr().err
    assert cli_main(["generate-tasks", "--db", central_url, "--rules", "round-robin,best-score-least-loaded"]) == 2
    assert "--rules needs --experiment" in capsys.readouterr().err
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(m.Task)) == before  # nothing generated
    assert cli_main(["generate-tasks", "--db", central_url, "--assign", "best-score-least-loaded",
                     "--channels", "outbound"]) == 0
    out = capsys.readouterr().out
    assert "assigned by best-score-least-loaded: 6" in out  # 3 agents x capacity 2
    assert "waiting in the pool (no room today): 6" in out
    engine.dispose()



def test_generate_tasks_resolves_a_stored_rule_and_refuses_a_retired_one(central_url: str, capsys: Any) -> None:
    """``--assign NAME`` runs the published stored rule NAME; a retired or unknown one is refused
    with a reason before anything is generated."""
    factories.make_world(central_url, customers_per_team=3, with_tasks=False)
    engine = open_central(central_url)
    with Session(engine) as s, s.begin():
        s.execute(update(m.User).where(m.User.role == "agent").values(daily_capacity=1))
        s.add(m.AssignmentRule(name="ours-best", kind="score_least_loaded", params={}, status="published"))
        s.add(m.AssignmentRule(name="ours-old", kind="round_robin", params={}, status="retired"))

    def count() -> int:
        with Session(engine) as s:
            return int(s.scalar(select(func.count()).select_from(m.Task)) or 0)

    before = count()
    assert cli_main(["generate-tasks", "--db", central_url, "--assign", "ours-old"]) == 2
    assert "rule ours-old is retired, not published; nothing was generated" in capsys.readouterr().err
    assert cli_main(["generate-tasks", "--db", central_url, "--assign", "ours-typo"]) == 2
    err = capsys.readouterr().err
    assert "unknown assignment rule 'ours-typo'" in err and "ours-best" in err and "ours-old" not in err
    assert count() == before
    assert cli_main(["generate-tasks", "--db", central_url, "--assign", "ours-best", "--channels", "outbound"]) == 0
    assert "assigned by ours-best: 3" in capsys.readouterr().out
    with Session(engine) as s:
        rules = Counter(s.execute(select(m.Task.assignment_rule).where(m.Task.assignee_id.is_not(None))).scalars())
    assert rules == {"ours-best": 3}
    engine.dispose()
