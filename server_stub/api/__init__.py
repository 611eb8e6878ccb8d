"""The central server's HTTP API (FastAPI)."""

from __future__ import annotations

from server_stub.api.app import (
    MIN_CLIENT_SCHEMA,
    SCHEMA_VERSION,
    Settings,
    app_from_env,
    create_app,
)

__all__ = ["MIN_CLIENT_SCHEMA", "SCHEMA_VERSION", "Settings", "app_from_env", "create_app"]
