"""A row's wire JSON built by the database itself, for bulk change-log appends.

:func:`server_stub.sync.wire_row` turns a mapped row into the dict the change log stores; a job
that changes a million rows cannot afford that per row in Python. :func:`wire_json_sql` is
the same object as a SQL expression (``json_object`` on SQLite, ``json_build_object`` on
PostgreSQL), so ``INSERT INTO change_log ... SELECT <it> FROM the changed rows`` writes the
very data ``wire_row`` would (a test compares them): datetimes as ISO 8601 UTC text with
``+00:00`` (microseconds only when there are any), booleans as JSON booleans, JSON columns
embedded as JSON.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean

from workbench.core.entities import UTCDateTime


def _time(dialect: str, ref: str) -> str:
    if dialect == "sqlite":
        return (f"CASE WHEN {ref} IS NULL THEN NULL WHEN substr({ref}, 20, 7) = '.000000' "
                f"THEN replace(substr({ref}, 1, 19), ' ', 'T') || '+00:00' "
                f"ELSE replace({ref}, ' ', 'T') || '+00:00' END")
    return (f"CASE WHEN {ref} IS NULL THEN NULL WHEN date_trunc('second', {ref}) = {ref} "
            f"THEN to_char({ref}, 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"') "
            f"ELSE to_char({ref}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"') END")


def wire_json_sql(dialect: str, model: Any, alias: str, skip: frozenset[str] = frozenset()) -> str:
    """SQL of ``model``'s wire JSON for the row aliased ``alias`` (columns in ``skip`` left out)."""
    parts: list[str] = []
    for col in model.__table__.columns:
        if col.key in skip:
            continue
        ref = f"{alias}.{col.name}"
        if isinstance(col.type, UTCDateTime):
            expr = _time(dialect, ref)
        elif isinstance(col.type, JSON):
            expr = f"json({ref})" if dialect == "sqlite" else ref
        elif isinstance(col.type, Boolean) and dialect == "sqlite":
            expr = f"CASE WHEN {ref} IS NULL THEN NULL WHEN {ref} THEN json('true') ELSE json('false') END"
        else:
            expr = ref
        parts.append(f"'{col.key}', {expr}")
    fn = "json_object" if dialect == "sqlite" else "json_build_object"
    return f"{fn}({', '.join(parts)})"
