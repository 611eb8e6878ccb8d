"""The central store's engine, session factory and migrations."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from workbench.local_store.dbutil import (  # noqa: F401  (unit_of_work re-exported)
    alembic_upgrade,
    make_engine,
    sqlite_url,
    unit_of_work,
)

MIGRATIONS = Path(__file__).parent / "migrations"


def default_db_url() -> str:
    """``$WORKBENCH_SERVER_DB``, or a SQLite file in the user's data folder."""
    env = os.environ.get("WORKBENCH_SERVER_DB")
    if env:
        return env
    return sqlite_url(Path(platformdirs.user_data_dir("agent-workbench-server")) / "central.db")


def open_central(url: str | None = None, *, migrate: bool = True) -> Engine:
    """An engine on the central store at ``url``, migrated to the newest schema."""
    engine = make_engine(url or default_db_url(), pool_pre_ping=True)
    if migrate:
        alembic_upgrade(engine, MIGRATIONS)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
