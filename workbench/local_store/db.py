"""The local store's engine, session factory, unit of work and migrations."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.dbutil import (  # noqa: F401  (unit_of_work re-exported)
    alembic_upgrade,
    make_engine,
    schema_revision,
    sqlite_url,
    unit_of_work,
)

MIGRATIONS = Path(__file__).parent / "migrations"
#: The newest migration of the local store (a test checks it against the migrations folder).
HEAD_REVISION = "0003_h15studio"


def default_local_path(username: str, data_dir: Path | None = None) -> Path:
    """The local SQLite file of ``username`` in the platform's app-data folder (or ``data_dir``)."""
    base = data_dir or Path(platformdirs.user_data_dir("agent-workbench"))
    safe = "".join(ch for ch in username if ch.isalnum() or ch in "-_") or "user"
    return base / f"local-{safe}.db"


def open_local(path: Path, key: str | None = None) -> Engine:
    """An engine on the local store file at ``path``, migrated to the newest schema; with
    ``key`` (64 hex digits) the file is a SQLCipher database under that raw key (see
    :mod:`workbench.local_store.encryption`, which keeps the key in the keyring)."""
    if key is None:
        engine = make_engine(sqlite_url(path))
    else:
        from sqlalchemy.pool import QueuePool

        from workbench.local_store.encryption import encrypted_url

        sqlite_url(path)  # creates the folder
        # the dialect's default pool keeps one connection per thread; the desk's workers and
        # sync thread share a queue of connections like the plain store's
        engine = make_engine(encrypted_url(path, key), poolclass=QueuePool)
    if schema_revision(engine) != HEAD_REVISION:  # Alembic only when there is work for it
        alembic_upgrade(engine, MIGRATIONS)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
