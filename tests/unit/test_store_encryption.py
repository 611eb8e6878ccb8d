"""The local store encrypted at rest (SQLCipher, the key in the keyring; tests use the
deliberate in-memory keyring of tests/conftest.py)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import keyring
import pytest
from sqlalchemy import select

from workbench.core.dbutil import unit_of_work
from workbench.local_store import encryption
from workbench.local_store.db import open_local, session_factory
from workbench.local_store.models import Customer, Outbox
from workbench.local_store.outbox import enqueue
from workbench.services.actor import Actor
from workbench.services.screen_pop import ScreenPopService

AGENT = Actor("U-agent1", "agent1", "李敏", "agent", "T01", None)


@pytest.fixture(autouse=True)
def memory_keyring() -> None:
    """The deliberate in-memory keyring (WORKBENCH_KEYRING=memory, see tests/conftest.py)."""
    from workbench.services.credentials import configure_keyring

    assert configure_keyring().usable


def _fill(engine) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(session_factory(engine)) as s:
        c = Customer(id="C1", name="王伟", phone="13800138000", team_id="T01", plan_fee=96)
        s.add(c)
        s.flush()
        enqueue(s, "customer", "update", {"id": "C1", "note": "待同步"})


def test_a_copied_store_file_is_unreadable_without_the_key(tmp_path: Path) -> None:
    path = tmp_path / "local-agent1.db"
    opened = encryption.open_store(path)
    assert opened.notice is None
    _fill(opened.engine)
    opened.engine.dispose()
    assert not encryption.is_plain_sqlite(path)
    raw = path.read_bytes()
    assert b"13800138000" not in raw and "王伟".encode() not in raw
    copy = tmp_path / "stolen.db"
    shutil.copy(path, copy)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(copy).execute("SELECT * FROM customers").fetchall()
    # the owner opens it again with the key from the keyring
    again = encryption.open_store(path)
    with session_factory(again.engine)() as s:
        assert s.get(Customer, "C1") is not None
    again.engine.dispose()


def test_the_screen_pop_runs_on_the_encrypted_connection(tmp_path: Path) -> None:
    """The pop's prebuilt statements run straight on the DB-API connection: sqlcipher3's."""
    opened = encryption.open_store(tmp_path / "pop.db")
    _fill(opened.engine)
    sf = session_factory(opened.engine)
    with sf() as s:
        dbapi = s.connection().connection.dbapi_connection
        assert type(dbapi).__module__.startswith("sqlcipher3")
    pop = ScreenPopService(sf, AGENT).build("+86 138 0013 8000")
    assert pop is not None and pop.portrait.id == "C1" and pop.portrait.phone_display == "138****8000"
    opened.engine.dispose()


def test_a_missing_key_gives_a_clear_message_and_a_fresh_store(tmp_path: Path) -> None:
    path = tmp_path / "local-agent1.db"
    opened = encryption.open_store(path)
    _fill(opened.engine)
    opened.engine.dispose()
    encryption.forget_key(path)  # a new keyring, another machine
    fresh = encryption.open_store(path)
    assert fresh.notice is not None and "key is missing" in fresh.notice and "synced" in fresh.notice
    with session_factory(fresh.engine)() as s:
        assert s.execute(select(Customer)).first() is None  # empty: the sync starts from 0
    fresh.engine.dispose()
    assert (tmp_path / "local-agent1.db.unreadable").exists()
    # the notice waits for the next open if the first one did not show it, then it is gone
    again = encryption.open_store(path)
    assert again.notice is not None
    again.engine.dispose()
    third = encryption.open_store(path)
    assert third.notice is None
    third.engine.dispose()


def test_a_wrong_key_is_handled_like_a_missing_one(tmp_path: Path) -> None:
    path = tmp_path / "local.db"
    encryption.open_store(path).engine.dispose()
    keyring.set_password(encryption.KEYRING_SERVICE, str(path.absolute()), "00" * 32)
    opened = encryption.open_store(path)
    assert opened.notice is not None
    opened.engine.dispose()


def test_an_unencrypted_store_is_encrypted_in_place_with_its_outbox(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    plain = open_local(path)
    _fill(plain)
    plain.dispose()
    assert encryption.is_plain_sqlite(path)
    opened = encryption.open_store(path)
    assert opened.notice is None
    assert not encryption.is_plain_sqlite(path)
    with session_factory(opened.engine)() as s:
        assert s.get(Customer, "C1") is not None
        assert [o.entity for o in s.execute(select(Outbox)).scalars()] == ["customer"]
    opened.engine.dispose()
