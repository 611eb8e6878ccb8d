"""Where the refresh token lives: the OS keyring, never a plain file.

On a desktop without a keyring backend (a bare Linux box) we do not fall back to a file:
:func:`keyring_status` says so in words the login dialog shows, and the user logs in each
time. Tests and CI choose the in-memory backend deliberately with ``WORKBENCH_KEYRING=memory``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import fail

SERVICE = "agent-workbench"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A process-local keyring: for tests, CI and demos on headless machines. Nothing is stored."""

    priority = 0  # never chosen automatically

    def __init__(self) -> None:
        super().__init__()
        self._items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such item")


@dataclass(frozen=True)
class KeyringStatus:
    usable: bool
    backend: str
    message: str  # empty when usable; otherwise what the user should know


def configure_keyring() -> KeyringStatus:
    """Pick the backend (``WORKBENCH_KEYRING=memory`` forces the in-memory one) and report it."""
    if os.environ.get("WORKBENCH_KEYRING") == "memory":
        if not isinstance(keyring.get_keyring(), MemoryKeyring):
            keyring.set_keyring(MemoryKeyring())
        return KeyringStatus(True, "memory", "")
    return keyring_status()


def keyring_status() -> KeyringStatus:
    backend = keyring.get_keyring()
    name = type(backend).__name__
    if isinstance(backend, fail.Keyring):
        return KeyringStatus(
            False,
            name,
            "No system keyring is available, so you will be asked to log in each time. "
            "Install and unlock a keyring (e.g. GNOME Keyring or KWallet) to stay signed in.",
        )
    return KeyringStatus(True, name, "")


class TokenStore:
    """Reads and writes a user's refresh token in the keyring."""

    def __init__(self, server_url: str) -> None:
        self._service = f"{SERVICE}:{server_url}"

    def load(self, username: str) -> str | None:
        try:
            return keyring.get_password(self._service, username)
        except keyring.errors.KeyringError:
            return None

    def save(self, username: str, refresh_token: str) -> bool:
        """Store the token; False if no keyring can hold it (the caller tells the user)."""
        try:
            keyring.set_password(self._service, username, refresh_token)
            return True
        except keyring.errors.KeyringError:
            return False

    def forget(self, username: str) -> None:
        try:
            keyring.delete_password(self._service, username)
        except keyring.errors.KeyringError:
            pass
