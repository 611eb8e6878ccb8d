"""Alembic environment: runs on the connection handed in by ``alembic_upgrade``."""

from __future__ import annotations

from server_stub.storage.models import Base
from workbench.core.dbutil import run_alembic_env

run_alembic_env(Base.metadata)
