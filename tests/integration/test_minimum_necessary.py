"""Minimum necessary: what a desk receives never narrows an ID number.

The check-digit attack: from everything a desk receives about a customer (ID characters at
known positions, birth year, gender, the area code of their city), count the 18-character ID
numbers that fit, the check digit included. On the server's own rows the attack finds one or a
few candidates (that is what it is for); on what any desk receives, never fewer than 100.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from server_stub.seed.demo import seed_demo
from server_stub.seed.reference import CITIES
from server_stub.storage.models import Customer, User
from tests.integration.factories import central_session
from tests.integration.test_server_scopes import pull_everything
from workbench.services.server_api import ServerApi

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK = np.array(list("10X98765432"))
AREA_OF_CITY = {c.city: c.area_code for c in CITIES}


def known_positions(row: dict[str, Any]) -> dict[int, str]:
    """ID characters a row gives away, by position (masked numbers and suffixes are aligned
    to the right end of the 18 characters)."""
    known: dict[int, str] = {}
    masked = row.get("id_number_masked") or ""
    for i, ch in enumerate(masked[-18:]):
        if ch != "*":
            known[18 - len(masked[-18:]) + i] = ch
    suffix = row.get("id_suffix") or ""
    for i, ch in enumerate(suffix):
        known[18 - len(suffix) + i] = ch
    return known


def _digits(values: Iterable[str]) -> np.ndarray:
    return np.array([[int(c) for c in v] for v in values], dtype=np.int64)


def candidates(row: dict[str, Any]) -> int:
    """How many ID numbers fit what ``row`` says (the attacker knows the city's area code)."""
    known = known_positions(row)
    area = "".join(known.get(i, "") for i in range(6))
    if len(area) != 6:
        area = AREA_OF_CITY.get(row.get("city") or "", "440106")
    years = [int(row["birth_year"])] if row.get("birth_year") else list(range(1920, 2011))
    dates = [f"{y:04d}{m:02d}{d:02d}" for y in years for m in range(1, 13)
             for d in range(1, calendar.monthrange(y, m)[1] + 1)]
    dates = [x for x in dates if all(known.get(6 + i, x[i]) == x[i] for i in range(8))]
    seqs = [f"{q:03d}" for q in range(1000)]
    seqs = [q for q in seqs if all(known.get(14 + i, q[i]) == q[i] for i in range(3))]
    if row.get("gender") in ("M", "F"):
        seqs = [q for q in seqs if (int(q[2]) % 2 == 1) == (row["gender"] == "M")]
    if not dates or not seqs:
        return 0
    base = int((_digits([area]) * WEIGHTS[:6]).sum())
    d = (_digits(dates) * WEIGHTS[6:14]).sum(axis=1)
    q = (_digits(seqs) * WEIGHTS[14:17]).sum(axis=1)
    checks = CHECK[(base + d[:, None] + q[None, :]) % 11]
    if 17 in known:
        return int((checks == known[17]).sum())
    return int(checks.size)


def merge_rows(rows: dict[str, dict[str, Any]], more: dict[str, Any]) -> None:
    """Combine what several answers said about one customer (the attacker keeps it all)."""
    have = rows.setdefault(more["id"], {})
    for k, v in more.items():
        if v not in (None, "") and (k not in have or len(str(v)) > len(str(have.get(k) or ""))):
            have[k] = v


@pytest.fixture
def demo(central_url: str, live_server: str) -> str:
    seed_demo(central_url, customers=300, seed=3)
    return central_url


def test_no_desk_receives_enough_to_narrow_an_id_number(demo: str, api_for: Callable[..., ServerApi]) -> None:
    with central_session(demo) as s:
        server_rows = [{c.key: getattr(r, c.key) for c in Customer.__table__.columns}
                       for r in s.execute(select(Customer)).scalars()]
        hotline = s.execute(select(User.username).where(User.team_id == "T06").limit(1)).scalar_one()
    # the attack works: on the server's rows it pins most customers down
    on_server = [candidates(r) for r in server_rows]
    assert min(on_server) >= 1  # the true ID always fits
    assert sum(n < 100 for n in on_server) > len(on_server) * 0.9
    seen: dict[str, dict[str, Any]] = {}
    for username in ("agent1", "reception1", "lead1", hotline, "admin"):
        api = api_for(username, "demo")
        for change in pull_everything(api):
            if change.entity == "customer":
                merge_rows(seen, change.data)
            elif change.entity == "call_event" and isinstance(change.data.get("customer"), dict):
                merge_rows(seen, change.data["customer"])
        if username == hotline:  # serve payloads too (grants outside the hotline's book)
            for row in server_rows[::15]:
                found = api.serve_customer(row["phone"], "cli")
                assert found is not None
                merge_rows(seen, found["customer"])
        lookup = api.lookup_customer(server_rows[0]["phone"])
        if lookup is not None:
            merge_rows(seen, lookup["customer"])
    assert len(seen) == len(server_rows)  # every customer reached some desk
    fewest = min((candidates(r), cid) for cid, r in seen.items())
    assert fewest[0] >= 100, fewest
    assert all(not r.get("id_suffix") for r in seen.values())
    assert all(len(known_positions(r)) <= 4 for r in seen.values())


def test_a_local_store_synced_before_the_cut_is_scrubbed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from workbench.local_store.db import open_local, session_factory
    from workbench.local_store.models import Customer as LocalCustomer

    path = tmp_path / "old.db"
    engine = open_local(path)
    with session_factory(engine).begin() as s:
        s.add(LocalCustomer(id="C1", name="王伟", phone="13800138000", id_number_masked="440106********1234",
                            id_suffix="561234"))
        s.add(LocalCustomer(id="C2", name="赵丽", phone="13700137000"))
        # back to the schema before 0002_h18pii (and the migrations after it)
        s.execute(text("DROP TABLE sms_template_drafts"))
        s.execute(text("DROP INDEX ix_work_orders_appointment_at"))
        s.execute(text("ALTER TABLE work_orders DROP COLUMN appointment_minutes"))
        s.execute(text("ALTER TABLE work_orders DROP COLUMN appointment_at"))
        s.execute(text("ALTER TABLE scripts DROP COLUMN channel"))
        s.execute(text("UPDATE alembic_version SET version_num = '0002_h17life'"))
    engine.dispose()
    engine = open_local(path)  # the 0002_h18pii migration runs, then the later ones
    with session_factory(engine)() as s:
        c1, c2 = s.get(LocalCustomer, "C1"), s.get(LocalCustomer, "C2")
        assert c1 is not None and c2 is not None
        assert (c1.id_number_masked, c1.id_suffix) == ("****************34", None)
        assert c2.id_number_masked == ""
    engine.dispose()
