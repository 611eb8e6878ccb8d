"""The FastAPI application of the central server.

Stateless by design: every request opens its own database session, tokens and login
failures live in the store, and long-poll re-queries the store, so any number of processes
can serve the same database behind a load balancer.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server_stub.api import schemas as s
from server_stub.api.deps import (
    ERRORS,
    SHUTTING_DOWN,
    ApiError,
    admin,
    principal,
)
from server_stub.api.versions import MIN_CLIENT_SCHEMA, SCHEMA_VERSION
from server_stub.storage.db import WalCheckpointer, open_central, session_factory

_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")



@dataclass(frozen=True)
class Settings:
    """Tunables of one server (all processes behind a balancer should share them)."""

    max_body_bytes: int = 5 * 1024 * 1024
    max_wait_s: float = 30.0
    poll_interval_s: float = 0.15
    cti_secret: str | None = None
    #: threads for blocking work (each holds at most one pooled connection, so keep it under the
    #: pool's 15; more threads only queue on the pool and the GIL instead of the event loop)
    threads: int = 12
    #: serve ``/docs``, ``/redoc`` and ``/openapi.json`` (off in production: ``serve --enable-docs``)
    enable_docs: bool = False




class _EdgeMiddleware:
    """Schema header on every response, too-old clients refused, body size capped.

    Pure ASGI (no BaseHTTPMiddleware) so long-poll responses are not buffered.
    """

    def __init__(self, app: ASGIApp, max_body: int, threads: int = 12) -> None:
        self.app = app
        self.max_body = max_body
        self.threads = threads
        self._sized = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self._sized:  # the thread limiter belongs to the running event loop
            to_thread.current_default_thread_limiter().total_tokens = self.threads
            self._sized = True

        async def send_with_schema(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-workbench-schema", str(SCHEMA_VERSION).encode()))
                message["headers"] = headers
            await send(message)

        headers = dict(scope.get("headers") or [])
        client_schema = headers.get(b"x-workbench-client-schema")
        if client_schema is not None:
            try:
                version = int(client_schema.decode("latin-1").strip())
            except ValueError:
                await _plain(send_with_schema, 400, "X-Workbench-Client-Schema must be a whole number")
                return
            if version < MIN_CLIENT_SCHEMA:
                await _plain(
                    send_with_schema,
                    426,
                    f"This workbench is too old for the server (client schema {version}, server needs "
                    f"at least {MIN_CLIENT_SCHEMA}). Please update the workbench.",
                )
                return
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _plain(send_with_schema, 400, "bad Content-Length")
                return
            if declared > self.max_body:
                await _plain(send_with_schema, 413, f"request body larger than {self.max_body} bytes")
                return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            chunks: list[bytes] = []
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body = message.get("body", b"")
                size += len(body)
                if size > self.max_body:
                    await _plain(send_with_schema, 413, f"request body larger than {self.max_body} bytes")
                    return
                chunks.append(body)
                more = message.get("more_body", False)
            buffered = b"".join(chunks)
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": buffered, "more_body": False}
                return await receive()

            await self.app(scope, replay, send_with_schema)
            return
        await self.app(scope, receive, send_with_schema)


async def _plain(send: Send, status: int, message: str) -> None:
    body = json.dumps({"detail": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


_MANUAL_BODIES: tuple[type[BaseModel], ...] = (s.PushIn,)


def _with_manual_bodies(app: FastAPI) -> None:
    """Put the schemas of bodies read by hand into the OpenAPI document, as FastAPI does for
    the bodies it reads."""
    default = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = default()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in _MANUAL_BODIES:
                own = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, sub in own.pop("$defs", {}).items():
                    components.setdefault(name, sub)
                components[model.__name__] = own
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def create_app(
    db_url: str | None = None,
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
    migrate: bool = True,
) -> FastAPI:
    """Build the API on the central store at ``db_url`` (migrated unless ``migrate=False``)."""
    settings = settings or Settings(cti_secret=os.environ.get("WORKBENCH_CTI_SECRET") or None,
                                    enable_docs=os.environ.get("WORKBENCH_ENABLE_DOCS") == "1")
    engine = engine or open_central(db_url, migrate=migrate)
    factory: sessionmaker[Session] = session_factory(engine)
    app = FastAPI(
        title="Agent Workbench central server",
        version=str(SCHEMA_VERSION),
        description="Login, sync (push / pull / long-poll), customer lookup and call events.",
        responses=ERRORS,
        # no /docs or /openapi.json unless asked for (the schema is still app.openapi())
        docs_url="/docs" if settings.enable_docs else None,
        redoc_url="/redoc" if settings.enable_docs else None,
        openapi_url="/openapi.json" if settings.enable_docs else None,
        # a trailing-slash redirect is an absolute URL built from the Host header: none
        redirect_slashes=False,
    )
    app.state.engine = engine
    app.state.factory = factory
    app.state.settings = settings
    app.add_middleware(_EdgeMiddleware, max_body=settings.max_body_bytes, threads=settings.threads)
    _with_manual_bodies(app)
    # SQLite has one writer at a time, and a writer that finds the file locked sleeps and
    # retries (1, 2, 5 ... 100 ms): the pushes of this process queue on a lock instead
    writers = _WriterLane(engine.dialect.name == "sqlite")
    app.state.writers = writers  # the SMS gateway's callbacks queue on it too
    watcher = _CounterWatch(factory, settings.poll_interval_s)
    app.state.watcher = watcher
    checkpointer = WalCheckpointer(engine)
    app.state.checkpointer = checkpointer

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_message(exc)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, _exc: DataError) -> JSONResponse:
        return JSONResponse({"detail": "the request holds values the store cannot accept"}, status_code=400)

    @app.exception_handler(OperationalError)
    async def _store_busy(_request: Request, _exc: OperationalError) -> JSONResponse:
        # the store is unreachable or too busy right now: the client retries later
        return JSONResponse({"detail": "The central store is busy or unavailable; try again shortly."},
                            status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(StatementError)
    async def _statement_error(_request: Request, exc: StatementError) -> JSONResponse:
        if isinstance(exc.orig, ValueError | TypeError):
            return JSONResponse({"detail": f"invalid value: {exc.orig}"}, status_code=400)
        raise exc

    from server_stub.api import routes_admin, routes_auth, routes_customers

    app.include_router(routes_auth.router, tags=["auth"])
    app.include_router(routes_admin.router, tags=["admin"])
    app.include_router(routes_customers.router)
    from server_stub import throttle_admin

    throttle_admin.register(app, factory, admin, ApiError)

    from server_stub.api import routes_sync

    app.include_router(routes_sync.router, tags=["sync"])
    from server_stub import cti

    cti.register(app, factory, settings, ApiError)
    from server_stub.sms.routes import router as sms_router; app.include_router(sms_router)  # noqa: E702, I001
    from server_stub.sms.pump import start_pump; start_pump(app)  # noqa: E702, I001
    from server_stub.online.routes import router as online_router; app.include_router(online_router)  # noqa: E702, I001
    from server_stub.lifecycle.routes import lifecycle_router

    app.include_router(lifecycle_router(factory, principal, ApiError))  # issue 17: pool, moves, settings
    from server_stub.lifecycle.agent_admin import agent_admin_router

    app.include_router(agent_admin_router(factory, principal, ApiError))  # issue 17: skills, capacity, rules
    from server_stub import grants

    app.include_router(grants.router(factory, principal, ApiError))
    from server_stub import privacy

    app.include_router(privacy.router(factory, principal, admin, ApiError))

    return app


class _WriterLane:
    """Where pushes run: in the shared thread pool, and on SQLite one at a time behind a lock
    (a thread waiting on it wakes the moment the push before commits; one waiting on SQLite's
    file lock sleeps and retries after 1, 2, 5 ... 100 ms). PostgreSQL queues writers on the
    counter's row lock without polling, so it needs no lock here.

    (Measured alternative: a lane of one thread for SQLite pushes, queued in the event loop.
    Pulls then got p95 180-290 ms but pushes queued behind each other: p95 1.1-2.0 s.)"""

    def __init__(self, serial: bool) -> None:
        self._lock = threading.Lock() if serial else None

    def _locked(self, func: Callable[..., _T], *args: Any) -> _T:
        assert self._lock is not None
        with self._lock:
            return func(*args)

    async def run(self, func: Callable[..., _T], *args: Any) -> _T:
        if self._lock is None:
            return await run_in_threadpool(func, *args)
        return await run_in_threadpool(self._locked, func, *args)


class _CounterWatch:
    """One poller per process: re-reads the change-log counter every ``interval`` seconds
    while someone long-polls, and wakes the waiters when it grows.

    Many long-polls thus cost one tiny query per interval instead of one query each, and
    a change committed through any server process is noticed within an interval.
    """

    def __init__(self, factory: sessionmaker[Session], interval: float) -> None:
        self.factory = factory
        self.interval = interval
        self.value = -1
        self.waiters = 0
        self._changed: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def _read(self) -> int:
        from server_stub.changes import current_cursor

        with self.factory() as session:
            return current_cursor(session)

    async def _run(self) -> None:
        try:
            while self.waiters > 0:
                value = await run_in_threadpool(self._read)
                if value != self.value:
                    self.value = value
                    assert self._changed is not None
                    self._changed.set()
                    self._changed = asyncio.Event()
                await asyncio.sleep(self.interval)
        finally:
            self._task = None

    async def wait_beyond(self, cursor: int, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the counter to exceed ``cursor``."""
        if self._changed is None:
            self._changed = asyncio.Event()
        self.waiters += 1
        try:
            if self._task is None:
                self.value = -1  # unknown until the poller has read it
            deadline = time.monotonic() + timeout
            while not (self.value > cursor) and not SHUTTING_DOWN.is_set():
                if self._task is None:  # (re)start the poller; it stops when nobody waits
                    self._task = asyncio.ensure_future(self._run())
                remaining = min(deadline - time.monotonic(), self.interval * 2)
                if deadline - time.monotonic() <= 0:
                    return False
                event = self._changed
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except TimeoutError:
                    pass
            return self.value > cursor
        finally:
            self.waiters -= 1


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and worker processes: the DB from the environment.

    Workers do not migrate: ``serve`` migrates once before it starts them.
    """
    from server_stub.storage.db import default_db_url

    _chain_exit_signals()
    return create_app(default_db_url(), migrate=False)


def _chain_exit_signals() -> None:
    """Make SIGTERM / SIGINT also release pending long-polls (uvicorn's own handler still runs).

    Called while uvicorn loads the app, after it installed its handlers, in the main thread.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if not callable(previous):
            continue

        def handler(signum: int, frame: Any, _previous: Any = previous) -> None:
            SHUTTING_DOWN.set()
            _previous(signum, frame)

        signal.signal(sig, handler)
