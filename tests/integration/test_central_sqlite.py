"""How the central store on SQLite reads the change log and keeps its write-ahead log short."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from server_stub import sync
from server_stub.auth import Principal
from server_stub.changes import Change, append
from server_stub.storage.db import WalCheckpointer, open_central, session_factory, unit_of_work

PRINCIPALS = [
    Principal("U1", "agent1", "agent", "T01", None, "s"),
    Principal("U2", "lead1", "lead", "T01", None, "s"),
    Principal("U3", "reception1", "receptionist", None, "S001", "s"),
    Principal("U4", "admin", "admin", None, None, "s"),
]


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Engine]:
    engine = open_central(f"sqlite:///{tmp_path / 'central.db'}")
    factory = session_factory(engine)
    with unit_of_work(factory) as s:
        append(s, [Change("contact_event", f"E{i}", {"id": f"E{i}"}, team_id=f"T0{i % 3}",
                          store_id=f"S00{i % 4}", target_user_id="U1" if i % 97 == 0 else None)
                   for i in range(3000)])
    yield engine
    engine.dispose()


def test_a_pull_page_walks_the_log_in_order_without_sorting_it(central: Engine) -> None:
    """Each page reads the primary key from the cursor on and stops at the limit: no index
    on team or store that would make SQLite gather and sort the rest of the log first."""
    for p in PRINCIPALS:
        compiled = sync.pull_statement(p, 10, 3000, 501).compile(central)
        params = tuple(compiled.params[k] for k in compiled.positiontup)  # type: ignore[union-attr]
        with central.connect() as conn:
            plan = " | ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params))
        assert "INTEGER PRIMARY KEY" in plan, (p.role, plan)
        assert "TEMP B-TREE" not in plan, (p.role, plan)


def test_pages_still_hold_exactly_the_scope(central: Engine) -> None:
    factory = session_factory(central)
    for p in PRINCIPALS:
        seen: list[int] = []
        cursor = 0
        while True:
            with factory() as s:
                page = sync.pull(s, p, cursor, 137)
            seen += [c["cursor"] for c in page.changes]
            cursor = page.next_cursor
            if not page.has_more:
                break
        expected = []
        for i in range(3000):
            mine = i % 97 == 0 and p.user_id == "U1"
            target = i % 97 == 0
            own = (p.role == "admin" or (p.role == "receptionist" and f"S00{i % 4}" == p.store_id)
                   or (p.role in ("agent", "lead") and f"T0{i % 3}" == p.team_id))
            if mine or (not target and own):
                expected.append(i + 1)
        assert seen == expected, p.role


def test_checkpointer_copies_the_log_off_the_request_path_and_goes_idle(central: Engine) -> None:
    wal = Path(str(central.url.database) + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    cp = WalCheckpointer(central, idle_s=0.3)
    cp.kick()
    deadline = time.monotonic() + 10
    while cp.runs < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert cp.runs == 1
    with central.connect() as conn:  # everything in the log is in the database now
        busy, logged, done = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    assert busy == 0 and logged == done
    thread = cp._thread
    assert thread is not None
    thread.join(5)
    assert not thread.is_alive()  # idle: the thread ended; a new kick starts another
    cp.kick()
    deadline = time.monotonic() + 10
    while cp.runs < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert cp.runs == 2


def test_checkpointer_does_nothing_on_a_memory_store() -> None:
    from sqlalchemy import create_engine

    engine = create_engine("sqlite://")
    cp = WalCheckpointer(engine)
    cp.kick()
    assert not cp.enabled and cp._thread is None
