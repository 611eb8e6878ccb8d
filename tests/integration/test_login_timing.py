"""Issue #13 point 4: a wrong password costs the same time for a seeded user and for a name
that does not exist (one set of Argon2 parameters for every hash, the dummy included), and
hashes made with other parameters are redone at the next good login."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import httpx
from argon2 import PasswordHasher
from sqlalchemy import select, update

from server_stub import auth
from server_stub.seed import seed_demo
from server_stub.storage.models import User
from tests.integration.factories import central_session
from tests.integration.serverproc import ServerProcess

LOGIN = "/api/v1/auth/login"


def _time_login(http: httpx.Client, username: str) -> float:
    start = time.perf_counter()
    response = http.post(LOGIN, json={"username": username, "password": "not-the-password"})
    elapsed = time.perf_counter() - start
    assert response.status_code == 401, response.text
    return elapsed


def test_wrong_password_takes_as_long_for_seeded_and_unknown_users(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    seed_demo(url, 200, 3)
    with central_session(url) as s:
        hashes = set(s.execute(select(User.password_hash)).scalars())
    assert not any(auth.needs_rehash(h) for h in hashes)  # the seed hashes with the server's parameters
    server = ServerProcess(url).start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            _time_login(http, "warm-up")
            seeded, unknown = [], []
            for i in range(1, 13):  # interleaved, one attempt per name (no throttle in the way)
                seeded.append(_time_login(http, f"agent{i}"))
                unknown.append(_time_login(http, f"ghost{i}"))
    finally:
        server.stop()
    ratio = statistics.median(seeded) / statistics.median(unknown)
    print(f"median wrong-password login: seeded {statistics.median(seeded) * 1000:.0f} ms, "
          f"unknown {statistics.median(unknown) * 1000:.0f} ms, ratio {ratio:.2f}")
    assert 0.5 <= ratio <= 2.0, (ratio, seeded, unknown)


def test_the_dummy_hash_uses_the_real_parameters() -> None:
    assert not auth.needs_rehash(auth._DUMMY_HASH)
    assert not auth.needs_rehash(auth.hash_password("secret"))
    assert auth.needs_rehash(PasswordHasher().hash("secret"))  # argon2-cffi's defaults differ


def test_an_old_hash_is_redone_at_the_next_good_login(tmp_path: Path) -> None:
    from tests.integration.conftest import LiveServer
    from tests.integration.factories import make_world

    url = f"sqlite:///{tmp_path / 'central.db'}"
    from server_stub.storage.db import open_central

    open_central(url).dispose()
    make_world(url, customers_per_team=1, with_tasks=False)
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash("pw")
    with central_session(url) as s:
        s.execute(update(User).where(User.username == "agent1").values(password_hash=old))
    server = LiveServer(url).start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            assert http.post(LOGIN, json={"username": "agent1", "password": "pw"}).status_code == 200
            with central_session(url) as s:
                new = s.execute(select(User.password_hash).where(User.username == "agent1")).scalar_one()
            assert new != old and not auth.needs_rehash(new)
            assert http.post(LOGIN, json={"username": "agent1", "password": "pw"}).status_code == 200
    finally:
        server.stop()
