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
