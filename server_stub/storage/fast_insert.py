"""Bulk INSERT through the DBAPI, fastest per dialect.

SQLite's ``executemany`` loops in C. psycopg's sends one statement per row (pipelined, yet
~100 us a row), and a multi-row ``VALUES`` of thousands of placeholders costs psycopg more to
parse than to send; so on PostgreSQL plain inserts go through ``COPY ... FROM STDIN`` (the
bulk-load protocol, same transaction), and inserts with a suffix such as ``ON CONFLICT`` —
which ``COPY`` cannot express — through ``executemany``. Database errors come back as
SQLAlchemy's exceptions (``IntegrityError`` ...), as from any other statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.types import TypeEngine

from workbench.core.entities import UTCDateTime

_UTC = dt.UTC


def _sqlite_utc_text(value: dt.datetime) -> str:
    """What SQLite's DATETIME bind processor stores for an aware datetime (naive UTC,
    ``YYYY-MM-DD HH:MM:SS.ffffff``), in a third of the time."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
    if value.tzinfo is not _UTC:
        value = value.astimezone(_UTC)
    return value.isoformat(" ", "microseconds")[:26]


def bind_processor(type_: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column type's own bind processor, or an equivalent faster one (same stored value:
    a test compares them)."""
    if isinstance(type_, UTCDateTime) and dialect.name == "sqlite":
        return _sqlite_utc_text
    return type_._cached_bind_processor(dialect)


def insert_rows(conn: Connection, table: str, columns: Sequence[str], params: Sequence[tuple[Any, ...]],
                suffix: str = "") -> None:
    """``INSERT INTO table (columns) VALUES ...`` for each tuple of ``params`` (DBAPI values).

    ``suffix`` is appended to the statement (e.g. ``ON CONFLICT (id) DO NOTHING``).
    """
    if not params:
        return
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql" and not suffix:
        _copy(conn, f"COPY {table} ({names}) FROM STDIN", params)
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({', '.join([mark] * len(columns))}){suffix}",
                         list(params))


def _copy(conn: Connection, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
    import psycopg

    dbapi_conn = conn.connection.dbapi_connection
    try:
        with dbapi_conn.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as err:
        raise sa_exc.DBAPIError.instance(statement, None, err, psycopg.Error,
                                         dialect=conn.dialect) from err
