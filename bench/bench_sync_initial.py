"""Initial sync of a big scope: a new desktop pulls a team of N customers (plus one open task
each) into an empty local store.

    .venv/bin/python bench/bench_sync_initial.py [--customers 50000] [--db sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _sync_common import fresh_central


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--customers", type=int, default=50_000)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--page", type=int, default=5000)
    args = p.parse_args()

    import httpx
    from sqlalchemy import func, select

    from server_stub.changes import Change, append
    from server_stub.storage.db import open_central, session_factory, unit_of_work
    from server_stub.storage.models import Customer, Task
    from server_stub.sync import change_for, lock_log
    from tests.integration.factories import make_world
    from tests.integration.serverproc import ServerProcess
    from workbench.local_store.db import open_local
    from workbench.local_store.db import session_factory as local_factory
    from workbench.local_store.models import Customer as LocalCustomer
    from workbench.services.server_api import ServerApi
    from workbench.services.sync_engine import SyncEngine

    with fresh_central(args.db) as url, tempfile.TemporaryDirectory() as tmp:
        make_world(url, customers_per_team=1, with_tasks=False)
        engine = open_central(url, migrate=False)
        t0 = time.perf_counter()
        chunk = 5000
        for start in range(0, args.customers, chunk):
            with unit_of_work(session_factory(engine)) as s:
                lock_log(s)
                changes: list[Change] = []
                for i in range(start, min(args.customers, start + chunk)):
                    c = Customer(id=f"C{i:07d}", name=f"客户{i}", phone=f"139{i:08d}", team_id="T01",
                                 store_id="S001", plan_name="畅享96", plan_fee=96, tenure_months=i % 120,
                                 tags=["price_sensitive", "video_heavy", "family"], scores={"deal": 0.2},
                                 province="广东", city="广州", device="Huawei Mate 60", gender="F",
                                 birth_year=1980 + i % 30)
                    t = Task(id=f"K{i:07d}", customer_id=c.id, policy_id="P-168-504", channel="outbound",
                             team_id="T01", store_id="S001", status="open")
                    s.add_all([c, t])
                    s.flush()
                    changes.append(change_for("customer", c))
                    changes.append(change_for("task", t, c))
                append(s, changes)
        print(f"(set-up: {args.customers} customers + tasks in {time.perf_counter() - t0:.1f} s)")
        engine.dispose()

        server = ServerProcess(url).start()
        try:
            factory = local_factory(open_local(Path(tmp) / "local.db"))
            api = ServerApi(httpx.Client(base_url=server.base_url), timeout=120)
            api.login("agent1", "pw")
            sync = SyncEngine(factory, api, SyncEngine.client_id_for(factory), pull_limit=args.page)
            t0 = time.perf_counter()
            sync.pull_all()
            took = time.perf_counter() - t0
            with factory() as s:
                n = s.execute(select(func.count()).select_from(LocalCustomer)).scalar_one()
        finally:
            server.stop()
    print(f"initial sync of a {n}-customer scope (+{args.customers} tasks, {args.db}, pages of {args.page}): "
          f"{took:.1f} s")


if __name__ == "__main__":
    main()
