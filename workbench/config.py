"""Settings, each declared once with its type, default and description.

Stored as JSON in the platform's config folder (``WORKBENCH_CONFIG_DIR`` overrides it).
Secrets never go here: the refresh token lives in the OS keyring.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    description: str


SETTINGS: tuple[Setting, ...] = (
    Setting("server_url", str, "http://127.0.0.1:8765", "Base URL of the central server"),
    Setting("language", str, "zh", "Interface language: zh (中文) or en (English)"),
    Setting("last_username", str, "", "User name remembered by the login dialog"),
    Setting("data_dir", str, "", "Folder of the local store; empty = the platform's app-data folder"),
    Setting("softphone_host", str, "127.0.0.1", "Host of the softphone's control port (baresip ctrl_tcp)"),
    Setting("softphone_port", int, 4444, "Port of the softphone's control port (0 = no softphone)"),
    Setting("sync_interval_s", int, 5, "Seconds between sync rounds when idle"),
    Setting("undo_seconds", int, 5, "How long a saved outcome can be undone before it is sent"),
    Setting("ca_bundle", str, "", "PEM file of the company's CA certificates, trusted besides the system's "
                                  "(empty = the system's only)"),
    Setting("allow_plain_http", bool, False, "Allow plain http:// to a server on another machine "
                                             "(passwords and data unencrypted; loopback is always allowed)"),
    Setting("device_id", str, "", "This installation's id, sent when logging in (made on first start; "
                                  "a device that logged in before is let through login throttles)"),
)
_BY_KEY = {s.key: s for s in SETTINGS}


def config_dir() -> Path:
    env = os.environ.get("WORKBENCH_CONFIG_DIR")
    return Path(env) if env else Path(platformdirs.user_config_dir("agent-workbench"))


class Settings:
    """Typed access to the settings file. Unknown keys are refused."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or (config_dir() / "settings.json")
        self._values: dict[str, Any] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(raw, dict):
                for key, value in raw.items():
                    spec = _BY_KEY.get(key)
                    if spec and isinstance(value, spec.type):
                        self._values[key] = value
        except (OSError, ValueError):
            pass  # missing or corrupt file: defaults

    def get(self, key: str) -> Any:
        spec = _BY_KEY[key]
        return self._values.get(key, spec.default)

    def set(self, key: str, value: Any) -> None:
        spec = _BY_KEY.get(key)
        if spec is None:
            raise KeyError(f"unknown setting: {key}")
        if not isinstance(value, spec.type):
            raise TypeError(f"{key} must be {spec.type.__name__}")
        self._values[key] = value

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._values, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(self.path)

    def data_dir(self) -> Path:
        configured = self.get("data_dir") or os.environ.get("WORKBENCH_DATA_DIR", "")
        return Path(configured) if configured else Path(platformdirs.user_data_dir("agent-workbench"))
