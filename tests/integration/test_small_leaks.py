"""Small leaks (issue #13, point 10): rejections name only ids the caller sent, acceptance ids
are random UUIDs, and ``create-user`` refuses weak or over-long passwords, user names that
could never log in, and silent role changes."""

from __future__ import annotations

import io
import re
import sys
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from server_stub.admin_users import MAX_PASSWORD, MAX_USERNAME
from server_stub.cli import main as cli_main
from server_stub.storage.models import ChangeLog, User
from tests.integration.factories import World, central_session
from workbench.local_store.outbox import new_id
from workbench.services.server_api import ServerApi

#: what ids look like in this world: customers, tasks, users, random hex ids
ID_LIKE = re.compile(r"C-T0\d-\d{4}|K-C-T0\d-\d{4}-P-\d+-\d+|U-\w+|[0-9a-f]{32}")


def _accept(api: ServerApi, world: World, cust: str) -> str:
    aid = new_id()
    res = api.push("c-owner", [{"mutation_id": new_id(), "entity": "acceptance", "op": "create",
                                "data": {"id": aid, "customer_id": cust, "policy_id": world.policies[0],
                                         "channel": "outbound"}}])
    assert res.results[0].status == "applied", res.results
    return aid


def test_cancelling_another_teams_acceptance_does_not_name_its_customer(
        world: World, api_for: Callable[..., ServerApi]) -> None:
    cust = world.customers["T01"][0]
    aid = _accept(api_for("agent1"), world, cust)
    missing = new_id()
    for intruder in ("agent9", "reception2"):
        res = api_for(intruder).push(f"c-{intruder}", [
            {"mutation_id": new_id(), "entity": "acceptance", "op": "transition",
             "data": {"id": aid, "status": "cancelled"}},
            {"mutation_id": new_id(), "entity": "acceptance", "op": "transition",
             "data": {"id": missing, "status": "cancelled"}},
        ])
        theirs, unknown = res.results
        assert theirs.status == unknown.status == "rejected"
        assert cust not in (theirs.reason or "")
        # the same answer as for an id that does not exist: no probing
        assert (theirs.reason or "").replace(aid, "X") == (unknown.reason or "").replace(missing, "X")
    with central_session(world.url) as s:
        from server_stub.storage.models import Acceptance

        row = s.get(Acceptance, aid)
        assert row is not None and row.status == "accepted"


def _cross(world: World, victim: str, acceptance: str, order: str) -> list[dict[str, Any]]:
    cust = world.customers[victim][1]
    return [
        {"entity": "acceptance", "op": "transition", "data": {"id": acceptance, "status": "cancelled"}},
        {"entity": "work_order", "op": "transition", "data": {"id": order, "status": "arrived"}},
        {"entity": "task", "op": "transition", "data": {"id": world.tasks[cust][0], "status": "done"}},
        {"entity": "contact_event", "op": "create",
         "data": {"id": new_id(), "customer_id": cust, "channel": "outbound", "wrapup": "busy"}},
        {"entity": "acceptance", "op": "create",
         "data": {"id": new_id(), "customer_id": cust, "policy_id": world.policies[0], "channel": "outbound"}},
        {"entity": "customer", "op": "update", "data": {"id": cust, "note": "x"}},
        {"entity": "work_order", "op": "create", "data": {"id": new_id(), "customer_id": cust, "store_id": "S001"}},
    ]


def test_every_rejection_names_only_ids_the_caller_sent(world: World, api_for: Callable[..., ServerApi]) -> None:
    owner = api_for("agent1")
    cust = world.customers["T01"][1]
    aid = _accept(owner, world, cust)
    order = new_id()
    assert owner.push("c-owner", [{"mutation_id": new_id(), "entity": "work_order", "op": "create", "data": {
        "id": order, "customer_id": cust, "store_id": "S001"}}]).results[0].status == "applied"
    # a store sees the customer through the work order; the same policy again is refused
    # without naming the earlier acceptance
    again = api_for("reception1").push("c-r1", [{"mutation_id": new_id(), "entity": "acceptance", "op": "create",
                                                 "data": {"id": new_id(), "customer_id": cust,
                                                          "policy_id": world.policies[0], "channel": "store"}}])
    assert again.results[0].status == "rejected" and aid not in (again.results[0].reason or "")
    checked = 0
    for intruder in ("agent9", "reception2", "lead1"):
        victim = "T02" if intruder == "lead1" else "T01"
        muts = [{"mutation_id": new_id(), **m} for m in _cross(world, victim, aid, order)]
        res = api_for(intruder).push(f"c-{intruder}", muts)
        for m, r in zip(muts, res.results, strict=True):
            if r.status != "rejected":
                continue
            sent = repr(m)
            for token in ID_LIKE.findall(r.reason or ""):
                assert token in sent, (intruder, m, r.reason)
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize(("aid", "ok"), [
    ("A0000001", False),
    ("1", False),
    ("0" * 32, False),                              # the nil UUID
    (uuid.uuid1().hex, False),                      # time-based: guessable
    (uuid.UUID(int=1234, version=4).hex[:31] + "g", False),
    (uuid.uuid4().hex.upper(), False),              # not how desktops write them
    ("{" + str(uuid.uuid4()) + "}", False),
    (uuid.uuid4().hex, True),                       # what desktops send (new_id)
    (str(uuid.uuid4()), True),
])
def test_acceptance_ids_must_be_random_uuids(world: World, api_for: Callable[..., ServerApi],
                                            aid: str, ok: bool) -> None:
    res = api_for("agent1").push("c-ids", [{"mutation_id": new_id(), "entity": "acceptance", "op": "create",
                                            "data": {"id": aid, "customer_id": world.customers["T01"][3],
                                                     "policy_id": world.policies[1], "channel": "outbound"}}])
    r = res.results[0]
    assert (r.status == "applied") is ok, r
    if not ok:
        assert (r.reason or "").startswith("id:")


def test_demo_acceptance_ids_are_uuid4_and_desktops_make_uuid4() -> None:
    from server_stub.seed.demo import DEFAULT_TODAY
    from server_stub.seed.generate import generate
    from server_stub.sync import random_id_ok

    data = generate(60, 3, DEFAULT_TODAY)
    ids = next(t for t in data.tables if t.entity == "acceptance").columns["id"]
    assert ids and all(random_id_ok(i) for i in ids) and len(set(ids)) == len(ids)
    assert all(random_id_ok(new_id()) for _ in range(100))


# ---------------------------------------------------------------- create-user


def create_user(url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                username: str, password: str, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    code = cli_main(["create-user", username, "--password-stdin", "--db", url, *args])
    return code, capsys.readouterr().err


def users_and_log(url: str) -> tuple[list[tuple[str, str, str]], int]:
    with central_session(url) as s:
        users = [(u.username, u.role, u.password_hash) for u in s.scalars(select(User).order_by(User.id))]
        return users, int(s.execute(select(func.count()).select_from(ChangeLog)).scalar_one())


WEAK = {
    "short": "Ab3$xyz",
    "the user name": "ann-ann-ann",
    "repeated": "zzzzzzzzzzzz",
    "common": "Password123",
    "over-long": "x1" * (MAX_PASSWORD // 2) + "y",
    "NUL": "good-but\x00-nul",
}


@pytest.mark.parametrize("case", list(WEAK))
def test_create_user_refuses_weak_and_over_long_passwords(world: World, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], case: str) -> None:
    before = users_and_log(world.url)
    code, err = create_user(world.url, monkeypatch, capsys, "ann", WEAK[case], "--role", "agent", "--team", "T01")
    assert code == 2 and "password" in err, err
    assert users_and_log(world.url) == before


@pytest.mark.parametrize("name", ["", " ann", "ann ", "a\tb", "a\nb", "x" * (MAX_USERNAME + 1)])
def test_create_user_refuses_names_that_could_never_log_in(world: World, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str], name: str) -> None:
    before = users_and_log(world.url)
    code, err = create_user(world.url, monkeypatch, capsys, name, "a-Good-pass-9", "--role", "admin")
    assert code == 2 and "user name" in err, err
    assert users_and_log(world.url) == before


def test_the_longest_name_and_password_allowed_can_log_in(world: World, live_server: str,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    name, password = "n" * MAX_USERNAME, "p4$" * (MAX_PASSWORD // 3) + "q" * (MAX_PASSWORD % 3)
    assert len(password) == MAX_PASSWORD
    code, err = create_user(world.url, monkeypatch, capsys, name, password, "--role", "admin")
    assert code == 0, err
    r = httpx.post(f"{live_server}/api/v1/auth/login", json={"username": name, "password": password})
    assert r.status_code == 200, r.text
    # one character more is what the login refuses: that is why create-user refuses it
    r = httpx.post(f"{live_server}/api/v1/auth/login", json={"username": name, "password": password + "x"})
    assert r.status_code == 422


def test_create_user_does_not_silently_change_a_role(world: World, live_server: str,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, err = create_user(world.url, monkeypatch, capsys, "boss", "first-Pass-1", "--role", "admin")
    assert code == 0, err
    before = users_and_log(world.url)
    code, err = create_user(world.url, monkeypatch, capsys, "boss", "second-Pass-2", "--role", "agent",
                            "--team", "T01")
    assert code == 2 and "--change-role" in err and "admin" in err, err
    assert users_and_log(world.url) == before  # neither the role nor the password changed
    login = httpx.post(f"{live_server}/api/v1/auth/login", json={"username": "boss", "password": "first-Pass-1"})
    assert login.status_code == 200 and login.json()["user"]["role"] == "admin"
    # a password reset in the same role is fine
    code, err = create_user(world.url, monkeypatch, capsys, "boss", "second-Pass-2", "--role", "admin")
    assert code == 0, err
    # and the role changes when asked for explicitly
    code, err = create_user(world.url, monkeypatch, capsys, "boss", "third-Pass-3", "--role", "agent",
                            "--team", "T01", "--change-role")
    assert code == 0, err
    login = httpx.post(f"{live_server}/api/v1/auth/login", json={"username": "boss", "password": "third-Pass-3"})
    assert login.status_code == 200 and login.json()["user"]["role"] == "agent"


def test_create_user_is_in_the_audit_log(world: World, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import select

    from server_stub.storage.db import open_central, session_factory
    from server_stub.storage.models import AuditEntry

    code, err = create_user(world.url, monkeypatch, capsys, "auditee", "first-Pass-1", "--role", "agent",
                            "--team", "T01")
    assert code == 0, err
    code, err = create_user(world.url, monkeypatch, capsys, "auditee", "weak", "--role", "agent", "--team", "T01")
    assert code == 2  # refused: nothing recorded for it
    code, err = create_user(world.url, monkeypatch, capsys, "auditee", "second-Pass-2", "--role", "agent",
                            "--team", "T01")
    assert code == 0, err
    engine = open_central(world.url)
    try:
        with session_factory(engine)() as s:
            rows = s.execute(select(AuditEntry).where(AuditEntry.action.like("admin:%_user"))
                             .order_by(AuditEntry.id)).scalars().all()
    finally:
        engine.dispose()
    assert [(r.action, r.detail.split()[0]) for r in rows] == [("admin:create_user", "auditee"),
                                                                ("admin:update_user", "auditee")]
    assert all(r.user_id.startswith("cli:") for r in rows)
