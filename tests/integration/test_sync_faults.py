"""Faults, Jepsen style: a client SIGKILLed at random points, a server SIGKILLed mid-batch,
a server paused (SIGSTOP), a network that cuts connections, a local store deleted and
re-created. After each, once quiet: every outbox is empty, every desktop of the scope reads
the same rows as the central store, nothing lost, nothing doubled.

Sizes are small by default (the suite stays fast); ``WORKBENCH_FAULT_SCALE=10`` makes them
bigger (the figures in docs/benchmarks.md come from ``bench/bench_sync_faults.py``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from server_stub.storage.models import ChangeLog
from server_stub.storage.models import ContactEvent as CentralEvent
from tests.integration.conftest import Desktop, LiveServer
from tests.integration.factories import World, central_session, make_world
from tests.integration.faults import DroppingProxy
from tests.integration.serverproc import ROOT, ServerProcess
from workbench.core.dbutil import unit_of_work
from workbench.core.entities import to_wire, utcnow
from workbench.local_store.db import open_local, session_factory
from workbench.local_store.models import ContactEvent, Outbox
from workbench.local_store.outbox import enqueue, new_id
from workbench.services.server_api import OfflineError, ServerApi
from workbench.services.sync_engine import SyncEngine

SCALE = float(os.environ.get("WORKBENCH_FAULT_SCALE", "1"))
pytestmark = pytest.mark.slow


def central_events(url: str) -> tuple[set[str], int]:
    """Contact-event ids in the central store, and how many contact_event changes the log has."""
    with central_session(url) as s:
        ids = set(s.execute(select(CentralEvent.id)).scalars())
        logged = int(s.execute(select(func.count()).select_from(ChangeLog)
                               .where(ChangeLog.entity == "contact_event")).scalar_one())
    return ids, logged


def local_events(path: Path) -> tuple[set[str], int]:
    """Contact-event ids in a local store, and its outbox length."""
    engine = open_local(path)
    try:
        with session_factory(engine)() as s:
            ids = set(s.execute(select(ContactEvent.id)).scalars())
            pending = int(s.execute(select(func.count()).select_from(Outbox)).scalar_one())
    finally:
        engine.dispose()
    return ids, pending


def record(factory: object, customers: list[str], n: int) -> list[str]:
    """Record ``n`` outcomes locally (row + outbox in one transaction each)."""
    ids = []
    for _ in range(n):
        with unit_of_work(factory) as s:  # type: ignore[arg-type]
            row = ContactEvent(id=new_id(), customer_id=random.choice(customers), channel="outbound",
                               wrapup="busy", intent="none", started_at=utcnow())
            s.add(row)
            s.flush()
            enqueue(s, "contact_event", "create", to_wire(row))
            ids.append(row.id)
    return ids


def push_until_empty(engine: SyncEngine, deadline: float) -> None:
    """What the app's sync worker does: push, back off briefly when offline, repeat."""
    while engine.status().pending and time.monotonic() < deadline:
        try:
            engine.push_all()
        except OfflineError:
            time.sleep(0.1)


def assert_quiet_and_equal(url: str, desktops: list[tuple[Path, SyncEngine | None]]) -> set[str]:
    """Outboxes empty; central holds exactly the desktops' events, each logged once."""
    central, logged = central_events(url)
    union: set[str] = set()
    for path, engine in desktops:
        if engine is not None:
            engine.pull_all()
        ids, pending = local_events(path)
        assert pending == 0, f"{path.name}: {pending} still in the outbox"
        union |= ids
    assert logged == len(central), "a contact event was applied twice"
    assert union <= central, f"{len(union - central)} outcomes lost"
    for path, engine in desktops:
        if engine is not None:  # pulling desktops of the scope read the same rows as the server
            assert local_events(path)[0] == central
    return central


# ------------------------------------------------------------------ client SIGKILL


def test_client_killed_at_random_points(central_url: str, tmp_path: Path) -> None:
    world = make_world(central_url, customers_per_team=5, with_tasks=False)
    server = LiveServer(central_url).start()
    kills_per_client = max(1, int(2 * SCALE))
    users = ["agent1", "agent2"]
    printed: dict[str, set[str]] = {u: set() for u in users}
    kills = {"n": 0}

    def child(user: str, n_record: int) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.integration.sync_child", "--local", str(tmp_path / f"{user}.db"),
             "--server", server.base_url, "--user", user, "--customers", ",".join(world.customers["T01"]),
             "--record", str(n_record), "--push-every", "10", "--batch", "20"],
            cwd=ROOT, stdout=subprocess.PIPE, text=True)

    def client_loop(user: str) -> None:
        rng = random.Random(user)
        for _ in range(kills_per_client):
            proc = child(user, 400)
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
            killed = threading.Timer(rng.uniform(0.05, 0.8), proc.send_signal, (signal.SIGKILL,))
            killed.start()
            for line in proc.stdout:
                if line.startswith("saved "):
                    printed[user].add(line.split()[1])
            proc.wait()
            killed.cancel()
            kills["n"] += proc.returncode == -signal.SIGKILL
        proc = child(user, 0)  # restart and let it finish
        out, _ = proc.communicate(timeout=120)
        assert "drained" in out

    try:
        threads = [threading.Thread(target=client_loop, args=(u,)) for u in users]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        central = assert_quiet_and_equal(central_url, [(tmp_path / f"{u}.db", None) for u in users])
        for u in users:
            local, _ = local_events(tmp_path / f"{u}.db")
            assert printed[u] <= local, "an outcome the user saw saved is gone"
            assert local <= central
        assert kills["n"] > 0
        print(f"\nFAULT client SIGKILL: {len(users)} clients, {kills['n']} kills, {len(central)} outcomes, "
              "each exactly once")
    finally:
        server.stop()


# ------------------------------------------------------------------ server SIGKILL / SIGSTOP


def _desktops(base_url: str, world: World, tmp_path: Path, n_each: int,
              timeout: float = 5) -> list[tuple[Path, SyncEngine]]:
    out = []
    for user in ("agent1", "agent2", "lead1"):
        path = tmp_path / f"{user}-{new_id()[:6]}.db"
        factory = session_factory(open_local(path))
        api = ServerApi(httpx.Client(base_url=base_url), timeout=timeout)
        for _ in range(50):  # the network may be cutting connections already
            try:
                api.login(user, "pw")
                break
            except OfflineError:
                time.sleep(0.05)
        engine = SyncEngine(factory, api, SyncEngine.client_id_for(factory), batch_size=100)
        record(factory, world.customers["T01"], n_each)
        out.append((path, engine))
    return out


def _push_in_threads(desktops: list[tuple[Path, SyncEngine]], seconds: float = 120) -> list[threading.Thread]:
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=push_until_empty, args=(e, deadline)) for _, e in desktops]
    for t in threads:
        t.start()
    return threads


def test_server_killed_mid_batch(central_url: str, tmp_path: Path) -> None:
    world = make_world(central_url, customers_per_team=5, with_tasks=False)
    server = ServerProcess(central_url).start()
    try:
        desktops = _desktops(server.base_url, world, tmp_path, int(150 * SCALE))
        threads = _push_in_threads(desktops)
        rng = random.Random(7)
        kills = max(1, int(1 * SCALE))
        for _ in range(kills):
            time.sleep(rng.uniform(0.2, 0.8))
            server.kill()
            server.start()
        for t in threads:
            t.join()
        central = assert_quiet_and_equal(central_url, desktops)
        print(f"\nFAULT server SIGKILL mid-batch: {kills} kills, {len(central)} outcomes, each exactly once")
    finally:
        server.stop()


def test_server_paused_and_resumed(central_url: str, tmp_path: Path) -> None:
    world = make_world(central_url, customers_per_team=5, with_tasks=False)
    server = ServerProcess(central_url).start()
    try:
        desktops = _desktops(server.base_url, world, tmp_path, int(150 * SCALE), timeout=1.0)
        threads = _push_in_threads(desktops)
        pauses = max(1, int(1 * SCALE))
        for _ in range(pauses):
            time.sleep(0.3)
            server.signal(signal.SIGSTOP)
            time.sleep(1.5)  # longer than the clients' timeout: they see the server as gone
            server.signal(signal.SIGCONT)
        for t in threads:
            t.join()
        central = assert_quiet_and_equal(central_url, desktops)
        print(f"\nFAULT server SIGSTOP 1.5 s: {pauses} pauses, {len(central)} outcomes, each exactly once")
    finally:
        server.stop()


# ------------------------------------------------------------------ network cuts


def test_network_cuts_connections(world: World, live_server: str, tmp_path: Path) -> None:
    proxy = DroppingProxy(int(live_server.rsplit(":", 1)[1]), drop_rate=0.3).start()
    try:
        desktops = _desktops(proxy.base_url, world, tmp_path, int(200 * SCALE))
        for _, e in desktops:
            e.batch_size = 20
        threads = _push_in_threads(desktops)

        def pull_while_cutting(e: SyncEngine) -> None:
            for _ in range(10):
                try:
                    e.pull_once(wait=0.2)
                except OfflineError:
                    pass

        pullers = [threading.Thread(target=pull_while_cutting, args=(e,)) for _, e in desktops]
        for t in pullers:
            t.start()
        for t in threads + pullers:
            t.join()
        assert proxy.cuts > 0
        proxy.drop_rate = 0.0  # the network heals
        central = assert_quiet_and_equal(world.url, desktops)
        print(f"\nFAULT network cuts (30% of connections): {proxy.cuts} cut, {len(central)} outcomes, "
              "desktops equal to the server")
    finally:
        proxy.stop()


# ------------------------------------------------------------------ local store re-created


def test_local_store_recreated_while_others_pending(world: World, desktop: Callable[..., Desktop]) -> None:
    a, b = desktop("agent1"), desktop("agent2")
    a.sync.sync_once()
    b.sync.sync_once()
    pending_a = record(a.factory, world.customers["T01"], 30)  # A is offline for now
    record(b.factory, world.customers["T01"], 10)
    b.sync.sync_once()
    # B's disk is wiped: a fresh local store, a new client id, a full re-sync
    b.path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(b.path) + suffix).unlink(missing_ok=True)
    b2 = desktop("agent2", name="agent2-reinstalled")
    b2.sync.sync_once()
    assert b2.sync.client_id != b.sync.client_id
    a.sync.sync_once()  # A comes back online
    b2.sync.pull_all()
    central = assert_quiet_and_equal(world.url, [(a.path, a.sync), (b2.path, b2.sync)])
    assert set(pending_a) <= central and len(central) == 40
    print(f"\nFAULT local store re-created: {len(central)} outcomes, both desktops equal to the server")
