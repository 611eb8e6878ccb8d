"""Login throttling that parallel requests cannot overtake, and that does not lock out the owner.

Every login attempt is counted *before* its password is checked: one short transaction locks
the counter rows of the attempt's throttle keys (``SELECT … FOR UPDATE`` on PostgreSQL; on
SQLite the transaction's first statement is a write, which takes the database's write lock at
once, as ``BEGIN IMMEDIATE`` would), refuses the attempt if any key is still waiting, and else
counts it against its ``source`` key as a failure and moves that key's ``blocked_until`` on.
Only then does the caller run Argon2; a successful login clears its ``source`` key. So 40
parallel wrong passwords for one account from one address run exactly :data:`FREE_ATTEMPTS`
checks, and the correct password sent after them waits too.

The wider ``account`` and ``address`` keys are checked in the same locked transaction but
count a failure only once the password proved wrong (:func:`failed`): a whole shift logging
in at once from behind one address must not trip the address key with attempts that turn out
good. A burst can pass a wide key by at most the checks in flight at that moment (four per
server process: the Argon2 slots), never more.

Keys (see :class:`~server_stub.storage.models.LoginThrottle`):

- ``source``: one account from one client address, or from one device that logged in as
  that account before (the desktop's client id). A known device has only this key, so it gets
  through while strangers guessing the same account are throttled.
- ``account``: one account from every address that is not a known device (guessing spread
  over many addresses); more generous.
- ``address``: one address for every account (spraying names); more generous still, so a
  shop behind one NAT is not locked out by one careless colleague.

No hard lock: after the free attempts each further failure doubles the wait (30 s, 1 min,
2 min … at most 15 min), and a key forgets its failures after an hour without attempts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server_stub.storage.models import LoginThrottle
from workbench.core.entities import utcnow

#: Failures allowed per key before waits begin.
FREE_ATTEMPTS = 5
FREE_ACCOUNT = 20
FREE_ADDRESS = 30
#: The first wait; each further failure doubles it, up to :data:`MAX_DELAY`.
BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(minutes=15)
#: A key without attempts for this long starts over.
FORGET_AFTER = dt.timedelta(hours=1)

_FREE = {"source": FREE_ATTEMPTS, "account": FREE_ACCOUNT, "address": FREE_ADDRESS}
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class ThrottleKey:
    """One counter an attempt is counted against."""

    scope: str  # source | account | address
    username: str
    source: str

    @property
    def key(self) -> str:
        return f"{self.scope}|{self.username}|{self.source}"


class ThrottledError(Exception):
    """The attempt must wait ``retry_after`` whole seconds (until ``until``)."""

    def __init__(self, retry_after: int, until: dt.datetime) -> None:
        super().__init__(f"wait {retry_after} s")
        self.retry_after = retry_after
        self.until = until


def keys_for(username: str, address: str, device_hash: str | None) -> list[ThrottleKey]:
    """The keys of an attempt: a known device's own key, or address, account and address-wide."""
    if device_hash is not None:
        return [ThrottleKey("source", username, f"device:{device_hash[:16]}")]
    return [
        ThrottleKey("source", username, address),
        ThrottleKey("account", username, ""),
        ThrottleKey("address", "", address),
    ]


def delay_after(failures: int, scope: str) -> dt.timedelta:
    """The wait after ``failures`` counted failures of a key of ``scope``."""
    free = _FREE[scope]
    if failures < free:
        return dt.timedelta(0)
    steps = min(failures - free, 20)  # 2**20 * 30 s is far beyond the cap
    return min(MAX_DELAY, BASE_DELAY * (2**steps))


def _insert_missing(session: Session, keys: Sequence[ThrottleKey], now: dt.datetime) -> None:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [{"key": k.key, "scope": k.scope, "username": k.username, "source": k.source, "failures": 0,
             "blocked_until": _EPOCH, "last_at": now} for k in keys]
    session.execute(insert(LoginThrottle).values(rows).on_conflict_do_nothing(index_elements=["key"]))


def reserve(session: Session, keys: Sequence[ThrottleKey], now: dt.datetime | None = None) -> None:
    """Check every key and count the attempt against its ``source`` key, or raise
    :class:`ThrottledError` and count nothing.

    Runs in ``session``'s transaction, which must be new; the caller commits it *before*
    checking the password (the row locks are held until then). ``now`` defaults to the time
    the locks were obtained.
    """
    keys = sorted(keys, key=lambda k: k.key)  # one lock order for every attempt: no deadlocks
    # first statement a write: SQLite takes its write lock here; PostgreSQL makes the rows
    _insert_missing(session, keys, now or utcnow())
    rows = _locked(session, keys)
    # the time once the locks are held: a clock read before waiting for them would be older
    # than the attempts counted meanwhile, and see their zero waits as still running
    now = now or utcnow()
    for row in rows:
        if now - row.last_at > FORGET_AFTER:
            row.failures = 0
            row.blocked_until = _EPOCH
    waits = [row.blocked_until for row in rows if row.blocked_until > now]
    if waits:
        until = max(waits)
        raise ThrottledError(max(1, math.ceil((until - now).total_seconds())), until)
    for row in rows:
        if row.scope == "source":
            _count(row, now)
    session.flush()


def _count(row: LoginThrottle, now: dt.datetime) -> None:
    row.failures += 1
    row.last_at = now
    row.blocked_until = max(row.blocked_until, now + delay_after(row.failures, row.scope))


def _locked(session: Session, keys: Sequence[ThrottleKey]) -> list[LoginThrottle]:
    """The rows of ``keys``, locked in key order (one lock order for everyone: no deadlocks)."""
    keys = sorted(keys, key=lambda k: k.key)
    return list(session.execute(
        select(LoginThrottle).where(LoginThrottle.key.in_([k.key for k in keys]))
        .order_by(LoginThrottle.key).with_for_update().execution_options(populate_existing=True)
    ).scalars())


def failed(session: Session, keys: Sequence[ThrottleKey], now: dt.datetime) -> None:
    """The attempt reserved on ``keys`` had a wrong password: count it on the wide keys too."""
    for row in _locked(session, [k for k in keys if k.scope != "source"]):
        if now - row.last_at > FORGET_AFTER:
            row.failures = 0
        _count(row, now)
    session.flush()


def succeeded(session: Session, keys: Sequence[ThrottleKey]) -> None:
    """The attempt reserved on ``keys`` was a good password: its ``source`` key starts over
    (the wide keys keep the failures of others)."""
    for row in _locked(session, [k for k in keys if k.scope == "source"]):
        session.delete(row)
    session.flush()


def clear(session: Session, username: str | None = None, address: str | None = None) -> int:
    """Remove the throttles of ``username`` (every key of the account) and / or of ``address``
    (every key of that address); returns how many keys were removed."""
    removed = 0
    if username:
        result = session.execute(delete(LoginThrottle).where(LoginThrottle.username == username))
        removed += int(result.rowcount)  # type: ignore[attr-defined]
    if address:
        result = session.execute(delete(LoginThrottle).where(LoginThrottle.source == address))
        removed += int(result.rowcount)  # type: ignore[attr-defined]
    return removed


def active(session: Session, now: dt.datetime) -> list[LoginThrottle]:
    """Keys that make attempts wait now, longest wait first."""
    return list(session.execute(
        select(LoginThrottle).where(LoginThrottle.blocked_until > now)
        .order_by(LoginThrottle.blocked_until.desc())
    ).scalars())


def forget_old(session: Session, now: dt.datetime) -> None:
    """Drop keys nobody tried for longer than :data:`FORGET_AFTER` (keeps the table small)."""
    session.execute(delete(LoginThrottle).where(
        LoginThrottle.last_at < now - FORGET_AFTER, LoginThrottle.blocked_until < now))
