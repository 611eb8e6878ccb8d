"""Benchmark of ``seed-demo``: seed N customers into a fresh store and print the figures.

    .venv/bin/python bench/bench_seed.py [--customers 100000] [--seed 7] [--db URL]

Without ``--db`` the store is a temporary SQLite file (deleted afterwards). The target of
issue 3 is 100,000 customers, with everything else, in at most 60 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server_stub.seed import seed_demo
from server_stub.storage.db import open_central


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", default=None, help="an empty central store (default: temp SQLite)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-seed-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'central.db'}"
        t0 = time.perf_counter()
        engine = open_central(url)
        migrate_s = time.perf_counter() - t0
        stages: dict[str, float] = {}
        last = [time.perf_counter(), "start"]

        def progress(stage: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if stage != last[1]:
                stages[str(last[1])] = stages.get(str(last[1]), 0.0) + now - float(last[0])
                last[0], last[1] = now, stage

        summary = seed_demo(engine, args.customers, args.seed, progress)
        stages[str(last[1])] = stages.get(str(last[1]), 0.0) + time.perf_counter() - float(last[0])
        engine.dispose()
        size = ""
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            size = f", file {path.stat().st_size / 1e6:.0f} MB"

    entity_rows = sum(summary.rows.values())
    print(f"seed-demo benchmark: {summary.customers:,} customers, seed {summary.seed}, "
          f"{url.split(':')[0]}{size}, {os.cpu_count()} CPUs")
    print(f"  migrate (not counted)     {migrate_s:6.1f} s")
    print(f"  total                     {summary.seconds:6.1f} s   (target: <= 60 s for 100,000)")
    print(f"  generate (numpy)          {summary.generate_seconds:6.1f} s")
    print(f"  write + change log        {summary.seconds - summary.generate_seconds:6.1f} s")
    for stage, secs in stages.items():
        if stage not in ("start", "generating"):
            print(f"    {stage:<22}  {secs:6.1f} s")
    print(f"  entity rows               {entity_rows:>10,}")
    print(f"  change-log rows           {summary.change_log_rows:>10,}")
    print(f"  rows per second           {summary.total_rows / summary.seconds:>10,.0f}  "
          f"(entity + change log)")
    for name, count in summary.rows.items():
        print(f"    {name:<22}  {count:>10,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
