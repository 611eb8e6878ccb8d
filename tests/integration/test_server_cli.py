"""``workbench-server`` migrate, create-user and serve (several processes over one store)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import httpx

from tests.integration import factories
from tests.integration.serverproc import ROOT, ServerProcess
from workbench.local_store.outbox import new_id
from workbench.services.server_api import PullResult, ServerApi


def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server_stub", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_migrate_and_create_user(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    out = cli("migrate", "--db", url)
    assert out.returncode == 0, out.stderr
    assert "migrated" in out.stdout
    out = cli("create-user", "ann", "--role", "agent", "--password-stdin", "--db", url)
    assert out.returncode == 2 and "needs --team" in out.stderr
    out = cli("create-user", "ann", "--role", "agent", "--team", "T01", "--password-stdin", "--db", url,
              stdin="s3cret-pw\n")
    assert out.returncode == 0, out.stderr
    server = ServerProcess(url).start()
    try:
        api = ServerApi(httpx.Client(base_url=server.base_url))
        user = api.login("ann", "s3cret-pw").user
        assert (user.role, user.team_id) == ("agent", "T01")
        users = [c.data for c in api.pull(0).changes if c.entity == "user"]
        assert users and all("password_hash" not in u for u in users)
    finally:
        server.stop()


def test_long_poll_wakes_across_server_processes(central_url: str) -> None:
    """Two server processes over one store: a push through one wakes a long-poll on the other."""
    world = factories.make_world(central_url, customers_per_team=2, with_tasks=False)
    one, two = ServerProcess(central_url).start(), ServerProcess(central_url).start()
    try:
        a = ServerApi(httpx.Client(base_url=one.base_url))
        b = ServerApi(httpx.Client(base_url=two.base_url))
        a.login("agent1", "pw")
        b.login("agent2", "pw")
        start = b.pull(0, limit=5000).next_cursor
        got: list[PullResult] = []
        t = threading.Thread(target=lambda: got.append(b.pull(start, wait=25)))
        t.start()
        cust = world.customers["T01"][0]
        a.push("c-a", [{"mutation_id": new_id(), "entity": "contact_event", "op": "create",
                        "data": {"id": new_id(), "customer_id": cust, "channel": "outbound",
                                 "wrapup": "busy"}}])
        t.join(40)
        assert got and [c.entity for c in got[0].changes] == ["contact_event"]
    finally:
        one.stop()
        two.stop()


def test_every_command_that_changes_the_store_is_audited(tmp_path: Path) -> None:
    """Admin actions at the command line leave the same trace as through the API (issue 18
    point 6): who ran it on the server's machine, the arguments, the exit code; a refused run
    too; a read-only command (export, audit itself, a dry run) adds nothing."""
    import getpass

    from sqlalchemy import select

    from server_stub.cli import AUDITED, main
    from server_stub.storage import models as m
    from server_stub.storage.db import open_central, session_factory

    url = f"sqlite:///{tmp_path / 'store.db'}"
    assert cli("migrate", "--db", url).returncode == 0
    factories.make_world(url, customers_per_team=1, with_tasks=False)
    assert main(["team-settings", "T01", "--db", url, "--recycle-no-contact-days", "9"]) == 0
    assert main(["team-settings", "T01", "--db", url, "--recycle-no-contact-days", "100000"]) != 0  # out of range
    assert main(["merge-duplicates", "--dry-run", "--db", url]) == 0
    assert main(["export-policies", str(tmp_path / "p.yaml"), "--db", url]) == 0
    engine = open_central(url, migrate=False)
    with session_factory(engine)() as s:
        runs = [(e.user_id, e.detail) for e in s.execute(
            select(m.AuditEntry).where(m.AuditEntry.action.like("cli:%")).order_by(m.AuditEntry.id)).scalars()]
    engine.dispose()
    who = f"os:{getpass.getuser()}"
    assert [r[0] for r in runs] == [who, who]
    assert runs[0][1].startswith("exit 0: team-settings T01") and "--recycle-no-contact-days 9" in runs[0][1]
    assert not runs[1][1].startswith("exit 0") and "100000" in runs[1][1]
    assert {"import-customers", "generate-tasks", "update-user", "merge-duplicates"} <= AUDITED


def test_secret_arguments_never_reach_the_audit_log() -> None:
    from server_stub.cli import _argv_text

    assert _argv_text(["x", "--password", "hunter2", "--secret=abc", "--db", "sqlite://"]) == (
        "x --password *** --secret=*** --db sqlite://")
