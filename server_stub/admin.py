"""``workbench-server migrate``: create or upgrade the central store's schema."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``migrate``."""
    parser.add_argument("--db", help="central store URL (default: $WORKBENCH_SERVER_DB or the user's data folder)")


def run(args: argparse.Namespace) -> int:
    """Run the Alembic migrations up to the newest revision."""
    from server_stub.storage.db import default_db_url, open_central

    url = args.db or default_db_url()
    open_central(url).dispose()
    print(f"central store migrated: {_safe(url)}")
    return 0


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
