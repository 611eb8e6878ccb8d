"""The screen pop's prebuilt queries, run straight on SQLite, return what Core returns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, Numeric

from tests.local_data import build_local_store
from workbench.local_store.models import Acceptance, Task, WorkOrder
from workbench.services import screen_pop as sp


def _value(col: Any, i: int) -> Any:
    impl = getattr(col.type, "impl", col.type)
    if isinstance(impl, DateTime) or "DateTime" in type(col.type).__name__:
        return dt.datetime(2026, 11, 3, 4, 5, 6, 789000, tzinfo=dt.UTC)
    if isinstance(impl, Date):
        return dt.date(2026, 1, 2)
    if isinstance(impl, Boolean):
        return True
    if isinstance(impl, Integer):
        return 7 + i
    if isinstance(impl, Float | Numeric):
        return 1.25
    if isinstance(impl, JSON):
        return {"k": [1, "二"]}
    return f"v{i}"


def test_prepared_queries_match_core_row_for_row(tmp_path: Path) -> None:
    sf = build_local_store(tmp_path / "local.db")
    with sf.begin() as s:  # every column filled, for the processors of every type
        for table, extra in ((WorkOrder.__table__, {}), (Acceptance.__table__, {"status": "accepted"}),
                             (Task.__table__, {"status": "open"})):
            for i in range(3):
                row = {c.name: _value(c, i) for c in table.columns}
                s.execute(table.insert(), {**row, **extra, "id": f"X{i}", "customer_id": "C2"})
    seen = 0
    with sf() as s:
        conn = s.connection()
        for cid in ("C1", "C2", "C3", "nobody"):
            for q in (sp._Q_CUSTOMER, sp._Q_EVENTS, sp._Q_ACCEPTED, sp._Q_ORDERS, sp._Q_TASKS):
                core = conn.execute(q.stmt, {"cid": cid}).all()
                ours = q.all(conn, {"cid": cid})
                assert [tuple(r) for r in ours] == [tuple(r) for r in core]
                assert [type(v) for r in ours for v in r] == [type(v) for r in core for v in r]
                assert all(o._fields == c._fields for o, c in zip(ours, core, strict=True))
                seen += len(core)
            customer = conn.execute(sp._Q_CUSTOMER.stmt, {"cid": cid}).first()
            if customer is not None:
                for kind in ("phone", "member_no", "id_suffix"):
                    key = getattr(customer, "phone" if kind == "phone" else kind)
                    if key:
                        core_row = conn.execute(sp._Q_CUSTOMER_BY[kind].stmt, {"key": key}).first()
                        assert tuple(sp._Q_CUSTOMER_BY[kind].first(conn, {"key": key})) == tuple(core_row)
    assert seen >= 15
