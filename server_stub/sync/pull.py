"""Pull: the change-log rows after a cursor that the caller may see, as a page (spliced from the
stored JSON text when it checks out), never skipping a committed change."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pydantic_core
from sqlalchemy import Text, bindparam, cast, select
from sqlalchemy.orm import Session

from server_stub.auth import Principal
from server_stub.changes import current_cursor
from server_stub.privacy import desk_view
from server_stub.storage.models import ChangeLog
from server_stub.sync.errors import BadCursor
from server_stub.sync.scope import _scope_condition, _scope_kind, _scope_params
from server_stub.sync.wire import _encodable, _entity_id, _strict_json
from workbench.core import jsontext, limits

#: one logger for the whole sync package (operators and tests filter on its name)
log = logging.getLogger("server_stub.sync")


_DESK_VIEWED = frozenset({"customer", "call_event"})


MAX_PULL_LIMIT = 5000


@dataclass(frozen=True)
class PullPage:
    """Changes after a cursor, visible to the caller."""

    changes: list[dict[str, Any]]
    next_cursor: int
    has_more: bool
    #: the response body, when made straight from the stored JSON text (``pull(as_json=True)``);
    #: ``changes`` then hold cursor, entity and op only
    body: bytes | None = None


@functools.cache
def _pull_select(kind: str, text: bool = False) -> Any:
    """The pull query of one kind of caller, built once: a statement built per request cost
    more CPU (construction and its cache key) than SQLite's run of it. Parameters ``after``,
    ``top``, ``limit`` and those of :func:`_scope_params`. With ``text`` the data comes as the
    stored JSON text, undecoded."""
    data = cast(ChangeLog.data, Text) if text else ChangeLog.data
    return (select(ChangeLog.cursor, ChangeLog.entity, ChangeLog.op, data)
            .where(ChangeLog.cursor > bindparam("after"), ChangeLog.cursor <= bindparam("top"),
                   _scope_condition(kind))
            .order_by(ChangeLog.cursor)
            .limit(bindparam("limit")))


def _pull_params(p: Principal, after: int, top: int, limit: int) -> dict[str, Any]:
    return {**_scope_params(p), "after": after, "top": top, "limit": limit}


def pull_statement(p: Principal, after: int, top: int, limit: int) -> Any:
    """The changes ``p`` may see with ``after < cursor <= top``, in cursor order, at most
    ``limit``: the primary key walked from ``after``, each row checked against the scope."""
    return _pull_select(_scope_kind(p)).params(_pull_params(p, after, top, limit))


def pull(session: Session, p: Principal, cursor: int, limit: int, *, as_json: bool = False) -> PullPage:
    """Visible changes with ``cursor`` greater than the given one, in cursor order.

    The counter is read first: every cursor up to it is committed (cursors are allocated
    under the counter lock and commit in order), so ``next_cursor`` may jump over the
    changes the caller cannot see without ever skipping one it can.

    A stored change whose data cannot be read (broken JSON text, nesting beyond the parser:
    not an object) is left out of the page and reported in the server's log; the rest of the
    page is served. One that cannot be encoded is left out by :func:`page_json`.

    With ``as_json`` the page also carries its response body, spliced from the stored JSON
    text (see :func:`_spliced_page`); the changes then carry no data.
    """
    if cursor < 0:
        raise BadCursor("cursor must not be negative")
    conn = session.connection()
    top = current_cursor(session)
    if cursor > top:
        raise BadCursor(
            f"cursor {cursor} is beyond the end of the change log ({top}); the client must resync from 0",
            status=409,
        )
    limit = max(1, min(limit, MAX_PULL_LIMIT))
    params = _pull_params(p, cursor, top, limit + 1)
    if as_json:
        raw = conn.execute(_pull_select(_scope_kind(p), text=True), params).all()
        has_more = len(raw) > limit
        raw = raw[:limit]
        next_cursor = raw[-1][0] if has_more else top
        spliced = _spliced_page(raw, next_cursor, has_more)
        if spliced is not None:
            return spliced
    rows = conn.execute(_pull_select(_scope_kind(p)), params).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    # desks receive no more of an ID number than its last characters (issue #18)
    changes = [{"cursor": r[0], "entity": r[1], "op": r[2],
                "data": desk_view(r[1], r[3]) if r[1] in _DESK_VIEWED else r[3]} for r in rows
               if r[3].__class__ is dict or _unreadable(r[0], r[1])]
    next_cursor = rows[-1][0] if has_more else top
    return PullPage(changes=changes, next_cursor=next_cursor, has_more=has_more)


#: a number that may read as infinity (``1e400``, or more digits than a double holds), where
#: a JSON value starts; rare, and inside text only by coincidence (then merely checked)
_HUGE_NUMBER = re.compile(rb"[:,\[]\s*-?(?:\d+(?:\.\d+)?[eE]\+?\d{3,}|\d{300,})")


def _plain_name(name: Any) -> bool:
    """Whether ``name`` (an entity or op) can be written into JSON without escaping."""
    return name.__class__ is str and name.isascii() and name.replace("_", "").isalnum()


def _spliced_page(rows: Sequence[Any], next_cursor: int, has_more: bool) -> PullPage | None:
    """The page of ``rows`` (cursor, entity, op, stored JSON text) with its body made from the
    stored text as it is, instead of decoding every row and encoding it again (most of a
    pull's CPU once its queries were cheap). Rows that desks see reduced (customers, call
    events) are decoded, reduced and encoded on their own.

    The body is checked by parsing it once (strict: no ``NaN`` / ``Infinity``; a number that
    reads as infinity is looked for): it must hold exactly the rows, each with an object as
    its data. None if anything is off (damaged text, an unknown entity): the caller then
    builds the page row by row, which leaves out and logs what cannot be sent."""
    parts = []
    meta = []
    for cur, entity, op, text in rows:
        if text.__class__ is not str or not _plain_name(entity) or not _plain_name(op):
            return None
        if entity in _DESK_VIEWED:
            try:
                text = jsontext.dumps(desk_view(entity, jsontext.loads(text)))
            except (ValueError, RecursionError):
                return None
        parts.append(f'{{"cursor":{cur},"entity":"{entity}","op":"{op}","data":{text}}}')
        meta.append({"cursor": cur, "entity": entity, "op": op})
    more = "true" if has_more else "false"
    body = f'{{"changes":[{",".join(parts)}],"next_cursor":{next_cursor},"has_more":{more}}}'.encode()
    try:
        parsed = pydantic_core.from_json(body, allow_inf_nan=False)
    except ValueError:
        return None
    changes = parsed.get("changes") if parsed.__class__ is dict else None
    if changes.__class__ is not list or len(changes) != len(rows) or len(parsed) != 3:
        return None
    for change in changes:
        if change.__class__ is not dict or len(change) != 4 or change.get("data").__class__ is not dict:
            return None
    if _HUGE_NUMBER.search(body) is not None and not limits.is_finite_json(changes):
        return None
    return PullPage(changes=meta, next_cursor=next_cursor, has_more=has_more, body=body)


def _unreadable(cursor: int, entity: str) -> bool:
    """Log a change whose data is not an object (the central store reads JSON text it cannot
    decode as None, see :func:`server_stub.storage.db.lenient_json_loads`); always False."""
    log.error("change log row %s (%s) cannot be decoded; left out of pull pages", cursor, entity)
    return False


def page_json(page: PullPage) -> bytes:
    """The pull response body of ``page``. A change that cannot be encoded as JSON (a stored
    row holding ``NaN`` or ``Infinity``) is left out and reported in the server's log: it
    never turns the page into an error for everyone who pulls it."""
    if page.body is not None:
        return page.body
    body = {"changes": page.changes, "next_cursor": page.next_cursor, "has_more": page.has_more}
    try:
        return _strict_json(body)
    except (ValueError, TypeError, RecursionError):
        pass
    good = []
    for change in page.changes:
        if _encodable(change):
            good.append(change)
        else:
            log.error("change log row %s (%s %s) cannot be encoded as JSON; left out of pull pages",
                      change.get("cursor"), change.get("entity"), _entity_id(change.get("data")))
    return _strict_json({**body, "changes": good})
