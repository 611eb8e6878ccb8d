"""The appointment a work order carries: when the customer agreed to come to the store.

An agent who hands a customer to a store (seed 001, case 1) agrees a time with them; the
store's receptionists see the day's appointments in time order. The desktop parses what the
agent types, both sides check the result with the same rules, and the work list orders by it.

Times are aware UTC when stored and sent; what a person types and reads is wall time of the
business time zone (:data:`workbench.core.clock.BUSINESS_TZ`). Stores carry no opening hours
of their own yet, so every store is taken to be open :data:`STORE_HOURS`.

Problems come back as :class:`AppointmentProblem` (a code for the desktop to translate and an
English message naming the field, which the server sends back as the rejection reason).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from workbench.core.clock import BUSINESS_TZ, UTC

__all__ = [
    "DEFAULT_MINUTES",
    "MAX_AHEAD",
    "MAX_INPUT_LENGTH",
    "MAX_MINUTES",
    "MIN_MINUTES",
    "OFFLINE_AGREED_WINDOW",
    "PAST_GRACE",
    "SLOT_CHOICES",
    "STORE_HOURS",
    "AppointmentProblem",
    "business_day",
    "check_appointment",
    "day_appointments",
    "format_slot",
    "order_for_store",
    "agreed_reference",
    "parse_appointment",
]

#: When every store takes appointments (business wall time), until stores carry their own hours.
STORE_HOURS = (dt.time(9, 0), dt.time(21, 0))
#: How far ahead an appointment may be agreed.
MAX_AHEAD = dt.timedelta(days=90)
#: Slot lengths the form offers, in minutes; the first that fits is the default.
SLOT_CHOICES = (15, 30, 45, 60, 90, 120)
DEFAULT_MINUTES = 30
MIN_MINUTES, MAX_MINUTES = 5, 240
#: What may be typed in the appointment field.
MAX_INPUT_LENGTH = 40
#: The server accepts an appointment this much in the past: the desk checked it against its
#: own clock, and the push reaches the server a moment later.
PAST_GRACE = dt.timedelta(minutes=5)
#: A desk that was offline pushes its work orders late: the server checks "not in the past"
#: against the time the desk says it agreed the appointment, if that lies at most this far back
#: (a forged earlier time can only make an appointment that shows as missed, never lose one).
OFFLINE_AGREED_WINDOW = dt.timedelta(days=7)


def agreed_reference(now: dt.datetime, agreed: Any) -> dt.datetime:
    """The instant "not in the past" is checked against on the server: the desk's ``agreed``
    time (its work order's ``created_at``) when it lies in ``[now - OFFLINE_AGREED_WINDOW, now]``,
    else ``now``."""
    if isinstance(agreed, dt.datetime) and agreed.tzinfo is not None and now - OFFLINE_AGREED_WINDOW <= agreed <= now:
        return agreed
    return now


class AppointmentProblem(ValueError):
    """Why an appointment cannot be taken.

    ``code`` is one of ``format``, ``past``, ``too_far``, ``closed``, ``duration``, ``type``;
    ``params`` fill the desktop's translated message; ``message`` is English for the server.
    """

    def __init__(self, code: str, message: str, params: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params = dict(params or {})


_HHMM = r"(?P<h>\d{1,2})[:：](?P<m>\d{2})"
_FORMS = (
    re.compile(rf"^(?P<y>\d{{4}})-(?P<mo>\d{{1,2}})-(?P<d>\d{{1,2}})\s+{_HHMM}$"),
    re.compile(rf"^(?P<mo>\d{{1,2}})-(?P<d>\d{{1,2}})\s+{_HHMM}$"),
    re.compile(rf"^\+(?P<plus>\d{{1,2}})\s+{_HHMM}$"),
    re.compile(rf"^{_HHMM}$"),
)


def business_day(at: dt.datetime) -> dt.date:
    """The business date of an aware time."""
    return at.astimezone(BUSINESS_TZ).date()


def parse_appointment(text: str, now: dt.datetime) -> dt.datetime | None:
    """The aware UTC time ``text`` names, or ``None`` for an empty field.

    Accepted (business wall time): ``14:30`` (today), ``+1 10:00`` (in one day),
    ``12-05 14:30`` (this year), ``2026-12-05 14:30``. The result is not checked against the
    clock or the opening hours: :func:`check_appointment` does that.

    Raises:
        AppointmentProblem: ``format`` if the text is none of these or names no real time.
    """
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_INPUT_LENGTH:
        raise AppointmentProblem("format", f"appointment: longer than {MAX_INPUT_LENGTH} characters")
    today = business_day(now)
    for form in _FORMS:
        m = form.match(text)
        if m is None:
            continue
        g = m.groupdict()
        try:
            if g.get("plus") is not None:
                day = today + dt.timedelta(days=int(g["plus"]))
            elif g.get("mo") is not None:
                day = dt.date(int(g["y"]) if g.get("y") else today.year, int(g["mo"]), int(g["d"]))
            else:
                day = today
            wall = dt.datetime.combine(day, dt.time(int(g["h"]), int(g["m"])), BUSINESS_TZ)
        except ValueError:  # 25:00, 02-30
            break
        return wall.astimezone(UTC)
    raise AppointmentProblem("format", f"appointment: {text!r} is not a time such as 14:30, "
                                       "+1 10:00 or 2026-12-05 14:30", {"text": text})


def check_appointment(at: Any, minutes: Any, *, now: dt.datetime,
                      hours: tuple[dt.time, dt.time] = STORE_HOURS,
                      grace: dt.timedelta = dt.timedelta(0)) -> None:
    """Refuse an appointment at ``at`` (aware) lasting ``minutes`` (or ``None``) that is not in
    the future (``grace`` allowed), more than :data:`MAX_AHEAD` away, or not within the store's
    opening ``hours`` on its business day.

    Raises:
        AppointmentProblem: with the first reason found.
    """
    if not isinstance(at, dt.datetime) or at.tzinfo is None:
        raise AppointmentProblem("type", "appointment_at: expected an aware time")
    if minutes is not None:
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or not math.isfinite(minutes):
            raise AppointmentProblem("type", "appointment_minutes: expected a whole number of minutes")
        if minutes != int(minutes) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
            raise AppointmentProblem(
                "duration", f"appointment_minutes: {minutes!r} is out of range ({MIN_MINUTES} to {MAX_MINUTES})",
                {"lo": str(MIN_MINUTES), "hi": str(MAX_MINUTES)})
    if at < now - grace:
        raise AppointmentProblem("past", f"appointment_at: {at.isoformat()} is in the past")
    if at > now + MAX_AHEAD:
        raise AppointmentProblem("too_far", f"appointment_at: more than {MAX_AHEAD.days} days ahead",
                                 {"days": str(MAX_AHEAD.days)})
    wall = at.astimezone(BUSINESS_TZ)
    opens, closes = hours
    start = wall.time()
    end = (wall + dt.timedelta(minutes=int(minutes or 0))).time() if minutes else start
    crosses_midnight = minutes and (wall + dt.timedelta(minutes=int(minutes))).date() != wall.date()
    if start < opens or end > closes or crosses_midnight:
        raise AppointmentProblem(
            "closed", f"appointment_at: {wall:%H:%M} is outside the store's hours "
                      f"({opens:%H:%M} to {closes:%H:%M})",
            {"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"})


def format_slot(at: dt.datetime | None, minutes: int | None, today: dt.date | None = None) -> str:
    """``14:30–15:00`` in business wall time, with the date (``12-05``) unless it is ``today``."""
    if at is None:
        return ""
    wall = at.astimezone(BUSINESS_TZ)
    text = f"{wall:%H:%M}"
    if minutes:
        text += f"–{wall + dt.timedelta(minutes=minutes):%H:%M}"
    if today is None or wall.date() != today:
        text = f"{wall:%m-%d} {text}" if today is not None and wall.year == today.year else f"{wall:%Y-%m-%d} {text}"
    return text


T = TypeVar("T")


def day_appointments(items: Iterable[T], day: dt.date,
                     at: Callable[[T], dt.datetime | None]) -> list[T]:
    """The items whose appointment falls on business ``day``, earliest first."""
    on_day = [(when, i, item) for i, item in enumerate(items)
              if (when := at(item)) is not None and business_day(when) == day]
    on_day.sort(key=lambda x: (x[0], x[1]))
    return [item for _, _, item in on_day]


def order_for_store(items: Iterable[T], today: dt.date,
                    at: Callable[[T], dt.datetime | None]) -> list[T]:
    """A store's work orders: today's appointments in time order, then later ones in time
    order, then those without an appointment (in the order given), then past days' ones."""
    def rank(pair: tuple[int, T]) -> tuple[int, float, int]:
        i, item = pair
        when = at(item)
        if when is None:
            return (2, 0.0, i)
        day = business_day(when)
        group = 0 if day == today else (1 if day > today else 3)
        return (group, when.timestamp(), i)
    return [item for _, item in sorted(enumerate(items), key=rank)]
