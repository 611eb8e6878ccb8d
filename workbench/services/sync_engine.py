"""The desktop half of sync: push the outbox, pull the change log into the local store.

No Qt here: a worker (see the app's task runner) calls :meth:`SyncEngine.push_once` /
:meth:`SyncEngine.pull_once` off the GUI thread, with its own back-off.

Guarantees (see docs/sync-protocol.md):

- Push sends outbox entries in their local order, in batches. Each batch's outcome is
  written in **one local transaction**: applied or duplicate entries leave the outbox,
  refused ones move to ``rejections`` with the server's reason. A crash before that
  transaction simply re-sends the batch; the server answers ``duplicate`` and nothing is
  applied twice.
- Pull applies a page of upserts by primary key and stores the new cursor in the same local
  transaction, so a crash re-pulls the page (upserts are idempotent) and never skips one.
  Local edits still waiting in the outbox are re-applied on top of pulled rows, so the user
  never sees their unsynced edit disappear.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, Text, bindparam, delete, func, select, type_coerce
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.dbutil import unit_of_work
from workbench.core.entities import UTCDateTime, from_wire, parse_when, utcnow
from workbench.local_store.models import ENTITIES, Customer, Outbox, Rejection, SyncState
from workbench.local_store.outbox import new_id
from workbench.services.lead_merge import adopt_existing
from workbench.services.server_api import (
    Change,
    EncodedMutation,
    MutationResult,
    OfflineError,
    PullResult,
    ServerApi,
    ServerRejected,
)

#: Pending local edits re-applied on top of pulled rows: (entity, op) -> fields to copy.
_REBASE: dict[tuple[str, str], tuple[str, ...] | None] = {
    ("customer", "update"): None,  # None: every field in the mutation except the id
    ("work_order", "transition"): ("status",),
    ("acceptance", "transition"): ("status",),
    ("task", "transition"): ("status",),
    ("callback", "transition"): ("status", "closed_by_event_id"),
    ("callback", "update"): ("due_at", "requested_at", "owner_id", "released_at"),
}


@dataclass(frozen=True)
class PushReport:
    """Outcome of one push batch."""

    sent: int
    applied: int
    duplicate: int
    rejected: int
    remaining: int


@dataclass(frozen=True)
class PullReport:
    """Outcome of one pull page: rows applied, events for this user, where we are now."""

    applied: int
    events: tuple[dict[str, Any], ...]
    cursor: int
    has_more: bool


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows."""

    pending: int
    rejected: int
    last_sync_at: dt.datetime | None
    online: bool
    last_error: str
    cursor: int


_OUTBOX: Table = Outbox.__table__  # type: ignore[assignment]
_DELETE_SENT = delete(_OUTBOX).where(_OUTBOX.c.mutation_id.in_(
    select(func.json_each(bindparam("ids", type_=Text)).table_valued("value").c.value)))


@functools.cache
def _shape(model: type) -> tuple[frozenset[str], frozenset[str]]:
    """Column names of ``model`` and those holding datetimes (computed once)."""
    cols = model.__table__.columns  # type: ignore[attr-defined]
    return (frozenset(c.key for c in cols), frozenset(c.key for c in cols if isinstance(c.type, UTCDateTime)))


def _row_values(model: type, data: dict[str, Any]) -> dict[str, Any]:
    """Like :func:`from_wire`, faster for big pages: only datetime columns need parsing."""
    names, times = _shape(model)
    out = {k: v for k, v in data.items() if k in names}
    for k in times & out.keys():
        if out[k] is not None:
            out[k] = parse_when(out[k], k)
    return out


def _stored_data(text: str | None) -> dict[str, Any]:
    """An outbox entry's data, decoded (kept with a rejection); unreadable text kept as is."""
    try:
        data = json.loads(text) if text is not None else {}
    except ValueError:
        return {"raw": text}
    return data if isinstance(data, dict) else {"value": data}


def _get_state(session: Session, key: str) -> str | None:
    row = session.get(SyncState, key)
    return row.value if row is not None else None


def _set_state(session: Session, key: str, value: str) -> None:
    row = session.get(SyncState, key)
    if row is None:
        session.add(SyncState(key=key, value=value))
    else:
        row.value = value


class SyncEngine:
    """Moves mutations up and changes down between one local store and the server.

    Args:
        session_factory: sessions on the local store.
        api: the server client (logged in).
        client_id: this installation's id (see :meth:`client_id_for`).
        batch_size: mutations per push request (the server takes at most 2000).
        max_batch_bytes: a push request's body stays under this many bytes (the server takes
            5 MB): a batch of big entries is cut short instead of refused as too big.
        pull_limit: changes per pull page.
        max_event_age_s: events (call events) older than this when pulled are not returned.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        api: ServerApi,
        client_id: str,
        *,
        batch_size: int = 2000,
        max_batch_bytes: int = 2_000_000,
        pull_limit: int = 1000,
        max_event_age_s: float = 120.0,
    ) -> None:
        self._factory = session_factory
        self._api = api
        self.client_id = client_id
        self.batch_size = max(1, min(batch_size, 2000))
        self.max_batch_bytes = max_batch_bytes
        self.pull_limit = pull_limit
        self.max_event_age_s = max_event_age_s
        self._online = False
        self._last_error = ""
        #: (existing customer id, number) of local leads folded into a server customer;
        #: the sync controller takes them to open those customers
        self.replaced_leads: list[tuple[str, str]] = []
        self._push_lock = threading.Lock()
        self._pull_lock = threading.Lock()

    @staticmethod
    def client_id_for(session_factory: sessionmaker[Session]) -> str:
        """This local store's client id, created (and kept in ``sync_state``) on first use."""
        with unit_of_work(session_factory) as session:
            cid = _get_state(session, "client_id")
            if cid is None:
                cid = new_id()
                _set_state(session, "client_id", cid)
            return cid

    # ------------------------------------------------------------------ push

    def _read_batch(self, after_seq: int | None = None) -> list[tuple[int, EncodedMutation]]:
        """The oldest outbox entries (after ``after_seq``), each with its local sequence number;
        the data as the JSON text it is stored as: sent as is, never decoded here."""
        query = (select(Outbox.seq, Outbox.mutation_id, Outbox.entity, Outbox.op, type_coerce(Outbox.data, Text))
                 .order_by(Outbox.seq).limit(self.batch_size))
        if after_seq is not None:
            query = query.where(Outbox.seq > after_seq)
        with self._factory() as session:
            rows = [(r[0], EncodedMutation(*r[1:])) for r in session.execute(query).tuples()]
        budget = self.max_batch_bytes
        for i, (_, m) in enumerate(rows):
            text = m.data_json
            budget -= (len(text) if text.isascii() else len(text.encode())) + 200  # + the entry's framing
            if budget < 0 and i > 0:
                return rows[:i]
        return rows

    def _send_batch(self, batch: list[tuple[int, EncodedMutation]], body: bytes | None = None
                    ) -> list[MutationResult]:
        rows = [m for _, m in batch]
        try:
            results = self._send(rows, body)
        except OfflineError as exc:
            self._note_failure(str(exc), [r.mutation_id for r in rows])
            raise
        self._online = True
        self._last_error = ""
        return results

    def push_once(self) -> PushReport:
        """Push the oldest batch of the outbox.

        Raises:
            OfflineError: server unreachable (entries stay in the outbox, attempts counted).
            AuthError, ClientTooOldError, ServerRejected: the batch as a whole was refused
                (e.g. a client id registered to another user).
        """
        with self._push_lock:
            batch = self._read_batch()
            if not batch:
                return PushReport(0, 0, 0, 0, 0)
            return self._settle([m for _, m in batch], self._send_batch(batch))

    def _send(self, payload: list[EncodedMutation], body: bytes | None = None) -> list[MutationResult]:
        try:
            return list(self._api.push_encoded(self.client_id, payload, body).results)
        except ServerRejected as exc:
            # A malformed entry makes the whole batch invalid (422), a batch can be too big
            # (413): halve it until the bad entry stands alone, so one entry cannot wedge the
            # outbox and a big batch still goes through in parts.
            if exc.status not in (413, 422):
                raise
            if len(payload) == 1:
                return [MutationResult(payload[0].mutation_id, "rejected", exc.message)]
            half = len(payload) // 2
            return self._send(payload[:half]) + self._send(payload[half:])

    def _settle(self, rows: Sequence[Any], results: Sequence[MutationResult]) -> PushReport:
        by_id = {r.mutation_id: r for r in rows}
        applied = duplicate = rejected = 0
        done: list[str] = []
        duplicates: list[tuple[str, str]] = []  # (local lead, the server's customer with its number)
        with unit_of_work(self._factory) as session:
            for res in results:
                row = by_id.get(res.mutation_id)
                if row is None:
                    continue
                if res.done:
                    done.append(res.mutation_id)
                    if res.status == "duplicate":
                        duplicate += 1
                    else:
                        applied += 1
                elif res.refused:
                    rejected += 1
                    done.append(res.mutation_id)
                    session.merge(Rejection(mutation_id=row.mutation_id, entity=row.entity,
                                            data={"op": row.op, **_stored_data(row.data_json)},
                                            reason=res.reason or "refused by the server", at=utcnow()))
                    if res.existing_customer_id and row.entity == "customer" and row.op == "create":
                        duplicates.append((str(_stored_data(row.data_json).get("id")), res.existing_customer_id))
            if done:  # one statement, the ids as one JSON parameter (no IN list to compile)
                session.connection().execute(_DELETE_SENT, {"ids": json.dumps(done)})
            for lead_id, existing_id in duplicates:  # one customer per person: fold the lead in
                number = adopt_existing(session, lead_id, existing_id)
                if number is not None:
                    self.replaced_leads.append((existing_id, number))
            remaining = int(session.execute(select(func.count()).select_from(Outbox)).scalar_one())
        return PushReport(len(rows), applied, duplicate, rejected, remaining)

    def _note_failure(self, message: str, mutation_ids: list[str]) -> None:
        self._online = False
        self._last_error = message
        try:
            with unit_of_work(self._factory) as session:
                for row in session.execute(select(Outbox).where(Outbox.mutation_id.in_(mutation_ids[:500]))).scalars():
                    row.attempts += 1
                    row.last_error = message[:500]
        except Exception:  # bookkeeping only; never hide the real failure
            pass

    def push_all(self, max_batches: int | None = None,
                 should_stop: Callable[[], bool] | None = None) -> int:
        """Push batches until the outbox is empty (or ``max_batches``, or ``should_stop()``);
        returns mutations settled.

        Pipelined: while the server applies a batch, the previous batch is settled and the next
        one read from the outbox (both local SQLite work that would otherwise wait for the
        server, and the server for it). Batches still go one at a time and in order: the next
        is sent only when the server has answered the previous one, so a later mutation never
        overtakes an earlier one (a work order's transition never arrives before its creation).
        A batch whose results leave an entry unsettled ends the run (it is retried next time,
        before anything after it).

        Raises:
            The same as :meth:`push_once`; batches already answered are settled first.
        """
        total = 0
        sent = 0
        answered: tuple[list[EncodedMutation], list[MutationResult]] | None = None
        with self._push_lock, ThreadPoolExecutor(max_workers=1, thread_name_prefix="push") as pool:
            batch = self._read_batch()
            body = self._encode(batch)
            try:
                while batch:
                    in_flight = pool.submit(self._send_batch, batch, body)
                    sent += 1
                    if answered is not None:
                        total += self._settled(self._settle(*answered))
                        answered = None
                    go_on = (max_batches is None or sent < max_batches) and not (should_stop and should_stop())
                    ahead = self._read_batch(after_seq=batch[-1][0]) if go_on else []
                    body = self._encode(ahead)
                    results = in_flight.result()
                    answered = ([m for _, m in batch], results)
                    by_id = {r.mutation_id: r for r in results}
                    if any((r := by_id.get(m.mutation_id)) is None or not (r.done or r.refused)
                           for _, m in batch):
                        break  # something stays in the outbox: retry it before anything after it
                    batch = ahead
            finally:
                if answered is not None:
                    total += self._settled(self._settle(*answered))
        return total

    def _encode(self, batch: list[tuple[int, EncodedMutation]]) -> bytes | None:
        return self._api.encode_push(self.client_id, [m for _, m in batch]) if batch else None

    @staticmethod
    def _settled(report: PushReport) -> int:
        return report.applied + report.duplicate + report.rejected

    # ------------------------------------------------------------------ pull

    def cursor(self) -> int:
        """The cursor of the last applied change."""
        with self._factory() as session:
            return int(_get_state(session, "cursor") or 0)

    def pull_once(self, wait: float = 0.0) -> PullReport:
        """Pull one page (long-polling up to ``wait`` seconds) and apply it locally.

        Returns the ``call_event`` (and other ``event``) payloads meant for this user, each
        with its ``entity`` name added under ``"entity"``.

        Raises:
            OfflineError, AuthError, ClientTooOldError, ServerRejected.
        """
        with self._pull_lock:
            page = self._fetch(self.cursor(), wait)
            applied, events = self._apply(page.changes, page.next_cursor)
            return PullReport(applied, tuple(events), page.next_cursor, page.has_more)

    def _fresh(self, data: Mapping[str, Any]) -> bool:
        """Whether an event is recent enough to act on (a desktop catching up after a day
        offline must not pop yesterday's calls)."""
        at = data.get("at")
        if not isinstance(at, str):
            return True
        try:
            when = parse_when(at, "at")
        except ValueError:
            return True
        return (utcnow() - when).total_seconds() <= self.max_event_age_s

    def _apply(self, changes: Sequence[Change], next_cursor: int) -> tuple[int, list[dict[str, Any]]]:
        events: list[dict[str, Any]] = []
        applied = 0
        touched: dict[str, set[str]] = {}
        # Only the last change of a row in this page matters; rows of one entity (and one
        # shape) then go in one multi-row upsert, whatever their order in the log.
        latest: dict[tuple[str, str], Change] = {}
        gone: set[tuple[str, str]] = set()
        for change in changes:
            if change.op == "event":
                if self._fresh(change.data):
                    events.append({"entity": change.entity, "cursor": change.cursor, **change.data})
            elif change.op == "upsert" and change.entity in ENTITIES and "id" in change.data:
                key = (change.entity, str(change.data["id"]))
                latest.pop(key, None)  # re-insert: keep log order of the survivors
                latest[key] = change
                gone.discard(key)
            elif change.op == "delete" and change.entity in ENTITIES and "id" in change.data:
                # a row removed on the server (a customer merged into another one)
                key = (change.entity, str(change.data["id"]))
                latest.pop(key, None)
                gone.add(key)
            # anything else comes from a newer server: ignore what we do not know
        groups: dict[tuple[str, frozenset[str]], list[Change]] = {}
        for change in latest.values():
            groups.setdefault((change.entity, frozenset(change.data)), []).append(change)
        with unit_of_work(self._factory) as session:
            for group in groups.values():
                applied += self._upsert(session, group, touched)
            for entity, row_id in gone:
                row = session.get(ENTITIES[entity], row_id)
                if row is not None:
                    session.delete(row)
                    applied += 1
            if touched:
                self._rebase(session, touched)
            _set_state(session, "cursor", str(next_cursor))
            _set_state(session, "last_sync_at", utcnow().isoformat())
        return applied, events

    @staticmethod
    def _upsert(session: Session, group: Sequence[Change], touched: dict[str, set[str]]) -> int:
        model = ENTITIES[group[0].entity]
        table: Table = model.__table__  # type: ignore[assignment]
        pk = [c.key for c in table.primary_key.columns]
        rows = [_row_values(model, c.data) for c in group]
        rows = [r for r in rows if all(r.get(k) is not None for k in pk)]
        if not rows:
            return 0
        stmt = sqlite_insert(table)
        cols = [k for k in rows[0] if k not in pk]
        if cols:
            stmt = stmt.on_conflict_do_update(index_elements=pk, set_={k: stmt.excluded[k] for k in cols})
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=pk)
        for i in range(0, len(rows), 500):
            session.execute(stmt, rows[i:i + 500])
        touched.setdefault(group[0].entity, set()).update(str(r[pk[0]]) for r in rows)
        return len(rows)

    @staticmethod
    def _rebase(session: Session, touched: dict[str, set[str]]) -> None:
        """Re-apply pending local edits to rows a pull just overwrote."""
        pending = session.execute(
            select(Outbox).where(Outbox.op.in_(["update", "transition"])).order_by(Outbox.seq)
        ).scalars()
        for entry in pending:
            key = (entry.entity, entry.op)
            if key not in _REBASE or entry.entity not in touched:
                continue
            row_id = entry.data.get("id")
            if row_id not in touched[entry.entity]:
                continue
            model = ENTITIES[entry.entity]
            row = session.get(model, row_id)
            if row is None:
                continue
            fields = _REBASE[key]
            names: Iterable[str] = fields if fields is not None else [k for k in entry.data if k != "id"]
            values = from_wire(model, {k: entry.data[k] for k in names if k in entry.data})
            for k, v in values.items():
                setattr(row, k, v)
            if isinstance(row, Customer):  # a tag delta is no column: see portrait_edit
                from workbench.services.portrait_edit import apply_local

                apply_local(row, {k: v for k, v in entry.data.items() if k.startswith("tags_")})

    def apply_lookup(self, found: Mapping[str, Any]) -> int:
        """Store what ``ServerApi.lookup_customer`` returned (an unknown caller found on the
        server): the customer and their tasks, contacts, acceptances and work orders, applied
        as upserts like pulled changes (the cursor does not move). Returns rows applied."""
        groups = (("customer", [found.get("customer")]), ("task", found.get("tasks") or []),
                  ("contact_event", found.get("contact_events") or []),
                  ("acceptance", found.get("acceptances") or []),
                  ("work_order", found.get("work_orders") or []))
        applied = 0
        touched: dict[str, set[str]] = {}
        with unit_of_work(self._factory) as session:
            for entity, rows in groups:
                changes = [Change(0, entity, "upsert", dict(r)) for r in rows if isinstance(r, Mapping)]
                for change in changes:
                    applied += self._upsert(session, [change], touched)
            if touched:
                self._rebase(session, touched)
        return applied

    def pull_all(self, max_pages: int | None = None) -> list[dict[str, Any]]:
        """Pull pages until caught up; returns the events received.

        The next page is fetched while the current one is written locally (initial sync of
        a big scope spends its time half on the wire, half in SQLite). The cursor is stored
        with each applied page, so stopping half-way loses nothing.
        """
        events: list[dict[str, Any]] = []
        with self._pull_lock, ThreadPoolExecutor(max_workers=1) as pool:
            page = self._fetch(self.cursor())
            n = 0
            while True:
                ahead = pool.submit(self._api.pull, page.next_cursor, self.pull_limit, 0) if page.has_more else None
                applied, got = self._apply(page.changes, page.next_cursor)
                events.extend(got)
                n += 1
                if ahead is None or (max_pages is not None and n >= max_pages):
                    if ahead is not None:
                        ahead.cancel()
                    break
                try:
                    page = ahead.result()
                except OfflineError as exc:
                    self._online = False
                    self._last_error = str(exc)
                    raise
        return events

    def _fetch(self, cursor: int, wait: float = 0.0) -> PullResult:
        """One page from ``cursor`` (a cursor ahead of the server's log restarts from 0)."""
        try:
            page = self._api.pull(cursor, self.pull_limit, wait)
        except OfflineError as exc:
            self._online = False
            self._last_error = str(exc)
            raise
        except ServerRejected as exc:
            if exc.status != 409:
                raise
            with unit_of_work(self._factory) as session:
                _set_state(session, "cursor", "0")
            page = self._api.pull(0, self.pull_limit, 0)
        self._online = True
        self._last_error = ""
        return page

    def sync_once(self) -> list[dict[str, Any]]:
        """Push everything pending, then pull until caught up; returns events received."""
        self.push_all()
        return self.pull_all()

    # ------------------------------------------------------------------ status

    def status(self) -> SyncStatus:
        """Pending and rejected counts, last sync time, online flag, last error, cursor."""
        with self._factory() as session:
            pending = int(session.execute(select(func.count()).select_from(Outbox)).scalar_one())
            rejected = int(session.execute(select(func.count()).select_from(Rejection)).scalar_one())
            last = _get_state(session, "last_sync_at")
            cursor = int(_get_state(session, "cursor") or 0)
        return SyncStatus(
            pending=pending,
            rejected=rejected,
            last_sync_at=dt.datetime.fromisoformat(last) if last else None,
            online=self._online,
            last_error=self._last_error,
            cursor=cursor,
        )
