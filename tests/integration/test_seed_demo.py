"""seed-demo end to end: PostgreSQL equals SQLite row for row; the demo accounts work on a server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from server_stub.seed import SeedError, seed_demo
from server_stub.storage import models as m
from server_stub.storage.db import open_central
from workbench.core.entities import to_wire
from workbench.local_store import models as local
from workbench.local_store.db import open_local, session_factory
from workbench.services.actor import Actor
from workbench.services.screen_pop import ScreenPopService
from workbench.services.server_api import AuthError, ServerApi
from workbench.services.sync_engine import SyncEngine


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


@pytest.mark.postgres
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


def test_demo_desktops_sync_their_scope_from_the_seeded_log(
    central_url: str, live_server: str, api_for: Callable[..., ServerApi], tmp_path: Path,
) -> None:
    """Demo accounts log in to a real server and do their initial sync from the change log."""
    seed_demo(central_url, 300, 7)
    api = api_for("agent1", "demo")
    with pytest.raises(AuthError):
        api_for("agent1", "wrong password")

    def initial_sync(username: str) -> sessionmaker[Session]:
        engine = open_local(tmp_path / f"{username}.db")
        factory = session_factory(engine)
        client = api_for(username, "demo")
        SyncEngine(factory, client, SyncEngine.client_id_for(factory)).pull_all()
        return factory

    agent1, agent9, reception1 = (initial_sync(u) for u in ("agent1", "agent9", "reception1"))
    for factory, team in ((agent1, "T01"), (agent9, "T02")):
        with factory() as s:
            teams = set(s.scalars(select(local.Customer.team_id)))
            assert teams == {team}
            assert s.scalar(select(func.count()).select_from(local.Policy)) == 12
            assert s.scalar(select(func.count()).select_from(local.Script)) > 50
            assert s.scalar(select(func.count()).select_from(local.ContactEvent)) > 100
            assert s.scalar(select(func.count()).select_from(local.Task)) > 10
    with agent1() as s:
        c1 = s.get(local.Customer, "C0000001")
        assert c1 is not None and c1.phone == "13800138000" and c1.plan_fee == 96
        assert "price_sensitive" in c1.tags
    with reception1() as s:
        assert set(s.scalars(select(local.Customer.store_id))) == {"S001"}
        assert s.scalar(select(func.count()).select_from(local.WorkOrder)) >= 2

    # the unified policy view on agent1's desktop, the morning after the history ends
    pops = ScreenPopService(agent1, Actor("U-agent1", "agent1", "", "agent", team_id="T01"))
    now = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Guangzhou
    pop = pops.build("13800138000", now=now)
    assert pop is not None and pop.portrait.id == "C0000001"
    assert pop.offers[0].policy_id == "P-168-504"
    assert {sc.section for sc in pop.script} >= {"opening", "offer", "objection", "closing"}
    assert all("{" not in sc.text for sc in pop.script)
    done = pops.build("15800158000", now=now)
    assert done is not None
    assert "P-168-504" in {a.policy_id for a in done.accepted}
    assert "P-168-504" not in {o.policy_id for o in done.offers}
    dnc = pops.build("13600136000", now=now)
    assert dnc is not None and "do_not_call" in {w.code for w in dnc.warnings}

    found = api.lookup_customer("+86 138-0013-8000")
    assert found is not None and found["customer"]["id"] == "C0000001"
    assert api_for("agent9", "demo").lookup_customer("13800138000") is None
