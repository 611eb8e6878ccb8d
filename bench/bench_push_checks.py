"""What the push's per-mutation checks cost, in process (no HTTP, no store): the generated column
checks (``sync.coerce_row``) and the business limits added for issue #13
(``sync._check_contact_limits``), per contact event, best of ``--runs``.

    .venv/bin/python bench/bench_push_checks.py [--n 10000] [--runs 7]

Put next to ``bench_sync_push.py``'s push time per outcome, this says how much of a push the
limits take, without the noise of a loopback round trip on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=7)
    args = p.parse_args()

    from server_stub import sync
    from server_stub.storage.models import ContactEvent
    from workbench.core.entities import utcnow
    from workbench.local_store.outbox import new_id

    now = utcnow()
    rows = [{"id": new_id(), "customer_id": "C-T01-0001", "channel": "outbound", "wrapup": "refused",
             "intent": "low", "duration_s": 60, "started_at": now.isoformat(), "note": "客户表示考虑一下"}
            for _ in range(args.n)]
    best_coerce = best_limits = float("inf")
    for _ in range(args.runs):
        t0 = time.perf_counter()
        values = [sync.coerce_row(ContactEvent, r) for r in rows]
        t1 = time.perf_counter()
        for v in values:
            sync._check_contact_limits(v, now)
        t2 = time.perf_counter()
        best_coerce, best_limits = min(best_coerce, t1 - t0), min(best_limits, t2 - t1)
    per = 1e6 / args.n
    print(f"column checks (coerce_row) {best_coerce * per:.2f} us per contact event; "
          f"business limits {best_limits * per:.2f} us ({best_limits / best_coerce:.0%} of the column checks); "
          f"best of {args.runs}, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
