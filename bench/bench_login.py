"""Login hardening figures (issue #13 points 2 and 4) against a real server process.

    .venv/bin/python bench/bench_login.py [--db sqlite|postgresql] [--burst 40] [--samples 12]

1. ``--burst`` parallel wrong passwords for one account: how many password checks the server
   ran (``login_events`` rows), how many 401 / 429 answers, and the burst's wall time.
2. A burst of parallel *good* logins of different users from one address (a shift starting):
   how many got in.
3. Median time of a wrong password for seeded demo users vs unknown names, interleaved
   (``--samples`` each), and their ratio; the same with hashes made with argon2-cffi's default
   parameters (what the seed used before) as the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from _sync_common import fresh_central

LOGIN = "/api/v1/auth/login"


def _burst(base_url: str, bodies: list[dict[str, str]]) -> tuple[list[int], float]:
    import httpx

    gate = threading.Barrier(len(bodies))

    def one(body: dict[str, str]) -> int:
        with httpx.Client(base_url=base_url, timeout=60) as http:
            gate.wait()
            return http.post(LOGIN, json=body).status_code

    start = time.perf_counter()
    with ThreadPoolExecutor(len(bodies)) as pool:
        codes = list(pool.map(one, bodies))
    return codes, time.perf_counter() - start


def _medians(base_url: str, samples: int) -> tuple[float, float]:
    import httpx

    seeded, unknown = [], []
    with httpx.Client(base_url=base_url, timeout=30) as http:
        http.post(LOGIN, json={"username": "warm-up", "password": "x"})
        for i in range(1, samples + 1):
            for name, out in ((f"agent{i}", seeded), (f"ghost{i}", unknown)):
                start = time.perf_counter()
                code = http.post(LOGIN, json={"username": name, "password": "not-it"}).status_code
                out.append(time.perf_counter() - start)
                assert code == 401, code
    return statistics.median(seeded), statistics.median(unknown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--samples", type=int, default=12)
    args = parser.parse_args()

    from argon2 import PasswordHasher
    from sqlalchemy import func, select, update

    from server_stub.login_throttle import FREE_ATTEMPTS
    from server_stub.seed import seed_demo
    from server_stub.storage.models import LoginEvent, LoginThrottle, User
    from tests.integration.factories import central_session
    from tests.integration.serverproc import ServerProcess

    with fresh_central(args.db) as url:
        seed_demo(url, 200, 3)
        server = ServerProcess(url).start()
        try:
            codes, wall = _burst(server.base_url, [{"username": "agent1", "password": f"w{i}"}
                                                   for i in range(args.burst)])
            with central_session(url) as s:
                checks = s.execute(select(func.count()).select_from(LoginEvent)
                                   .where(LoginEvent.username == "agent1")).scalar_one()
            print(f"[{args.db}] {args.burst} parallel wrong logins: {checks} password checks "
                  f"(allowed {FREE_ATTEMPTS}), {codes.count(401)}x401, {codes.count(429)}x429, {wall:.2f} s")
            good, wall = _burst(server.base_url, [{"username": f"agent{i}", "password": "demo"}
                                                  for i in range(2, 2 + args.burst)])
            print(f"[{args.db}] {args.burst} parallel good logins from one address: "
                  f"{good.count(200)} in, {good.count(429)} throttled, {wall:.2f} s")
            with central_session(url) as s:
                s.execute(LoginThrottle.__table__.delete())
            seeded, unknown = _medians(server.base_url, args.samples)
            print(f"[{args.db}] wrong password, median: seeded user {seeded * 1000:.0f} ms, "
                  f"unknown name {unknown * 1000:.0f} ms, ratio {seeded / unknown:.2f}")
            old = PasswordHasher().hash("demo")  # the seed's former parameters, as the baseline
            with central_session(url) as s:
                s.execute(update(User).values(password_hash=old))
                s.execute(LoginThrottle.__table__.delete())
            seeded, unknown = _medians(server.base_url, args.samples)
            print(f"[{args.db}] baseline (argon2-cffi default parameters in the seed): seeded "
                  f"{seeded * 1000:.0f} ms, unknown {unknown * 1000:.0f} ms, ratio {seeded / unknown:.2f}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
