"""The loop closes: from a customer's online order to the agent's desk.

    python bench/bench_online_loop.py [--orders 40] [--db sqlite|postgresql]

A ``serve`` process; N customers of agent1's team with an open task each; agent1's desk
long-polls ``/api/v1/sync/pull`` (as the sync engine does) in a thread. The customer side is
an HTTP client walking the online zone: personal link -> confirmation page -> order. Latency
is from the moment the order request is sent to the moment the desk's long-poll returns the
acceptance (and the task's suppression); p50 / p95 / max printed. The target is 1 s at p95.
Baseline in the same run: the same long-poll's latency for an acceptance pushed by another
desk (``/api/v1/sync/push``).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._sync_common import fresh_central
from server_stub.online.links import make_link
from server_stub.storage.db import open_central, session_factory, unit_of_work
from server_stub.storage.models import Policy, Task
from tests.integration import factories
from tests.integration.serverproc import ServerProcess
from workbench.services.server_api import ServerApi

SECRET = "bench-online"


class DeskWatch:
    """A long-polling desk that notes when each acceptance arrives."""

    def __init__(self, api: ServerApi, cursor: int) -> None:
        self.api = api
        self.cursor = cursor
        self.seen: dict[tuple[str, str], float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            page = self.api.pull(self.cursor, limit=1000, wait=5)
            now = time.perf_counter()
            for c in page.changes:
                if c.entity == "acceptance":
                    self.seen.setdefault((c.data["customer_id"], c.data["policy_id"]), now)
            self.cursor = page.next_cursor

    def wait_for(self, key: tuple[str, str], timeout: float = 30) -> float:
        deadline = time.monotonic() + timeout
        while key not in self.seen:
            if time.monotonic() > deadline:
                raise TimeoutError(key)
            time.sleep(0.002)
        return self.seen[key]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=40)
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = ap.parse_args()
    n = args.orders
    with fresh_central(args.db) as url:
        world = factories.make_world(url, customers_per_team=2 * n, with_tasks=False)
        engine = open_central(url, migrate=False)
        with unit_of_work(session_factory(engine)) as s:
            factories.add(s, "policy", Policy(id="P-ON", code="P-ON", name="老用户流量包", pitch="每月多送10GB",
                                              rule="true", channels=["online", "outbound"], value=100.0))
            for cid in world.customers["T01"]:
                factories.add(s, "task", Task(id=f"K-{cid}", customer_id=cid, policy_id="P-ON", channel="outbound",
                                              assignee_id="U-agent1", team_id="T01", status="open"))
        engine.dispose()
        server = ServerProcess(url, env={"WORKBENCH_ONLINE_SECRET": SECRET}).start()
        try:
            desk = ServerApi(httpx.Client(base_url=server.base_url))
            desk.login("agent1", factories.PASSWORD)
            start_cursor = desk.pull(0, limit=1).next_cursor
            top = start_cursor
            while True:
                page = desk.pull(top, limit=5000)
                top = page.next_cursor
                if not page.has_more:
                    break
            watch = DeskWatch(desk, top)
            watch.thread.start()
            online: list[float] = []
            customers = world.customers["T01"]
            for cid in customers[:n]:
                with httpx.Client(base_url=server.base_url, follow_redirects=True) as web:
                    web.get(make_link(SECRET, server.base_url, cid))
                    page = web.get("/online/offers/P-ON/confirm").text
                    token = re.search(r'name="token" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
                    csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
                    t0 = time.perf_counter()
                    r = web.post("/online/orders", data={"token": token, "csrf": csrf})
                    assert r.status_code == 200 and "您已成功办理" in r.text, r.text[:300]
                online.append(watch.wait_for((cid, "P-ON")) - t0)
            other = ServerApi(httpx.Client(base_url=server.base_url))
            other.login("agent2", factories.PASSWORD)
            pushed: list[float] = []
            for i, cid in enumerate(customers[n:2 * n]):
                t0 = time.perf_counter()
                other.push(f"bench-{os.getpid()}", [{"mutation_id": uuid.uuid4().hex, "entity": "acceptance",
                                                     "op": "create", "data": {
                                                         "id": f"A-{i}-{uuid.uuid4().hex[:8]}", "customer_id": cid,
                                                         "policy_id": "P-ON", "channel": "outbound",
                                                         "status": "accepted", "value": 100.0}}])
                pushed.append(watch.wait_for((cid, "P-ON")) - t0)
            watch.stop.set()
        finally:
            server.stop()
    for name, values in (("online order -> desk", online), ("desk push -> desk (baseline)", pushed)):
        ms = [v * 1000 for v in values]
        print(f"{name}: {len(ms)} orders, p50 {statistics.median(ms):.0f} ms, p95 {_pct(ms, 0.95):.0f} ms, "
              f"max {max(ms):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
