"""Agent grades and ``update-user`` (issue 17 point 3) on a small hand-checked world, on SQLite
and PostgreSQL: shrinkage toward the team, the window, publishing, the scheduler job, the CLI,
and skills edits refused with a reason and nothing changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from server_stub.cli import main as cli_main
from server_stub.lifecycle.grades import GradeSettings, compute_grades, grade_agents
from server_stub.lifecycle.scheduler import Schedule, Scheduler
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from tests.integration import factories

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
K = 20.0  # the default prior strength


def _events(agent: str, customers: int, converted: int, p: float, start: int = 0,
            days_ago: float = 10.0) -> list[dict[str, Any]]:
    rows = []
    for i in range(customers):
        cid = f"C-{agent}-{start + i}"
        at = NOW - dt.timedelta(days=days_ago, minutes=i)
        rows.append(dict(id=f"E-{agent}-{start + i}-a", customer_id=cid, channel="outbound", user_id=f"U-{agent}",
                         team_id="T01", started_at=at, wrapup="no_answer", predicted_p=p))
        if i < converted:  # a second contact of the pair, later, with another prediction: ignored
            rows.append(dict(id=f"E-{agent}-{start + i}-b", customer_id=cid, channel="outbound",
                             user_id=f"U-{agent}", team_id="T01", started_at=at + dt.timedelta(hours=1),
                             wrapup="accepted", predicted_p=0.9))
    return rows


@pytest.fixture
def world(central_url: str) -> Any:
    with factories.central_session(central_url) as s:
        factories.team(s, "T01")
        factories.team(s, "T02")
        for name in ("newbie", "strong", "mid", "weak"):
            factories.user(s, name, "agent", "T01")
        factories.user(s, "idle2", "agent", "T02")
        factories.user(s, "lead1", "lead", "T01")
        factories.user(s, "reception1", "receptionist", None, "S001")
        rows = (_events("newbie", 2, 2, 0.1) + _events("strong", 200, 80, 0.2)
                + _events("mid", 200, 40, 0.2) + _events("weak", 200, 20, 0.2)
                # outside the 90-day window: 100 more conversions of the weak agent, ignored
                + _events("weak", 100, 100, 0.2, start=1000, days_ago=120))
        s.execute(insert(m.ContactEvent), rows)
    engine = open_central(central_url)
    yield engine
    engine.dispose()


def _grades(engine: Any, **kw: Any) -> dict[str, Any]:
    with Session(engine) as s:
        return {g.user_id: g for g in compute_grades(s, NOW, GradeSettings(**kw))}


def test_grades_shrink_small_samples_toward_the_team(world: Any) -> None:
    g = _grades(world)
    team = (2 + 80 + 40 + 20) / (0.2 + 40 + 40 + 40)  # 1.1814: conversions / expected of T01
    assert g["U-strong"].team_ratio == pytest.approx(team)
    # hand-checked posterior means (X + k R) / (E + k)
    assert g["U-newbie"].shrunk_ratio == pytest.approx((2 + K * team) / (0.2 + K))  # 1.2687
    assert g["U-strong"].shrunk_ratio == pytest.approx((80 + K * team) / (40 + K))  # 1.7271
    assert g["U-mid"].shrunk_ratio == pytest.approx((40 + K * team) / (40 + K))  # 1.0605
    assert g["U-weak"].shrunk_ratio == pytest.approx((20 + K * team) / (40 + K))  # 0.7271
    assert (g["U-weak"].customers, g["U-weak"].conversions) == (200, 20)  # the window holds
    assert g["U-newbie"].expected == pytest.approx(0.2)  # first contact's prediction per pair
    # two lucky calls (raw ratio 10) stay near the team average; 200 calls at 2x get A
    assert g["U-newbie"].raw_ratio == pytest.approx(10.0)
    assert abs(g["U-newbie"].shrunk_ratio / team - 1) < 0.1
    assert {u: a.grade for u, a in g.items()} == {
        "U-newbie": "B", "U-strong": "A", "U-mid": "B", "U-weak": "C", "U-idle2": "B"}
    # the other team, without any calls, is its own average
    assert g["U-idle2"].team_ratio == 1.0 and g["U-idle2"].shrunk_ratio == 1.0
    # without the prior the two lucky calls would make an A: the shrinkage is what holds it
    assert _grades(world, prior_strength=0.0)["U-newbie"].grade == "A"


def test_grade_agents_writes_publishes_and_audits_only_changes(world: Any) -> None:
    report = grade_agents(world, now=NOW)
    assert sorted(report.changed) == ["U-idle2", "U-mid", "U-newbie", "U-strong", "U-weak"]
    with Session(world) as s:
        assert dict(s.execute(select(m.User.id, m.User.grade).where(m.User.role == "agent")).tuples().all()) == {
            "U-newbie": "B", "U-strong": "A", "U-mid": "B", "U-weak": "C", "U-idle2": "B"}
        last = s.execute(select(m.ChangeLog).where(m.ChangeLog.entity_id == "U-strong")
                         .order_by(m.ChangeLog.cursor.desc())).scalars().first()
        assert last is not None and last.data["grade"] == "A"
        cursor = s.execute(select(func.max(m.ChangeLog.cursor))).scalar_one()
    again = grade_agents(world, now=NOW)
    assert again.changed == []
    with Session(world) as s:
        assert s.execute(select(func.max(m.ChangeLog.cursor))).scalar_one() == cursor  # nothing republished
        audits = s.execute(select(m.AuditEntry.detail).where(m.AuditEntry.action == "admin:grades")).scalars().all()
    assert len(audits) == 2 and "A 1, B 3, C 1" in audits[0]


def test_grades_job_in_the_scheduler_and_the_cli(world: Any, central_url: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    sched = Scheduler(world, [Schedule("grades", (dt.time(1, 30),), tz="UTC")])
    results = sched.tick(dt.datetime(2026, 6, 1, 1, 31, tzinfo=dt.UTC))
    assert [(r.job, r.status) for r in results] == [("grades", "ok")]
    assert results[0].detail.startswith("graded 5 agents")
    assert cli_main(["grade-agents", "--db", central_url, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "graded 5 agents" in out and "U-strong" in out
    assert cli_main(["grade-agents", "--db", central_url, "--prior-strength", "nan"]) == 2
    assert "prior_strength" in capsys.readouterr().err


def _user(engine: Any, uid: str) -> tuple[Any, ...]:
    with Session(engine) as s:
        u = s.get(m.User, uid)
        assert u is not None
        return (list(u.skills), u.daily_capacity, u.away)


def test_update_user_sets_skills_capacity_away_audited(world: Any, central_url: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["update-user", "strong", "--skills", "contract, 5g,contract", "--daily-capacity", "40",
                     "--away", "--db", central_url]) == 0
    assert _user(world, "U-strong") == (["5g", "contract"], 40, True)
    assert cli_main(["update-user", "strong", "--daily-capacity", "none", "--back", "--db", central_url]) == 0
    assert _user(world, "U-strong") == (["5g", "contract"], None, False)
    with Session(world) as s:
        audits = s.execute(select(m.AuditEntry.detail).where(m.AuditEntry.action == "admin:update_user")
                           .order_by(m.AuditEntry.id)).scalars().all()
        last = s.execute(select(m.ChangeLog).where(m.ChangeLog.entity_id == "U-strong")
                         .order_by(m.ChangeLog.cursor.desc())).scalars().first()
    assert len(audits) == 2 and "'skills': [[], ['5g', 'contract']]" in audits[0]
    assert last is not None and last.data["skills"] == ["5g", "contract"] and last.data["away"] is False
    capsys.readouterr()
    assert cli_main(["update-user", "strong", "--skills", "5g,contract", "--db", central_url]) == 0
    assert "nothing changed" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "why"), [
    (["nobody", "--skills", "5g"], "no user named"),
    (["strong", "--skills", "5G"], "lower-case token"),
    (["strong", "--skills", "a b"], "lower-case token"),
    (["strong", "--skills", "x" * 31], "lower-case token"),
    (["strong", "--skills", ",".join(f"s{i}" for i in range(21))], "at most 20 skills"),
    (["strong", "--daily-capacity", "-1"], "0 to 10000"),
    (["strong", "--daily-capacity", "1e9"], "neither a whole number"),
    (["strong", "--daily-capacity", "nan"], "neither a whole number"),
    (["reception1", "--skills", "5g"], "takes no tasks"),
    (["strong"], "nothing to change"),
])
def test_update_user_refuses_bad_input_and_changes_nothing(world: Any, central_url: str, argv: list[str],
                                                           why: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = _user(world, "U-strong")
    with Session(world) as s:
        cursor = s.execute(select(func.max(m.ChangeLog.cursor))).scalar_one()
    assert cli_main(["update-user", *argv, "--db", central_url]) == 2
    assert why in capsys.readouterr().err
    assert _user(world, "U-strong") == before
    with Session(world) as s:
        assert s.execute(select(func.max(m.ChangeLog.cursor))).scalar_one() == cursor
        assert s.execute(select(func.count()).select_from(m.AuditEntry)
                         .where(m.AuditEntry.action == "admin:update_user")).scalar_one() == 0
