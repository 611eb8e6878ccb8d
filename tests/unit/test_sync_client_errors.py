"""ServerApi maps HTTP failures to typed errors whose messages are safe to show.

Uses ``httpx.MockTransport`` for answers a healthy real server will not give on demand
(5xx, broken JSON, dropped connections); the real server is exercised in tests/integration.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from workbench.services.server_api import (
    CLIENT_SCHEMA,
    AuthError,
    ClientTooOldError,
    OfflineError,
    ServerApi,
    ServerRejected,
    ThrottledError,
)

TOKENS = {
    "access_token": "a2", "refresh_token": "r2", "token_type": "bearer",
    "expires_at": "2026-11-23T12:00:00+00:00", "refresh_expires_at": "2026-12-23T12:00:00+00:00",
    "session_id": "s", "user": {"id": "U-a", "username": "a", "display_name": "A", "role": "agent",
                                "team_id": "T01", "store_id": None},
}


def api_with(handler: Callable[[httpx.Request], httpx.Response]) -> ServerApi:
    api = ServerApi(httpx.Client(transport=httpx.MockTransport(handler), base_url="http://server"))
    api.set_tokens("a1", "r1")
    return api


@pytest.mark.parametrize(("status", "error"), [
    (401, AuthError), (403, ServerRejected), (409, ServerRejected), (422, ServerRejected),
    (426, ClientTooOldError), (500, OfflineError), (503, OfflineError),
])
def test_status_maps_to_error(status: int, error: type[Exception]) -> None:
    api = api_with(lambda r: httpx.Response(status, json={"detail": "the reason"}))
    api.set_tokens("a1", None)  # no refresh token: a 401 is final
    with pytest.raises(error) as info:
        api.pull(0)
    if status < 500:
        assert str(info.value) == "the reason"


def test_throttled_carries_retry_after() -> None:
    api = api_with(lambda r: httpx.Response(429, json={"detail": "wait"}, headers={"Retry-After": "17"}))
    with pytest.raises(ThrottledError) as info:
        api.login("a", "b")
    assert info.value.retry_after == 17


def test_network_failure_is_offline() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(OfflineError, match="offline"):
        api_with(boom).push("c", [])


def test_unreadable_answer_is_offline() -> None:
    with pytest.raises(OfflineError):
        api_with(lambda r: httpx.Response(200, content=b"<html>proxy error</html>")).health()


def test_expired_access_token_is_refreshed_once() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.path} {request.headers.get('Authorization', '')}")
        assert request.headers["X-Workbench-Client-Schema"] == str(CLIENT_SCHEMA)
        if request.url.path.endswith("/auth/refresh"):
            return httpx.Response(200, json=TOKENS)
        if request.headers.get("Authorization") == "Bearer a1":
            return httpx.Response(401, json={"detail": "expired"})
        return httpx.Response(200, json={"changes": [], "next_cursor": 5, "has_more": False})

    stored = []
    api = ServerApi(httpx.Client(transport=httpx.MockTransport(handler), base_url="http://server"),
                    on_tokens=stored.append)
    api.set_tokens("a1", "r1")
    assert api.pull(0).next_cursor == 5
    assert seen == ["/api/v1/sync/pull Bearer a1", "/api/v1/auth/refresh ", "/api/v1/sync/pull Bearer a2"]
    assert stored[0].refresh_token == "r2" and api.refresh_token == "r2"


def test_lookup_404_is_none() -> None:
    api = api_with(lambda r: httpx.Response(404, json={"detail": "No customer"}))
    assert api.lookup_customer("13800138000") is None


def test_concurrent_401s_refresh_only_once() -> None:
    import threading

    refreshes: list[str] = []
    gate = threading.Barrier(2)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/auth/refresh"):
            refreshes.append(request.content.decode())
            return httpx.Response(200, json=TOKENS)
        if request.headers.get("Authorization") == "Bearer a1":
            gate.wait(5)  # both threads hold the stale token at the same time
            return httpx.Response(401, json={"detail": "expired"})
        return httpx.Response(200, json={"changes": [], "next_cursor": 1, "has_more": False})

    api = api_with(handler)
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(api.pull(0).next_cursor)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [1, 1] and len(refreshes) == 1


class _ClosesFirst:
    """A loopback HTTP server that reads each request and hangs up without answering on the
    first ``drops`` connections (a kept-alive connection closed by the server as the request
    went out), then answers ``{"status": "ok", ...}``."""

    def __init__(self, drops: int) -> None:
        import socket
        import threading

        self.drops = drops
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import json

        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                if self.connections <= self.drops:
                    continue  # hang up: the client reads nothing
                body = json.dumps({"status": "ok", "schema_version": CLIENT_SCHEMA, "min_client_schema": 1,
                                   "cursor": 0}).encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                             + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)


def test_a_connection_closed_under_a_request_is_retried_once() -> None:
    server = _ClosesFirst(drops=1)
    api = ServerApi(httpx.Client(base_url=server.url))
    assert api.health()["status"] == "ok"
    assert server.connections == 2


def test_a_second_hang_up_is_offline() -> None:
    server = _ClosesFirst(drops=2)
    api = ServerApi(httpx.Client(base_url=server.url))
    with pytest.raises(OfflineError, match="Cannot reach the server"):
        api.health()
    assert server.connections == 2
