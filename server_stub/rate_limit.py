"""Token buckets in the central store: throttles that every server process shares.

A bucket holds up to ``capacity`` tokens and refills at ``per_second``; each throttled action
takes one. The bucket's row is locked for the rest of the caller's transaction (an UPDATE
first: SQLite's write lock, PostgreSQL's row lock), so parallel requests through any number of
processes never spend the same token twice. Kept in the store rather than per process because
the server runs as several workers behind a balancer: a per-process bucket would allow
``workers × capacity``.

The limits live here, in one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server_stub.storage.models import RateBucket
from workbench.core.entities import utcnow


@dataclass(frozen=True)
class Rate:
    """``capacity`` actions at once, then ``per_second`` on average."""

    capacity: float
    per_second: float


#: Customer lookups per user: an agent looks up a caller or two a minute; a burst of 30, then
#: one every 2 s (a script that sweeps numbers gets ~35 answers in 10 s instead of thousands).
LOOKUPS_PER_USER = Rate(capacity=30, per_second=0.5)
#: Wrong ``X-CTI-Secret`` per client address: 10, then one every 30 s.
CTI_SECRET_FAILURES = Rate(capacity=10, per_second=1 / 30)


class RateLimited(Exception):
    """No token left; ``retry_after`` is in whole seconds (at least 1)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests. Try again in {retry_after} seconds.")
        self.retry_after = retry_after


def _lock(session: Session, key: str) -> bool:
    table = RateBucket.__table__
    result = session.connection().execute(update(table).where(table.c.key == key).values(key=table.c.key))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def take(session: Session, key: str, rate: Rate, *, now: dt.datetime | None = None) -> None:
    """Take one token from bucket ``key`` (created full on first use). The caller commits.

    Raises:
        RateLimited: the bucket is empty (nothing is taken).
    """
    now = now or utcnow()
    table = RateBucket.__table__
    key = key[:120]
    if not _lock(session, key):
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.connection().execute(
            insert(table).values(key=key, tokens=float(rate.capacity), updated_at=now).on_conflict_do_nothing())
        _lock(session, key)
    tokens, updated = session.connection().execute(
        select(table.c.tokens, table.c.updated_at).where(table.c.key == key)).one()
    elapsed = max(0.0, (now - updated).total_seconds())
    tokens = min(float(rate.capacity), float(tokens) + elapsed * rate.per_second)
    if tokens < 1.0:
        raise RateLimited(max(1, int((1.0 - tokens) / rate.per_second + 0.999)))
    session.connection().execute(update(table).where(table.c.key == key).values(tokens=tokens - 1.0, updated_at=now))
