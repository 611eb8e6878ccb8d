"""Engine creation and Alembic upgrades, used by both the local and the central store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    URL,
    Engine,
    MetaData,
    create_engine,
    engine_from_config,
    event,
    inspect,
    pool,
    text,
)
from sqlalchemy.orm import Session, sessionmaker

from workbench.core import jsontext


def json_dumps(value: Any) -> str:
    """JSON text of ``value`` for JSON columns: the one encoder, :func:`jsontext.dumps`, with
    non-finite numbers stored as ``null`` (valid JSON; this used to write bare ``NaN``)."""
    return jsontext.dumps(value, non_finite="null")


def json_loads(text_: str | bytes) -> Any:
    """The value of JSON text read from a JSON column (:func:`jsontext.loads`)."""
    return jsontext.loads(text_)


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys off (ids are text).

    JSON columns are encoded and decoded with :func:`json_dumps` / :func:`json_loads`.
    """
    is_sqlite = str(url.drivername if isinstance(url, URL) else url).startswith("sqlite")
    kwargs.setdefault("json_serializer", json_dumps)
    kwargs.setdefault("json_deserializer", json_loads)
    if is_sqlite:
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    engine = create_engine(url, **kwargs)
    if is_sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if ":memory:" not in str(url) and str(url) not in ("sqlite://", "sqlite+pysqlite://"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the store at ``engine`` is at (None for a new store)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_upgrade(engine: Engine, script_location: Path, revision: str = "head") -> None:
    """Run this store's migrations up to ``revision`` on ``engine``."""
    # imported here: Alembic takes ~0.25 s to import, and a store already at the newest
    # schema does not need it (see ``open_local``)
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def run_alembic_env(target_metadata: MetaData) -> None:
    """The body of both stores' Alembic ``env.py``: migrate on the connection handed in by
    :func:`alembic_upgrade`, or on an engine built from the Alembic config (``alembic`` CLI)."""
    from alembic import context

    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(config.get_section(config.config_ini_section) or {},
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


def sqlite_url(path: Path) -> str:
    """A SQLAlchemy URL for a SQLite file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
