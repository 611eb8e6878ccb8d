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
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server_stub import audit, auth, rate_limit, sync
from server_stub.api import schemas as s
from server_stub.storage.db import WalCheckpointer, open_central, session_factory, unit_of_work
from server_stub.storage.models import User
from workbench.core import jsontext
from workbench.core.codes import Role
from workbench.core.phone import InvalidPhoneError

_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")

#: Version of the API and wire format this server speaks.
SCHEMA_VERSION = 1
#: Oldest client schema this server still accepts.
MIN_CLIENT_SCHEMA = 1
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


class ApiError(Exception):
    """An error with an HTTP status and a message safe to show to users."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


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


def _iso(value: Any) -> str:
    return value.isoformat()


def _user_out(user: User) -> s.UserOut:
    return s.UserOut(id=user.id, username=user.username, display_name=user.display_name,
                     role=user.role, team_id=user.team_id, store_id=user.store_id)


def _tokens_out(user: User, t: auth.IssuedTokens) -> s.TokensOut:
    return s.TokensOut(
        access_token=t.access_token, refresh_token=t.refresh_token, expires_at=_iso(t.access_expires),
        refresh_expires_at=_iso(t.refresh_expires), session_id=t.session_id, user=_user_out(user),
    )


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


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


_bearer = HTTPBearer(auto_error=False, description="access token from /api/v1/auth/login")


Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def bearer_token(creds: HTTPAuthorizationCredentials | None) -> str:
    """The access token of the request if it is shaped like one, else 401 (no store access)."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise ApiError(401, "Not logged in.", {"WWW-Authenticate": "Bearer"})
    token = creds.credentials
    if len(token) > 200 or "\x00" in token:
        raise ApiError(401, "Not logged in or the token is invalid.", {"WWW-Authenticate": "Bearer"})
    return token


def caller_in(session: Session, token: str) -> auth.Principal:
    """The principal of ``token`` read through ``session``, or 401."""
    try:
        return auth.authenticate(session, token)
    except auth.AuthFailed as exc:
        raise ApiError(401, str(exc), {"WWW-Authenticate": "Bearer"}) from None


def principal(request: Request, creds: Bearer) -> auth.Principal:
    """The authenticated caller, or 401."""
    token = bearer_token(creds)
    with request.app.state.factory() as session:
        return caller_in(session, token)


Caller = Annotated[auth.Principal, Depends(principal)]


def admin(p: Caller) -> auth.Principal:
    """The caller if an administrator, else 403."""
    if p.role != Role.ADMIN:
        raise ApiError(403, "Only an administrator may do this.")
    return p


Admin = Annotated[auth.Principal, Depends(admin)]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": s.ErrorOut}, 401: {"model": s.ErrorOut}, 403: {"model": s.ErrorOut},
    404: {"model": s.ErrorOut}, 409: {"model": s.ErrorOut}, 413: {"model": s.ErrorOut},
    422: {"model": s.ErrorOut}, 426: {"model": s.ErrorOut}, 429: {"model": s.ErrorOut},
}


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

    # ------------------------------------------------------------------ auth

    @app.post("/api/v1/auth/login", response_model=s.TokensOut, tags=["auth"])
    def login(body: s.LoginIn, request: Request) -> s.TokensOut:
        """Log in; wrong credentials give 401, repeated failures 429 with Retry-After.

        ``client_id`` (the desktop's installation id) lets a device that logged in as this
        user before through while others guessing the account are throttled."""
        try:
            user, tokens = auth.login(factory, body.username, body.password, _client_address(request),
                                      request.headers.get("user-agent", ""), client_id=body.client_id)
        except auth.Throttled as exc:
            audit.login_failed(factory, body.username, _client_address(request), "throttled")
            headers = {"Retry-After": str(exc.retry_after)}
            if exc.until is not None:
                headers["X-Retry-At"] = _iso(exc.until)
            raise ApiError(429, str(exc), headers) from None
        except auth.AuthFailed as exc:
            audit.login_failed(factory, body.username, _client_address(request), str(exc))
            raise ApiError(401, str(exc)) from None
        with unit_of_work(factory) as session:
            audit.record(session, "login", user_id=user.id, address=_client_address(request),
                         session_id=tokens.session_id, detail=body.username)
        return _tokens_out(user, tokens)

    @app.post("/api/v1/auth/refresh", response_model=s.TokensOut, tags=["auth"])
    def refresh(body: s.RefreshIn) -> s.TokensOut:
        """New access and refresh tokens for a valid refresh token (rotates both). A refresh
        token already exchanged revokes its whole session."""
        try:
            user, tokens = auth.refresh(factory, body.refresh_token)
        except auth.AuthFailed as exc:
            raise ApiError(401, str(exc)) from None
        return _tokens_out(user, tokens)

    @app.post("/api/v1/auth/logout", response_model=s.OkOut, tags=["auth"])
    def logout(p: Caller) -> s.OkOut:
        """End this session: its access and refresh tokens stop working."""
        with unit_of_work(factory) as session:
            auth.revoke_session(session, p.session_id)
        return s.OkOut()

    @app.get("/api/v1/auth/me", response_model=s.UserOut, tags=["auth"])
    def me(p: Caller) -> s.UserOut:
        """The logged-in user."""
        with factory() as session:
            user = session.get(User, p.user_id)
            assert user is not None
            return _user_out(user)

    @app.get("/api/v1/admin/users/{user_id}/sessions", response_model=list[s.SessionOut], tags=["admin"])
    def user_sessions(user_id: str, _p: Admin) -> list[s.SessionOut]:
        """A user's sessions, newest first (admin only)."""
        with unit_of_work(factory) as session:
            if session.get(User, user_id) is None:
                raise ApiError(404, f"no user {user_id}")
            audit.record(session, "admin:list_sessions", user_id=_p.user_id, detail=user_id, session_id=_p.session_id)
            return [
                s.SessionOut(id=a.id, user_id=a.user_id, created_at=_iso(a.created_at),
                             access_expires=_iso(a.access_expires), refresh_expires=_iso(a.refresh_expires),
                             revoked=a.revoked, user_agent=a.user_agent)
                for a in auth.list_user_sessions(session, user_id)
            ]

    @app.post("/api/v1/admin/users/{user_id}/sessions/revoke", response_model=s.OkOut, tags=["admin"])
    def revoke_user(user_id: str, _p: Admin) -> s.OkOut:
        """Revoke every session of a user (admin only)."""
        with unit_of_work(factory) as session:
            if session.get(User, user_id) is None:
                raise ApiError(404, f"no user {user_id}")
            count = auth.revoke_user_sessions(session, user_id)
            audit.record(session, "admin:revoke_user", user_id=_p.user_id, rows=count, detail=user_id,
                         session_id=_p.session_id)
            return s.OkOut(count=count)

    @app.post("/api/v1/admin/sessions/{session_id}/revoke", response_model=s.OkOut, tags=["admin"])
    def revoke_one(session_id: str, _p: Admin) -> s.OkOut:
        """Revoke one session (admin only)."""
        with unit_of_work(factory) as session:
            if not auth.revoke_session(session, session_id[:40]):
                raise ApiError(404, f"no session {session_id}")
            audit.record(session, "admin:revoke_session", user_id=_p.user_id, detail=session_id[:40],
                         session_id=_p.session_id)
        return s.OkOut(count=1)

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

    # ------------------------------------------------------------------ lookup, health

    @app.get("/api/v1/customers/lookup", response_model=s.LookupOut, tags=["customers"])
    def lookup(p: Caller, phone: Annotated[str, Query(min_length=1, max_length=40)]) -> s.LookupOut:
        """The customer with this number, if in the caller's scope (404 otherwise); 429 with
        Retry-After beyond ``rate_limit.LOOKUPS_PER_USER``."""
        try:
            with unit_of_work(factory) as session:  # its own short transaction: the lock is brief
                rate_limit.take(session, f"lookup:{p.user_id}", rate_limit.LOOKUPS_PER_USER)
            with unit_of_work(factory) as session:
                found = sync.lookup(session, p, phone)
        except rate_limit.RateLimited as exc:
            raise ApiError(429, str(exc), {"Retry-After": str(exc.retry_after)}) from None
        except InvalidPhoneError as exc:
            raise ApiError(400, str(exc)) from None
        if found is None:
            raise ApiError(404, "No customer with this number in your scope.")
        return s.LookupOut(**found)

    @app.get("/api/v1/health", response_model=s.HealthOut, tags=["health"])
    def health() -> s.HealthOut:
        """Liveness and readiness: answers only if the store answers."""
        from server_stub.changes import current_cursor

        with factory() as session:
            cursor = current_cursor(session)
        return s.HealthOut(status="ok", schema_version=SCHEMA_VERSION,
                           min_client_schema=MIN_CLIENT_SCHEMA, cursor=cursor)

    from server_stub import cti

    cti.register(app, factory, settings, ApiError)
    from server_stub.sms.routes import router as sms_router; app.include_router(sms_router)  # noqa: E702, I001
    from server_stub.sms.pump import start_pump; start_pump(app)  # noqa: E702, I001
    from server_stub.online.routes import router as online_router; app.include_router(online_router)  # noqa: E702, I001
    from server_stub.lifecycle.routes import lifecycle_router

    app.include_router(lifecycle_router(factory, principal, ApiError))  # issue 17: pool, moves, settings
    from server_stub import grants

    app.include_router(grants.router(factory, principal, ApiError))
    from server_stub import privacy

    app.include_router(privacy.router(factory, principal, admin, ApiError))

    @app.post("/api/v1/admin/policies/publish", response_model=s.PublishOut, responses=ERRORS, tags=["admin"])
    def publish_policies(body: s.PublishIn, _p: Admin) -> s.PublishOut:
        """Publish policies, scripts and pressure limits (YAML, as the studio exports it):
        validated as a whole (nothing applied if any item is wrong), versions bumped,
        sent to every desktop through the change log."""
        from server_stub.policy_admin import apply_bundle
        from workbench.core.policies import PolicyYamlError, load_yaml

        try:
            report = apply_bundle(app.state.engine, load_yaml(body.yaml))
        except PolicyYamlError as exc:  # nothing applied
            raise ApiError(422, str(exc)) from None
        with unit_of_work(factory) as session:
            audit.record(session, "admin:publish_policies", user_id=_p.user_id, session_id=_p.session_id,
                         rows=sum(len(v) for v in (*report.created.values(), *report.updated.values())),
                         detail=f"created {report.created}, updated {report.updated}"[:2000])
        return s.PublishOut(created=report.created, updated=report.updated, unchanged=report.unchanged)

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
