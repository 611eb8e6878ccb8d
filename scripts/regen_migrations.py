"""Regenerate the baseline migration (0001) of both stores from the models.

Pre-release only: while the schema has a single baseline revision, changing a model means
regenerating it (``make migrations``). Once a release ships, add new revisions instead.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parents[1]
STORES = {
    "central store": ROOT / "server_stub" / "storage" / "migrations",
    "local store": ROOT / "workbench" / "local_store" / "migrations",
}


def regen(name: str, location: Path) -> None:
    for old in (location / "versions").glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Config()
        cfg.set_main_option("script_location", str(location))
        cfg.set_main_option("sqlalchemy.url", f"sqlite:///{tmp}/empty.db")
        command.revision(cfg, message="baseline", autogenerate=True, rev_id="0001")
    print(f"{name}: regenerated {location / 'versions'}")


if __name__ == "__main__":
    for name, loc in STORES.items():
        regen(name, loc)
