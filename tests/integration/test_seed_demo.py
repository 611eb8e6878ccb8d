"""seed-demo on PostgreSQL: the same code writes the same rows as on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from server_stub.seed import SeedError, seed_demo
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from workbench.local_store.entities import to_wire

pytestmark = pytest.mark.postgres


def _rows(engine: Engine) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    with Session(engine) as s:
        for entity, model in m.ENTITIES.items():
            rows = [to_wire(r) for r in s.scalars(select(model).order_by(model.id))]
            for row in rows:
                row.pop("password_hash", None)
            out[entity] = rows
        out["change_log"] = [
            {"cursor": c.cursor, "entity": c.entity, "entity_id": c.entity_id, "data": c.data,
             "team_id": c.team_id, "store_id": c.store_id}
            for c in s.scalars(select(m.ChangeLog).order_by(m.ChangeLog.cursor))]
    return out


def _pg_indexes(url: str) -> set[tuple[str, str]]:
    engine = open_central(url, migrate=False)
    try:
        with engine.connect() as conn:
            return set(conn.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'").all())
    finally:
        engine.dispose()


def test_seed_on_postgresql_matches_sqlite(pg_url: str, tmp_path: Path) -> None:
    indexes = _pg_indexes(pg_url)
    summary = seed_demo(pg_url, 200, 3)
    assert _pg_indexes(pg_url) == indexes
    sqlite_url = f"sqlite:///{tmp_path / 'central.db'}"
    seed_demo(sqlite_url, 200, 3)
    pg, lite = open_central(pg_url), open_central(sqlite_url)
    try:
        got, want = _rows(pg), _rows(lite)
        assert {k: len(v) for k, v in got.items()} == {k: len(v) for k, v in want.items()}
        for entity in got:
            assert got[entity] == want[entity], entity
        assert len(got["change_log"]) == summary.change_log_rows == summary.last_cursor
        with Session(pg) as s:
            agent1 = s.scalars(select(m.User).where(m.User.username == "agent1")).one()
        assert PasswordHasher().verify(agent1.password_hash, "demo")
        with pytest.raises(SeedError, match="already has data"):
            seed_demo(pg, 10, 1)
    finally:
        pg.dispose()
        lite.dispose()
