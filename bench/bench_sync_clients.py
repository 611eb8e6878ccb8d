"""Many concurrent clients pushing outcomes and pulling changes.

    .venv/bin/python bench/bench_sync_clients.py [--mode mix|longpoll] [--clients 50] [--seconds 30] \
        [--db sqlite|postgresql] [--workers 1] [--procs 4]

``--mode mix`` (default; issue #13 point 11): each client logs in, then loops without pause:
70 % of its requests pull the next page after its cursor, 30 % push 1-5 contact events.
Prints push and pull p50 / p95 / p99 and errors (any exception or a push not applied).

``--mode longpoll`` (the earlier bench, e.g. ``--clients 100 --seconds 60``): each client
loops: push a batch of 5 outcomes, long-poll (wait 2 s) for what the others wrote; prints
push latency.

Clients run as threads spread over ``--procs`` load-generating processes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import threading
import time

from _sync_common import fresh_central, percentile


def _load(base_url: str, users: list[str], customers: list[str], seconds: float, out: mp.Queue,
          mode: str = "longpoll", started: mp.Queue | None = None) -> None:
    import httpx

    from workbench.local_store.outbox import new_id
    from workbench.services.server_api import ServerApi

    stats = {"push": 0, "pull": 0, "outcomes": 0, "errors": 0, "changes": 0}
    latencies: list[float] = []
    pull_latencies: list[float] = []
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

    def mix_client(i: int, user: str) -> None:
        api = ServerApi(httpx.Client(base_url=base_url, limits=httpx.Limits(max_connections=2)), timeout=60)
        for attempt in range(5):
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
        if i == 0 and started is not None:
            started.put(time.time())
        end = time.monotonic() + seconds
        rng = random.Random(i)
        cid = new_id()
        while time.monotonic() < end:
            try:
                if rng.random() < 0.3:
                    n = rng.randint(1, 5)
                    muts = [{"mutation_id": new_id(), "entity": "contact_event", "op": "create",
                             "data": {"id": new_id(), "customer_id": rng.choice(customers),
                                      "channel": "outbound", "wrapup": "busy"}} for _ in range(n)]
                    t0 = time.perf_counter()
                    res = api.push(cid, muts)
                    took = time.perf_counter() - t0
                    ok = sum(r.status == "applied" for r in res.results)
                    with lock:
                        stats["push"] += 1
                        stats["outcomes"] += ok
                        latencies.append(took)
                        if ok != n:
                            stats["errors"] += 1
                            errors.append("a push was not applied")
                else:
                    t0 = time.perf_counter()
                    page = api.pull(cursor, limit=500)
                    took = time.perf_counter() - t0
                    cursor = page.next_cursor
                    with lock:
                        stats["pull"] += 1
                        stats["changes"] += len(page.changes)
                        pull_latencies.append(took)
            except Exception as exc:
                with lock:
                    stats["errors"] += 1
                    errors.append(repr(exc))

    target = mix_client if mode == "mix" else client
    threads = [threading.Thread(target=target, args=(i, users[i % len(users)])) for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(json.dumps({"stats": stats, "latencies": latencies, "pull_latencies": pull_latencies,
                        "errors": errors[:5]}))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its children so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = {pid}
    for child in _children(pid):
        pids.add(child)
    for p in pids:
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            for c in open(f"/proc/{pid}/task/{task}/children").read().split():
                found.add(int(c))
                found |= _children(int(c))
    except OSError:
        pass
    return found


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["mix", "longpoll"], default="mix")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=30)
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
            started: mp.Queue = mp.Queue()
            procs = [mp.Process(target=_load, args=(server.base_url, us, world.customers["T01"], args.seconds, queue,
                                                    args.mode, started))
                     for us in per_proc if us]
            for pr in procs:
                pr.start()
            assert server.proc is not None
            if args.mode == "mix":  # from when every client has logged in
                for _ in procs:
                    started.get(timeout=600)
            cpu_at_start = _cpu_seconds(server.proc.pid)
            results = [json.loads(queue.get(timeout=args.seconds + 300)) for _ in procs]
            server_cpu = _cpu_seconds(server.proc.pid) - cpu_at_start
            for pr in procs:
                pr.join()
        finally:
            server.stop()

    total = {k: sum(r["stats"][k] for r in results) for k in results[0]["stats"]}
    lat = [x * 1000 for r in results for x in r["latencies"]]
    errs = [e for r in results for e in r["errors"]]
    if args.mode == "mix":
        pulls = [x * 1000 for r in results for x in r["pull_latencies"]]
        load = os.getloadavg()[0]
        print(f"mix: {args.clients} clients for {args.seconds:.0f} s ({args.db}, {args.workers} server worker(s), "
              f"load average {load:.1f} on {os.cpu_count()} cores): {total['push']} pushes "
              f"({total['outcomes']} contact events), {total['pull']} pulls ({total['changes']} changes), "
              f"errors {total['errors']}")
        print(f"  push ms: p50 {percentile(lat, 50):.0f}  p95 {percentile(lat, 95):.0f}  p99 {percentile(lat, 99):.0f}"
              f"   (target p95 <= 300)")
        print(f"  pull ms: p50 {percentile(pulls, 50):.0f}  p95 {percentile(pulls, 95):.0f}  "
              f"p99 {percentile(pulls, 99):.0f}   (target p95 <= 200)")
        requests = total["push"] + total["pull"]
        print(f"  throughput: {requests / args.seconds:.0f} requests/s; server CPU {server_cpu:.1f} s "
              f"= {1000 * server_cpu / max(1, requests):.1f} ms per request")
        for e in errs:
            print("  error:", e)
        return
    print(f"{args.clients} clients for {args.seconds:.0f} s ({args.db}, {args.workers} server worker(s)): "
          f"{total['push']} pushes ({total['outcomes']} outcomes, {total['outcomes'] / args.seconds:.0f}/s), "
          f"{total['pull']} long-polls delivering {total['changes']} changes, errors {total['errors']}; "
          f"push p50 {percentile(lat, 50):.0f} ms, p95 {percentile(lat, 95):.0f} ms")
    for e in errs:
        print("  error:", e)


if __name__ == "__main__":
    main()
