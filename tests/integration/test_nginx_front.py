"""Slow and greedy clients meet the documented nginx front (issue #13, point 8).

uvicorn has no timeout for reading request headers: a client that trickles its headers keeps
a connection open for as long as it likes. Debian's nginx, configured from the shipped
``deploy/nginx/workbench.conf`` (here with 2-second timeouts), closes such connections while
normal desktops are served.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.integration.factories import PASSWORD, make_world
from tests.integration.nginxproc import NginxFront, nginx_binary
from tests.integration.serverproc import ServerProcess

pytestmark = pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (make system-packages)")

TIMEOUT_S = 2
SLOW = 200


@dataclass
class Stack:
    server: ServerProcess
    nginx: NginxFront


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    from server_stub.storage.db import open_central

    url = f"sqlite:///{tmp_path / 'central.db'}"
    open_central(url).dispose()
    make_world(url, customers_per_team=2)
    server = ServerProcess(url, args=("--forwarded-allow-ips", "127.0.0.1")).start()
    nginx = NginxFront(tmp_path / "nginx", f"127.0.0.1:{server.port}", overrides={
        "client_header_timeout": f"{TIMEOUT_S}s", "client_body_timeout": f"{TIMEOUT_S}s",
        "send_timeout": f"{TIMEOUT_S}s", "limit_conn": "workbench_conn 20",
    })
    try:
        nginx.start()
        yield Stack(server, nginx)
    finally:
        nginx.stop()
        server.stop()


def _connect(port: int, first: bytes, count: int) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(first)
        s.setblocking(False)
        socks.append(s)
    return socks


def _closed_by_peer(s: socket.socket) -> bool:
    """True once the other end closed ``s`` (after an optional answer such as 408)."""
    try:
        readable, _, _ = select.select([s], [], [], 0)
        if not readable:
            return False
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False  # an answer came but the connection stays open
    except OSError:
        return True  # reset


def _trickle(socks: list[socket.socket], seconds: float, line: bytes | None,
             during: Callable[[int], None] | None = None) -> list[socket.socket]:
    """Send ``line`` on every open socket twice a second for ``seconds`` (or until all are
    closed); call ``during`` once, a second in. Returns the sockets still open."""
    open_ = list(socks)
    deadline = time.monotonic() + seconds
    called = False
    start = time.monotonic()
    while open_ and time.monotonic() < deadline:
        still = []
        for s in open_:
            if _closed_by_peer(s):
                s.close()
                continue
            if line is not None:
                try:
                    s.send(line)
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    s.close()
                    continue
            still.append(s)
        open_ = still
        if during is not None and not called and time.monotonic() - start > 1:
            called = True
            during(len(open_))
        time.sleep(0.5)
    return open_


def test_slow_headers_are_cut_by_nginx_while_desktops_are_served(stack: Stack) -> None:
    head = b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n"
    # the probe first: against uvicorn alone, trickled headers keep connections open
    direct = _connect(stack.server.port, head, 20)
    left_direct = _trickle(direct, TIMEOUT_S * 3, b"X-Slow: 1\r\n")
    assert len(left_direct) == 20, "uvicorn closed slow-header connections (the probe is wrong)"
    for s in left_direct:
        s.close()

    served: list[tuple[int, int]] = []

    def normal_client(open_now: int) -> None:
        with httpx.Client(base_url=stack.nginx.base_url, timeout=10) as http:
            login = http.post("/api/v1/auth/login", json={"username": "agent1", "password": PASSWORD})
            token = login.json()["access_token"]
            pull = http.get("/api/v1/sync/pull", params={"cursor": 0},
                            headers={"Authorization": f"Bearer {token}"})
            served.append((open_now, pull.status_code))

    slow = _connect(stack.nginx.port, head, SLOW)
    left = _trickle(slow, TIMEOUT_S * 5 + 5, b"X-Slow: 1\r\n", during=normal_client)
    for s in left:
        s.close()
    assert not left, f"{len(left)} of {SLOW} slow-header connections still open"
    assert served and served[0][1] == 200
    assert served[0][0] > SLOW // 2, "the normal client was not served while slow clients were connected"


def test_stalled_bodies_are_cut_by_nginx(stack: Stack) -> None:
    head = (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 400\r\n\r\n{\"username\": ")
    direct = _connect(stack.server.port, head, 10)
    left_direct = _trickle(direct, TIMEOUT_S * 3, None)
    assert len(left_direct) == 10, "uvicorn closed stalled bodies (the probe is wrong)"
    for s in left_direct:
        s.close()
    stalled = _connect(stack.nginx.port, head, 50)
    left = _trickle(stalled, TIMEOUT_S * 5 + 5, None)
    for s in left:
        s.close()
    assert not left, f"{len(left)} of 50 stalled bodies still open"


def test_greedy_client_gets_429_beyond_its_connections(stack: Stack) -> None:
    """limit_conn: 30 parallel long-polls from one address, 20 allowed: the rest get 429."""
    with httpx.Client(base_url=stack.nginx.base_url, timeout=10) as http:
        token = http.post("/api/v1/auth/login",
                          json={"username": "agent1", "password": PASSWORD}).json()["access_token"]
        cursor = http.get("/api/v1/sync/pull", params={"cursor": 0, "limit": 1000},
                          headers={"Authorization": f"Bearer {token}"}).json()["next_cursor"]

    def poll(_: int) -> int:
        return httpx.get(f"{stack.nginx.base_url}/api/v1/sync/pull",
                         params={"cursor": cursor, "wait": 4}, headers={"Authorization": f"Bearer {token}"},
                         timeout=20).status_code

    with ThreadPoolExecutor(30) as pool:
        codes = list(pool.map(poll, range(30)))
    assert set(codes) <= {200, 429}
    assert codes.count(429) >= 5
    assert codes.count(200) >= 10
