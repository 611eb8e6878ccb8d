"""Admin edits of an agent's skills, daily capacity and away flag through the server (issue 17
point 3), and the assignment rules the studio lists (point 4): admin only, audited, refused
with a reason and nothing changed for forged ids, unknown skills and huge lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server_stub.storage import models as m
from server_stub.storage.db import open_central
from tests.integration.factories import World
from workbench.services.server_api import ApiError, ServerApi


@pytest.fixture(autouse=True)
def _products(world: World) -> None:
    """P-168-504 sells a plan: its skills are "plan" and the demo table's "5g"."""
    engine = open_central(world.url)
    with Session(engine) as s, s.begin():
        row = s.get(m.Policy, "P-168-504")
        assert row is not None
        row.product = "plan"
    engine.dispose()


def _user(url: str, uid: str) -> tuple[list[str], int | None, bool]:
    engine = open_central(url)
    try:
        with Session(engine) as s:
            u = s.get(m.User, uid)
            assert u is not None
            return sorted(u.skills or []), u.daily_capacity, bool(u.away)
    finally:
        engine.dispose()


def _audits(url: str) -> list[str]:
    engine = open_central(url)
    try:
        with Session(engine) as s:
            return list(s.execute(select(m.AuditEntry.detail).where(m.AuditEntry.action == "admin:update_user")
                                  .order_by(m.AuditEntry.id)).scalars())
    finally:
        engine.dispose()


def test_admin_edits_skills_capacity_and_away(world: World, api_for: Callable[..., ServerApi],
                                              central_url: str) -> None:
    admin = api_for("admin")
    listing = admin.agents("T01")
    assert [a["username"] for a in listing["agents"]] == ["agent1", "agent2", "lead1"]
    known = listing["known_skills"]
    assert known == ["5g", "plan"]
    out = admin.set_agent_assignment("U-agent1", "T01", skills=["plan", "5g", "plan"], daily_capacity=12)
    assert out["skills"] == ["5g", "plan"] and out["daily_capacity"] == 12 and out["away"] is False
    assert _user(central_url, "U-agent1") == (["5g", "plan"], 12, False)
    admin.set_agent_assignment("U-agent1", "T01", away=True, no_capacity_limit=True)
    assert _user(central_url, "U-agent1") == (["5g", "plan"], None, True)
    audits = _audits(central_url)
    assert len(audits) == 2 and "skills" in audits[0] and "away" in audits[1]
    # the same again changes nothing and audits nothing
    admin.set_agent_assignment("U-agent1", "T01", away=True)
    assert len(_audits(central_url)) == 2


@pytest.mark.parametrize("who", ["agent1", "lead1"])
def test_only_an_admin_edits(world: World, api_for: Callable[..., ServerApi], central_url: str, who: str) -> None:
    api = api_for(who)
    with pytest.raises(ApiError) as exc:
        api.set_agent_assignment("U-agent1", "T01", skills=["plan"])
    assert exc.value.status == 403
    with pytest.raises(ApiError):
        api.agents()
    with pytest.raises(ApiError):
        api.assignment_rules()
    assert _user(central_url, "U-agent1") == ([], None, False)


def test_bad_edits_are_refused_and_change_nothing(world: World, api_for: Callable[..., ServerApi],
                                                   central_url: str) -> None:
    admin = api_for("admin")
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"user_id": "U-agent9", "team_id": "T01", "skills": ["plan"]}, 409, "not in that team"),  # forged team
        ({"user_id": "U-nobody", "team_id": "T01", "skills": ["plan"]}, 404, "No such user"),
        ({"user_id": "U-" + "x" * 60, "team_id": "T01", "away": True}, 404, "No such user"),
        ({"user_id": "U-agent1", "team_id": "T01", "skills": ["plan", "flying"]}, 400, "Unknown skill"),
        ({"user_id": "U-agent1", "team_id": "T01", "skills": ["Prepay"]}, 400, "lower-case"),
        ({"user_id": "U-agent1", "team_id": "T01", "skills": ["a\x00b"]}, 400, "lower-case"),
        ({"user_id": "U-agent1", "team_id": "T01", "skills": [f"s{i}" for i in range(5000)]}, 422, ""),
        ({"user_id": "U-agent1", "team_id": "T01", "skills": ["x" * 10_000]}, 422, ""),
        ({"user_id": "U-agent1", "team_id": "T01", "daily_capacity": 10**12}, 422, ""),
        ({"user_id": "U-agent1", "team_id": "T01", "daily_capacity": -1}, 422, ""),
        ({"user_id": "U-agent1", "team_id": "T01", "daily_capacity": 5, "no_capacity_limit": True}, 400, "not both"),
        ({"user_id": "U-agent1", "team_id": "T01"}, 400, "Nothing to change"),
        ({"user_id": "U-admin", "team_id": "", "away": True}, 422, ""),
    ]
    for args, status, text in cases:
        uid = args.pop("user_id")
        team = args.pop("team_id")
        with pytest.raises(ApiError) as exc:
            admin.set_agent_assignment(uid, team, **args)
        assert exc.value.status == status, (uid, args)
        assert text in str(exc.value), (str(exc.value), args)
    # a field the endpoint does not know (e.g. a forged grade) is refused, not ignored
    resp = admin._http.put("/api/v1/admin/users/U-agent1/assignment",
                           json={"team_id": "T01", "grade": "A"},
                           headers={"Authorization": f"Bearer {admin._access}"})
    assert resp.status_code == 422
    for uid in ("U-agent1", "U-agent9"):
        assert _user(central_url, uid) == ([], None, False)
    assert _audits(central_url) == []


def test_the_rules_list_has_the_built_in_and_stored_rules(world: World, api_for: Callable[..., ServerApi],
                                                          central_url: str) -> None:
    admin = api_for("admin")
    names = {r["name"]: r for r in admin.assignment_rules()}
    assert {"round-robin", "tier-a-to-grade-a", "best-score-least-loaded"} <= set(names)
    assert names["tier-a-to-grade-a"]["built_in"] is True
    admin.publish_policies("assignment_rules:\n  - name: tier-a-to-grade-a\n    kind: tier_grade\n"
                           "    params: {tiers: {A: [A, B]}, skill: false}\n")
    names = {r["name"]: r for r in admin.assignment_rules()}
    assert names["tier-a-to-grade-a"]["built_in"] is False
    assert names["tier-a-to-grade-a"]["params"] == {"tiers": {"A": ["A", "B"]}, "skill": False}
    with pytest.raises(ApiError) as exc:
        admin.publish_policies("assignment_rules:\n  - name: x\n    kind: by_magic\n")
    assert exc.value.status == 422 and "assignment_rules[0] (x).kind" in str(exc.value)


def test_the_agents_window_edits_an_agent_on_a_live_server(qtbot: Any, world: World, central_url: str,
                                                           api_for: Callable[..., ServerApi]) -> None:
    """The real window against the real server: select agent2, tick a skill, set a capacity,
    save (off the GUI thread); a refusal (agent moved to another team meanwhile) is shown and
    changes nothing."""
    from PySide6.QtCore import Qt

    from workbench.ui.agent_admin import AgentAdminWindow
    from workbench.views.agent_admin_vm import AgentAdminViewModel
    from workbench.views.task_runner import TaskRunner

    admin = api_for("admin")
    runner = TaskRunner()
    vm = AgentAdminViewModel(admin.agents, admin.set_agent_assignment, runner)
    window = AgentAdminWindow(vm)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    window.team_edit.setText("T01")
    with qtbot.waitSignal(vm.agents_ready, raising=True):
        window.on_reload()
    assert window.model.rowCount() == 3
    assert not window.save_button.isEnabled()  # nothing selected yet
    window.table.selectRow(1)
    assert window.who.text().startswith("agent2")
    skills = {window.skills_list.item(i).text(): window.skills_list.item(i)
              for i in range(window.skills_list.count())}
    assert set(skills) == {"5g", "plan"}
    skills["plan"].setCheckState(Qt.CheckState.Checked)
    assert window.no_limit_check.isChecked() and not window.capacity_spin.isEnabled()
    window.no_limit_check.setChecked(False)
    window.capacity_spin.setValue(25)
    window.away_check.setChecked(True)
    with qtbot.waitSignal(vm.agents_ready, raising=True):  # saved, then the list reloads
        qtbot.keyClick(window.skills_list, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert _user(central_url, "U-agent2") == (["plan"], 25, True)
    assert window.status.text() == "Saved agent2"
    assert window.model.row(1)["skills"] == ["plan"] and window.who.text().startswith("agent2")
    assert len(_audits(central_url)) == 1
    # agent2 moves to T02 behind the window's back: the stale save is refused and shown
    engine = open_central(central_url)
    with Session(engine) as s, s.begin():
        u = s.get(m.User, "U-agent2")
        assert u is not None
        u.team_id = "T02"
    engine.dispose()
    window.away_check.setChecked(False)
    with qtbot.waitSignal(vm.failed, raising=True) as blocker:
        window.save_button.click()
    assert "not in that team" in blocker.args[0] and "not in that team" in window.status.text()
    assert window.save_button.isEnabled()
    assert _user(central_url, "U-agent2") == (["plan"], 25, True)
    assert len(_audits(central_url)) == 1
    runner.wait_for_done()


def test_the_desktop_gives_an_admin_the_agents_window_and_the_rules_tab(
        qtbot: Any, world: World, api_for: Callable[..., ServerApi], tmp_path: Any) -> None:
    """desktop.py's tools for an administrator: the agents window and the studio's assignment
    rules tab read through the desk's server client."""
    from types import SimpleNamespace

    from workbench.desktop import _add_tools
    from workbench.local_store.db import open_local, session_factory
    from workbench.services.actor import Actor
    from workbench.views.task_runner import TaskRunner

    made: dict[str, Any] = {}

    class Window:
        def __getattr__(self, name: str) -> Any:
            return lambda factory, *a, **kw: made.setdefault(name, factory)

    admin = api_for("admin")
    ctx = SimpleNamespace(sf=session_factory(open_local(tmp_path / "desk.db")))
    runner = TaskRunner()
    _add_tools(Window(), ctx, Actor("U-admin", "admin", "admin", "admin"), runner, lambda: admin)
    assert {"add_agent_admin", "add_policy_studio"} <= set(made)
    agents = made["add_agent_admin"]()
    qtbot.addWidget(agents)
    qtbot.waitUntil(lambda: agents.model.rowCount() == 4, timeout=20_000)  # every team's agents and leads
    assert agents.status.text().startswith("4 agent")
    studio = made["add_policy_studio"]()
    qtbot.addWidget(studio)
    assert studio.rules_page is not None
    qtbot.waitUntil(lambda: studio.rules_page.model.rowCount() == 3, timeout=20_000)
    # the studio counts the new policy's rule after a pause in typing: let it finish first
    qtbot.waitUntil(lambda: studio.vm.last_check is not None and studio.vm.last_check.matching is not None,
                    timeout=20_000)
    runner.wait_for_done()
    ctx.sf.kw["bind"].dispose()
