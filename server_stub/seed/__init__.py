"""Demo data for the central store: ``workbench-server seed-demo`` and :func:`seed_demo`."""

from __future__ import annotations

from server_stub.seed.demo import SeedError, SeedSummary, seed_demo

__all__ = ["SeedError", "SeedSummary", "seed_demo"]
