"""Authentication: password hashes, login sessions, tokens and login throttling.

Everything lives in the central store (``auth_sessions``, ``login_failures``), never in
process memory, so any number of server processes behind a load balancer agree on who is
logged in and who is throttled.

- Passwords are stored only as Argon2id hashes (slow, salted).
- Tokens are 256 random bits (``secrets.token_urlsafe(32)``); the store keeps only their
  SHA-256, so a leaked database does not hand out live tokens.
- An access token lives about an hour, a refresh token about 30 days; refreshing rotates
  both; logout (or an admin) revokes the session.
- Failed logins are throttled per username and per client address (429 + ``Retry-After``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from server_stub.storage.models import AuthSession, LoginFailure, User
from workbench.core.clock import utcnow

ACCESS_TTL = dt.timedelta(hours=1)
REFRESH_TTL = dt.timedelta(days=30)
#: Throttling: at most this many failures per username / per address within the window.
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 30

#: Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): slow for attackers,
#: still affordable for a burst of logins when a shift starts.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
#: Argon2 takes ~64 MiB and tens of ms per check: a burst of logins must not exhaust memory.
_HASH_SLOTS = threading.BoundedSemaphore(4)
# Verified against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AuthFailed(Exception):
    """Wrong credentials or an invalid / expired / revoked token. Message safe to show."""


class Throttled(Exception):
    """Too many failed logins; ``retry_after`` is in whole seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    user_id: str
    username: str
    role: str
    team_id: str | None
    store_id: str | None
    session_id: str


@dataclass(frozen=True)
class IssuedTokens:
    """Tokens handed to a client after login or refresh (the only time they exist in clear)."""

    session_id: str
    access_token: str
    refresh_token: str
    access_expires: dt.datetime
    refresh_expires: dt.datetime


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    with _HASH_SLOTS:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches ``password_hash`` (never raises on a malformed hash)."""
    try:
        with _HASH_SLOTS:
            return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_tokens(session_id: str, now: dt.datetime) -> IssuedTokens:
    return IssuedTokens(
        session_id=session_id,
        access_token=secrets.token_urlsafe(32),
        refresh_token=secrets.token_urlsafe(32),
        access_expires=now + ACCESS_TTL,
        refresh_expires=now + REFRESH_TTL,
    )


def _retry_after(times: list[dt.datetime], limit: int, now: dt.datetime) -> int | None:
    """Seconds until fewer than ``limit`` of ``times`` remain in the window, or None if fine."""
    if len(times) < limit:
        return None
    times = sorted(times)
    # the failure whose expiry brings the count back under the limit
    pivot = times[len(times) - limit]
    return max(1, int((pivot + FAILURE_WINDOW - now).total_seconds()) + 1)


def check_throttle(session: Session, username: str, address: str) -> None:
    """Raise :class:`Throttled` if ``username`` or ``address`` failed too often recently."""
    now = utcnow()
    since = now - FAILURE_WINDOW
    by_user = list(
        session.execute(
            select(LoginFailure.at).where(LoginFailure.username == username, LoginFailure.at > since)
        ).scalars()
    )
    wait = _retry_after(by_user, MAX_FAILURES_PER_USER, now)
    if wait is None:
        by_addr = list(
            session.execute(
                select(LoginFailure.at).where(LoginFailure.address == address, LoginFailure.at > since)
            ).scalars()
        )
        wait = _retry_after(by_addr, MAX_FAILURES_PER_ADDRESS, now)
    if wait is not None:
        raise Throttled(f"Too many failed logins. Try again in {wait} seconds.", wait)


def login(
    session: Session, username: str, password: str, address: str, user_agent: str = ""
) -> tuple[User, IssuedTokens]:
    """Check credentials and open a session. The caller commits ``session``.

    Raises:
        Throttled: too many recent failures for this user or address.
        AuthFailed: unknown user, inactive user or wrong password (one message for all).
    """
    username = username.strip()[:60]
    address = address[:60]
    check_throttle(session, username, address)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        session.add(LoginFailure(username=username, address=address, at=utcnow()))
        raise AuthFailed("Wrong username or password.")
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    # Opportunistic clean-up of old failures keeps the table small.
    session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - 4 * FAILURE_WINDOW))
    now = utcnow()
    tokens = _new_tokens(uuid.uuid4().hex, now)
    session.add(
        AuthSession(
            id=tokens.session_id,
            user_id=user.id,
            access_hash=token_hash(tokens.access_token),
            refresh_hash=token_hash(tokens.refresh_token),
            access_expires=tokens.access_expires,
            refresh_expires=tokens.refresh_expires,
            created_at=now,
            user_agent=user_agent[:200],
        )
    )
    return user, tokens


def refresh(session: Session, refresh_token: str) -> tuple[User, IssuedTokens]:
    """Rotate the tokens of the session holding ``refresh_token``. The caller commits.

    Raises:
        AuthFailed: unknown, expired or revoked refresh token, or inactive user.
    """
    row = session.execute(
        select(AuthSession).where(AuthSession.refresh_hash == token_hash(refresh_token)).with_for_update()
    ).scalar_one_or_none()
    now = utcnow()
    if row is None or row.revoked or row.refresh_expires <= now:
        raise AuthFailed("Your session has expired. Please log in again.")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise AuthFailed("Your session has expired. Please log in again.")
    tokens = _new_tokens(row.id, now)
    row.access_hash = token_hash(tokens.access_token)
    row.refresh_hash = token_hash(tokens.refresh_token)
    row.access_expires = tokens.access_expires
    row.refresh_expires = tokens.refresh_expires
    return user, tokens


def authenticate(session: Session, access_token: str) -> Principal:
    """The principal of a valid access token.

    Raises:
        AuthFailed: unknown, expired or revoked token, or inactive user.
    """
    found = session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.access_hash == token_hash(access_token))
    ).first()
    if found is None:
        raise AuthFailed("Not logged in or the token is invalid.")
    auth, user = found
    if auth.revoked:
        raise AuthFailed("This session was ended. Please log in again.")
    if auth.access_expires <= utcnow():
        raise AuthFailed("The access token has expired; refresh it or log in again.")
    if not user.active:
        raise AuthFailed("This account is disabled.")
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        team_id=user.team_id,
        store_id=user.store_id,
        session_id=auth.id,
    )


def revoke_session(session: Session, session_id: str) -> bool:
    """Revoke one session; True if it existed."""
    result = session.execute(update(AuthSession).where(AuthSession.id == session_id).values(revoked=True))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_user_sessions(session: Session, user_id: str) -> int:
    """Revoke every session of ``user_id``; returns how many were open."""
    result = session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked.is_(False))
        .values(revoked=True)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def list_user_sessions(session: Session, user_id: str) -> list[AuthSession]:
    """Sessions of ``user_id``, newest first."""
    return list(
        session.execute(
            select(AuthSession).where(AuthSession.user_id == user_id).order_by(AuthSession.created_at.desc())
        ).scalars()
    )


def count_failures(session: Session, username: str) -> int:
    """Recent failures of ``username`` (for tests and admin views)."""
    since = utcnow() - FAILURE_WINDOW
    return int(
        session.execute(
            select(func.count()).select_from(LoginFailure).where(
                LoginFailure.username == username, LoginFailure.at > since
            )
        ).scalar_one()
    )
