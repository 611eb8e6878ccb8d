"""The at-risk list's action (issue 17 point 7): retention tasks for a lead's selection, handed
out through the assignment rules, over HTTP on a real server (SQLite and PostgreSQL); bad input
refused with a reason and nothing changed; a replay creates nothing twice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server_stub.storage import models as m
from server_stub.storage.db import open_central
from tests.integration import factories

POLICY = "P-168-504"


def _login(base: str, name: str) -> httpx.Client:
    c = httpx.Client(base_url=base)
    token = c.post("/api/v1/auth/login", json={"username": name, "password": factories.PASSWORD}).json()
    c.headers["Authorization"] = f"Bearer {token['access_token']}"
    return c


def _counts(engine: Any) -> tuple[int, int, int]:
    with Session(engine) as s:
        return (s.execute(select(func.count()).select_from(m.Task)).scalar_one(),
                s.execute(select(func.max(m.ChangeLog.cursor))).scalar_one(),
                s.execute(select(func.count()).select_from(m.AuditEntry)
                          .where(m.AuditEntry.action == "retention_tasks")).scalar_one())


@pytest.fixture
def world(central_url: str, live_server: str) -> Any:
    w = factories.make_world(central_url, customers_per_team=4, with_tasks=False)
    engine = open_central(central_url)
    yield w, engine, live_server
    engine.dispose()


def test_lead_creates_retention_tasks_assigned_by_the_rule(world: Any) -> None:
    w, engine, base = world
    lead = _login(base, "lead1")
    picked = w.customers["T01"][:3]
    body = {"customer_ids": picked, "policy_id": POLICY, "rule": "round-robin", "reason": "高危高值挽留"}
    got = lead.post("/api/v1/retention-tasks", json=body)
    assert got.status_code == 200, got.text
    assert got.json() == {"created": 3, "skipped": 0, "assigned": 3, "waiting": 0}
    with Session(engine) as s:
        tasks = s.execute(select(m.Task).where(m.Task.customer_id.in_(picked))).scalars().all()
        assert {t.customer_id for t in tasks} == set(picked)
        assert all(t.policy_id == POLICY and t.channel == "outbound" and t.team_id == "T01" for t in tasks)
        assert {t.assignee_id for t in tasks} <= {"U-agent1", "U-agent2"}  # T01's agents, by the rule
        assert all(t.assignment_rule == "round-robin" for t in tasks)
        moves = s.execute(select(m.TaskMove.reason).where(m.TaskMove.customer_id.in_(picked))).scalars().all()
        audit = s.execute(select(m.AuditEntry).where(m.AuditEntry.action == "retention_tasks")).scalars().one()
    assert moves == ["rule round-robin"] * 3
    assert audit.user_id == "U-lead1" and audit.rows == 3 and "高危高值挽留" in audit.detail
    # a replay (double click) creates nothing twice
    again = lead.post("/api/v1/retention-tasks", json=body).json()
    assert again == {"created": 0, "skipped": 3, "assigned": 0, "waiting": 0}
    assert _counts(engine)[0] == 3


def test_capacity_full_means_the_tasks_wait_in_the_pool(world: Any) -> None:
    w, engine, base = world
    from sqlalchemy import update

    with Session(engine) as s, s.begin():
        s.execute(update(m.User).where(m.User.team_id == "T01").values(away=True))
    got = _login(base, "lead1").post("/api/v1/retention-tasks", json={
        "customer_ids": w.customers["T01"][:2], "policy_id": POLICY, "rule": "round-robin", "reason": "r"})
    assert got.json() == {"created": 2, "skipped": 0, "assigned": 0, "waiting": 2}


@pytest.mark.parametrize(("who", "body", "status", "why"), [
    ("lead1", {"customer_ids": ["C-T02-0000"]}, 403, "not in your team"),
    ("lead1", {"customer_ids": ["C-T01-0000", "C-NOPE"]}, 403, "not in your team"),
    ("lead1", {"customer_ids": ["C-T01-0000", "C-T01-0000"]}, 400, "selected twice"),
    ("lead1", {"customer_ids": []}, 400, "at least one"),
    ("lead1", {"rule": "nope"}, 400, "unknown assignment rule"),
    ("lead1", {"policy_id": "P-NOPE"}, 400, "No published policy"),
    ("lead1", {"reason": "   "}, 400, "Give a reason"),
    ("lead1", {"reason": "a\x00b"}, 400, "Give a reason"),
    ("lead1", {"customer_ids": [f"C-{i}" for i in range(1001)]}, 422, ""),
    ("lead1", {"customer_ids": ["x" * 41]}, 422, ""),
    ("lead1", {"extra": 1}, 422, ""),
    ("agent1", {}, 403, "Only a team's lead"),
    ("reception1", {}, 403, "Only a team's lead"),
])
def test_bad_input_is_refused_with_a_reason_and_nothing_changes(world: Any, who: str, body: dict[str, Any],
                                                                status: int, why: str) -> None:
    w, engine, base = world
    before = _counts(engine)
    full = {"customer_ids": w.customers["T01"][:1], "policy_id": POLICY, "rule": "round-robin",
            "reason": "churn risk", **body}
    got = _login(base, who).post("/api/v1/retention-tasks", json=full)
    assert got.status_code == status, got.text
    assert why in got.text
    assert _counts(engine) == before


def test_the_desk_fetches_a_customers_task_moves(world: Any, api_for: Any) -> None:
    """Issue 17 point 6 (desk side, partly): the moves of the retention tasks just assigned
    come back to the desk's client, newest first, scoped like the customer."""
    from workbench.services.server_api import ApiError
    from workbench.services.task_moves import fetch_moves

    w, _engine, base = world
    cid = w.customers["T01"][0]
    lead = _login(base, "lead1")
    assert lead.post("/api/v1/retention-tasks", json={"customer_ids": [cid], "policy_id": POLICY,
                                                      "rule": "round-robin", "reason": "r"}).status_code == 200
    moves = fetch_moves(api_for("agent1").customer_moves, cid)
    assert [(m.action, m.reason) for m in moves] == [("assign", "rule round-robin")]
    assert moves[0].to_user_id in ("U-agent1", "U-agent2") and moves[0].at.tzinfo is not None
    with pytest.raises(ApiError):
        fetch_moves(api_for("agent9").customer_moves, cid)  # another team's customer: 404
