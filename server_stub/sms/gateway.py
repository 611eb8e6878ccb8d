"""SMS gateways behind one small interface, chosen by a URL.

``WORKBENCH_SMS_URL`` (or ``workbench-server serve --sms-url``) names the gateway:

``kannel://USER:PASS@HOST:PORT?from=10690000&rate=50&cost=0.05``
    Kannel's smsbox ``sendsms`` HTTP API (``/cgi-bin/sendsms``), Chinese as UCS-2, delivery
    reports through a ``dlr-url`` that points back at this server.

Everything a sender needs besides the URL comes from :class:`SmsSettings`: the shared secret
the gateway's callbacks must carry, the addresses they may come from, and this server's own
base URL for the callbacks. An operator's HTTP SMS API is one more :class:`SmsSender`
registered in :data:`SCHEMES`.

Without a URL there is no gateway: messages wait in the outbox (``sms_messages`` with status
``queued``) and the SMS features say "no SMS gateway configured".
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import httpx

NOT_CONFIGURED = "no SMS gateway configured"


class GatewayConfigError(ValueError):
    """The SMS URL or settings are wrong. The message is safe to show to an operator."""


@dataclass(frozen=True)
class OutgoingSms:
    """What a sender hands to its gateway."""

    message_id: str
    to: str
    text: str


@dataclass(frozen=True)
class SendResult:
    """The gateway's answer to one message.

    ``outcome``: ``accepted`` (it took the message), ``rejected`` (it refused this message: a
    final failure with its ``code``), ``retry`` (it did not take it and says so: try later),
    ``unknown`` (no answer: it may or may not have taken it; the delivery report decides).
    """

    outcome: str
    code: str = ""
    answer: str = ""


class SmsSender(Protocol):
    """One gateway. ``send`` blocks for at most its time-out and never raises for the
    gateway's own failures (it says them in the result)."""

    name: str
    cost_per_segment: float

    def send(self, message: OutgoingSms) -> SendResult: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SmsSettings:
    """Where the gateway's callbacks go and how they are checked."""

    url: str | None = None
    #: shared secret: delivery-report URLs carry an HMAC of the message id made with it,
    #: reply URLs carry it as ``key``
    secret: str = ""
    #: addresses (IPs or networks) the gateway's callbacks may come from
    allow: tuple[str, ...] = ("127.0.0.1", "::1")
    #: this server's base URL as the gateway reaches it (for ``dlr-url``)
    callback_base: str = "http://127.0.0.1:8765"
    #: base URL of the online zone as customers reach it (for ``{link}``)
    online_base: str = "http://127.0.0.1:8765"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> SmsSettings:
        """From ``WORKBENCH_SMS_URL``, ``WORKBENCH_SMS_SECRET``, ``WORKBENCH_SMS_ALLOW``
        (comma-separated), ``WORKBENCH_SMS_CALLBACK`` and ``WORKBENCH_ONLINE_URL``."""
        env = os.environ if environ is None else environ
        url = env.get("WORKBENCH_SMS_URL") or None
        secret = env.get("WORKBENCH_SMS_SECRET", "")
        if url and not secret:
            # a gateway without a secret would accept anybody's delivery reports
            raise GatewayConfigError("WORKBENCH_SMS_SECRET must be set when an SMS gateway is configured")
        allow = tuple(a.strip() for a in env.get("WORKBENCH_SMS_ALLOW", "").split(",") if a.strip())
        if not allow:
            host = urlsplit(url).hostname if url else None
            allow = _addresses_of(host) if host else ("127.0.0.1", "::1")
        for entry in allow:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise GatewayConfigError(f"WORKBENCH_SMS_ALLOW: {entry!r} is not an address or network") from None
        base = env.get("WORKBENCH_SMS_CALLBACK", "http://127.0.0.1:8765").rstrip("/")
        online = env.get("WORKBENCH_ONLINE_URL", base).rstrip("/")
        return cls(url=url, secret=secret, allow=allow, callback_base=base, online_base=online)

    @classmethod
    def from_env_or_default(cls) -> SmsSettings:
        """From the environment; a misconfigured gateway counts as none (the callers that
        only queue messages must not fail for it: the sender reports the error)."""
        try:
            return cls.from_env()
        except GatewayConfigError:
            return cls()

    @property
    def configured(self) -> bool:
        return bool(self.url)

    @property
    def cost_per_segment(self) -> float:
        """The gateway URL's ``cost`` (yuan per segment), 0.05 by default."""
        if self.url:
            value = parse_qs(urlsplit(self.url).query).get("cost")
            try:
                cost = float(value[-1]) if value else 0.05
            except ValueError:
                return 0.05
            if 0 <= cost < 1000:
                return cost
        return 0.05

    def address_allowed(self, address: str) -> bool:
        """Whether a callback from ``address`` may be the gateway."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(a, strict=False) for a in self.allow)

    def sign(self, message_id: str) -> str:
        """The signature a delivery report of ``message_id`` must carry."""
        return hmac.new(self.secret.encode(), f"dlr:{message_id}".encode(), hashlib.sha256).hexdigest()[:32]

    def signature_ok(self, message_id: str, signature: str) -> bool:
        return bool(self.secret) and hmac.compare_digest(self.sign(message_id).encode(), signature.encode())

    def key_ok(self, key: str) -> bool:
        """Whether a reply callback carries the shared secret."""
        return bool(self.secret) and hmac.compare_digest(self.secret.encode(), key.encode())

    def dlr_url(self, message_id: str) -> str:
        """The delivery-report URL for Kannel (``%d`` status, ``%A`` its answer, ``%T`` time)."""
        query = urlencode({"id": message_id, "sig": self.sign(message_id)})
        return f"{self.callback_base}/api/v1/sms/dlr?{query}&status=%d&answer=%A&at=%T"


def _addresses_of(host: str) -> tuple[str, ...]:
    """The gateway host's addresses (its callbacks come from there by default)."""
    try:
        ipaddress.ip_address(host)
        return (host,)
    except ValueError:
        pass
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        raise GatewayConfigError(f"cannot resolve the SMS gateway's host {host!r}: set WORKBENCH_SMS_ALLOW "
                                 "to the addresses its callbacks come from") from None
    return tuple(sorted(str(a).split("%")[0] for a in found))


class RateLimiter:
    """At most ``rate`` sends per second, shared by the threads of one sender (token bucket)."""

    def __init__(self, rate: float, burst: int | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = float(burst or max(1, int(rate)))
        self.tokens = self.capacity
        self.clock = clock
        self.last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        if self.rate <= 0:
            return
        while True:
            with self._lock:
                now = self.clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
                self.last = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = (1 - self.tokens) / self.rate
            time.sleep(wait)


@dataclass
class KannelSender:
    """Kannel's ``sendsms`` (smsbox). Chinese text goes as UCS-2 (``coding=2``)."""

    base_url: str
    username: str
    password: str
    settings: SmsSettings
    sender_id: str = ""
    rate: float = 50.0
    cost_per_segment: float = 0.05
    timeout_s: float = 10.0
    name: str = "kannel"
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10.0))
    limiter: RateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.rate)

    def send(self, message: OutgoingSms) -> SendResult:
        params = {
            "username": self.username,
            "password": self.password,
            "to": message.to,
            "text": message.text,
            "charset": "UTF-8",
            "coding": "0" if message.text.isascii() else "2",
            "dlr-mask": "31",
            "dlr-url": self.settings.dlr_url(message.message_id),
        }
        if self.sender_id:
            params["from"] = self.sender_id
        self.limiter.acquire()
        try:
            resp = self.client.get(f"{self.base_url}/cgi-bin/sendsms", params=params, timeout=self.timeout_s)
        except httpx.ConnectError as exc:
            return SendResult("retry", "connect", f"gateway unreachable: {exc}"[:200])
        except httpx.TransportError as exc:  # sent, no answer: the delivery report decides
            return SendResult("unknown", "timeout", f"no answer from the gateway: {type(exc).__name__}")
        answer = resp.text.strip()[:200]
        if resp.status_code in (200, 202) and answer.startswith("0:"):
            return SendResult("accepted", str(resp.status_code), answer)
        if resp.status_code == 503 or answer.startswith("3:"):  # queue full: try again later
            return SendResult("retry", str(resp.status_code), answer)
        return SendResult("rejected", str(resp.status_code), answer)

    def close(self) -> None:
        self.client.close()


def _kannel(url: str, settings: SmsSettings) -> KannelSender:
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        raise GatewayConfigError("a kannel:// URL needs a host and the sendsms port, e.g. "
                                 "kannel://user:pass@127.0.0.1:13013")
    if not parts.username or parts.password is None:
        raise GatewayConfigError("a kannel:// URL needs the sendsms user and password: kannel://user:pass@host:port")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        rate = float(query.get("rate", "50"))
        cost = float(query.get("cost", "0.05"))
    except ValueError:
        raise GatewayConfigError("rate and cost in the SMS URL must be numbers") from None
    if not (0 < rate <= 100_000) or not (0 <= cost < 1000):
        raise GatewayConfigError("rate must be in (0, 100000] messages/s and cost in [0, 1000)")
    scheme = "https" if query.get("tls") in ("1", "true") else "http"
    return KannelSender(
        base_url=f"{scheme}://{parts.hostname}:{parts.port}",
        username=unquote(parts.username),
        password=unquote(parts.password),
        settings=settings,
        sender_id=query.get("from", ""),
        rate=rate,
        cost_per_segment=cost,
    )


#: URL scheme -> factory of a sender; an operator's own HTTP API is one more entry
SCHEMES: dict[str, Callable[[str, SmsSettings], SmsSender]] = {"kannel": _kannel}


def make_sender(settings: SmsSettings) -> SmsSender | None:
    """The sender for ``settings.url``, or None when no gateway is configured.

    Raises:
        GatewayConfigError: an unknown scheme or a malformed URL.
    """
    if not settings.url:
        return None
    scheme = urlsplit(settings.url).scheme
    factory = SCHEMES.get(scheme)
    if factory is None:
        raise GatewayConfigError(f"unknown SMS gateway scheme {scheme!r} (known: {', '.join(sorted(SCHEMES))})")
    return factory(settings.url, settings)
