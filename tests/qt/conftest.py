from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.local_data import AGENT, build_local_store
from workbench.app import LocalContext
from workbench.services.outcomes import OutcomeService
from workbench.services.screen_pop import ScreenPopService


@pytest.fixture
def local_ctx(tmp_path: Path) -> Iterator[LocalContext]:
    sf = build_local_store(tmp_path / "local.db")
    engine = sf.kw["bind"]
    yield LocalContext(engine, sf, AGENT, ScreenPopService(sf, AGENT), OutcomeService(sf, AGENT))
    engine.dispose()
