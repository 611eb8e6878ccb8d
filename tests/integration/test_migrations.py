"""Both stores' Alembic migrations build exactly the schema of the models (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from server_stub.storage.models import Base as CentralBase
from workbench.local_store.db import open_local
from workbench.local_store.models import Base as LocalBase


def _diff(url: str, metadata) -> list:  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()


def test_central_store_migrations_match_the_models(central_url: str) -> None:
    """``central_url`` is migrated by Alembic (SQLite and PostgreSQL)."""
    assert _diff(central_url, CentralBase.metadata) == []
    engine = create_engine(central_url)
    try:
        assert "alembic_version" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_local_store_migrations_match_the_models(tmp_path: Path) -> None:
    path = tmp_path / "local.db"
    open_local(path).dispose()
    open_local(path).dispose()  # a second open finds it up to date and changes nothing
    assert _diff(f"sqlite:///{path}", LocalBase.metadata) == []


def test_local_head_revision_is_the_newest_migration(tmp_path: Path) -> None:
    """``open_local`` skips Alembic when the store is at ``HEAD_REVISION``: that constant
    must name the newest migration, and an older store must still be upgraded."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import text

    from workbench.core.dbutil import schema_revision
    from workbench.local_store.db import HEAD_REVISION, MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION
    path = tmp_path / "local.db"
    bare = create_engine(f"sqlite:///{path}")
    assert schema_revision(bare) is None  # a new file: Alembic builds it
    bare.dispose()
    engine = open_local(path)
    assert schema_revision(engine) == HEAD_REVISION
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM customers")).scalar() == 0
    engine.dispose()
