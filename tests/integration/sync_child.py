"""A desktop's sync worker as its own process, for the crash tests (killed with SIGKILL).

``python -m tests.integration.sync_child --local FILE --server URL --user NAME --customers C1,C2
--record N --push-every K`` records N outcomes (row + outbox in one transaction, printing
``saved <id>`` after each commit), pushing a batch every K records; then drains the outbox
and prints ``drained``. With ``--record 0`` it only drains.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import httpx

from workbench.core.dbutil import unit_of_work
from workbench.core.entities import to_wire, utcnow
from workbench.local_store.db import open_local, session_factory
from workbench.local_store.models import ContactEvent
from workbench.local_store.outbox import enqueue, new_id
from workbench.services.server_api import OfflineError, ServerApi
from workbench.services.sync_engine import SyncEngine


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--local", required=True)
    p.add_argument("--server", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--customers", required=True)
    p.add_argument("--record", type=int, default=0)
    p.add_argument("--push-every", type=int, default=25)
    p.add_argument("--batch", type=int, default=50)
    args = p.parse_args()
    factory = session_factory(open_local(Path(args.local)))
    api = ServerApi(httpx.Client(base_url=args.server), timeout=5)
    api.login(args.user, "pw")
    engine = SyncEngine(factory, api, SyncEngine.client_id_for(factory), batch_size=args.batch)
    customers = args.customers.split(",")
    print("ready", flush=True)
    for i in range(args.record):
        with unit_of_work(factory) as s:
            row = ContactEvent(id=new_id(), customer_id=random.choice(customers), channel="outbound",
                               wrapup=random.choice(["busy", "refused", "no_answer"]), intent="none",
                               started_at=utcnow())
            s.add(row)
            s.flush()
            enqueue(s, "contact_event", "create", to_wire(row))
        print(f"saved {row.id}", flush=True)
        if (i + 1) % args.push_every == 0:
            try:
                engine.push_once()
            except OfflineError:
                pass
    while engine.status().pending:
        try:
            engine.push_all()
        except OfflineError:
            time.sleep(0.2)
    print("drained", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
