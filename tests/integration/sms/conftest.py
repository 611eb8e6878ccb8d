"""Fixtures of the SMS tests: a live server with SMS settings, and the real Kannel chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from server_stub.sms.gateway import SmsSettings
from server_stub.storage.db import open_central, session_factory
from tests.integration.conftest import LiveServer
from tests.kannel_rig import KannelRig, kannel_missing

SECRET = "sms-test-secret"


@dataclass
class SmsChain:
    """A server on loopback wired to a Kannel chain (or to no gateway)."""

    server: LiveServer
    settings: SmsSettings
    factory: sessionmaker[Session]
    kannel: KannelRig | None

    @property
    def base_url(self) -> str:
        return self.server.base_url


def settings_for(base_url: str, sms_url: str | None, allow: tuple[str, ...] = ("127.0.0.1",)) -> SmsSettings:
    return SmsSettings(url=sms_url, secret=SECRET, allow=allow, callback_base=base_url, online_base=base_url)


@pytest.fixture
def sqlite_central(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    open_central(url).dispose()
    return url


def _chain(url: str, tmp_path: Path, with_kannel: bool) -> Iterator[SmsChain]:
    if with_kannel:
        reason = kannel_missing()
        if reason:
            pytest.skip(reason)
    server = LiveServer(url)
    rig = KannelRig(tmp_path / "kannel", callback_base=server.base_url, secret=SECRET) if with_kannel else None
    settings = settings_for(server.base_url, rig.sms_url if rig else None)
    server.app.state.sms_settings = settings
    server.start()
    engine = open_central(url, migrate=False)
    try:
        if rig is not None:
            rig.start()
        yield SmsChain(server, settings, session_factory(engine), rig)
    finally:
        if rig is not None:
            rig.stop()
        server.stop()
        engine.dispose()


@pytest.fixture
def kannel_chain(sqlite_central: str, tmp_path: Path) -> Iterator[SmsChain]:
    """A live server over a fresh SQLite store, with Kannel and fakesmsc running."""
    yield from _chain(sqlite_central, tmp_path, True)


@pytest.fixture
def no_gateway_chain(central_url: str, tmp_path: Path) -> Iterator[SmsChain]:
    """A live server (SQLite and PostgreSQL) with no SMS gateway configured."""
    yield from _chain(central_url, tmp_path, False)
