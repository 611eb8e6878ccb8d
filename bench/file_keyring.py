"""A keyring backend kept in a JSON file, for benchmarks only: the real app's stored session
(a refresh token in the keyring) must survive from one process to the next, and a bare Linux
box has no system keyring. Chosen with ``PYTHON_KEYRING_BACKEND=bench.file_keyring.FileKeyring``
and ``BENCH_KEYRING_FILE=<path>``. Never use it for real tokens."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
import keyring.errors


class FileKeyring(keyring.backend.KeyringBackend):
    priority = 0  # type: ignore[assignment]  # never chosen automatically

    def _path(self) -> Path:
        return Path(os.environ["BENCH_KEYRING_FILE"])

    def _items(self) -> dict[str, str]:
        try:
            return dict(json.loads(self._path().read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._items().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        items = self._items()
        items[f"{service}\n{username}"] = password
        self._path().write_text(json.dumps(items), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        items = self._items()
        if items.pop(f"{service}\n{username}", None) is None:
            raise keyring.errors.PasswordDeleteError("no such item")
        self._path().write_text(json.dumps(items), encoding="utf-8")
