"""The one client of the central server's HTTP API.

:class:`ServerApi` owns the paths, the schema header, the tokens and the mapping of HTTP
failures to typed errors whose messages are safe to show to users. It is handed its
``httpx.Client`` from outside (base URL, transport, TLS), so tests can point it at a real
server on loopback and the app can share one connection pool.

Errors:
    :class:`AuthError` (401: log in again), :class:`OfflineError` (network down, timeouts, 5xx:
    retry later), :class:`ClientTooOldError` (426: update the app), :class:`ServerRejected`
    (other 4xx, with the server's message; :class:`ThrottledError` for 429),
    :class:`CertificateError` (the server's TLS certificate is not trusted: unknown CA,
    expired, wrong host), :class:`InsecureServerError` (plain HTTP to a server that is not on
    this machine, unless the user allowed it).

TLS: :func:`tls_context` verifies certificates against the system's CAs plus an optional
company CA bundle (setting ``ca_bundle``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pydantic_core

from workbench.core import jsontext
from workbench.core.errors import UserError

#: Wire-format version this client speaks (sent as ``X-Workbench-Client-Schema``).
CLIENT_SCHEMA = 1
API = "/api/v1"


class ApiError(UserError):
    """Base of the errors of :class:`ServerApi`; ``str(err)`` is safe to show to users."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class AuthError(ApiError):
    """Not logged in, wrong credentials, or the session expired / was revoked."""


class OfflineError(ApiError):
    """The server cannot be reached (network, timeout) or is failing (5xx). Retry later."""


class ClientTooOldError(ApiError):
    """The server needs a newer workbench."""


class CertificateError(OfflineError):
    """The server's TLS certificate cannot be trusted; ``problem`` says why (one of
    :data:`CERT_PROBLEMS`), ``host`` is the server's host name."""

    def __init__(self, problem: str, host: str, detail: str = "") -> None:
        self.problem = problem
        self.host = host
        self.detail = detail
        super().__init__(CERT_PROBLEMS.get(problem, CERT_PROBLEMS["invalid"]).format(host=host))


#: English texts of the certificate problems (the desktop shows them translated).
CERT_PROBLEMS: dict[str, str] = {
    "unknown_ca": "The certificate of {host} is not signed by a certificate authority this computer "
                  "trusts. Ask IT for the company CA bundle and set it as ca_bundle in the settings.",
    "expired": "The certificate of {host} has expired (or is not valid yet: check this computer's clock).",
    "wrong_host": "The certificate presented by {host} is for another server name. Check the server address.",
    "invalid": "The certificate of {host} is not valid.",
    "tls_failed": "Could not set up a secure connection to {host} (is it an HTTPS server?).",
    "bad_bundle": "The CA bundle set as ca_bundle in the settings cannot be read: {host}.",
}

_UNKNOWN_CA = frozenset({2, 18, 19, 20, 21})  # no issuer, self-signed, untrusted chain
_EXPIRED = frozenset({9, 10})  # not yet valid, expired
_WRONG_HOST = frozenset({62, 64})  # host name / IP address mismatch


def _certificate_problem(exc: BaseException) -> tuple[str, str] | None:
    """(problem, OpenSSL's words) if a TLS failure is somewhere in ``exc``'s chain."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLCertVerificationError):
            code = seen.verify_code
            problem = ("unknown_ca" if code in _UNKNOWN_CA else "expired" if code in _EXPIRED
                       else "wrong_host" if code in _WRONG_HOST else "invalid")
            return problem, seen.verify_message or str(seen)
        if isinstance(seen, ssl.SSLError):
            return "tls_failed", str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


class InsecureServerError(ApiError):
    """Plain HTTP to a server on another machine, and the user has not allowed it."""

    def __init__(self, host: str) -> None:
        self.host = host
        super().__init__(f"Refusing plain HTTP to {host}: passwords and customer data would cross the network "
                         "unencrypted. Use an https:// address, or allow plain HTTP (allow_plain_http) in "
                         "the settings.")


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (plain HTTP never leaves this machine)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_context(ca_bundle: str = "") -> ssl.SSLContext:
    """A verifying TLS context: the system's CAs, plus the PEM bundle ``ca_bundle`` if given.

    Raises:
        CertificateError: ``ca_bundle`` cannot be read (problem ``bad_bundle``).
    """
    context = ssl.create_default_context()
    if ca_bundle:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise CertificateError("bad_bundle", ca_bundle, str(exc)) from None
    return context


class ServerRejected(ApiError):
    """The server refused the request (4xx) and said why."""


class ThrottledError(ServerRejected):
    """Too many attempts; ``retry_after`` seconds to wait."""

    def __init__(self, message: str, status: int | None = None, retry_after: float = 0.0) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


@dataclass(frozen=True)
class EncodedMutation:
    """A mutation to push whose ``data`` is already JSON text."""

    mutation_id: str
    entity: str
    op: str
    data_json: str


@dataclass(frozen=True)
class UserInfo:
    """The logged-in user as the server describes them."""

    id: str
    username: str
    display_name: str
    role: str
    team_id: str | None
    store_id: str | None


@dataclass(frozen=True)
class LoginResult:
    """Tokens of a session (the refresh token belongs in the OS keyring) and its user."""

    access_token: str
    refresh_token: str
    expires_at: dt.datetime
    refresh_expires_at: dt.datetime
    session_id: str
    user: UserInfo


@dataclass(frozen=True)
class MutationResult:
    """What the server did with one pushed mutation."""

    mutation_id: str
    status: str  # applied | duplicate | rejected
    reason: str | None = None
    cursor: int | None = None
    #: for ``duplicate``: the status of the first time (applied or rejected)
    original_status: str | None = None
    #: a new customer refused because its number belongs to this customer
    existing_customer_id: str | None = None

    @property
    def done(self) -> bool:
        """True if the mutation is stored on the server (now or earlier)."""
        return self.status == "applied" or (self.status == "duplicate" and self.original_status != "rejected")

    @property
    def refused(self) -> bool:
        """True if the server refused the mutation (now or earlier)."""
        return self.status == "rejected" or (self.status == "duplicate" and self.original_status == "rejected")


@dataclass(frozen=True)
class PushResult:
    """Results in the order of the pushed mutations, and the server's cursor after them."""

    results: tuple[MutationResult, ...]
    cursor: int


@dataclass(frozen=True)
class Change:
    """One change-log entry: ``op`` is ``upsert`` (data = full row) or ``event``."""

    cursor: int
    entity: str
    op: str
    data: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class PullResult:
    """A page of changes after a cursor."""

    changes: tuple[Change, ...]
    next_cursor: int
    has_more: bool


def _parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


class ServerApi:
    """Client of the central server. Thread-safe for concurrent calls on one ``httpx.Client``.

    Args:
        http: the client to use; its ``base_url`` should point at the server (or pass ``base_url``).
        base_url: prefix for paths when ``http`` has no base URL.
        timeout: seconds for ordinary requests (long-poll adds its wait on top).
        on_tokens: called with each new :class:`LoginResult` (login and automatic refresh), so the
            app can keep the refresh token in the keyring.
        allow_plain_http: send requests over plain HTTP to a server on another machine (off:
            every request raises :class:`InsecureServerError`; loopback is always allowed). The
            desktop passes its ``allow_plain_http`` setting (off by default); tools and tests
            that build a client themselves keep plain HTTP.
        setup_error: an error met while setting the connection up (e.g. an unreadable CA
            bundle), raised by every request instead of sending it.
        client_id: this installation's id, sent with each login (a device that logged in before
            gets through while others guessing the account are throttled).
    """

    def __init__(
        self,
        http: httpx.Client,
        base_url: str = "",
        *,
        timeout: float = 10.0,
        on_tokens: Callable[[LoginResult], None] | None = None,
        allow_plain_http: bool = True,
        setup_error: ApiError | None = None,
        client_id: str | None = None,
    ) -> None:
        #: this installation's id (see ``workbench.services.device_id``), sent with each login
        self.client_id = client_id
        self._http = http
        self._base = base_url.rstrip("/")
        target = httpx.URL(self._base) if self._base else http.base_url
        self._refused: ApiError | None = setup_error
        if self._refused is None and target.scheme == "http" and not allow_plain_http \
                and not is_loopback(target.host):
            self._refused = InsecureServerError(target.host)
        self._timeout = timeout
        self._on_tokens = on_tokens
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._access: str | None = None
        self._refresh: str | None = None
        self.user: UserInfo | None = None

    # ------------------------------------------------------------------ tokens

    @property
    def logged_in(self) -> bool:
        """True once a login or refresh succeeded (the token may still expire)."""
        return self._access is not None

    def set_tokens(self, access_token: str | None, refresh_token: str | None) -> None:
        """Use these tokens (e.g. a refresh token read back from the keyring)."""
        with self._lock:
            self._access, self._refresh = access_token, refresh_token

    @property
    def refresh_token(self) -> str | None:
        """The current refresh token (to store in the keyring)."""
        return self._refresh

    def _store(self, body: dict[str, Any]) -> LoginResult:
        u = body["user"]
        result = LoginResult(
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            expires_at=_parse_time(body["expires_at"]),
            refresh_expires_at=_parse_time(body["refresh_expires_at"]),
            session_id=body["session_id"],
            user=UserInfo(u["id"], u["username"], u["display_name"], u["role"], u["team_id"], u["store_id"]),
        )
        with self._lock:
            self._access, self._refresh = result.access_token, result.refresh_token
            self.user = result.user
        if self._on_tokens is not None:
            self._on_tokens(result)
        return result

    # ------------------------------------------------------------------ requests

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
        timeout: float | None = None,
        retry_auth: bool = True,
    ) -> Any:
        if self._refused is not None:
            raise self._refused
        headers = {"X-Workbench-Client-Schema": str(CLIENT_SCHEMA)}
        if content is not None:
            headers["Content-Type"] = "application/json"
        if auth:
            token = self._access
            if token is None:
                if self._refresh is not None and retry_auth:
                    self.refresh()
                    return self._request(method, path, json=json, content=content, params=params,
                                         timeout=timeout, retry_auth=False)
                raise AuthError("Not logged in.", 401)
            headers["Authorization"] = f"Bearer {token}"
        try:
            try:
                resp = self._http.request(
                    method, self._base + path, json=json, content=content, params=params, headers=headers,
                    timeout=timeout if timeout is not None else self._timeout,
                )
            except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
                # A kept-alive connection the server closed just as this request went out (its
                # idle timeout, a worker restart): sent again once on a fresh connection. Every
                # request is safe to repeat (pushes are idempotent by their mutation ids).
                resp = self._http.request(
                    method, self._base + path, json=json, content=content, params=params, headers=headers,
                    timeout=timeout if timeout is not None else self._timeout,
                )
        except httpx.TimeoutException:
            raise OfflineError("The server did not answer in time. Working offline.") from None
        except httpx.TransportError as exc:
            tls = _certificate_problem(exc)
            if tls is not None:
                raise CertificateError(tls[0], self._host(), tls[1]) from None
            raise OfflineError(f"Cannot reach the server ({type(exc).__name__}). Working offline.") from None
        if resp.status_code == 401 and auth and retry_auth and self._refresh is not None:
            self._refresh_once(headers["Authorization"].removeprefix("Bearer "))
            return self._request(method, path, json=json, content=content, params=params, timeout=timeout,
                                 retry_auth=False)
        return self._check(resp)

    def _host(self) -> str:
        return (httpx.URL(self._base) if self._base else self._http.base_url).host

    def _refresh_once(self, stale_access: str) -> None:
        """Refresh after a 401, once for all threads: the push worker and the long-poll may
        both meet the expired token, and refresh tokens rotate (a second refresh with the old
        one would fail and log the user out)."""
        with self._refresh_lock:
            if self._access != stale_access and self._access is not None:
                return  # another thread refreshed while we waited
            self.refresh()

    @staticmethod
    def _check(resp: httpx.Response) -> Any:
        status = resp.status_code
        if 200 <= status < 300:
            try:  # pydantic-core's parser: a pull page of 1000 changes in a third of the time
                return pydantic_core.from_json(resp.content)
            except ValueError:
                raise OfflineError("The server sent an unreadable answer.", status) from None
        try:
            detail = str(resp.json().get("detail") or resp.reason_phrase)
        except (ValueError, AttributeError):
            detail = resp.reason_phrase or f"HTTP {status}"
        if status == 401:
            raise AuthError(detail, status)
        if status == 426:
            raise ClientTooOldError(detail, status)
        if status == 429:
            try:
                wait = float(resp.headers.get("Retry-After", "1"))
            except ValueError:
                wait = 1.0
            raise ThrottledError(detail, status, wait)
        if status >= 500:
            raise OfflineError(f"The server is having trouble (HTTP {status}). Will retry.", status)
        raise ServerRejected(detail, status)

    # ------------------------------------------------------------------ endpoints

    def login(self, username: str, password: str) -> LoginResult:
        """Log in and keep the tokens. Raises AuthError, ThrottledError, OfflineError."""
        payload = {"username": username, "password": password}
        if self.client_id:
            payload["client_id"] = self.client_id
        body = self._request("POST", f"{API}/auth/login", json=payload, auth=False)
        return self._store(body)

    def refresh(self, refresh_token: str | None = None) -> LoginResult:
        """Exchange the refresh token (given, or the current one) for new tokens."""
        token = refresh_token or self._refresh
        if not token:
            raise AuthError("Not logged in.", 401)
        try:
            body = self._request("POST", f"{API}/auth/refresh", json={"refresh_token": token}, auth=False)
        except AuthError:
            with self._lock:
                self._access = self._refresh = None
            raise
        return self._store(body)

    def logout(self) -> None:
        """End the session on the server (if reachable) and forget the tokens."""
        try:
            if self._access is not None:
                self._request("POST", f"{API}/auth/logout", retry_auth=False)
        except (AuthError, OfflineError):
            pass
        finally:
            with self._lock:
                self._access = self._refresh = None
                self.user = None

    def health(self) -> dict[str, Any]:
        """The server's health: ``status``, ``schema_version``, ``min_client_schema``, ``cursor``."""
        return dict(self._request("GET", f"{API}/health", auth=False))

    def push(self, client_id: str, mutations: Sequence[dict[str, Any]]) -> PushResult:
        """Push ``[{mutation_id, entity, op, data}, ...]``; safe to repeat (idempotent)."""
        body = self._request("POST", f"{API}/sync/push",
                             json={"client_id": client_id, "mutations": list(mutations)},
                             timeout=max(self._timeout, 60.0))
        return self._push_result(body)

    @staticmethod
    def encode_push(client_id: str, mutations: Sequence[EncodedMutation]) -> bytes:
        """The body of a push of ``mutations``, assembled around the JSON text each mutation's
        data already is (as the outbox keeps it) instead of decoding and re-encoding it."""
        dumps = jsontext.dumps
        parts = [
            f'{{"mutation_id":{dumps(m.mutation_id)},"entity":{dumps(m.entity)},"op":{dumps(m.op)},'
            f'"data":{m.data_json}}}'
            for m in mutations
        ]
        return f'{{"client_id":{dumps(client_id)},"mutations":[{",".join(parts)}]}}'.encode()

    def push_encoded(self, client_id: str, mutations: Sequence[EncodedMutation],
                     body: bytes | None = None) -> PushResult:
        """Like :meth:`push`, with each mutation's data already JSON text; ``body`` is
        :meth:`encode_push` of the same, if the caller has it ready."""
        content = body if body is not None else self.encode_push(client_id, mutations)
        answer = self._request("POST", f"{API}/sync/push", content=content, timeout=max(self._timeout, 60.0))
        return self._push_result(answer)

    @staticmethod
    def _push_result(body: Any) -> PushResult:
        results = tuple(
            MutationResult(r["mutation_id"], r["status"], r.get("reason"), r.get("cursor"), r.get("original_status"),
                           r.get("existing_customer_id"))
            for r in body["results"]
        )
        return PushResult(results=results, cursor=int(body["cursor"]))

    def pull(self, cursor: int, limit: int = 500, wait: float = 0.0) -> PullResult:
        """Changes after ``cursor``; with ``wait`` > 0 the server holds the request up to that long."""
        params: dict[str, Any] = {"cursor": cursor, "limit": limit}
        if wait > 0:
            params["wait"] = wait
        body = self._request("GET", f"{API}/sync/pull", params=params, timeout=self._timeout + wait)
        changes = tuple(Change(c["cursor"], c["entity"], c["op"], c["data"]) for c in body["changes"])
        return PullResult(changes=changes, next_cursor=int(body["next_cursor"]), has_more=bool(body["has_more"]))

    def publish_policies(self, yaml_text: str) -> dict[str, Any]:
        """Admin: publish policies, scripts and limits (YAML) to every desktop."""
        return dict(self._request("POST", f"{API}/admin/policies/publish", json={"yaml": yaml_text}))

    def sms_templates(self) -> list[dict[str, Any]]:
        """Admin: the server's SMS templates with their versions."""
        return list(self._request("GET", f"{API}/admin/sms/templates").get("templates") or [])

    def sms_words(self) -> list[str]:
        """Admin: the server's sensitive-word list."""
        return [str(w) for w in self._request("GET", f"{API}/admin/sms/words").get("words") or []]

    def publish_sms_templates(self, yaml_text: str) -> dict[str, Any]:
        """Admin: publish SMS templates (YAML); the server validates them again and refuses the
        whole file (ServerRejected naming each problem) or applies it."""
        return dict(self._request("POST", f"{API}/admin/sms/templates/publish", json={"yaml": yaml_text}))

    def lookup_customer(self, phone: str) -> dict[str, Any] | None:
        """The customer with this number and their tasks, contacts, acceptances and work orders,
        or None if the server knows no such customer in the user's scope."""
        try:
            return dict(self._request("GET", f"{API}/customers/lookup", params={"phone": phone}))
        except ServerRejected as exc:
            if exc.status == 404:
                return None
            raise

    def serve_customer(self, value: str, source: str, kind: str = "phone", call_id: str | None = None,
                       reason: str = "") -> dict[str, Any] | None:
        """Open whoever calls or walks in (``POST /serve``): the lookup's data plus, outside the
        user's book, a serve grant for this call or visit (``grant``); None if nobody the user
        may serve has this number."""
        body = {"value": value, "kind": kind, "source": source, "call_id": call_id, "reason": reason}
        try:
            return dict(self._request("POST", f"{API}/serve", json=body))
        except ServerRejected as exc:
            if exc.status == 404:
                return None
            raise

    def reopen_grant(self, grant_id: str) -> dict[str, Any] | None:
        """The customer of one of this user's unexpired serve grants, or None."""
        try:
            return dict(self._request("GET", f"{API}/serve/grants/{grant_id}"))
        except ServerRejected as exc:
            if exc.status == 404:
                return None
            raise

    def reveal_number(self, customer_id: str, field: str = "phone", reason: str = "") -> str:
        """A customer's full number (an audited reveal; only roles allowed to reveal)."""
        body = self._request("POST", f"{API}/customers/{customer_id}/reveal", json={"field": field, "reason": reason})
        return str(body["number"])

    def report_export(self, what: str, rows: int, masked: bool = True, fmt: str = "csv") -> None:
        """Tell the server a table was exported (audited)."""
        self._request("POST", f"{API}/audit/exports", json={"what": what, "rows": rows, "masked": masked, "format": fmt})

    def sms_funnel(self, days: int = 30) -> dict[str, Any]:
        """The SMS funnel of the last ``days`` days (leads and administrators; issue 15)."""
        body = self._request("GET", f"{API}/reports/sms-funnel", params={"days": days})
        if not isinstance(body, dict):
            raise ApiError("The server's SMS report is not an object.", 502)
        return body

    def customer_moves(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's trail of task moves (recycle, claim, release, reassign, assign), newest first."""
        body = self._request("GET", f"{API}/customers/{quote(customer_id, safe='')}/moves")
        return list(body)

    def create_retention_tasks(self, customer_ids: list[str], policy_id: str, rule: str,
                               reason: str) -> dict[str, int]:
        """Lead: retention tasks for a selection of the at-risk list, handed out by ``rule``."""
        body = self._request("POST", f"{API}/retention-tasks", json={
            "customer_ids": customer_ids, "policy_id": policy_id, "rule": rule, "reason": reason})
        return {k: int(body[k]) for k in ("created", "skipped", "assigned", "waiting")}

    def audit_log(self, **filters: Any) -> list[dict[str, Any]]:
        """Admin: audit entries, newest first (filters: user, customer, since, action, limit)."""
        params = {k: v for k, v in filters.items() if v is not None}
        return list(self._request("GET", f"{API}/admin/audit", params=params))

    def agents(self, team: str | None = None) -> dict[str, Any]:
        """Admin: agents and leads (of ``team``) with grade, skills, capacity and away, and the
        skills an edit may set (``{"agents": [...], "known_skills": [...]}``)."""
        body = self._request("GET", f"{API}/admin/agents", params={"team": team} if team else None)
        if not isinstance(body, dict):
            raise ApiError("The server's agent list is not an object.", 502)
        return body

    def set_agent_assignment(self, user_id: str, team_id: str, *, skills: list[str] | None = None,
                             daily_capacity: int | None = None, no_capacity_limit: bool = False,
                             away: bool | None = None) -> dict[str, Any]:
        """Admin: change an agent's skills, daily capacity or away flag (audited); the agent as stored."""
        body: dict[str, Any] = {"team_id": team_id, "no_capacity_limit": no_capacity_limit}
        if skills is not None:
            body["skills"] = skills
        if daily_capacity is not None:
            body["daily_capacity"] = daily_capacity
        if away is not None:
            body["away"] = away
        return dict(self._request("PUT", f"{API}/admin/users/{quote(user_id, safe='')}/assignment", json=body))

    def assignment_rules(self) -> list[dict[str, Any]]:
        """Admin: the named assignment rules (stored and built-in)."""
        return list(self._request("GET", f"{API}/admin/assignment-rules"))
