"""Shared fixtures: fresh central stores on SQLite and PostgreSQL, a deliberate keyring."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests and CI use the in-memory keyring on purpose (headless Linux has no OS keyring).
os.environ.setdefault("WORKBENCH_KEYRING", "memory")
# Log files of the app and the servers the tests start go to a folder of the run, not the user's.
if "WORKBENCH_LOG_DIR" not in os.environ:
    import tempfile

    os.environ["WORKBENCH_LOG_DIR"] = tempfile.mkdtemp(prefix="workbench-test-logs-")

PG_ADMIN_URL = os.environ.get("WORKBENCH_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, object] = {}


def _pg_reason() -> str | None:
    """None if PostgreSQL is reachable, else why not (checked once per run)."""
    if "reason" not in _pg_state:
        try:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
                conn.execute("select 1")
            _pg_state["reason"] = None
        except Exception as exc:  # any failure means: skip the PostgreSQL half
            _pg_state["reason"] = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"
    return _pg_state["reason"]  # type: ignore[return-value]


def _pg_template() -> str:
    """Name of a database migrated once per run, cloned for each test."""
    if "template" not in _pg_state:
        import psycopg

        from server_stub.storage.db import open_central

        name = f"wbtpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        engine = open_central(_pg_url(name))
        engine.dispose()
        _pg_state["template"] = name
    return str(_pg_state["template"])


def _pg_url(dbname: str) -> str:
    """A database on the server of ``WORKBENCH_TEST_PG`` (default 127.0.0.1:5432, or the
    throw-away cluster ``make test`` starts when none answers there)."""
    from urllib.parse import urlsplit

    server = urlsplit(PG_ADMIN_URL)
    return f"postgresql+psycopg://{server.netloc}/{dbname}"


def pg_fresh_database() -> Iterator[str]:
    """Create a fresh, migrated PostgreSQL database; yield its URL; drop it afterwards."""
    import psycopg

    template = _pg_template()
    name = f"wbt_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _pg_url(name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def central_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty, migrated central store: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        from server_stub.storage.db import open_central

        url = f"sqlite:///{tmp_path / 'central.db'}"
        open_central(url).dispose()
        yield url
    else:
        reason = _pg_reason()
        if reason:
            pytest.skip(reason)
        yield from pg_fresh_database()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL of an empty, migrated central store on PostgreSQL (skips if unreachable)."""
    reason = _pg_reason()
    if reason:
        pytest.skip(reason)
    yield from pg_fresh_database()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    template = _pg_state.get("template")
    if template:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
