"""Authentication: password hashes, login sessions, tokens and login throttling.

Everything lives in the central store (``auth_sessions``, ``login_failures``), never in
process memory, so any number of server processes behind a load balancer agree on who is
logged in and who is throttled.

- Passwords are stored only as Argon2id hashes (slow, salted).
- Tokens are 256 random bits (``secrets.token_urlsafe(32)``); the store keeps only their
  SHA-256, so a leaked database does not hand out live tokens.
- An access token lives about an hour, a refresh token about 30 days; refreshing rotates
  both; logout (or an admin) revokes the session.
- Login attempts are throttled per account and client address (or known device), with
  growing waits (429 + ``Retry-After``); see :mod:`server_stub.login_throttle`.
- One set of Argon2 parameters for every hash, the unknown-user dummy included, so a wrong
  password takes as long for a name that does not exist; older hashes are redone on login.
- A refresh token works once: presenting a spent one again (a thief or the victim, whoever
  comes second) revokes the whole session (OAuth 2.0 Security BCP, refresh token rotation).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from server_stub import login_throttle
from server_stub.storage.db import unit_of_work
from server_stub.storage.models import (
    AuthSession,
    LoginDevice,
    LoginEvent,
    SpentRefreshToken,
    User,
)
from workbench.core.clock import utcnow

log = logging.getLogger(__name__)

ACCESS_TTL = dt.timedelta(hours=1)
REFRESH_TTL = dt.timedelta(days=30)
#: Password checks are kept this long in ``login_events``.
EVENT_RETENTION = dt.timedelta(days=90)

#: Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): slow for attackers,
#: still affordable for a burst of logins when a shift starts. The only parameters: every
#: hash (seeded users, created users, the dummy) is made with them.
ARGON2_PARAMS = {"time_cost": 2, "memory_cost": 19456, "parallelism": 1}
_hasher = PasswordHasher(**ARGON2_PARAMS)
#: Argon2 takes ~64 MiB and tens of ms per check: a burst of logins must not exhaust memory.
_HASH_SLOTS = threading.BoundedSemaphore(4)
# Verified against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AuthFailed(Exception):
    """Wrong credentials or an invalid / expired / revoked token. Message safe to show."""


class Throttled(Exception):
    """Too many failed logins; ``retry_after`` is in whole seconds."""

    def __init__(self, message: str, retry_after: int, until: dt.datetime | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.until = until


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


def needs_rehash(password_hash: str) -> bool:
    """True if ``password_hash`` was made with other parameters than :data:`ARGON2_PARAMS`."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
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


def device_hash(client_id: str | None) -> str | None:
    """The stored form of a desktop's client id (None if it sent none or an unusable one)."""
    if not client_id or len(client_id) > 64 or not client_id.isprintable():
        return None
    return hashlib.sha256(b"device:" + client_id.encode("utf-8")).hexdigest()


def login(
    factory: sessionmaker[Session], username: str, password: str, address: str, user_agent: str = "",
    client_id: str | None = None,
) -> tuple[User, IssuedTokens]:
    """Check credentials and open a session (commits its own short transactions).

    1. read the user and whether ``client_id`` is a device they logged in from before;
    2. count the attempt against its throttle keys, or refuse it (committed before step 3,
       so parallel attempts see each other's counts);
    3. check the password (Argon2, outside any transaction; the same parameters and work for
       unknown names);
    4. record the outcome: a good password takes its count back and opens the session.

    Raises:
        Throttled: too many recent failures for this account from this address / device, for
            the account, or from the address (nothing checked, nothing counted).
        AuthFailed: unknown user, inactive user or wrong password (one message for all).
    """
    username = username.strip()[:60]
    address = address[:60]
    dev = device_hash(client_id)
    with factory() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        known = dev is not None and session.get(LoginDevice, (user.id if user else "", dev)) is not None
    keys = login_throttle.keys_for(username, address, dev if known else None)
    with unit_of_work(factory) as session:
        try:
            login_throttle.reserve(session, keys)
        except login_throttle.ThrottledError as exc:
            session.rollback()
            log.info("login throttled: user=%r address=%s known_device=%s wait=%ss",
                     username, address, known, exc.retry_after)
            raise Throttled(f"Too many failed logins. Try again in {exc.retry_after} seconds.",
                            exc.retry_after, exc.until) from None
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    now = utcnow()
    good = user is not None and ok and user.active
    with unit_of_work(factory) as session:
        session.add(LoginEvent(at=now, username=username, address=address, known_device=known,
                               outcome="ok" if good else "failed"))
        if not good:
            login_throttle.failed(session, keys, now)
            session.commit()
            raise AuthFailed("Wrong username or password.")
        assert user is not None
        login_throttle.succeeded(session, keys)
        login_throttle.forget_old(session, now)
        session.execute(delete(LoginEvent).where(LoginEvent.at < now - EVENT_RETENTION))
        if dev is not None:
            _remember_device(session, user.id, dev, now)
        if needs_rehash(user.password_hash):  # hashed with other parameters (older seed, older server)
            fresh = hash_password(password)
            session.execute(update(User).where(User.id == user.id, User.password_hash == user.password_hash)
                            .values(password_hash=fresh))
            user.password_hash = fresh
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


def _remember_device(session: Session, user_id: str, dev: str, now: dt.datetime) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginDevice).values(user_id=user_id, device_hash=dev, first_at=now, last_at=now)
                    .on_conflict_do_update(index_elements=["user_id", "device_hash"], set_={"last_at": now}))


def refresh(factory: sessionmaker[Session], refresh_token: str) -> tuple[User, IssuedTokens]:
    """Rotate the tokens of the session holding ``refresh_token`` (commits).

    The rotation is one conditional ``UPDATE`` on the current refresh hash, so two refreshes
    with the same token cannot both win. A token that was already exchanged revokes its whole
    session: whoever presents it second (a thief, or the owner after the thief) holds a copy.

    Raises:
        AuthFailed: unknown, spent, expired or revoked refresh token, or inactive user.
    """
    old = token_hash(refresh_token)
    now = utcnow()
    fresh = _new_tokens("", now)
    reused: str | None = None
    with unit_of_work(factory) as session:
        found = session.execute(
            update(AuthSession)
            .where(AuthSession.refresh_hash == old, AuthSession.revoked.is_(False),
                   AuthSession.refresh_expires > now)
            .values(access_hash=token_hash(fresh.access_token), refresh_hash=token_hash(fresh.refresh_token),
                    access_expires=fresh.access_expires, refresh_expires=fresh.refresh_expires)
            .returning(AuthSession.id, AuthSession.user_id)
        ).first()
        if found is None:
            spent = session.get(SpentRefreshToken, old)
            if spent is not None:
                reused = spent.session_id
                revoke_session(session, reused)
        else:
            session_id, user_id = found
            user = session.get(User, user_id)
            if user is None or not user.active:
                session.rollback()
                raise AuthFailed("Your session has expired. Please log in again.")
            session.add(SpentRefreshToken(token_hash=old, session_id=session_id, spent_at=now))
            session.execute(delete(SpentRefreshToken).where(SpentRefreshToken.spent_at < now - REFRESH_TTL))
    if reused is not None:
        log.warning("refresh token reused: session %s revoked (the token was copied)", reused)
        raise AuthFailed("This session was ended because its refresh token was used twice. Please log in again.")
    if found is None:
        raise AuthFailed("Your session has expired. Please log in again.")
    return user, IssuedTokens(session_id=session_id, access_token=fresh.access_token,
                              refresh_token=fresh.refresh_token, access_expires=fresh.access_expires,
                              refresh_expires=fresh.refresh_expires)


#: the caller of an access token: only the columns a request needs, one prebuilt Core statement
#: (an ORM select of both rows, built anew per request, was a quarter of a pull's CPU)
_CALLER = (select(AuthSession.id, AuthSession.revoked, AuthSession.access_expires, User.id, User.username,
                  User.role, User.team_id, User.store_id, User.active)
           .join(User, User.id == AuthSession.user_id)
           .where(AuthSession.access_hash == bindparam("hash")))


def authenticate(session: Session, access_token: str) -> Principal:
    """The principal of a valid access token.

    Raises:
        AuthFailed: unknown, expired or revoked token, or inactive user.
    """
    found = session.connection().execute(_CALLER, {"hash": token_hash(access_token)}).first()
    if found is None:
        raise AuthFailed("Not logged in or the token is invalid.")
    session_id, revoked, access_expires, user_id, username, role, team_id, store_id, active = found
    if revoked:
        raise AuthFailed("This session was ended. Please log in again.")
    if access_expires <= utcnow():
        raise AuthFailed("The access token has expired; refresh it or log in again.")
    if not active:
        raise AuthFailed("This account is disabled.")
    return Principal(user_id=user_id, username=username, role=role, team_id=team_id, store_id=store_id,
                     session_id=session_id)


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
