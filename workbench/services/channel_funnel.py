"""The SMS channel on the dashboards (issue 15 point 8): SMS sent, delivered, links opened,
orders and cost per order, and the funnel SMS -> link opened -> ordered.

The figures come from the server's report (``GET /api/v1/reports/sms-funnel``) through the
server client, not from synced rows: a desk holds the SMS contact events, but neither the
gateway's delivery reports per message nor the online zone's visits (those stay on the
server: a visit is the customer's, and a message's text holds their personal link), so a desk
could count "sent" but never "delivered" or "link opened". The report is also scoped by the
server (a lead's team, an administrator everyone) and counts only what followed the SMS.
No Qt here; the view-model runs :func:`fetch` off the GUI thread.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

#: the stages of the funnel, in order
STAGES = ("sent", "delivered", "links_opened", "ordered")
DEFAULT_DAYS = 30


class _Reports(Protocol):
    def sms_funnel(self, days: int = DEFAULT_DAYS) -> dict[str, Any]: ...


@dataclass(frozen=True)
class FunnelStage:
    key: str
    count: int
    #: share of the stage before (None for the first, or when that one is 0)
    of_previous: float | None
    #: share of the first stage (messages sent)
    of_first: float | None


@dataclass(frozen=True)
class SmsChannelFigures:
    """One period's SMS channel, as the server counted it."""

    days: int
    messages: int
    sent: int
    delivered: int
    failed: int
    waiting: int
    customers_reached: int
    links_opened: int
    ordered: int
    cost: float
    cost_per_order: float | None

    @classmethod
    def from_report(cls, body: Mapping[str, Any], days: int) -> SmsChannelFigures:
        """Checked: a count is a non-negative whole number, money finite and non-negative."""

        def count(key: str) -> int:
            v = body.get(key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"the SMS report's {key!r} is not a count: {v!r}")
            return v

        def money(key: str, optional: bool = False) -> float | None:
            v = body.get(key)
            if v is None and optional:
                return None
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
                raise ValueError(f"the SMS report's {key!r} is not an amount: {v!r}")
            return float(v)

        cost = money("cost")
        assert cost is not None
        return cls(days=days, messages=count("messages"), sent=count("sent"), delivered=count("delivered"),
                   failed=count("failed"), waiting=count("waiting"), customers_reached=count("customers_reached"),
                   links_opened=count("links_opened"), ordered=count("ordered"), cost=cost,
                   cost_per_order=money("cost_per_order", optional=True))

    def stages(self) -> tuple[FunnelStage, ...]:
        """SMS sent -> delivered -> link opened -> ordered, with the step and overall rates."""
        out: list[FunnelStage] = []
        first = self.sent
        previous: int | None = None
        for key in STAGES:
            n = int(getattr(self, key))
            out.append(FunnelStage(key, n, _share(n, previous), _share(n, first)))
            previous = n
        return tuple(out)

    @property
    def delivery_rate(self) -> float | None:
        return _share(self.delivered, self.sent)


def _share(part: int, whole: int | None) -> float | None:
    return None if not whole else part / whole


def fetch(api: _Reports, days: int = DEFAULT_DAYS) -> SmsChannelFigures:
    """The server's SMS figures for the last ``days`` days (raises the client's errors:
    offline, not allowed)."""
    return SmsChannelFigures.from_report(api.sms_funnel(days), days)
