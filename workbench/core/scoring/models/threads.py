"""How many native (OpenMP / BLAS) threads scoring work may use."""

from __future__ import annotations

import os
from typing import Any


def compute_threads() -> int:
    """Native threads (OpenMP / BLAS) for scoring work: ``$WORKBENCH_SCORING_THREADS``, default 1.

    One thread by default: the desktop shares the machine with the UI and the server with
    other work, and oversubscribed OpenMP/BLAS threads were measured 10x slower on a busy
    2-core box (Telco evaluation 47 s with default threads vs 4 s with one).
    """
    try:
        return max(1, int(os.environ.get("WORKBENCH_SCORING_THREADS", "1")))
    except ValueError:
        return 1


def limited_threads() -> Any:
    """A context manager capping native threads at :func:`compute_threads`."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=compute_threads())
