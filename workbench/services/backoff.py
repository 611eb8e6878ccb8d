"""The one retry back-off of the sync loops: tenacity's exponential schedule with jitter.

The push and pull loops run for the whole session and must wake at once when the app stops or
new work arrives, so they keep their own ``threading.Event`` waits; what they take from here is
how long to wait after the n-th failure in a row (1 s, 2 s, 4 s ... up to ``maximum``, plus up
to ``jitter`` seconds at random so that a room full of desktops does not retry in step after
the server comes back), computed by :func:`tenacity.wait_exponential_jitter`.
"""

from __future__ import annotations

import tenacity

__all__ = ["Backoff"]


class Backoff:
    """Delays after consecutive failures; :meth:`reset` after a success. Not thread-safe: one
    per loop."""

    def __init__(self, initial: float = 1.0, maximum: float = 30.0, jitter: float = 0.5) -> None:
        self._wait = tenacity.wait_exponential_jitter(multiplier=initial, max=maximum, jitter=jitter)
        self._state = tenacity.RetryCallState(tenacity.Retrying(), None, (), {})
        self.failures = 0

    def next_delay(self) -> float:
        """Seconds to wait after one more failure in a row."""
        self.failures += 1
        self._state.attempt_number = self.failures
        return float(self._wait(self._state))

    def reset(self) -> None:
        """A success: the next failure waits ``initial`` again."""
        self.failures = 0
