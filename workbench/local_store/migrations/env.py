"""Alembic environment: runs on the connection handed in by ``alembic_upgrade``."""

from __future__ import annotations

from workbench.core.dbutil import run_alembic_env
from workbench.local_store.models import Base

run_alembic_env(Base.metadata)
