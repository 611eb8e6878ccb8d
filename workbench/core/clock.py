"""Time helpers and the one business time zone.

Every timestamp is stored and sent as aware UTC. Business days (report dates, quiet hours of a
customer without a known zone, the times a desk shows) are counted in :data:`BUSINESS_TZ`, the
zone of the operator's call centres. Nothing else in the code names a zone or an offset.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

UTC = dt.UTC

#: The IANA name of the business time zone (the default of a customer's ``timezone``).
BUSINESS_TZ_NAME = "Asia/Shanghai"
#: The business time zone.
BUSINESS_TZ = ZoneInfo(BUSINESS_TZ_NAME)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(UTC)


def parse_when(value: Any, field: str = "time") -> dt.datetime:
    """Parse an ISO 8601 timestamp (naive means UTC) into an aware UTC datetime.

    Raises:
        ValueError: if ``value`` is neither a datetime nor an ISO 8601 string.
    """
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{field}: not an ISO 8601 time: {value!r}") from None
    else:
        raise ValueError(f"{field}: expected an ISO 8601 time, got {type(value).__name__}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def business_day_bounds(start: dt.date | None, end: dt.date | None
                        ) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Inclusive business dates ``start .. end`` as aware UTC bounds ``[lo, hi)``."""
    lo = dt.datetime.combine(start, dt.time(), BUSINESS_TZ).astimezone(UTC) if start else None
    hi = (dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), BUSINESS_TZ).astimezone(UTC)
          if end else None)
    return lo, hi
