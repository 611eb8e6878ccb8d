"""Bulk inserts of the push path (COPY on PostgreSQL, executemany on SQLite): values as an
ORM insert would store them, and database errors as SQLAlchemy's exceptions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from server_stub.bulk import RawWriter
from server_stub.changes import Change, append
from server_stub.storage.db import open_central
from server_stub.storage.models import AppliedMutation, ChangeLog


def test_rows_round_trip_and_duplicates_raise_integrity_error(central_url: str) -> None:
    engine = open_central(central_url, migrate=False)
    factory = sessionmaker(engine)
    when = dt.datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=dt.UTC)
    rows = [{"mutation_id": f"m{i}", "client_id": "c", "user_id": "u",
             "result": {"status": "applied", "note": "客户 'quoted' \\ tab\there", "n": i},
             "created_at": when} for i in range(2500)]
    with factory.begin() as s:
        RawWriter(s).insert(AppliedMutation.__table__, ["mutation_id", "client_id", "user_id", "result", "created_at"],
                            rows)
        last = append(s, [Change("contact_event", f"E{i}", {"id": f"E{i}", "x": None, "t": "a\nb"}, team_id="T01")
                          for i in range(3)])
    with factory() as s:
        got = {r.mutation_id: r for r in s.execute(select(AppliedMutation)).scalars()}
        assert len(got) == 2500
        assert got["m7"].result == {"status": "applied", "note": "客户 'quoted' \\ tab\there", "n": 7}
        assert got["m7"].created_at == when
        log = s.execute(select(ChangeLog).order_by(ChangeLog.cursor)).scalars().all()
        assert [c.cursor for c in log] == [last - 2, last - 1, last]
        assert log[0].data == {"id": "E0", "x": None, "t": "a\nb"} and log[0].team_id == "T01"
    with pytest.raises(IntegrityError), factory.begin() as s:
        RawWriter(s).insert(AppliedMutation.__table__, ["mutation_id", "client_id", "user_id", "result", "created_at"],
                            [{**rows[0], "mutation_id": "new"}, rows[1]])
    with factory() as s:  # the failed batch left nothing behind
        assert s.get(AppliedMutation, "new") is None
    engine.dispose()
