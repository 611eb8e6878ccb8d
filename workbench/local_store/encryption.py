"""The local store encrypted at rest: SQLCipher with a random key kept in the OS keyring.

Each user's store file has its own 256-bit key, made with :mod:`secrets` the first time the
store is opened and kept in the keyring (service :data:`KEYRING_SERVICE`, the file's path as
the user name), never in a file. SQLAlchemy opens the store through the ``sqlite+pysqlcipher``
dialect (the ``sqlcipher3`` wheel) with the key as a raw key (``x'…'``: no passphrase
derivation, so opening a connection costs no extra time).

- A store written before encryption existed is encrypted in place on first open
  (``sqlcipher_export``), pending outbox entries included.
- A store whose key is gone (a new keyring, another machine) cannot be read by anyone: it is
  set aside as ``<name>.unreadable``, a fresh store is made and filled by a fresh sync, and
  :func:`open_store` says so in words the user can act on (:attr:`OpenedStore.notice`).
- Without a usable keyring the key lives only as long as the process: the next start finds
  the key missing and syncs afresh (the login dialog already says the keyring is missing).
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.errors
from sqlalchemy import URL, Engine
from sqlalchemy.exc import DatabaseError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "agent-workbench-local-store"
_PLAIN_HEADER = b"SQLite format 3\x00"
#: Keys made in this process whose keyring write failed (kept so the store stays readable
#: until the process ends).
_UNSAVED: dict[str, str] = {}

MISSING_KEY_NOTICE = ("The local store could not be opened: its key is missing from the system keyring. "
                      "A fresh copy is being synced from the server; changes that were not yet sent "
                      "from this computer are lost.")


@dataclass(frozen=True)
class OpenedStore:
    """An encrypted local store, opened; ``notice`` tells the user of a fresh start."""

    engine: Engine
    notice: str | None = None


def encrypted_url(path: Path, key_hex: str) -> URL:
    """The SQLAlchemy URL of the store at ``path`` under the raw key ``key_hex``."""
    return URL.create("sqlite+pysqlcipher", password=f"x'{key_hex}'", database=str(path))


def is_plain_sqlite(path: Path) -> bool:
    """Whether ``path`` is an unencrypted SQLite file (its header is readable)."""
    try:
        with path.open("rb") as f:
            return f.read(16) == _PLAIN_HEADER
    except OSError:
        return False


def _account(path: Path) -> str:
    return os.path.abspath(path)  # not resolved: a symbolic link is replaced by the encrypted file


def _load_key(path: Path) -> str | None:
    account = _account(path)
    if account in _UNSAVED:
        return _UNSAVED[account]
    try:
        return keyring.get_password(KEYRING_SERVICE, account)
    except keyring.errors.KeyringError:
        return None


def _save_key(path: Path, key_hex: str) -> None:
    account = _account(path)
    try:
        keyring.set_password(KEYRING_SERVICE, account, key_hex)
        _UNSAVED.pop(account, None)
    except keyring.errors.KeyringError as exc:
        log.warning("the local store's key could not be kept in the keyring (%s); the next start syncs afresh", exc)
        _UNSAVED[account] = key_hex


def forget_key(path: Path) -> None:
    """Remove the key of the store at ``path`` from the keyring (tests, resets)."""
    account = _account(path)
    _UNSAVED.pop(account, None)
    try:
        keyring.delete_password(KEYRING_SERVICE, account)
    except keyring.errors.KeyringError:
        pass


def encrypt_plain_store(path: Path, key_hex: str) -> None:
    """Rewrite the unencrypted store at ``path`` encrypted under ``key_hex`` (same file name)."""
    import sqlcipher3

    tmp = path.with_name(path.name + ".encrypting")
    tmp.unlink(missing_ok=True)
    conn = sqlcipher3.connect(str(path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key_hex}'\"", (str(tmp),))
        conn.execute("SELECT sqlcipher_export('encrypted')")
        conn.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        conn.execute("DETACH DATABASE encrypted")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.replace(tmp, path)


def _set_aside(path: Path) -> None:
    aside = path.with_name(path.name + ".unreadable")
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def open_store(path: Path) -> OpenedStore:
    """The encrypted local store at ``path``, migrated (made, encrypted or set aside as needed)."""
    from workbench.local_store.db import open_local

    notice = None
    key = _load_key(path)
    if key is None:
        key = secrets.token_hex(32)
        if path.exists():
            if is_plain_sqlite(path):
                encrypt_plain_store(path, key)
            else:
                log.warning("local store %s: key missing from the keyring; starting afresh", path)
                _set_aside(path)
                notice = MISSING_KEY_NOTICE
        _save_key(path, key)
    try:
        engine = open_local(path, key=key)
    except DatabaseError:  # a key that is not this file's (or a damaged file): start afresh
        log.warning("local store %s: cannot be read with its key; starting afresh", path, exc_info=True)
        _set_aside(path)
        key = secrets.token_hex(32)
        _save_key(path, key)
        engine = open_local(path, key=key)
        notice = MISSING_KEY_NOTICE
    return OpenedStore(engine, _carry_notice(engine, notice))


def _carry_notice(engine: Engine, notice: str | None) -> str | None:
    """Keep a fresh start's notice in the new store until someone opens it to show it (the
    first open may be a start-up check that shows nothing)."""
    from workbench.core.dbutil import unit_of_work
    from workbench.local_store.db import session_factory
    from workbench.local_store.models import SyncState

    with unit_of_work(session_factory(engine)) as s:
        row = s.get(SyncState, "store_notice")
        if notice is not None:
            if row is None:
                s.add(SyncState(key="store_notice", value=notice))
            return notice
        if row is not None:
            s.delete(row)
            return row.value
    return None
