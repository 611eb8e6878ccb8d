"""Push N outcomes from one desktop over loopback, against a raw bulk insert of the same rows.

    .venv/bin/python bench/bench_sync_push.py [--n 10000] [--db sqlite|postgresql] [--batch 2000] [--runs 3]

Per run (fresh stores each time): the push time, the raw insert time (one executemany into
``contact_events`` of a fresh store, measured right after) and the ratio raw/push (1.0 = as
fast as a raw insert); then the best of the runs and the median ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from _sync_common import fresh_central


def one_run(db: str, n: int, batch: int) -> tuple[float, float]:
    """(push seconds, raw insert seconds) of one run on fresh stores."""
    import httpx
    from sqlalchemy import insert

    from server_stub.storage.db import open_central
    from server_stub.storage.models import ContactEvent as CentralEvent
    from tests.integration.factories import make_world
    from tests.integration.serverproc import ServerProcess
    from workbench.core.dbutil import unit_of_work
    from workbench.core.entities import from_wire, to_wire, utcnow
    from workbench.local_store.db import open_local, session_factory
    from workbench.local_store.models import ContactEvent, Outbox
    from workbench.local_store.outbox import new_id
    from workbench.services.server_api import ServerApi
    from workbench.services.sync_engine import SyncEngine

    with fresh_central(db) as url, tempfile.TemporaryDirectory() as tmp:
        world = make_world(url, customers_per_team=50, with_tasks=False)
        customers = world.customers["T01"]
        factory = session_factory(open_local(Path(tmp) / "local.db"))
        rows = []
        with unit_of_work(factory) as s:
            for i in range(n):
                row = ContactEvent(id=new_id(), customer_id=customers[i % len(customers)], channel="outbound",
                                   wrapup="refused", intent="low", duration_s=60, started_at=utcnow(),
                                   note="客户表示考虑一下")
                s.add(row)
                s.flush()
                wire = to_wire(row)
                rows.append(wire)
                s.add(Outbox(mutation_id=new_id(), entity="contact_event", op="create", data=wire))

        server = ServerProcess(url).start()
        try:
            api = ServerApi(httpx.Client(base_url=server.base_url), timeout=120)
            api.login("agent1", "pw")
            engine = SyncEngine(factory, api, SyncEngine.client_id_for(factory), batch_size=batch)
            t0 = time.perf_counter()
            engine.push_all()
            push_s = time.perf_counter() - t0
            assert engine.status().pending == 0
        finally:
            server.stop()

    with fresh_central(db) as raw_url:
        engine2 = open_central(raw_url, migrate=False)
        values = [from_wire(CentralEvent, r) for r in rows]
        t0 = time.perf_counter()
        with engine2.begin() as conn:
            conn.execute(insert(CentralEvent), values)
        raw_s = time.perf_counter() - t0
        engine2.dispose()
    return push_s, raw_s


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--batch", type=int, default=2000, help="mutations per push (the desktop's default)")
    p.add_argument("--runs", type=int, default=3, help="independent runs (fresh stores each)")
    args = p.parse_args()

    results = []
    for i in range(args.runs):
        push_s, raw_s = one_run(args.db, args.n, args.batch)
        results.append((push_s, raw_s))
        print(f"run {i + 1}: push {args.n} outcomes over loopback ({args.db}, batch {args.batch}) "
              f"{push_s:.2f} s ({args.n / push_s:,.0f}/s); raw bulk insert of the same rows {raw_s:.2f} s "
              f"({args.n / raw_s:,.0f}/s); ratio {raw_s / push_s:.2f}; load average {os.getloadavg()[0]:.1f}")
    best_push = min(r[0] for r in results)
    best_raw = min(r[1] for r in results)
    ratios = sorted(r[1] / r[0] for r in results)
    print(f"best push {best_push:.2f} s, best raw {best_raw:.2f} s: push speed as a fraction of raw speed "
          f"{best_raw / best_push:.2f} (best of {args.runs}); per-run ratios "
          + ", ".join(f"{x:.2f}" for x in ratios) + f" (median {statistics.median(ratios):.2f})")


if __name__ == "__main__":
    main()
