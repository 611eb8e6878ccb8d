"""An unencrypted local store's context, for benchmarks whose floors read the same file with
bare ``sqlite3`` (the app itself always opens its store encrypted: ``workbench.app``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.app import LocalContext
from workbench.local_store.db import open_local, session_factory
from workbench.services.actor import Actor
from workbench.services.outcomes import OutcomeService
from workbench.services.screen_pop import ScreenPopService


def plain_context(store: Path, actor: Actor, key: str | None = None, **kwargs: Any) -> LocalContext:
    """The store at ``store`` (unencrypted, or SQLCipher under the raw ``key``) and its services."""
    engine = open_local(Path(store), key=key)
    sf = session_factory(engine)
    return LocalContext(engine, sf, actor, ScreenPopService(sf, actor, **kwargs), OutcomeService(sf, actor))
