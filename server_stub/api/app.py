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
from typing import Annotated, Any, TypeVar

from anyio import to_thread
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server_stub import audit, auth, sync
from server_stub.api import schemas as s
from server_stub.api.deps import (
    ERRORS,
    ApiError,
    Bearer,
    admin,
    bearer_token,
    caller_in,
    principal,
)
from server_stub.api.versions import MIN_CLIENT_SCHEMA, SCHEMA_VERSION
from server_stub.storage.db import WalCheckpointer, open_central, session_factory
from workbench.core import jsontext

_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")

#: Set when this process is asked to stop: long-polls answer at once instead of being cut.
SHUTTING_DOWN = threading.Event()


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


def _body_of(model: str) -> dict[str, Any]:
    """OpenAPI of a JSON request body that the endpoint reads itself (see :func:`_parse_body`);
    :func:`_with_manual_bodies` adds the model's schema to the components."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model}"}}}}}


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


def _parse_body(model: type[_M], raw: bytes) -> _M:
    """``raw`` JSON as ``model``; a 422 with the same message as FastAPI's own bodies."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def _json_response(content: Any) -> Response:
    """``content`` (plain dicts and lists) as a JSON response, encoded by pydantic-core."""
    return Response(jsontext.dumpb(content, non_finite="null"), media_type="application/json")


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

    # ------------------------------------------------------------------ sync

    @app.post("/api/v1/sync/push", response_model=s.PushOut, response_model_exclude_none=True, tags=["sync"],
              openapi_extra=_body_of("PushIn"))
    async def push(request: Request, creds: Bearer) -> s.PushOut:
        """Apply a batch of mutations, each exactly once (replays answer ``duplicate``).

        The body is a ``PushIn``: parsed and checked in one pass by pydantic-core straight from
        the bytes (a batch is up to 2000 mutations; FastAPI's own path decodes the JSON in
        Python first, then validates the objects: twice the time)."""
        token = bearer_token(creds)
        raw = await request.body()

        def check() -> tuple[auth.Principal, s.PushIn]:
            # the caller and the body in one trip to the thread pool (each trip and each
            # dependency costs a request under load more than its own work)
            with factory() as session:
                p = caller_in(session, token)
            return p, _parse_body(s.PushIn, raw)

        p, body = await run_in_threadpool(check)
        muts = [sync.Mutation(m.mutation_id, m.entity, m.op, m.data) for m in body.mutations]
        try:
            results, cursor = await writers.run(sync.push, factory, p, body.client_id, muts)
        except sync.PushForbidden as exc:
            raise ApiError(403, str(exc)) from None
        # plain dicts straight to JSON: the batch can hold 1000 results (the model documents them)
        checkpointer.kick()
        return _json_response({"results": results, "cursor": cursor})  # type: ignore[return-value]

    @app.get("/api/v1/sync/pull", response_model=s.PullOut, tags=["sync"])
    async def pull(
        creds: Bearer,
        cursor: Annotated[int, Query(ge=0, le=2**62, description="last cursor the client has")] = 0,
        limit: Annotated[int, Query(ge=1, le=sync.MAX_PULL_LIMIT)] = 500,
        wait: Annotated[float, Query(ge=0, le=600, description="long-poll up to this many seconds")] = 0,
    ) -> s.PullOut:
        """Changes after ``cursor`` visible to the caller; with ``wait``, long-poll for the first."""
        deadline = time.monotonic() + min(wait, settings.max_wait_s)
        p, page = await run_in_threadpool(_first_pull_page, factory, bearer_token(creds), cursor, limit)
        while not page.changes and not SHUTTING_DOWN.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            # nothing visible yet: wait until the log grows past what we have seen (the
            # watcher re-reads the store's counter, so writes through other processes count)
            if await watcher.wait_beyond(page.next_cursor, remaining):
                page = await run_in_threadpool(_pull_page, factory, p, page.next_cursor, limit)
        # plain dicts straight to JSON (the model documents them); a stored row that cannot
        # be encoded is left out and logged, never a 500 for the whole page
        return Response(sync.page_json(page), media_type="application/json")  # type: ignore[return-value]

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


def _first_pull_page(factory: sessionmaker[Session], token: str, cursor: int,
                     limit: int) -> tuple[auth.Principal, sync.PullPage]:
    """The caller of ``token`` and their page, through one session (one trip to the pool)."""
    with factory() as session:
        p = caller_in(session, token)
        try:
            page = sync.pull(session, p, cursor, limit, as_json=True)
        except sync.BadCursor as exc:
            raise ApiError(exc.status, str(exc)) from None
    audit.record_pull(factory, p, page.changes)
    return p, page


def _pull_page(factory: sessionmaker[Session], p: auth.Principal, cursor: int, limit: int) -> sync.PullPage:
    with factory() as session:
        try:
            page = sync.pull(session, p, cursor, limit, as_json=True)
        except sync.BadCursor as exc:
            raise ApiError(exc.status, str(exc)) from None
    audit.record_pull(factory, p, page.changes)
    return page


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
