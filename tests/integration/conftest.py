"""Integration fixtures: a real uvicorn server on loopback over a fresh central store.

``live_server(central_url)`` yields the base URL of a server running in a thread of the test
process (once on SQLite, once on PostgreSQL through ``central_url``). ``api_for`` logs a
:class:`ServerApi` in as a user of the world built by ``factories.make_world``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from server_stub.api import Settings, create_app
from tests.integration import factories
from workbench.local_store.db import open_local, session_factory
from workbench.services.server_api import ServerApi
from workbench.services.sync_engine import SyncEngine

CTI_SECRET = "test-cti-secret"


class LiveServer:
    """uvicorn serving ``create_app(url)`` on a free loopback port, in a daemon thread."""

    def __init__(self, url: str, settings: Settings | None = None) -> None:
        self.db_url = url
        app = create_app(url, settings=settings or Settings(cti_secret=CTI_SECRET, poll_interval_s=0.05),
                         migrate=False)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1,
                                proxy_headers=False)  # as `serve` without --forwarded-allow-ips
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.app = app

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.app.state.engine.dispose()
        self.sock.close()


@pytest.fixture
def live_server(central_url: str) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of a real server on a fresh central store."""
    server = LiveServer(central_url).start()
    try:
        yield server.base_url
    finally:
        server.stop()


@pytest.fixture
def world(central_url: str) -> factories.World:
    """The standard cast of teams, stores, users, customers, policies and tasks."""
    return factories.make_world(central_url)


@pytest.fixture
def api_for(live_server: str) -> Iterator[Callable[[str], ServerApi]]:
    """``api_for(username)``: a logged-in :class:`ServerApi` for a user of the world."""
    clients: list[httpx.Client] = []

    def make(username: str, password: str = factories.PASSWORD) -> ServerApi:
        http = httpx.Client(base_url=live_server)
        clients.append(http)
        api = ServerApi(http)
        if username:
            api.login(username, password)
        return api

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def desktop(api_for: Callable[[str], ServerApi], tmp_path: Path) -> Callable[..., Desktop]:
    """``desktop(username)``: a local store plus a logged-in sync engine for that user."""
    counter = iter(range(1000))

    def make(username: str, name: str | None = None) -> Desktop:
        path = tmp_path / f"{name or username}-{next(counter)}.db"
        engine = open_local(path)
        factory = session_factory(engine)
        api = api_for(username)
        sync = SyncEngine(factory, api, SyncEngine.client_id_for(factory))
        return Desktop(username, path, factory, api, sync)

    return make


class Desktop:
    """One simulated desktop: its local store, API client and sync engine."""

    def __init__(self, username: str, path: Path, factory: object, api: ServerApi, sync: SyncEngine) -> None:
        self.username = username
        self.path = path
        self.factory = factory
        self.api = api
        self.sync = sync


class _PatientBot:
    """pytest-qt's ``qtbot`` with waits of 30 s instead of 5 s by default: these tests wait on
    real servers, databases and subprocesses, on a shared 2-core box (a wait ends as soon as
    its condition holds, so a longer limit costs nothing when things are quick)."""

    WAIT_MS = 30_000

    def __init__(self, bot: Any) -> None:
        self._bot = bot

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)

    def waitSignal(self, signal: Any, *, timeout: int = WAIT_MS, **kw: Any) -> Any:
        return self._bot.waitSignal(signal, timeout=timeout, **kw)

    def waitSignals(self, signals: Any, *, timeout: int = WAIT_MS, **kw: Any) -> Any:
        return self._bot.waitSignals(signals, timeout=timeout, **kw)

    def waitUntil(self, callback: Any, *, timeout: int = WAIT_MS) -> Any:
        return self._bot.waitUntil(callback, timeout=timeout)

    def waitCallback(self, *, timeout: int = WAIT_MS, **kw: Any) -> Any:
        return self._bot.waitCallback(timeout=timeout, **kw)


@pytest.fixture
def qtbot(qtbot: Any) -> Any:
    return _PatientBot(qtbot)
