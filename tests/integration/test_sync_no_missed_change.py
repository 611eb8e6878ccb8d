"""No missed change on PostgreSQL: 8 concurrent pushers, 8 long-polling pullers; every puller
ends with every change exactly once, in cursor order.

A sequence-allocated cursor could commit out of order (N+1 visible before N), and a puller
that read ``cursor > N`` in between would skip N forever. The change log allocates cursors
under a row lock held until commit (server_stub/changes.py), so that cannot happen; the
second test holds transactions open on purpose to give it every chance to.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable

import httpx

from server_stub.changes import Change, append
from server_stub.storage.db import open_central, session_factory, unit_of_work
from tests.integration.conftest import LiveServer
from tests.integration.factories import make_world
from workbench.local_store.outbox import new_id
from workbench.services.server_api import ServerApi

SCALE = float(os.environ.get("WORKBENCH_STRESS_SCALE", "1"))


def run_pullers(base_url: str, start: int, expected: set[str], n: int, stop_at: float,
                login: Callable[[ServerApi], None]) -> list[list[tuple[int, str]]]:
    """``n`` pullers long-polling from ``start`` until each saw ``expected`` (or time runs out)."""
    seen: list[list[tuple[int, str]]] = [[] for _ in range(n)]
    errors: list[BaseException] = []
    # one login at a time: attempts in flight count against the account's login throttle until
    # checked, so eight parallel logins of one account from one address would be refused (#13)
    logins = threading.Lock()

    def puller(i: int) -> None:
        try:
            api = ServerApi(httpx.Client(base_url=base_url))
            with logins:
                login(api)
            cursor, got = start, set()
            while not expected <= got and time.monotonic() < stop_at:
                page = api.pull(cursor, limit=random.choice([7, 50, 500]), wait=2)
                for c in page.changes:
                    seen[i].append((c.cursor, str(c.data.get("id"))))
                    got.add(str(c.data.get("id")))
                cursor = page.next_cursor
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=puller, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return seen


def check(seen: list[list[tuple[int, str]]], expected: set[str]) -> None:
    for i, got in enumerate(seen):
        cursors = [c for c, _ in got]
        assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors), f"puller {i}: out of order"
        ids = [x for _, x in got if x in expected]
        assert len(ids) == len(set(ids)), f"puller {i}: a change twice"
        missing = expected - set(ids)
        assert not missing, f"puller {i} missed {len(missing)} of {len(expected)} changes"


def test_8_pushers_8_pullers_over_http(pg_url: str) -> None:
    world = make_world(pg_url, customers_per_team=8, with_tasks=False)
    server = LiveServer(pg_url).start()
    batches, per_batch = max(1, int(10 * SCALE)), 25
    plan = [[[new_id() for _ in range(per_batch)] for _ in range(batches)] for _ in range(8)]
    expected = {x for p in plan for b in p for x in b}
    try:
        probe = ServerApi(httpx.Client(base_url=server.base_url))
        probe.login("agent2", "pw")
        start = probe.pull(0, limit=5000).next_cursor
        errors: list[BaseException] = []

        def pusher(i: int) -> None:
            try:
                api = ServerApi(httpx.Client(base_url=server.base_url))
                api.login(["agent1", "agent2", "lead1"][i % 3], "pw")
                for batch in plan[i]:
                    muts = [{"mutation_id": new_id(), "entity": "contact_event", "op": "create",
                             "data": {"id": x, "customer_id": random.choice(world.customers["T01"]),
                                      "channel": "outbound", "wrapup": "busy"}} for x in batch]
                    res = api.push(f"pusher-{i}", muts)
                    assert all(r.status == "applied" for r in res.results)
            except BaseException as exc:
                errors.append(exc)

        pushers = [threading.Thread(target=pusher, args=(i,)) for i in range(8)]
        for t in pushers:
            t.start()
        seen = run_pullers(server.base_url, start, expected, 8, time.monotonic() + 180,
                           lambda api: api.login("agent2", "pw") and None)
        for t in pushers:
            t.join()
        assert not errors, errors[0]
        check(seen, expected)
    finally:
        server.stop()


def test_slow_commits_are_never_skipped(pg_url: str) -> None:
    """Writers hold their transaction open after appending; pullers must wait, not skip."""
    make_world(pg_url, customers_per_team=1, with_tasks=False)
    engine = open_central(pg_url, migrate=False)
    factory = session_factory(engine)
    server = LiveServer(pg_url).start()
    n_writers, per_writer = 8, max(1, int(15 * SCALE))
    plan = [[new_id() for _ in range(per_writer)] for _ in range(n_writers)]
    expected = {x for p in plan for x in p}
    try:
        probe = ServerApi(httpx.Client(base_url=server.base_url))
        probe.login("agent1", "pw")
        start = probe.pull(0, limit=5000).next_cursor

        def writer(ids: list[str]) -> None:
            rng = random.Random(ids[0])
            for x in ids:
                with unit_of_work(factory) as s:
                    append(s, [Change("contact_event", x, {"id": x, "customer_id": "C-T01-0000"},
                                      team_id="T01")])
                    time.sleep(rng.uniform(0, 0.03))  # commit late on purpose

        writers = [threading.Thread(target=writer, args=(p,)) for p in plan]
        for t in writers:
            t.start()
        seen = run_pullers(server.base_url, start, expected, 8, time.monotonic() + 180,
                           lambda api: api.login("agent1", "pw") and None)
        for t in writers:
            t.join()
        check(seen, expected)
    finally:
        server.stop()
        engine.dispose()
