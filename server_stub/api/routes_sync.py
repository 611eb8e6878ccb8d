"""Sync: ``POST /api/v1/sync/push`` (a batch of mutations, each applied exactly once) and
``GET /api/v1/sync/pull`` (the changes after a cursor, long-polled). The app's writer lane,
counter watcher and WAL checkpointer live on ``app.state`` (made by ``create_app``).

These two endpoints take no dependencies on purpose: the caller and the body are read in one
trip to the thread pool (each trip and each dependency costs a request under load more than its
own work; see docs/benchmarks.md)."""

from __future__ import annotations

import time
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from server_stub import audit, auth, sync
from server_stub.api import schemas as s
from server_stub.api.deps import SHUTTING_DOWN, ApiError, Bearer, bearer_token, caller_in
from workbench.core import jsontext

_M = TypeVar("_M", bound=BaseModel)

router = APIRouter()


def body_of(model: str) -> dict[str, Any]:
    """OpenAPI of a JSON request body that the endpoint reads itself (see :func:`parse_body`);
    :func:`_with_manual_bodies` adds the model's schema to the components."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model}"}}}}}


def parse_body(model: type[_M], raw: bytes) -> _M:
    """``raw`` JSON as ``model``; a 422 with the same message as FastAPI's own bodies."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def _json_response(content: Any) -> Response:
    """``content`` (plain dicts and lists) as a JSON response, encoded by pydantic-core."""
    return Response(jsontext.dumpb(content, non_finite="null"), media_type="application/json")


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


@router.post("/api/v1/sync/push", response_model=s.PushOut, response_model_exclude_none=True, tags=["sync"],
          openapi_extra=body_of("PushIn"))
async def push(request: Request, creds: Bearer) -> s.PushOut:
    """Apply a batch of mutations, each exactly once (replays answer ``duplicate``).

    The body is a ``PushIn``: parsed and checked in one pass by pydantic-core straight from
    the bytes (a batch is up to 2000 mutations; FastAPI's own path decodes the JSON in
    Python first, then validates the objects: twice the time)."""
    token = bearer_token(creds)
    raw = await request.body()
    state = request.app.state
    factory: sessionmaker[Session] = state.factory

    def check() -> tuple[auth.Principal, s.PushIn]:
        # the caller and the body in one trip to the thread pool (each trip and each
        # dependency costs a request under load more than its own work)
        with factory() as session:
            p = caller_in(session, token)
        return p, parse_body(s.PushIn, raw)

    p, body = await run_in_threadpool(check)
    muts = [sync.Mutation(m.mutation_id, m.entity, m.op, m.data) for m in body.mutations]
    try:
        results, cursor = await state.writers.run(sync.push, factory, p, body.client_id, muts)
    except sync.PushForbidden as exc:
        raise ApiError(403, str(exc)) from None
    # plain dicts straight to JSON: the batch can hold 1000 results (the model documents them)
    state.checkpointer.kick()
    return _json_response({"results": results, "cursor": cursor})  # type: ignore[return-value]

@router.get("/api/v1/sync/pull", response_model=s.PullOut, tags=["sync"])
async def pull(
    request: Request,
    creds: Bearer,
    cursor: Annotated[int, Query(ge=0, le=2**62, description="last cursor the client has")] = 0,
    limit: Annotated[int, Query(ge=1, le=sync.MAX_PULL_LIMIT)] = 500,
    wait: Annotated[float, Query(ge=0, le=600, description="long-poll up to this many seconds")] = 0,
) -> s.PullOut:
    """Changes after ``cursor`` visible to the caller; with ``wait``, long-poll for the first."""
    state = request.app.state
    factory: sessionmaker[Session] = state.factory
    deadline = time.monotonic() + min(wait, state.settings.max_wait_s)
    p, page = await run_in_threadpool(_first_pull_page, factory, bearer_token(creds), cursor, limit)
    while not page.changes and not SHUTTING_DOWN.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        # nothing visible yet: wait until the log grows past what we have seen (the
        # watcher re-reads the store's counter, so writes through other processes count)
        if await state.watcher.wait_beyond(page.next_cursor, remaining):
            page = await run_in_threadpool(_pull_page, factory, p, page.next_cursor, limit)
    # plain dicts straight to JSON (the model documents them); a stored row that cannot
    # be encoded is left out and logged, never a 500 for the whole page
    return Response(sync.page_json(page), media_type="application/json")  # type: ignore[return-value]
