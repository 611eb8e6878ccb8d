"""Pull pages made from the stored JSON text (``sync.pull(as_json=True)``) are the pages made
row by row, and damaged rows still never reach a client (issue #13 points 1 and 11)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from server_stub import sync
from server_stub.auth import Principal
from server_stub.changes import Change, append
from server_stub.storage.db import open_central, session_factory, unit_of_work
from workbench.core import jsontext

AGENT = Principal("U1", "agent1", "agent", "T01", None, "s")
ADMIN = Principal("U4", "admin", "admin", None, None, "s")


@pytest.fixture(params=["sqlite", "postgresql"])
def central(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/central.db"
    else:
        url = request.getfixturevalue("pg_url")
    engine = open_central(url)
    factory = session_factory(engine)
    with unit_of_work(factory) as s:
        append(s, [Change("contact_event", f"E{i}", {"id": f"E{i}", "n": i, "note": "e123 1e400 \u4e2d"},
                          team_id="T01" if i % 2 else "T02") for i in range(40)]
               + [Change("customer", "C1", {"id": "C1", "id_number_masked": "11010119900307123X",
                                            "id_suffix": "123X", "scores": {"deal": 0.5}}, team_id="T01")]
               + [Change("call_event", "K1", {"id": "K1", "customer": {"id": "C1", "id_suffix": "9"}},
                         op="event", target_user_id="U1")])
    yield engine
    engine.dispose()


def _pages(engine: Engine, p: Principal, limit: int) -> tuple[list[bytes], list[bytes]]:
    """All pages, as made by splicing and row by row."""
    factory = session_factory(engine)
    out: tuple[list[bytes], list[bytes]] = ([], [])
    for k, as_json in enumerate((True, False)):
        cursor = 0
        while True:
            with factory() as s:
                page = sync.pull(s, p, cursor, limit, as_json=as_json)
            out[k].append(sync.page_json(page))
            cursor = page.next_cursor
            if not page.has_more:
                break
    return out


@pytest.mark.parametrize("p", [AGENT, ADMIN], ids=["agent", "admin"])
def test_spliced_pages_are_the_pages_made_row_by_row(central: Engine, p: Principal) -> None:
    spliced, rows = _pages(central, p, 7)
    assert [jsontext.loads(b) for b in spliced] == [jsontext.loads(b) for b in rows]
    changes = [c for b in spliced for c in jsontext.loads(b)["changes"]]
    customer = next(c for c in changes if c["entity"] == "customer")
    assert customer["data"]["id_suffix"] is None  # the desk's view, as row by row
    assert customer["data"]["id_number_masked"].startswith("*")


@pytest.mark.parametrize("stored", ['{"id": "E3", "x": 1e400}', '{"id": "E3", "x": NaN}', "[1, 2]", "{broken",
                                    '{"id": "E3"}, {"cursor": 99}'])
def test_a_damaged_row_is_left_out_of_a_spliced_page(central: Engine, stored: str) -> None:
    if central.dialect.name == "postgresql" and stored in ("{broken", '{"id": "E3", "x": NaN}',
                                                            '{"id": "E3"}, {"cursor": 99}'):
        pytest.skip("PostgreSQL's json type refuses this text itself")
    with central.begin() as conn:  # behind the server's back
        conn.execute(text("UPDATE change_log SET data = :d WHERE entity_id = 'E3'"), {"d": stored})
    spliced, rows = _pages(central, AGENT, 500)
    assert spliced == rows
    page = jsontext.loads(spliced[0])
    ids = [c["data"]["id"] for c in page["changes"] if c["entity"] == "contact_event"]
    assert "E3" not in ids and "E1" in ids
    assert all(isinstance(c["data"], dict) for c in page["changes"])
