"""Issue #13 point 6: replaying a rotated refresh token revokes the whole session
(OAuth 2.0 Security BCP, refresh token rotation), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select

from server_stub.storage.models import AuthSession
from tests.integration.factories import World, central_session
from workbench.services.server_api import AuthError, ServerApi


def test_replayed_refresh_token_kills_old_and_newest_tokens(world: World, api_for: Callable[..., ServerApi]) -> None:
    victim = api_for("agent1")
    first = victim.refresh()  # the desktop rotates: refresh token R1 -> R2
    stolen = first.refresh_token
    newest = victim.refresh()  # R2 -> R3; R2 is spent now
    assert victim.pull(0).next_cursor > 0

    thief = api_for("")
    with pytest.raises(AuthError, match="used twice"):
        thief.refresh(stolen)  # the replay is refused ...

    # ... and ends the session: the newest refresh token and the newest access token are dead
    probe = api_for("")
    with pytest.raises(AuthError):
        probe.refresh(newest.refresh_token)
    probe.set_tokens(newest.access_token, None)
    with pytest.raises(AuthError):
        probe.pull(0)
    with pytest.raises(AuthError):
        thief.refresh(stolen)
    with central_session(world.url) as s:
        assert s.execute(select(AuthSession.revoked).where(AuthSession.id == newest.session_id)).scalar_one()

    # other sessions of the same user live on; a new login works
    again = api_for("agent1")
    assert again.pull(0).next_cursor > 0


def test_parallel_refreshes_with_one_token_let_one_win_and_end_the_session(
        world: World, live_server: str, api_for: Callable[..., ServerApi]) -> None:
    api = api_for("agent2")
    token = api.refresh_token
    gate = threading.Barrier(8)

    def one(_: int) -> int:
        with httpx.Client(base_url=live_server, timeout=30) as http:
            gate.wait()
            return http.post("/api/v1/auth/refresh", json={"refresh_token": token}).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(one, range(8)))
    assert sorted(codes) == [200] + [401] * 7, codes  # one rotation wins (a conditional UPDATE)
    with central_session(world.url) as s:  # and the replays that came after it ended the session
        assert all(s.execute(select(AuthSession.revoked).where(AuthSession.user_id == "U-agent2")).scalars())


def test_unknown_refresh_token_revokes_nothing(world: World, api_for: Callable[..., ServerApi]) -> None:
    api = api_for("agent1")
    with pytest.raises(AuthError, match="expired"):
        api_for("").refresh("x" * 43)
    assert api.pull(0).next_cursor > 0
