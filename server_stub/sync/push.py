"""Push: a batch of mutations applied exactly once, in one transaction, in server order (the
counter lock, see docs/sync-protocol.md)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from server_stub.auth import Principal
from server_stub.bulk import RawWriter
from server_stub.changes import Change, append, current_cursor
from server_stub.storage.db import unit_of_work
from server_stub.storage.fast_insert import bind_processor, insert_rows
from server_stub.storage.models import AppliedMutation, ContactEvent, CursorCounter, SyncClient
from server_stub.sync.batch import _Batch, _run_among
from server_stub.sync.errors import Duplicate, Mutation, PushForbidden, Rejected
from server_stub.sync.handlers import HANDLERS
from server_stub.sync.wire import _encodable
from workbench.core import jsontext
from workbench.core.dbutil import json_loads

#: one logger for the whole sync package (operators and tests filter on its name)
log = logging.getLogger("server_stub.sync")


MAX_BATCH = 2000


_COUNTER = CursorCounter.__table__


_LOCK = update(_COUNTER).where(_COUNTER.c.id == 1).values(value=_COUNTER.c.value)


_CLIENT_OWNER = select(SyncClient.user_id).where(SyncClient.client_id == bindparam("client"))


def lock_log(session: Session) -> None:
    """Take the change-log counter lock now (serialises writers until commit)."""
    result = session.connection().execute(_LOCK)
    if not result.rowcount:  # type: ignore[attr-defined]
        session.add(CursorCounter(id=1, value=0))
        session.flush()


class _Earlier(NamedTuple):
    """A mutation id seen before: whose it is and what it answered."""

    user_id: str
    result: dict[str, Any]


def _earlier_result(mutation_id: str, text: str | None) -> dict[str, Any]:
    """The stored result of an earlier mutation; one that cannot be read (damaged in the
    store) is logged and answered as "applied before, result unknown" -- the mutation is
    still never applied twice."""
    try:
        result = None if text is None else json_loads(text)
    except (ValueError, RecursionError):
        result = None
    if isinstance(result, dict) and isinstance(result.get("status"), str) and _encodable(result):
        return result
    log.error("the stored result of mutation %s cannot be read; answered as seen before", mutation_id)
    return {"status": "unknown"}


def _push_tx(
    session: Session, p: Principal, client_id: str, mutations: Sequence[Mutation], careful: bool
) -> tuple[list[dict[str, Any]], int]:
    # A batch of new contact events only (the usual push: outcomes) checks nothing that a
    # parallel push could change: it takes the counter lock just before the log is appended,
    # so pushes wait for each other for a few statements instead of the whole batch; a clash
    # (the same ids twice) fails on a primary key and is retried in careful mode, locked first.
    late_lock = not careful and all(m.entity == "contact_event" and m.op == "create" for m in mutations)
    if not late_lock:
        lock_log(session)
    conn = session.connection()
    owner = conn.execute(_CLIENT_OWNER, {"client": client_id}).scalar()
    if owner is None:
        session.add(SyncClient(client_id=client_id, user_id=p.user_id))
    elif owner != p.user_id:
        raise PushForbidden("this client id is registered to another user")
    earlier: dict[str, _Earlier] = {}
    if mutations:
        for mid, uid, result in _run_among(session, "earlier", (m.mutation_id for m in mutations)):
            earlier[mid] = _Earlier(uid, _earlier_result(mid, result))
    if any(row.user_id != p.user_id for row in earlier.values()):
        raise PushForbidden("a mutation id in this batch belongs to another user")

    batch = _Batch(session, p, deferred=None if careful else [])
    batch.prefetch([m for m in mutations if m.mutation_id not in earlier])
    results: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []
    changes: list[Change] = []
    ends: list[int | None] = []  # per result: index (exclusive) of its last change
    seen: dict[str, dict[str, Any]] = {}
    for m in mutations:
        prior = earlier[m.mutation_id].result if m.mutation_id in earlier else seen.get(m.mutation_id)
        if prior is not None:
            dup = {**prior, "mutation_id": m.mutation_id, "status": "duplicate",
                   "original_status": prior.get("original_status", prior.get("status"))}
            results.append(dup)
            ends.append(None)
            continue
        handler = HANDLERS.get((m.entity, m.op))
        result: dict[str, Any] = {"mutation_id": m.mutation_id}
        try:
            if handler is None:
                raise Rejected(f"unknown entity/op: {m.entity}/{m.op}")
            if careful:
                with session.begin_nested():
                    produced = handler(batch, m.data)
            else:
                produced = handler(batch, m.data)
            changes.extend(produced)
            result["status"] = "applied"
            ends.append(len(changes) if produced else None)
        except Rejected as exc:
            result["status"] = "rejected"
            result["reason"] = str(exc)
            if isinstance(exc, Duplicate):
                result["existing_customer_id"] = exc.customer_id
            ends.append(None)
        except DBAPIError as exc:
            if not careful:
                raise
            result["status"] = "rejected"
            result["reason"] = f"could not be stored: {type(exc.orig).__name__}"
            ends.append(None)
        results.append(result)
        seen[m.mutation_id] = result
        stored.append(result)

    session.flush()
    writer = RawWriter(session)
    if batch.deferred:
        table = ContactEvent.__table__
        writer.insert(table, [c.key for c in table.columns], batch.deferred)
    if changes and writer.dialect.name == "postgresql":
        last = _append_and_store_pg(writer.conn, changes, stored, ends, results, client_id, p.user_id, batch.now)
        if last is not None:
            return results, last
    if late_lock and not changes:
        lock_log(session)
    # (with changes, the allocation itself takes the counter lock: one statement fewer while
    # it is held, which on PostgreSQL is a round trip every other push waits for)
    last = append(session, changes) if changes else current_cursor(session)
    first = last - len(changes) + 1
    for res, end in zip(results, ends, strict=True):
        if end is not None:
            res["cursor"] = first + end - 1
    if stored:
        table = AppliedMutation.__table__
        to_json = bind_processor(table.c.result.type, writer.dialect)
        to_stamp = bind_processor(table.c.created_at.type, writer.dialect)
        stamp = to_stamp(batch.now) if to_stamp else batch.now
        insert_rows(writer.conn, table.name, ("mutation_id", "client_id", "user_id", "result", "created_at"), [
            (r["mutation_id"], client_id, p.user_id, to_json(result) if to_json else result, stamp)
            for r in stored
            for result in ({k: v for k, v in r.items() if k != "mutation_id"},)
        ])
    return results, last


#: PostgreSQL: take the cursors, append the changes and store the results in one statement.
#: The counter lock is held from this statement to the commit, and every other push waits for
#: it: one round trip (and one wake-up of a busy worker) instead of three before the commit.
_APPEND_AND_STORE_PG = """
WITH c AS (
    UPDATE cursor_counter SET value = value + %(n)s WHERE id = 1 RETURNING value - %(n)s AS base
), l AS (
    INSERT INTO change_log (cursor, entity, entity_id, op, data, team_id, store_id, target_user_id, created_at)
    SELECT c.base + t.i, t.entity, t.entity_id, t.op, t.data, t.team_id, t.store_id, t.target_user_id, %(now)s
    FROM c, json_to_recordset(%(changes)s::json) AS t(i bigint, entity text, entity_id text, op text, data json,
                                                       team_id text, store_id text, target_user_id text)
), a AS (
    INSERT INTO applied_mutations (mutation_id, client_id, user_id, result, created_at)
    SELECT r.mutation_id, %(client)s, %(user)s,
           CASE WHEN r.off IS NULL THEN r.result
                ELSE (r.result::jsonb || jsonb_build_object('cursor', c.base + r.off))::json END,
           %(now)s
    FROM c, json_to_recordset(%(results)s::json) AS r(mutation_id text, result json, off bigint)
)
SELECT base FROM c
"""


def _append_and_store_pg(conn: Any, changes: Sequence[Change], stored: Sequence[dict[str, Any]],
                         ends: Sequence[int | None], results: Sequence[dict[str, Any]], client_id: str,
                         user_id: str, now: Any) -> int | None:
    """Append ``changes`` and store the results of ``stored`` in one statement (PostgreSQL);
    sets each applied result's cursor and returns the last cursor. None if the counter row
    does not exist yet (nothing written: the caller takes the ordinary path, which makes it)."""
    offsets = {id(res): end for res, end in zip(results, ends, strict=True)}
    stamp_proc = bind_processor(AppliedMutation.__table__.c.created_at.type, conn.dialect)
    params = {
        "n": len(changes),
        "now": stamp_proc(now) if stamp_proc else now,
        "changes": jsontext.dumps([
            {"i": i + 1, "entity": c.entity, "entity_id": c.entity_id, "op": c.op, "data": c.data,
             "team_id": c.team_id, "store_id": c.store_id, "target_user_id": c.target_user_id}
            for i, c in enumerate(changes)], non_finite="null"),
        "results": jsontext.dumps([
            {"mutation_id": r["mutation_id"], "result": {k: v for k, v in r.items() if k != "mutation_id"},
             "off": offsets.get(id(r))} for r in stored], non_finite="null"),
        "client": client_id,
        "user": user_id,
    }
    base = conn.exec_driver_sql(_APPEND_AND_STORE_PG, params).scalar()
    if base is None:
        return None
    for res, end in zip(results, ends, strict=True):
        if end is not None:
            res["cursor"] = int(base) + end
    return int(base) + len(changes)


def push(
    factory: sessionmaker[Session], p: Principal, client_id: str, mutations: Sequence[Mutation]
) -> tuple[list[dict[str, Any]], int]:
    """Apply a batch; returns the result per mutation (in order) and the cursor after it.

    Raises:
        PushForbidden: another user's client id or mutation ids.
    """
    careful = False
    for attempt in range(6):
        try:
            with unit_of_work(factory) as session:
                return _push_tx(session, p, client_id, mutations, careful)
        except (IntegrityError, OperationalError) as exc:
            # first-ever counter row or client id raced, a deadlock, or a row that breaks a
            # constraint: retry, isolating each mutation in a savepoint from the second try
            careful = True
            if attempt == 5:
                raise exc
        except DBAPIError:
            if careful:
                raise
            careful = True
    raise AssertionError("unreachable")
