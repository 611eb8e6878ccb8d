"""The central store's engine, session factory and migrations."""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.dbutil import (  # noqa: F401  (unit_of_work re-exported)
    alembic_upgrade,
    json_loads,
    make_engine,
    sqlite_url,
    unit_of_work,
)

MIGRATIONS = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)


def default_db_url() -> str:
    """``$WORKBENCH_SERVER_DB``, or a SQLite file in the user's data folder."""
    env = os.environ.get("WORKBENCH_SERVER_DB")
    if env:
        return env
    return sqlite_url(Path(platformdirs.user_data_dir("agent-workbench-server")) / "central.db")


def lenient_json_loads(text_: str | bytes) -> Any:
    """A stored JSON value; text that cannot be decoded (damaged behind the server's back,
    nested beyond the parser) reads as None and is logged, instead of failing every request
    that loads the row. Writers check what they store (see :mod:`workbench.core.limits`)."""
    try:
        return json_loads(text_)
    except (ValueError, RecursionError) as exc:
        log.error("a stored JSON value cannot be decoded (%s, %d characters); read as null",
                  str(exc)[:80], len(text_))
        return None


def open_central(url: str | None = None, *, migrate: bool = True) -> Engine:
    """An engine on the central store at ``url``, migrated to the newest schema."""
    url = url or default_db_url()
    # a SQLite file cannot drop a connection: no ping before each checkout there
    engine = make_engine(url, pool_pre_ping=not url.startswith("sqlite"),
                         json_deserializer=lenient_json_loads)
    if migrate:
        alembic_upgrade(engine, MIGRATIONS)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


#: page cache of a bulk job's connection on SQLite (MiB; 0 = SQLite's default of 2 MiB)
BULK_CACHE_MIB = 256


@contextmanager
def bulk_connection(engine: Engine, mib: int | None = None) -> Iterator[Connection]:
    """A connection for a job that reads and rewrites a million rows: on SQLite with a page
    cache of ``mib`` MiB (default :data:`BULK_CACHE_MIB`) until it goes back to the pool.

    With SQLite's default 2 MiB the pages of a big UPDATE or INSERT ... SELECT are evicted
    and read again many times over, and dirty pages spill to the log before the commit. The
    cache grows only as pages are used; the previous size is restored after the job's commit
    (shrinking frees the pages). Open a session on it with ``Session(bind=conn)``: its
    ``begin()`` commits on this connection. Other stores: a plain connection.
    """
    size = BULK_CACHE_MIB if mib is None else mib
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite" or size <= 0:
            yield conn
            return
        old = [conn.exec_driver_sql(f"PRAGMA {db}.cache_size").scalar_one() for db in ("main", "temp")]
        for db in ("main", "temp"):
            conn.exec_driver_sql(f"PRAGMA {db}.cache_size = -{int(size) * 1024}")
        conn.commit()  # end the autobegun (empty) transaction: the job begins its own
        try:
            yield conn
        finally:
            if conn.in_transaction():
                conn.rollback()
            for db, value in zip(("main", "temp"), old, strict=True):
                conn.exec_driver_sql(f"PRAGMA {db}.cache_size = {int(value)}")
            conn.commit()



def checkpoint_wal(engine: Engine) -> None:
    """Copy the write-ahead log of a SQLite file store into the database (PASSIVE: never
    waits for readers or writers); nothing on other stores."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


class WalCheckpointer:
    """Checkpoints a SQLite store's write-ahead log on a thread of its own, when kicked.

    SQLite otherwise runs the checkpoint inside the commit of whichever write filled the log
    past 1000 pages, with the client of that write waiting (a tenth of a push's time). The
    server kicks this after each push instead: the log is copied while the next request is
    read and checked, and the next write starts the log over. SQLite's own automatic
    checkpoint stays as the safety net. The thread ends after a minute without kicks (and
    when the engine is gone); the next kick starts it again.
    """

    def __init__(self, engine: Engine, idle_s: float = 60.0, min_interval_s: float = 0.25) -> None:
        self._engine = weakref.ref(engine)
        self._idle_s = idle_s
        #: at most one checkpoint per this many seconds: under a stream of pushes a checkpoint
        #: after every one only competes with them for the CPU (a quarter second of pushes is a
        #: few hundred pages, far below SQLite's own 1000-page checkpoint)
        self._min_interval_s = min_interval_s
        self._kick = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.enabled = engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")
        self.runs = 0

    def kick(self) -> None:
        """Ask for a checkpoint soon (returns at once)."""
        if not self.enabled:
            return
        self._kick.set()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while self._kick.wait(self._idle_s):
            self._kick.clear()
            engine = self._engine()
            if engine is None:
                return
            try:
                checkpoint_wal(engine)
                self.runs += 1
            except Exception:  # a busy or vanished file: SQLite's own checkpoint still runs
                log.debug("WAL checkpoint failed", exc_info=True)
            del engine
            time.sleep(self._min_interval_s)  # kicks meanwhile are served by the next round
