"""Issue #13 point 2: login throttling that parallel requests cannot overtake.

A real server in its own process on loopback (``workbench-server serve``), on SQLite and on
PostgreSQL. Password checks are counted from the store's ``login_events`` (one row per Argon2
check the server ran) and from the 401 answers (each one is a check that failed).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from server_stub.login_throttle import FREE_ATTEMPTS
from server_stub.storage.models import AuthSession, LoginEvent
from tests.integration.factories import World, central_session
from tests.integration.serverproc import ServerProcess

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def server(world: World, central_url: str) -> Iterator[ServerProcess]:
    proc = ServerProcess(central_url).start()
    try:
        yield proc
    finally:
        proc.stop()


def burst(base_url: str, bodies: list[dict[str, str]]) -> list[httpx.Response]:
    """Send every body to the login at the same moment (one thread and connection each)."""
    gate = threading.Barrier(len(bodies))

    def one(body: dict[str, str]) -> httpx.Response:
        with httpx.Client(base_url=base_url, timeout=60) as http:
            gate.wait()
            return http.post(LOGIN, json=body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(one, bodies))


def checks(url: str, username: str) -> int:
    with central_session(url) as s:
        return int(s.execute(select(func.count()).select_from(LoginEvent)
                             .where(LoginEvent.username == username)).scalar_one())


def sessions_of(url: str, user_id: str) -> int:
    with central_session(url) as s:
        return int(s.execute(select(func.count()).select_from(AuthSession)
                             .where(AuthSession.user_id == user_id)).scalar_one())


def test_forty_parallel_wrong_logins_run_exactly_the_allowed_checks(server: ServerProcess, central_url: str) -> None:
    answers = burst(server.base_url, [{"username": "agent2", "password": f"wrong-{i}"} for i in range(40)])
    codes = [r.status_code for r in answers]
    assert codes.count(401) == FREE_ATTEMPTS, codes
    assert codes.count(429) == 40 - FREE_ATTEMPTS, codes
    assert checks(central_url, "agent2") == FREE_ATTEMPTS
    assert all(int(r.headers["Retry-After"]) > 0 for r in answers if r.status_code == 429)

    # a second burst, the correct password among wrong ones: nothing is checked, nobody gets in
    bodies = [{"username": "agent2", "password": "pw" if i % 3 == 0 else f"again-{i}"} for i in range(30)]
    second = burst(server.base_url, bodies)
    assert {r.status_code for r in second} == {429}
    assert checks(central_url, "agent2") == FREE_ATTEMPTS
    assert sessions_of(central_url, "U-agent2") == 0


def test_parallel_logins_of_unknown_names_are_counted_the_same(server: ServerProcess, central_url: str) -> None:
    answers = burst(server.base_url, [{"username": "nobody-here", "password": f"x{i}"} for i in range(40)])
    codes = [r.status_code for r in answers]
    assert codes.count(401) == FREE_ATTEMPTS and codes.count(429) == 40 - FREE_ATTEMPTS
    assert checks(central_url, "nobody-here") == FREE_ATTEMPTS


def test_a_shift_logging_in_at_once_from_one_address_is_not_throttled(
        world: World, central_url: str) -> None:
    """40 agents behind one address log in at the same moment (new devices): the address-wide
    key counts only wrong passwords, so nobody waits."""
    from tests.integration import factories

    with central_session(central_url) as s:
        for i in range(40):
            factories.user(s, f"shift{i}", "agent", "T01")
    proc = ServerProcess(central_url).start()
    try:
        answers = burst(proc.base_url, [{"username": f"shift{i}", "password": "pw"} for i in range(40)])
    finally:
        proc.stop()
    assert [r.status_code for r in answers] == [200] * 40
