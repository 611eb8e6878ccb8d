"""Screen pop on the encrypted local store against the same store unencrypted, in one sitting
(issue #18 point 4: the pop's p95 may grow by at most 20 %).

    python bench/bench_pop_encrypted.py [--store PATH] [--customers 200000] [--events 1000000]
                                        [--calls 100] [--rounds 3]

The store of ``bench/make_local_store.py`` (built if missing) and an encrypted copy of it
(SQLCipher 4, a random raw key, as the app makes it: ``encrypt_plain_store``). Each round pops
the same random customers through the real window (``bench_screen_pop.ours_run``: call event
to painted pop) on the plain store and then on the encrypted one, alternating which goes
first; percentiles over all rounds. Prints p50 / p95 / p99 of both and the ratios.
"""

from __future__ import annotations

import argparse
import functools
import random
import secrets
import shutil
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bench.plain_context as pc  # noqa: E402
from bench.bench_screen_pop import ours_run, pct  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=Path("/tmp/bench-local.db"))
    ap.add_argument("--customers", type=int, default=200_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--calls", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    from bench.make_local_store import build
    from workbench.app import make_qapp
    from workbench.local_store.encryption import encrypt_plain_store, is_plain_sqlite

    if not a.store.exists() or not is_plain_sqlite(a.store):
        print(f"building {a.store} ({a.customers} customers, {a.events} events)…", flush=True)
        build(a.store, a.customers, a.events)
    enc = a.store.with_name(a.store.stem + "-encrypted.db")
    key = secrets.token_hex(32)
    t0 = time.perf_counter()
    shutil.copy(a.store, enc)
    for suffix in ("-wal", "-shm"):
        Path(str(enc) + suffix).unlink(missing_ok=True)
    encrypt_plain_store(enc, key)
    print(f"encrypted copy: {enc} ({enc.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")
    with sqlite3.connect(a.store) as con:
        phones = [r[0] for r in con.execute("SELECT phone FROM customers")]
    rng = random.Random(7)
    app = make_qapp("zh")
    plain_open = pc.plain_context
    times: dict[str, list[float]] = {"plain": [], "encrypted": []}
    for r in range(a.rounds):
        numbers = rng.sample(phones, a.calls)
        order = ("plain", "encrypted") if r % 2 == 0 else ("encrypted", "plain")
        for which in order:
            pc.plain_context = plain_open if which == "plain" else functools.partial(plain_open, key=key)  # type: ignore[assignment]
            try:
                store = a.store if which == "plain" else enc
                times[which].extend(ours_run(store, numbers, app))
            finally:
                pc.plain_context = plain_open  # type: ignore[assignment]
        print(f"round {r + 1}: plain p95 {pct(times['plain'], 95):.1f} ms, "
              f"encrypted p95 {pct(times['encrypted'], 95):.1f} ms", flush=True)
    print(f"\nscreen pop, call event to painted pop, {len(times['plain'])} pops each "
          f"({a.customers} customers, {a.events} events):")
    for p in (50, 95, 99):
        plain, encr = pct(times["plain"], p), pct(times["encrypted"], p)
        print(f"  p{p}: unencrypted {plain:6.1f} ms   encrypted {encr:6.1f} ms   ratio {encr / plain:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
