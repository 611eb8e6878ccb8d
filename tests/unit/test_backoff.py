"""The sync loops' one back-off (issue #14, point 4): tenacity's exponential schedule."""

from __future__ import annotations

from workbench.services.backoff import Backoff
from workbench.views import sync_controller


def test_delays_double_with_jitter_up_to_the_cap_and_reset_after_a_success() -> None:
    b = Backoff(initial=1.0, maximum=30.0, jitter=0.5)
    delays = [b.next_delay() for _ in range(8)]
    for n, d in enumerate(delays[:5]):  # 1, 2, 4, 8, 16 s plus up to 0.5 s
        assert 2.0**n <= d <= 2.0**n + 0.5
    assert delays[5:] == [30.0, 30.0, 30.0]
    assert b.failures == 8
    b.reset()
    assert 1.0 <= b.next_delay() <= 1.5


def test_without_jitter_the_schedule_is_exact() -> None:
    b = Backoff(initial=0.5, maximum=3.0, jitter=0.0)
    assert [b.next_delay() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_the_sync_loops_use_it() -> None:
    import inspect

    source = inspect.getsource(sync_controller.SyncController)
    assert source.count("Backoff(maximum=MAX_BACKOFF_S)") == 2
    assert "backoff * 2" not in source
