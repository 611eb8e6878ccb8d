"""The audit log: logins, pulls, reveals, exports, serve and CTI grants, admin actions; append-
only in the store itself (triggers), a retention setting, the CLI and the admin endpoint."""

from __future__ import annotations

import argparse
import datetime as dt
import io
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from server_stub import audit
from server_stub.storage.models import AuditEntry
from tests.integration.conftest import CTI_SECRET
from tests.integration.factories import World, central_session
from tests.integration.test_server_scopes import pull_everything
from workbench.services.server_api import AuthError, ServerApi, ServerRejected


def entries(url: str, **where: str) -> list[AuditEntry]:
    with central_session(url) as s:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        for k, v in where.items():
            stmt = stmt.where(getattr(AuditEntry, k) == v)
        return list(s.execute(stmt).scalars())


def test_logins_pulls_and_admin_actions_are_recorded(world: World, api_for: Callable[..., ServerApi]) -> None:
    with pytest.raises(AuthError):
        api_for("agent1", "wrong")
    with pytest.raises(AuthError):
        api_for("nobody", "pw")
    api = api_for("agent1")
    failed = entries(world.url, action="login_failed")
    assert [e.user_id for e in failed] == ["agent1", "nobody"]
    assert all(e.address == "127.0.0.1" for e in failed)
    [ok] = entries(world.url, action="login", user_id="U-agent1")
    assert ok.address == "127.0.0.1" and ok.session_id
    changes = pull_everything(api)
    pulled = entries(world.url, action="pull", user_id="U-agent1")
    assert sum(e.rows or 0 for e in pulled) == sum(1 for c in changes if c.entity == "customer") == 5
    assert {e.session_id for e in pulled} == {ok.session_id}
    admin = api_for("admin")
    admin._request("POST", "/api/v1/admin/users/U-agent2/sessions/revoke")
    admin.publish_policies("policies: []\n")
    actions = [e.action for e in entries(world.url, user_id="U-admin")]
    assert "admin:revoke_user" in actions and "admin:publish_policies" in actions


def test_cti_grants_and_reveals_are_recorded(world: World, api_for: Callable[..., ServerApi],
                                             live_server: str) -> None:
    target = world.customers["T02"][0]
    resp = httpx.post(f"{live_server}/api/v1/cti/events", headers={"X-CTI-Secret": CTI_SECRET},
                      json={"agent": "agent1", "caller": world.phone_of(target), "call_id": "pbx-9"})
    assert resp.status_code == 200
    [cti] = entries(world.url, action="cti_grant")
    assert cti.user_id == "U-agent1" and cti.customer_id == target and "pbx-9" in cti.detail
    reception = api_for("reception1")
    own = world.customers["T01"][0]
    assert reception.reveal_number(own, reason="identity check at the counter") == world.phone_of(own)
    [rev] = entries(world.url, action="reveal")
    assert rev.user_id == "U-reception1" and rev.customer_id == own and "counter" in rev.detail


def test_a_reveal_without_the_permission_is_refused(world: World, api_for: Callable[..., ServerApi]) -> None:
    agent = api_for("agent1")
    own = world.customers["T01"][0]
    with pytest.raises(ServerRejected) as err:
        agent.reveal_number(own)
    assert err.value.status == 403
    assert entries(world.url, action="reveal") == []
    assert [e.customer_id for e in entries(world.url, action="reveal_refused")] == [own]
    lead = api_for("lead1")  # allowed to reveal, but not outside the book
    with pytest.raises(ServerRejected) as err:
        lead.reveal_number(world.customers["T02"][0])
    assert err.value.status == 404
    assert entries(world.url, action="reveal") == []


def test_exports_are_audited_and_full_numbers_are_admin_only(world: World, api_for: Callable[..., ServerApi]) -> None:
    agent = api_for("agent1")
    agent.report_export("work list", 12)
    with pytest.raises(ServerRejected) as err:
        agent.report_export("work list", 12, masked=False)
    assert err.value.status == 403
    [e] = entries(world.url, action="export")
    assert e.user_id == "U-agent1" and e.rows == 12 and "masked" in e.detail
    with pytest.raises(ServerRejected):
        agent._request("GET", "/api/v1/admin/export/customers")
    admin = api_for("admin")
    masked = admin._http.get("/api/v1/admin/export/customers", headers={"Authorization": f"Bearer {admin._access}"})
    assert "13800000000" not in masked.text and "138****0000" in masked.text
    full = admin._http.get("/api/v1/admin/export/customers", params={"full": "true"},
                           headers={"Authorization": f"Bearer {admin._access}"})
    assert "13800000000" in full.text
    details = [x.detail for x in entries(world.url, action="export", user_id="U-admin")]
    assert len(details) == 2 and "FULL" in details[1] and "masked" in details[0]


def test_the_log_refuses_update_and_early_delete(world: World) -> None:
    with central_session(world.url) as s:
        audit.record(s, "login", user_id="U-x", detail="seed")
    for stmt in (update(AuditEntry).values(detail="forged"), delete(AuditEntry)):
        with pytest.raises(DBAPIError, match="append-only"), central_session(world.url) as s:
            s.execute(stmt)
    assert [e.detail for e in entries(world.url, user_id="U-x")] == ["seed"]
    # the retention setting cannot go below the floor; old entries can be purged, young ones stay
    with central_session(world.url) as s, pytest.raises(ValueError):
        audit.set_retention(s, 1, by_user="test")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    with central_session(world.url) as s:
        s.execute(insert(AuditEntry).values(user_id="U-old", action="login", detail="old", at=old))
    with central_session(world.url) as s:
        assert audit.purge(s, by_user="test") == 1
    assert entries(world.url, user_id="U-old") == []
    assert [e.detail for e in entries(world.url, user_id="U-x")] == ["seed"]
    [purge] = entries(world.url, action="admin:audit_purge")
    assert purge.rows == 1


def test_raw_sql_cannot_rewrite_the_log_either(world: World) -> None:
    with central_session(world.url) as s:
        audit.record(s, "login", user_id="U-y")
    with pytest.raises(DBAPIError), central_session(world.url) as s:
        s.execute(text("UPDATE audit_log SET user_id = 'U-z'"))
    with central_session(world.url) as s:
        assert s.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.user_id == "U-y")).scalar_one() == 1


def test_cli_and_admin_endpoint_filter_the_log(world: World, api_for: Callable[..., ServerApi]) -> None:
    api_for("agent1")
    reception = api_for("reception1")
    own = world.customers["T01"][1]
    reception.reveal_number(own)
    out = io.StringIO()
    args = argparse.Namespace(db=world.url, user="U-reception1", customer=None, since=None, action=None,
                              limit=50, retention_days=None, purge=False)
    assert audit.run(args, out) == 0
    text_out = out.getvalue()
    assert "reveal" in text_out and "U-agent1" not in text_out
    out = io.StringIO()
    args.user, args.customer, args.since = None, own, dt.date.today().isoformat()
    assert audit.run(args, out) == 0
    assert "reveal" in out.getvalue() and "1 entries" in out.getvalue()
    args.since = "yesterday-ish"
    assert audit.run(args, io.StringIO()) == 2
    admin = api_for("admin")
    rows = admin.audit_log(customer=own)
    assert [r["action"] for r in rows] == ["reveal"]
    assert [r["action"] for r in admin.audit_log(user="U-agent1", action="login")] == ["login"]
    with pytest.raises(ServerRejected) as err:
        admin.audit_log(since="not a date")
    assert err.value.status == 400
    with pytest.raises(ServerRejected) as err:
        reception.audit_log()
    assert err.value.status == 403
    assert entries(world.url, action="audit_read", user_id="U-admin")


def test_admins_read_the_log_in_the_workbench(qtbot, world: World, api_for: Callable[..., ServerApi]) -> None:  # type: ignore[no-untyped-def]
    from workbench.ui.audit_log import AuditLogWindow
    from workbench.views.audit_vm import AuditLogViewModel
    from workbench.views.task_runner import TaskRunner

    api_for("agent1")
    admin = api_for("admin")
    runner = TaskRunner()
    window = AuditLogWindow(AuditLogViewModel(admin.audit_log, runner))
    qtbot.addWidget(window)
    window.user.setText("U-agent1")
    window.action.setText("login")
    with qtbot.waitSignal(window.vm.entries_ready, raising=True, timeout=30_000):
        window.on_search()
    assert window.model.rowCount() == 1
    assert window.model.index(0, 2).data() == "login" and window.model.index(0, 5).data() == "127.0.0.1"
    window.since.setText("not a date")
    with qtbot.waitSignal(window.vm.failed, raising=True):
        window.on_search()
    assert "since" in window.status.text()
    runner.wait_for_done()
