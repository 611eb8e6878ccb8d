"""Bulk writes for server-side batch jobs (imports, task generation).

:class:`RawWriter` sends rows through the DBAPI's ``executemany`` instead of SQLAlchemy's
per-row ORM bookkeeping, which dominates the time of jobs writing hundreds of thousands of
rows. Values still pass through each column type's own bind processor (JSON encoding, UTC
datetimes), so the stored values are exactly what the ORM would have written. Change-log
rows take their cursors from :func:`server_stub.changes.allocate_cursors`, which holds the
counter lock until the transaction commits — the same guarantee as
:func:`server_stub.changes.append`.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from server_stub.changes import allocate_cursors
from server_stub.storage import models as m
from server_stub.storage.fast_insert import bind_processor, insert_rows
from workbench.core import jsontext

__all__ = ["LogEntry", "RawWriter", "wire_json"]


def _iso(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def wire_json(row: dict[str, Any]) -> str:
    """A row's wire data (datetimes as ISO 8601 UTC, ``+00:00``) as JSON text (the one
    encoder, :func:`jsontext.dumps`: a non-finite number raises ``ValueError``)."""
    return jsontext.dumps({k: _iso(v) if isinstance(v, dt.datetime) else v for k, v in row.items()},
                          default=_iso)


@dataclass(frozen=True)
class LogEntry:
    """One change-log row to write: an ``upsert`` of ``entity`` with its JSON data."""

    entity: str
    entity_id: str
    data_json: str
    team_id: str | None = None
    store_id: str | None = None


class RawWriter:
    """Bulk INSERT / UPDATE / change-log appends on the session's connection."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.conn = session.connection()
        self.dialect = self.conn.dialect
        self.mark = "?" if self.dialect.paramstyle == "qmark" else "%s"

    def _processors(self, table: Table, columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
        return [bind_processor(table.c[c].type, self.dialect) for c in columns]

    def _params(self, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]
                ) -> list[tuple[Any, ...]]:
        procs = self._processors(table, columns)
        if len(columns) == 1:
            tuples = [(r[columns[0]],) for r in rows]
        else:
            tuples = list(map(operator.itemgetter(*columns), rows))
        todo = [(j, p) for j, p in enumerate(procs) if p is not None]
        if not todo or not tuples:
            return tuples
        # column by column: only the few columns with a bind processor are touched
        cols = list(zip(*tuples, strict=True))
        for j, p in todo:
            cols[j] = tuple(None if v is None else p(v) for v in cols[j])
        return list(zip(*cols, strict=True))

    def insert(self, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]],
               *, ignore_existing: bool = False) -> None:
        """Insert ``rows``; with ``ignore_existing``, rows whose primary key exists are skipped."""
        if not rows:
            return
        suffix = ""
        if ignore_existing:
            pk = ", ".join(c.name for c in table.primary_key.columns)
            suffix = f" ON CONFLICT ({pk}) DO NOTHING"
        insert_rows(self.conn, table.name, columns, self._params(table, columns, rows), suffix)

    def update(self, table: Table, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
        """Update ``columns`` of ``rows`` by their ``id``."""
        if not rows:
            return
        sets = ", ".join(f"{c} = {self.mark}" for c in columns)
        sql = f"UPDATE {table.name} SET {sets} WHERE id = {self.mark}"
        params = [(*values, r["id"]) for values, r in
                  zip(self._params(table, columns, rows), rows, strict=True)]
        self.conn.exec_driver_sql(sql, params)

    def changes(self, entries: Sequence[LogEntry], now: dt.datetime) -> int:
        """Append ``entries`` to the change log; returns the last cursor (0 if none)."""
        if not entries:
            return 0
        first = allocate_cursors(self.session, len(entries))
        log = m.ChangeLog.__table__
        created = bind_processor(log.c.created_at.type, self.dialect)
        stamp = created(now) if created else now
        cols = ["cursor", "entity", "entity_id", "op", "data", "team_id", "store_id",
                "target_user_id", "created_at"]
        params = [
            (first + i, e.entity, e.entity_id, "upsert", e.data_json, e.team_id, e.store_id,
             None, stamp)
            for i, e in enumerate(entries)
        ]
        insert_rows(self.conn, log.name, cols, params)
        return first + len(entries) - 1
