"""Many concurrent clients pushing outcomes and long-polling for changes.

    .venv/bin/python bench/bench_sync_clients.py [--clients 100] [--seconds 60] \
        [--db sqlite|postgresql] [--workers 1] [--procs 4]

Each client logs in, then loops: push a batch of 5 outcomes, long-poll (wait 2 s) for what
the others wrote. Clients run as threads spread over ``--procs`` load-generating processes.
Prints pushes, pulls, outcomes, errors (any exception or non-2xx) and push latency p95.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import threading
import time

from _sync_common import fresh_central, percentile


def _load(base_url: str, users: list[str], customers: list[str], seconds: float, out: mp.Queue) -> None:
    import httpx

    from workbench.local_store.outbox import new_id
    from workbench.services.server_api import ServerApi

    stats = {"push": 0, "pull": 0, "outcomes": 0, "errors": 0, "changes": 0}
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(len(users), timeout=600)  # everyone logs in first

    def client(i: int, user: str) -> None:
        api = ServerApi(httpx.Client(base_url=base_url, limits=httpx.Limits(max_connections=2)), timeout=60)
        for attempt in range(5):  # a burst of 100 logins queues on the password hashing
            try:
                api.login(user, "pw")
                break
            except Exception as exc:
                if attempt == 4:
                    with lock:
                        stats["errors"] += 1
                        errors.append(f"login: {exc!r}")
                    ready.abort()
                    return
        cursor = api.pull(0, limit=5000).next_cursor
        ready.wait()
        end = time.monotonic() + seconds
        rng = random.Random(i)
        cid = new_id()
        while time.monotonic() < end:
            try:
                muts = [{"mutation_id": new_id(), "entity": "contact_event", "op": "create",
                         "data": {"id": new_id(), "customer_id": rng.choice(customers),
                                  "channel": "outbound", "wrapup": "busy"}} for _ in range(5)]
                t0 = time.perf_counter()
                res = api.push(cid, muts)
                dt = time.perf_counter() - t0
                ok = sum(r.status == "applied" for r in res.results)
                page = api.pull(cursor, limit=1000, wait=2)
                cursor = page.next_cursor
                with lock:
                    stats["push"] += 1
                    stats["pull"] += 1
                    stats["outcomes"] += ok
                    stats["changes"] += len(page.changes)
                    latencies.append(dt)
                    if ok != 5:
                        stats["errors"] += 1
                        errors.append("a push was not applied")
            except Exception as exc:
                with lock:
                    stats["errors"] += 1
                    errors.append(repr(exc))

    threads = [threading.Thread(target=client, args=(i, users[i % len(users)])) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(json.dumps({"stats": stats, "latencies": latencies, "errors": errors[:5]}))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--procs", type=int, default=4)
    args = p.parse_args()

    from tests.integration.factories import make_world
    from tests.integration.serverproc import ServerProcess

    with fresh_central(args.db) as url:
        world = make_world(url, customers_per_team=100, with_tasks=False)
        server = ServerProcess(url, workers=args.workers).start()
        try:
            users = ["agent1", "agent2", "lead1"]
            per_proc = [[users[(i + k) % 3] for i in range(k, args.clients, args.procs)] for k in range(args.procs)]
            queue: mp.Queue = mp.Queue()
            procs = [mp.Process(target=_load, args=(server.base_url, us, world.customers["T01"], args.seconds, queue))
                     for us in per_proc if us]
            for pr in procs:
                pr.start()
            results = [json.loads(queue.get(timeout=args.seconds + 300)) for _ in procs]
            for pr in procs:
                pr.join()
        finally:
            server.stop()

    total = {k: sum(r["stats"][k] for r in results) for k in results[0]["stats"]}
    lat = [x * 1000 for r in results for x in r["latencies"]]
    errs = [e for r in results for e in r["errors"]]
    print(f"{args.clients} clients for {args.seconds:.0f} s ({args.db}, {args.workers} server worker(s)): "
          f"{total['push']} pushes ({total['outcomes']} outcomes, {total['outcomes'] / args.seconds:.0f}/s), "
          f"{total['pull']} long-polls delivering {total['changes']} changes, errors {total['errors']}; "
          f"push p50 {percentile(lat, 50):.0f} ms, p95 {percentile(lat, 95):.0f} ms")
    for e in errs:
        print("  error:", e)


if __name__ == "__main__":
    main()
