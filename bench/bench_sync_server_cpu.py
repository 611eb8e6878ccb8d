"""Server CPU per request of the sync mix, in process, without network or concurrency.

    .venv/bin/python bench/bench_sync_server_cpu.py [--db sqlite|postgresql] [--requests 3000] \
        [--clients 50] [--profile out.prof]

The same mix as ``bench_sync_clients.py --mode mix`` (50 clients; 70 % pull the next page
after their cursor, limit 500; 30 % push 1-5 new contact events), but the requests are made
one after the other through the ASGI app itself (no sockets, no uvicorn, no clients competing
for the CPU). It prints the CPU time per push and per pull (user + system of this process,
which is the server's own work: routing, authentication, the transaction, JSON). On a shared
machine this is much less noisy than the latencies of ``bench_sync_clients.py``, whose mean is
by Little's law 50 clients / throughput, and whose throughput is bounded by this figure.

``--profile F`` runs the blocking parts inline (not in the thread pool) under cProfile and
writes the profile to ``F`` (open with ``python -m pstats F``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from typing import Any

from _sync_common import fresh_central, percentile


async def _call(app: Any, method: str, path: str, *, query: str = "", body: bytes = b"",
                token: str | None = None) -> tuple[int, bytes]:
    headers = [(b"host", b"bench"), (b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
             "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
             "root_path": ""}
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    status = 0
    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _run(app: Any, customers: list[str], n_requests: int, n_clients: int, seed: int,
               profile: Any) -> dict[str, list[float]]:
    users = ["agent1", "agent2", "lead1"]
    tokens: dict[str, str] = {}
    for u in users:
        status, raw = await _call(app, "POST", "/api/v1/auth/login",
                                  body=json.dumps({"username": u, "password": "pw"}).encode())
        assert status == 200, raw
        tokens[u] = json.loads(raw)["access_token"]
    rng = random.Random(seed)
    clients = [{"token": tokens[users[i % 3]], "cid": uuid.uuid4().hex, "cursor": 0} for i in range(n_clients)]
    for c in clients:  # everybody starts at the end of the log, as after the initial sync
        status, raw = await _call(app, "GET", "/api/v1/sync/pull", query="cursor=0&limit=5000", token=c["token"])
        assert status == 200, raw
        c["cursor"] = json.loads(raw)["next_cursor"]
    out: dict[str, list[float]] = {"push": [], "pull": [], "pull_changes": []}
    if profile is not None:
        profile.enable()
    for _ in range(n_requests):
        c = rng.choice(clients)
        if rng.random() < 0.3:
            muts = [{"mutation_id": uuid.uuid4().hex, "entity": "contact_event", "op": "create",
                     "data": {"id": uuid.uuid4().hex, "customer_id": rng.choice(customers),
                              "channel": "outbound", "wrapup": "busy"}} for _ in range(rng.randint(1, 5))]
            body = json.dumps({"client_id": c["cid"], "mutations": muts}).encode()
            t0 = time.process_time()
            status, raw = await _call(app, "POST", "/api/v1/sync/push", body=body, token=c["token"])
            out["push"].append(time.process_time() - t0)
            assert status == 200, raw
        else:
            t0 = time.process_time()
            status, raw = await _call(app, "GET", "/api/v1/sync/pull", query=f"cursor={c['cursor']}&limit=500",
                                      token=c["token"])
            out["pull"].append(time.process_time() - t0)
            assert status == 200, raw
            page = json.loads(raw)
            c["cursor"] = page["next_cursor"]
            out["pull_changes"].append(len(page["changes"]))
    if profile is not None:
        profile.disable()
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--requests", type=int, default=3000)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--profile", default=None)
    args = p.parse_args()

    from server_stub.api import app as app_module
    from server_stub.api.app import create_app
    from tests.integration.factories import make_world

    profile = None
    if args.profile:
        import cProfile

        async def inline(func: Any, *a: Any, **kw: Any) -> Any:
            return func(*a, **kw)

        app_module.run_in_threadpool = inline  # type: ignore[assignment]
        profile = cProfile.Profile()

    with fresh_central(args.db) as url:
        world = make_world(url, customers_per_team=100, with_tasks=False)
        app = create_app(url, migrate=False)
        app.state.checkpointer.kick = lambda: None  # not this bench's concern: its own thread
        wall = time.perf_counter()
        cpu = time.process_time()
        out = asyncio.run(_run(app, world.customers["T01"], args.requests, args.clients, args.seed, profile))
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        app.state.engine.dispose()
    if profile is not None:
        profile.dump_stats(args.profile)
    ms = lambda xs: [1000 * x for x in xs]  # noqa: E731
    push, pull = ms(out["push"]), ms(out["pull"])
    n = len(push) + len(pull)
    print(f"server CPU per request, in process ({args.db}, {n} requests after the initial pulls, "
          f"{sum(out['pull_changes']) / max(1, len(pull)):.0f} changes per pull page):")
    print(f"  push: mean {sum(push) / len(push):.2f} ms  p50 {percentile(push, 50):.2f}  p95 {percentile(push, 95):.2f}")
    print(f"  pull: mean {sum(pull) / len(pull):.2f} ms  p50 {percentile(pull, 50):.2f}  p95 {percentile(pull, 95):.2f}")
    print(f"  all: {(sum(push) + sum(pull)) / n:.2f} ms CPU per request (whole run incl. the bench's own "
          f"decoding: {1000 * cpu / n:.2f} ms, {wall:.1f} s wall)")


if __name__ == "__main__":
    main()
