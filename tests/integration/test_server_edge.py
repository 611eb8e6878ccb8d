"""The server's edge: forwarded headers trusted only from named proxies, no redirects built
from the Host header, no API docs unless enabled (issue #13, point 7)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from server_stub.api import Settings
from tests.integration.conftest import CTI_SECRET, LiveServer
from tests.integration.serverproc import ServerProcess

LOGIN = "/api/v1/auth/login"


def _forged_failures(base_url: str, count: int) -> list[int]:
    """``count`` wrong logins, each for another (unknown) name and claiming another address."""
    def one(i: int) -> int:
        r = httpx.post(f"{base_url}{LOGIN}", json={"username": f"nobody{i}", "password": "wrong"},
                       headers={"X-Forwarded-For": f"198.51.{i // 250}.{i % 250 + 1}"}, timeout=60)
        return r.status_code

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated central store on SQLite (the edge does not depend on the store)."""
    from server_stub.storage.db import open_central

    url = f"sqlite:///{tmp_path / 'central.db'}"
    open_central(url).dispose()
    return url


def test_forwarded_for_is_not_trusted_by_default(sqlite_url: str) -> None:
    """60 failures with made-up X-Forwarded-For addresses from one real address: throttled."""
    server = ServerProcess(sqlite_url).start()
    try:
        codes = _forged_failures(server.base_url, 60)
    finally:
        server.stop()
    assert set(codes) <= {401, 429}
    assert 429 in codes, "forged X-Forwarded-For addresses escaped the per-address throttle"


def test_forwarded_for_is_trusted_from_named_proxies_only(sqlite_url: str) -> None:
    """With ``--forwarded-allow-ips 127.0.0.1`` (a proxy on this host) the header names the
    client, so distinct addresses are throttled separately; docs are on with --enable-docs."""
    server = ServerProcess(sqlite_url, args=("--forwarded-allow-ips", "127.0.0.1", "--enable-docs")).start()
    try:
        codes = _forged_failures(server.base_url, 60)
        docs = httpx.get(f"{server.base_url}/openapi.json").status_code
    finally:
        server.stop()
    assert codes == [401] * 60
    assert docs == 200


@pytest.fixture
def edge_server(sqlite_url: str) -> Iterator[LiveServer]:
    from tests.integration.factories import make_world

    make_world(sqlite_url, customers_per_team=1)
    server = LiveServer(sqlite_url, Settings(cti_secret=CTI_SECRET)).start()
    yield server
    server.stop()


def test_docs_and_schema_are_off_by_default(edge_server: LiveServer) -> None:
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert httpx.get(edge_server.base_url + path).status_code == 404, path
    assert edge_server.app.openapi()["paths"]  # the schema itself is still there for tests


def test_docs_can_be_enabled(sqlite_url: str) -> None:
    server = LiveServer(sqlite_url, Settings(enable_docs=True)).start()
    try:
        assert httpx.get(server.base_url + "/openapi.json").status_code == 200
        assert httpx.get(server.base_url + "/docs").status_code == 200
    finally:
        server.stop()


def test_no_redirect_reflects_the_host_header(edge_server: LiveServer) -> None:
    """Every route, with and without a trailing slash, under a hostile Host header: nothing
    answers with a Location, let alone one naming that host."""
    app = edge_server.app  # type: ignore[attr-defined]
    # routers included as a whole (FastAPI's included routers) carry no path of their own:
    # the schema names every operation's path
    paths = sorted({getattr(route, "path", None) for route in app.routes} - {None} | set(app.openapi()["paths"]))
    assert len(paths) > 10
    seen = 0
    with httpx.Client(base_url=edge_server.base_url, follow_redirects=False) as http:
        for path in paths:
            concrete = re.sub(r"\{[^}]+\}", "x1", path.replace("{user_id}", "u1").replace("{session_id}", "s1"))
            for variant in (concrete, concrete + "/", concrete + "//", "/" + concrete):
                for method in ("GET", "POST"):
                    r = http.request(method, variant, headers={"Host": "evil.example"})
                    seen += 1
                    location = r.headers.get("location")
                    if location is None:
                        assert r.status_code < 300 or r.status_code >= 400, (method, variant, r.status_code)
                        continue
                    # the customers' pages redirect after a form (post/redirect/get), always to a
                    # path of their own: never absolute, never built from the Host header
                    assert variant.startswith("/online"), (method, variant, r.status_code, r.headers)
                    assert location.startswith("/") and not location.startswith("//"), location
                    assert "evil.example" not in location, location
    assert seen > 80
