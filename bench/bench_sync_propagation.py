"""Propagation latency: an acceptance recorded on desktop A reaches desktop B (long-polling,
same scope) and suppresses the policy's open task there.

    .venv/bin/python bench/bench_sync_propagation.py [--n 200] [--db sqlite|postgresql] [--workers 1]

For each acceptance: time from A's local write (row + outbox) through A's push to B's local
store holding the acceptance and the suppressed task. Prints p50 / p95 / max.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from _sync_common import fresh_central, percentile


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--workers", type=int, default=1)
    args = p.parse_args()

    import httpx

    from tests.integration.factories import make_world
    from tests.integration.serverproc import ServerProcess
    from workbench.core.clock import utcnow
    from workbench.core.dbutil import unit_of_work
    from workbench.local_store.db import open_local, session_factory
    from workbench.local_store.models import Acceptance, Task
    from workbench.local_store.outbox import enqueue, new_id
    from workbench.services.server_api import ServerApi
    from workbench.services.sync_engine import SyncEngine

    with fresh_central(args.db) as url, tempfile.TemporaryDirectory() as tmp:
        world = make_world(url, customers_per_team=args.n)
        server = ServerProcess(url, workers=args.workers).start()
        try:
            def desk(user: str) -> tuple[object, SyncEngine]:
                factory = session_factory(open_local(Path(tmp) / f"{user}.db"))
                api = ServerApi(httpx.Client(base_url=server.base_url))
                api.login(user, "pw")
                engine = SyncEngine(factory, api, SyncEngine.client_id_for(factory))
                engine.pull_all()
                return factory, engine

            fa, a = desk("reception1")
            fb, b = desk("agent1")
            arrived: dict[str, float] = {}
            wanted: dict[str, str] = {}  # acceptance id -> task id
            stop = threading.Event()
            cond = threading.Condition()

            def listen() -> None:
                while not stop.is_set():
                    b.pull_once(wait=5)
                    now = time.perf_counter()
                    with fb() as s:  # type: ignore[operator]
                        for aid, tid in list(wanted.items()):
                            if aid in arrived:
                                continue
                            if s.get(Acceptance, aid) is not None and s.get(Task, tid).status == "suppressed":
                                arrived[aid] = now
                    with cond:
                        cond.notify_all()

            t = threading.Thread(target=listen, daemon=True)
            t.start()
            latencies = []
            policy = world.policies[0]
            for i in range(args.n):
                cust = world.customers["T01"][i]
                aid = new_id()
                wanted[aid] = f"K-{cust}-{policy}"
                t0 = time.perf_counter()
                with unit_of_work(fa) as s:  # type: ignore[arg-type]
                    row = Acceptance(id=aid, customer_id=cust, policy_id=policy, channel="store",
                                     accepted_at=utcnow(), value=504.0)
                    s.add(row)
                    enqueue(s, "acceptance", "create", {"id": aid, "customer_id": cust, "policy_id": policy,
                                                        "channel": "store", "value": 504.0})
                a.push_all()
                with cond:
                    cond.wait_for(lambda aid=aid: aid in arrived, timeout=30)
                latencies.append(arrived[aid] - t0)
            stop.set()
        finally:
            server.stop()

    ms = [x * 1000 for x in latencies]
    print(f"propagation of {args.n} acceptances A -> B via long-poll ({args.db}, {args.workers} worker(s)): "
          f"p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, max {max(ms):.0f} ms")


if __name__ == "__main__":
    main()
